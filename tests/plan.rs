//! The plan command (`cargo run --example plan`): the steps it derives from a DDL edit are the
//! ones a maintainer would write, and, pasted into a next version, migrate a file of the shipped
//! version with every row kept and verification passing. One test per kind of change, and the
//! repository's own example v5. Native (the planner is a maintainer's tool).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use agentmux_schema::plan::{plan, Plan, PlannedStep};
use agentmux_schema::{migrate_spec, AdditiveColumn, Change, Spec, SqlConn, Step, Store};
use common::*;

const SHIPPED: &str = include_str!("../crates/core/src/sql/snapshots/objects_v4.sql");
const NEXT: i64 = agentmux_schema::OBJECT_SCHEMA_VERSION + 1;

/// The shipped objects.db DDL with `from` replaced by `to` in the drone tables (where it must
/// occur).
fn edited(from: &str, to: &str) -> String {
    let ddl = Store::Objects.ddl();
    let at = ddl.find("CREATE TABLE IF NOT EXISTS db_drone_definitions").unwrap();
    assert!(ddl[at..].contains(from), "the drone tables have no {from:?}");
    format!("{}{}", &ddl[..at], ddl[at..].replacen(from, to, 1))
}

fn plan_for(ddl: &str) -> Plan {
    plan(&mem(), Store::Objects, NEXT, SHIPPED, ddl).unwrap()
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// The planned steps as the `Step`s of a next version.
fn as_steps(plan: &Plan) -> Vec<Step> {
    plan.steps
        .iter()
        .map(|s| Step {
            since: plan.since,
            change: match s {
                PlannedStep::AddColumn { table, column, definition } => Change::AddColumn(AdditiveColumn {
                    table: leak(table),
                    column: leak(column),
                    definition: leak(definition),
                }),
                PlannedStep::RebuildTable { table, column_exprs } => {
                    Change::RebuildTable { table: leak(table), column_exprs: leak(column_exprs) }
                }
                PlannedStep::Sql { name, sql } => Change::Sql { name: leak(name), sql: leak(sql) },
            },
        })
        .collect()
}

/// A v4 file with two rows in every drone table, migrated to `ddl` with the plan's steps pasted
/// in: it must succeed (verification included) and keep every row.
fn migrates_with_the_plan(ddl: &str, plan: &Plan) {
    let db = db_with(&format!("{SHIPPED}\nPRAGMA user_version = {};", NEXT - 1));
    db.exec(
        "INSERT INTO db_drone_definitions (id, name) VALUES ('d1', 'one'), ('d2', 'two'); \
         INSERT INTO db_drone_runs (id, drone_id) VALUES ('r1', 'd1'), ('r2', 'd2');",
    )
    .unwrap();
    let steps: Vec<Step> = Store::Objects.spec().steps.iter().copied().chain(as_steps(plan)).collect();
    let spec =
        Spec { version: NEXT, ddl: leak(ddl), steps: Box::leak(steps.into_boxed_slice()), ..*Store::Objects.spec() };
    let report = migrate_spec(&db, &spec).unwrap_or_else(|e| panic!("{e}\n{}", plan.render()));
    assert_eq!(version(&db), NEXT);
    assert_eq!(count(&db, "SELECT count(*) FROM db_drone_definitions WHERE id IN ('d1', 'd2')"), 2, "{report:?}");
    assert_eq!(count(&db, "SELECT count(*) FROM db_drone_runs WHERE id IN ('r1', 'r2')"), 2, "{report:?}");
    assert_eq!(dump(&db), {
        let fresh = mem();
        migrate_spec(&fresh, &spec).unwrap();
        dump(&fresh)
    });
}

#[test]
fn an_unchanged_ddl_needs_no_step() {
    for store in Store::ALL {
        let shipped = agentmux_schema::snapshot::render(&mem(), store.spec()).unwrap();
        let p = plan(&mem(), store, store.version() + 1, &shipped, store.ddl()).unwrap();
        assert!(p.steps.is_empty() && p.decisions.is_empty(), "{store:?}: {p:?}");
        assert!(p.render().contains("no change to the schema needs a step"));
    }
}

#[test]
fn the_example_v5_plan_is_its_hand_written_rebuild() {
    // The repository's example v5 (tests/evolution.rs): db_drone_definitions gains a CHECK, and
    // its hand-written step is `RebuildTable { table: "db_drone_definitions", column_exprs: "*" }`
    // (plus a data backfill, which no DDL implies). The plan spells `*` out as the column list.
    let current = Store::Objects.ddl();
    let start = current.find("CREATE TABLE IF NOT EXISTS db_drone_definitions").unwrap();
    let end = start + current[start..].find(");").unwrap() + 2;
    let table = include_str!("fixtures/example_v5/db_drone_definitions.sql");
    let ddl =
        format!("{}{}{}", &current[..start], table.trim_end().trim_end_matches(';').to_owned() + ";", &current[end..]);
    let p = plan_for(&ddl);
    let columns = "id, name, description, graph, viewport, created_at, updated_at";
    assert_eq!(
        p.steps,
        [PlannedStep::RebuildTable { table: "db_drone_definitions".into(), column_exprs: columns.into() }],
        "{}",
        p.render()
    );
    assert!(p.decisions.is_empty());
    // `*` and the list are the same copy: the example's table keeps its columns in order.
    let names: Vec<String> =
        dump(&db_with(SHIPPED)).tables["db_drone_definitions"].columns.iter().map(|c| c.name.clone()).collect();
    assert_eq!(names.join(", "), columns);
    migrates_with_the_plan(&ddl, &p);
}

#[test]
fn a_column_with_a_default_is_an_add_column() {
    let ddl = edited(
        "    updated_at  INTEGER NOT NULL DEFAULT 0\n);\nCREATE INDEX IF NOT EXISTS idx_drone_definitions_updated",
        "    updated_at  INTEGER NOT NULL DEFAULT 0,\n    tags TEXT NOT NULL DEFAULT '[]',\n    note TEXT\n);\n\
         CREATE INDEX IF NOT EXISTS idx_drone_definitions_updated",
    );
    let p = plan_for(&ddl);
    assert_eq!(
        p.steps,
        [
            PlannedStep::AddColumn {
                table: "db_drone_definitions".into(),
                column: "tags".into(),
                definition: "TEXT NOT NULL DEFAULT '[]'".into()
            },
            PlannedStep::AddColumn {
                table: "db_drone_definitions".into(),
                column: "note".into(),
                definition: "TEXT".into()
            },
        ],
        "{}",
        p.render()
    );
    assert!(p.render().contains("Change::AddColumn(AdditiveColumn {"));
    migrates_with_the_plan(&ddl, &p);
}

#[test]
fn a_column_alter_table_cannot_add_is_a_rebuild() {
    // A non-constant default: SQLite's ALTER TABLE refuses it, a rebuild fills it.
    let ddl = edited(
        "    updated_at  INTEGER NOT NULL DEFAULT 0\n);\nCREATE INDEX IF NOT EXISTS idx_drone_definitions_updated",
        "    updated_at  INTEGER NOT NULL DEFAULT 0,\n    seen_at INTEGER NOT NULL DEFAULT (unixepoch())\n);\n\
         CREATE INDEX IF NOT EXISTS idx_drone_definitions_updated",
    );
    let p = plan_for(&ddl);
    assert_eq!(
        p.steps,
        [PlannedStep::RebuildTable {
            table: "db_drone_definitions".into(),
            column_exprs: "id, name, description, graph, viewport, created_at, updated_at, unixepoch()".into()
        }],
        "{}",
        p.render()
    );
    migrates_with_the_plan(&ddl, &p);
}

#[test]
fn a_changed_type_default_or_constraint_is_a_rebuild() {
    for (from, to) in [
        (
            "    created_at  INTEGER NOT NULL DEFAULT 0,\n    updated_at",
            "    created_at  TEXT NOT NULL DEFAULT 0,\n    updated_at",
        ),
        (
            "    description TEXT NOT NULL DEFAULT '',\n    graph",
            "    description TEXT NOT NULL DEFAULT '-',\n    graph",
        ),
        (
            "    name        TEXT NOT NULL,\n    description TEXT NOT NULL DEFAULT '',\n    graph",
            "    name        TEXT NOT NULL COLLATE NOCASE,\n    description TEXT NOT NULL DEFAULT '',\n    graph",
        ),
        (
            "    name        TEXT NOT NULL,\n    description TEXT NOT NULL DEFAULT '',\n    graph",
            "    name        TEXT NOT NULL UNIQUE,\n    description TEXT NOT NULL DEFAULT '',\n    graph",
        ),
    ] {
        let ddl = edited(from, to);
        let p = plan_for(&ddl);
        assert_eq!(
            p.steps,
            [PlannedStep::RebuildTable {
                table: "db_drone_definitions".into(),
                column_exprs: "id, name, description, graph, viewport, created_at, updated_at".into()
            }],
            "{to}: {}",
            p.render()
        );
        migrates_with_the_plan(&ddl, &p);
    }
}

#[test]
fn a_changed_foreign_key_is_a_rebuild() {
    let ddl = edited(
        "REFERENCES db_drone_definitions(id) ON DELETE CASCADE",
        "REFERENCES db_drone_definitions(id) ON DELETE RESTRICT",
    );
    let p = plan_for(&ddl);
    assert_eq!(
        p.steps,
        [PlannedStep::RebuildTable {
            table: "db_drone_runs".into(),
            column_exprs: "id, drone_id, status, started_at, ended_at, block_states, output, error".into()
        }],
        "{}",
        p.render()
    );
    migrates_with_the_plan(&ddl, &p);
}

#[test]
fn a_new_column_order_is_a_rebuild_listing_the_new_order() {
    let ddl = edited(
        "    created_at  INTEGER NOT NULL DEFAULT 0,\n    updated_at  INTEGER NOT NULL DEFAULT 0\n);",
        "    updated_at  INTEGER NOT NULL DEFAULT 0,\n    created_at  INTEGER NOT NULL DEFAULT 0\n);",
    );
    let p = plan_for(&ddl);
    assert_eq!(
        p.steps,
        [PlannedStep::RebuildTable {
            table: "db_drone_definitions".into(),
            column_exprs: "id, name, description, graph, viewport, updated_at, created_at".into()
        }],
        "{}",
        p.render()
    );
    migrates_with_the_plan(&ddl, &p);
}

#[test]
fn a_dropped_index_is_a_data_step_and_a_new_one_a_note() {
    let ddl = edited(
        "CREATE INDEX IF NOT EXISTS idx_drone_runs_status\n    ON db_drone_runs(status);",
        "CREATE INDEX IF NOT EXISTS idx_drone_runs_ended\n    ON db_drone_runs(ended_at);",
    );
    let p = plan_for(&ddl);
    assert_eq!(
        p.steps,
        [PlannedStep::Sql {
            name: "drop index idx_drone_runs_status".into(),
            sql: "DROP INDEX IF EXISTS \"idx_drone_runs_status\"".into()
        }]
    );
    assert!(p.notes.iter().any(|n| n.contains("idx_drone_runs_ended is new")), "{p:?}");
    migrates_with_the_plan(&ddl, &p);
}

#[test]
fn a_dropped_column_needs_a_decision_saying_what_to_write() {
    let ddl = edited("    viewport    TEXT NOT NULL DEFAULT '{\"x\":0,\"y\":0,\"zoom\":1}',\n", "");
    let p = plan_for(&ddl);
    assert!(p.steps.is_empty(), "{p:?}");
    assert_eq!(p.decisions.len(), 1, "{p:?}");
    let d = &p.decisions[0];
    assert!(d.what.contains("db_drone_definitions.viewport") && d.what.contains("dropped?"), "{d:?}");
    let step = "column_exprs: \"id, name, description, graph, created_at, updated_at\"";
    assert!(d.write.contains(step), "{d:?}");
    assert!(p.render().contains("// needs a decision: column db_drone_definitions.viewport"), "{}", p.render());
}

#[test]
fn a_renamed_column_needs_a_decision_offering_both_readings() {
    let ddl = edited("    graph       TEXT NOT NULL", "    flow        TEXT NOT NULL");
    let p = plan_for(&ddl);
    assert!(p.steps.is_empty(), "{p:?}");
    let d = &p.decisions[0];
    assert!(
        d.what.contains("db_drone_definitions.graph") && d.what.contains("flow") && d.what.contains("renamed?"),
        "{d:?}"
    );
    // Renamed: the new column takes the old one's values; dropped: its default.
    assert!(d.write.contains("\"id, name, description, graph, viewport, created_at, updated_at\""), "{d:?}");
    assert!(d.write.contains("'{\\\"nodes\\\":[],\\\"edges\\\":[]}'"), "{d:?}");
}

#[test]
fn a_renamed_table_needs_a_decision_with_the_data_step() {
    let ddl = edited("CREATE TABLE IF NOT EXISTS db_drone_runs (", "CREATE TABLE IF NOT EXISTS db_drone_executions (")
        .replace("ON db_drone_runs(", "ON db_drone_executions(");
    let p = plan_for(&ddl);
    let d = p.decisions.iter().find(|d| d.table == "db_drone_runs").expect("a decision on the old table");
    assert!(d.what.contains("db_drone_executions") && d.what.contains("renamed?"), "{d:?}");
    assert!(d.write.contains("INSERT INTO \\\"db_drone_executions\\\" (id, drone_id,"), "{d:?}");
    assert!(d.write.contains("DROP TABLE IF EXISTS \\\"db_drone_runs\\\""), "{d:?}");
}

#[test]
fn a_not_null_column_without_a_default_needs_a_decision() {
    let ddl = edited(
        "    updated_at  INTEGER NOT NULL DEFAULT 0\n);\nCREATE INDEX IF NOT EXISTS idx_drone_definitions_updated",
        "    updated_at  INTEGER NOT NULL DEFAULT 0,\n    owner TEXT NOT NULL\n);\n\
         CREATE INDEX IF NOT EXISTS idx_drone_definitions_updated",
    );
    let p = plan_for(&ddl);
    assert!(p.steps.is_empty(), "{p:?}");
    let d = &p.decisions[0];
    assert!(d.what.contains("db_drone_definitions.owner is NOT NULL without a default"), "{d:?}");
    assert!(
        d.write.contains("give it a DEFAULT") && d.write.contains("<an expression over the old columns giving owner>"),
        "{d:?}"
    );
}

#[test]
fn a_dropped_table_needs_a_decision_with_the_drop() {
    let ddl = Store::Objects.ddl();
    let start = ddl.find("CREATE TABLE IF NOT EXISTS db_drone_runs").unwrap();
    let ddl = ddl[..start].to_string();
    let p = plan_for(&ddl);
    assert!(p.steps.is_empty(), "{p:?}");
    let d = p.decisions.iter().find(|d| d.table == "db_drone_runs").expect("a decision");
    assert!(d.what.contains("gone from the DDL"), "{d:?}");
    assert!(d.write.contains("DROP TABLE IF EXISTS \"db_drone_runs\"") && d.write.contains("nothing"), "{d:?}");
}
