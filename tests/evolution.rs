//! Schema evolution: every shipped version (kept as a snapshot in `crates/core/src/sql/snapshots/`) migrates to
//! exactly this build's schema with every row kept; the current snapshot guards against schema
//! edits without a version bump; and a worked, test-only v5 (a data backfill plus a table
//! rebuild) goes through the same machinery. Runs natively, under Node and in browsers.

mod common;

use agentmux_schema::backend::Db;
use agentmux_schema::inspect::Schema;
use agentmux_schema::{
    migrate, migrate_spec, snapshot, Change, Outcome, RebuildReason, Spec, SqlConn, State, Step, Store, StoreError,
};
use common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Every shipped version's snapshot: the library's own list (`crates/core/src/sql/snapshots/`), the one
/// place a version bump adds a line.
const SNAPSHOTS: &[(Store, i64, &str)] = snapshot::SHIPPED;

/// A database as a build of `version` left it: the snapshot's schema, stamped.
fn db_at(snapshot: &str, version: i64) -> Db {
    db_with(&format!("{snapshot}\nPRAGMA user_version = {version};"))
}

/// Two rows in every table, parents before children, each column given a value its declared
/// type accepts; a foreign-key column takes its parent row's value, so every row has a parent.
fn fill_every_table(db: &Db) {
    let schema = dump(db);
    let mut order: Vec<&String> = Vec::new();
    while order.len() < schema.tables.len() {
        for (name, table) in &schema.tables {
            let parents_done =
                table.foreign_keys.iter().all(|fk| fk.table == *name || order.iter().any(|t| **t == fk.table));
            if !order.contains(&name) && parents_done {
                order.push(name);
            }
        }
    }
    let value = |table: &str, column: &str, decl: &str, n: i64| -> String {
        if decl.to_ascii_uppercase().contains("INT") {
            format!("{n}")
        } else {
            format!("'{n}-{table}-{column}'")
        }
    };
    for name in order {
        let table = &schema.tables[name];
        for n in 1..=2 {
            let values: Vec<String> = table
                .columns
                .iter()
                .map(|c| match table.foreign_keys.iter().find(|fk| fk.from == c.name) {
                    Some(fk) => {
                        let parent = &schema.tables[&fk.table];
                        let to = fk
                            .to
                            .clone()
                            .unwrap_or_else(|| parent.columns.iter().find(|p| p.pk == 1).unwrap().name.clone());
                        let decl = &parent.columns.iter().find(|p| p.name == to).unwrap().decl_type;
                        value(&fk.table, &to, decl, n)
                    }
                    None => value(name, &c.name, &c.decl_type, n),
                })
                .collect();
            db.exec(&format!("INSERT OR IGNORE INTO \"{name}\" VALUES ({})", values.join(", "))).unwrap();
        }
        assert!(count(db, &format!("SELECT count(*) FROM \"{name}\"")) > 0, "{name} has no rows");
    }
}

/// Every row of every table, over the columns it has in `schema` (so rows survive a migration
/// that adds columns).
fn rows_of(db: &Db, schema: &Schema) -> Vec<(String, Vec<String>)> {
    schema
        .tables
        .iter()
        .map(|(name, t)| {
            let cols: Vec<String> = t.columns.iter().map(|c| format!("quote(\"{}\")", c.name)).collect();
            let rows = db
                .query_strings(&format!("SELECT {} FROM \"{name}\" ORDER BY 1", cols.join(" || ',' || ")), &[])
                .unwrap();
            (name.clone(), rows)
        })
        .collect()
}

/// Every row that was there is still there, unchanged; the only new ones are the seeded blank rows.
fn assert_rows_kept(before: &[(String, Vec<String>)], after: &[(String, Vec<String>)], new_rows: i64, what: &str) {
    let mut added = 0;
    for ((table, old), (_, new)) in before.iter().zip(after) {
        for row in old {
            assert!(new.contains(row), "{what}: {table} lost or changed the row {row}");
        }
        added += new.len() - old.len();
    }
    assert_eq!(added as i64, new_rows, "{what}: rows appeared that the migration does not account for");
}

fn fresh(store: Store) -> Schema {
    let db = mem();
    migrate(&db, store).unwrap();
    dump(&db)
}

#[test]
fn every_shipped_version_migrates_to_the_fresh_schema_keeping_every_row() {
    for &(store, at, sql) in SNAPSHOTS {
        let db = db_at(sql, at);
        fill_every_table(&db);
        let before = dump(&db);
        let rows_before = rows_of(&db, &before);

        let report = migrate(&db, store).unwrap();
        let expected = if at == store.version() { Outcome::UpToDate } else { Outcome::Migrated };
        assert_eq!(report.outcome, expected, "{store} v{at}");
        assert_eq!(dump(&db), fresh(store), "{store} v{at}: migrated schema differs from a fresh one");
        assert_rows_kept(&rows_before, &rows_of(&db, &before), report.rows_seeded, &format!("{store} v{at}"));
        assert_eq!(version(&db), store.version());
    }
}

#[test]
fn a_failure_at_any_statement_of_any_upgrade_leaves_the_file_unchanged() {
    for &(store, version, sql) in SNAPSHOTS.iter().filter(|(s, v, _)| *v < s.version()) {
        let db = db_at(sql, version);
        fill_every_table(&db);
        every_failure_point_is_reported_truthfully(&bytes_of(&mut { db }), false, |conn| migrate(conn, store));
    }
}

#[test]
fn status_of_an_older_version_says_what_migrate_will_add() {
    let (_, _, v2) = SNAPSHOTS.iter().find(|(s, v, _)| *s == Store::Objects && *v == 2).unwrap();
    let st = agentmux_schema::status(&db_at(v2, 2), Store::Objects);
    assert_eq!(st.state, State::Behind);
    let drift = st.drift.unwrap();
    // What every later version added, read from the snapshots rather than restated here.
    let want = agentmux_schema::inspect::drift(&dump(&db_at(v2, 2)), &fresh(Store::Objects));
    assert_eq!((&drift.missing_tables, &drift.missing_columns), (&want.missing_tables, &want.missing_columns));
    assert!(drift.missing_tables.contains(&"db_agents".to_string()), "{drift:?}");
    assert!(drift.missing_columns.contains(&"db_agent_definitions.user_hidden".to_string()), "{drift:?}");
    assert!(drift.extra_tables.is_empty() && drift.extra_columns.is_empty());
}

/// The guard: this build's schema and steps must be exactly the current version's snapshot.
#[test]
fn the_current_schema_is_the_snapshot_of_the_current_version() {
    for store in Store::ALL {
        let version = store.version();
        let now = snapshot::render(&common::mem(), store.spec()).unwrap();
        let Some((_, _, saved)) = SNAPSHOTS.iter().find(|(s, v, _)| *s == store && *v == version) else {
            panic!(
                "{store} is at v{version} but crates/core/src/sql/snapshots/{store}_v{version}.sql is missing: run \
                 `cargo run --example snapshot -- {store} > crates/core/src/sql/snapshots/{store}_v{version}.sql` and list it in SHIPPED (src/snapshot.rs)"
            );
        };
        // Compare statements, not the header line (older snapshots say how they were made).
        let body = |s: &str| s.lines().skip(1).map(str::to_string).collect::<Vec<_>>();
        assert!(
            body(&now) == body(saved),
            "the {store} schema or its steps changed but the version is still v{version}: bump the \
             version constant to v{}, add an upgrade step if older files need one, and save the new \
             snapshot (`cargo run --example snapshot -- {store} > crates/core/src/sql/snapshots/{store}_v{}.sql`, listed in SHIPPED); \
             shipped snapshots are never edited",
            version + 1,
            version + 1,
        );
        let newest = SNAPSHOTS.iter().filter(|(s, _, _)| *s == store).map(|(_, v, _)| *v).max();
        assert_eq!(newest, Some(version), "{store}: a snapshot newer than this build's version");
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn every_snapshot_file_is_listed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/core/src/sql/snapshots");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    let mut listed: Vec<String> = SNAPSHOTS.iter().map(|(s, v, _)| format!("{s}_v{v}.sql")).collect();
    listed.sort();
    assert_eq!(files, listed);
}

/// A migration reads a later version's table names from its snapshot's text instead of building
/// its schema: for every snapshot they are exactly the tables a database built from it holds.
#[test]
fn snapshot_table_names_are_the_tables_it_builds() {
    for (store, version, text) in SNAPSHOTS {
        let mut names = snapshot::table_names(text).unwrap_or_else(|| panic!("{store} v{version}: not read"));
        names.sort();
        let built: Vec<String> = dump(&db_at(text, *version)).tables.keys().cloned().collect();
        assert_eq!(names, built, "{store} v{version}");
    }
}

// ---- The worked example: a test-only v5 -------------------------------------------------
//
// "v5" is the version after the current one (`NEXT`), built on the current DDL and steps, so the
// example keeps working after a real version bump.

/// The version the example introduces.
const NEXT: i64 = agentmux_schema::OBJECT_SCHEMA_VERSION + 1;

/// A file as this build leaves it: the current version's snapshot, stamped.
fn db_at_current() -> Db {
    let current = Store::Objects.version();
    let (_, _, sql) = SNAPSHOTS.iter().find(|(s, v, _)| *s == Store::Objects && *v == current).unwrap();
    db_at(sql, current)
}

/// objects.db v5 as a maintainer would write it: `db_drone_definitions` gains a CHECK constraint
/// (a table rebuild), and the consolidated `db_agents` table is backfilled (a data step).
fn example_v5() -> &'static Spec {
    let current = Store::Objects.spec();
    let start = current.ddl.find("CREATE TABLE IF NOT EXISTS db_drone_definitions").unwrap();
    let end = start + current.ddl[start..].find(");").unwrap() + 2;
    let table = include_str!("fixtures/example_v5/db_drone_definitions.sql");
    let ddl = format!(
        "{}{}{}",
        &current.ddl[..start],
        table.trim_end().trim_end_matches(';').to_owned() + ";",
        &current.ddl[end..]
    );
    let mut steps: Vec<Step> = current.steps.to_vec();
    steps.push(Step { since: NEXT, change: Change::RebuildTable { table: "db_drone_definitions", column_exprs: "*" } });
    steps.push(Step {
        since: NEXT,
        change: Change::Sql {
            name: "backfill db_agents",
            sql: include_str!("fixtures/example_v5/backfill_db_agents.sql"),
        },
    });
    Box::leak(Box::new(Spec {
        version: NEXT,
        ddl: Box::leak(ddl.into_boxed_str()),
        steps: Box::leak(steps.into_boxed_slice()),
        ..*current
    }))
}

fn fresh_v5() -> Schema {
    let db = mem();
    migrate_spec(&db, example_v5()).unwrap();
    dump(&db)
}

#[test]
fn example_v5_rebuilds_and_backfills_keeping_every_row() {
    let spec = example_v5();
    for from in [2, Store::Objects.version()] {
        let (_, _, sql) = SNAPSHOTS.iter().find(|(s, v, _)| *s == Store::Objects && *v == from).unwrap();
        let db = db_at(sql, from);
        fill_every_table(&db);
        // Enforcement on, as the server runs: the rebuild must not cascade into db_drone_runs.
        db.exec("PRAGMA foreign_keys = ON").unwrap();
        let before = dump(&db);
        let rows_before = rows_of(&db, &before);
        let definitions = count(&db, "SELECT count(*) FROM db_agent_definitions");

        let report = migrate_spec(&db, spec).unwrap();
        // New rows: the seeded blank ones, and the backfilled ones where db_agents already existed.
        let backfilled = if before.tables.contains_key("db_agents") { definitions } else { 0 };
        assert_rows_kept(
            &rows_before,
            &rows_of(&db, &before),
            report.rows_seeded + backfilled,
            &format!("v{from} → v{NEXT}"),
        );
        // Every rebuild and data step newer than the file ran, in order: the example's own
        // (`db_drone_definitions`, the backfill) and any a real version added since.
        let newer = || spec.steps.iter().filter(|s| s.since > from);
        let want_rebuilt: Vec<_> = newer()
            .filter_map(|s| match s.change {
                Change::RebuildTable { table, .. } => Some((table, RebuildReason::UpgradeStep)),
                _ => None,
            })
            .collect();
        let want_run: Vec<_> = newer()
            .filter_map(|s| match s.change {
                Change::Sql { name, .. } => Some(format!("v{}: {name}", s.since)),
                _ => None,
            })
            .collect();
        let rebuilt: Vec<_> = report.tables_rebuilt.iter().map(|r| (r.table.as_str(), r.reason)).collect();
        assert_eq!(rebuilt, want_rebuilt, "from v{from}");
        assert!(rebuilt.contains(&("db_drone_definitions", RebuildReason::UpgradeStep)), "from v{from}");
        assert_eq!(report.steps_run, want_run, "from v{from}");
        assert!(report.steps_run.contains(&format!("v{NEXT}: backfill db_agents")), "from v{from}");
        assert_eq!(dump(&db), fresh_v5(), "from v{from}: differs from a fresh v5");
        let missing = "SELECT count(*) FROM db_agent_definitions d WHERE NOT EXISTS \
                       (SELECT 1 FROM db_agents a WHERE a.id = d.id AND a.name = d.name AND a.is_template = 1)";
        assert_eq!(count(&db, missing), 0, "from v{from}: a template was not backfilled");
        assert!(definitions > 0);
        assert_eq!(count(&db, "PRAGMA foreign_keys"), 1, "the caller's setting is restored");
        assert_eq!(version(&db), NEXT);
        // The new constraint holds on the migrated file.
        assert!(db.exec("INSERT INTO db_drone_definitions (id, name) VALUES ('x', '')").is_err());
    }
}

#[test]
fn example_v5_upgrade_fails_atomically_at_every_statement() {
    let db = db_at_current();
    fill_every_table(&db);
    db.exec("PRAGMA foreign_keys = ON").unwrap();
    every_failure_point_is_reported_truthfully(&bytes_of(&mut { db }), false, |conn| migrate_spec(conn, example_v5()));
}

#[test]
fn a_rebuild_keeps_and_reports_the_orphans_it_found() {
    let db = db_at_current();
    fill_every_table(&db);
    // A child whose parent is already missing: kept as it is, and counted.
    db.exec("PRAGMA foreign_keys = OFF").unwrap();
    db.exec("INSERT INTO db_drone_runs (id, drone_id) VALUES ('orphan', 'no-such-drone')").unwrap();
    let runs = count(&db, "SELECT count(*) FROM db_drone_runs");
    let report = migrate_spec(&db, example_v5()).unwrap();
    assert_eq!(report.orphan_rows.get("db_drone_runs"), Some(&1), "{:?}", report.orphan_rows);
    assert_eq!(count(&db, "SELECT count(*) FROM db_drone_runs"), runs);
    assert_eq!(count(&db, "SELECT count(*) FROM db_drone_runs WHERE id = 'orphan'"), 1);
}

#[test]
fn a_rebuild_step_that_would_orphan_rows_rolls_back() {
    let mut db = db_at_current();
    fill_every_table(&db);
    assert!(count(&db, "SELECT count(*) FROM db_drone_runs") > 0);
    // A wrong copy expression: every definition gets a new id, so every run loses its parent.
    let broken = Box::leak(Box::new(Spec {
        steps: Box::leak(
            example_v5()
                .steps
                .iter()
                .map(|s| match s.change {
                    Change::RebuildTable { table: table @ "db_drone_definitions", .. } => Step {
                        change: Change::RebuildTable {
                            table,
                            column_exprs:
                                "'renamed-' || id, name, description, graph, viewport, created_at, updated_at",
                        },
                        ..*s
                    },
                    _ => *s,
                })
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        ),
        ..*example_v5()
    }));
    let image = bytes_of(&mut db);
    match migrate_spec(&db, broken) {
        Err(e @ StoreError::ForeignKeyCheck { .. }) => {
            let message = e.to_string();
            let StoreError::ForeignKeyCheck { db: label, violations } = e else { unreachable!() };
            assert_eq!(label, "objects.db");
            assert!(
                !violations.is_empty() && violations.iter().all(|v| v.to_string().starts_with("db_drone_runs(")),
                "{violations:?}"
            );
            // Typed: each names the child row, its parent table and the foreign key; the message
            // lists them as `table(rowid) → parent`.
            for v in &violations {
                assert_eq!((v.table.as_str(), v.parent.as_str(), v.fkid), ("db_drone_runs", "db_drone_definitions", 0));
                let rowid = v.rowid.expect("a rowid table");
                assert!(message.contains(&format!("db_drone_runs({rowid}) → db_drone_definitions")), "{message}");
            }
        }
        other => panic!("expected ForeignKeyCheck, got {other:?}"),
    }
    assert_eq!(bytes_of(&mut db), image);
}

/// The example v5 with its rebuild step's expressions replaced by `exprs`.
fn v5_with_rebuild(exprs: &'static str) -> &'static Spec {
    let steps = example_v5()
        .steps
        .iter()
        .map(|s| match s.change {
            Change::RebuildTable { table, .. } => {
                Step { change: Change::RebuildTable { table, column_exprs: exprs }, ..*s }
            }
            _ => *s,
        })
        .collect::<Vec<_>>();
    Box::leak(Box::new(Spec { steps: Box::leak(steps.into_boxed_slice()), ..*example_v5() }))
}

/// A maintainer who reads `column_exprs` as a query and writes a whole statement gets a message
/// saying what is expected, before anything is written (not a syntax error from generated SQL).
#[test]
fn a_rebuild_given_a_whole_statement_is_refused_saying_what_is_expected() {
    for exprs in [
        "SELECT * FROM db_drone_definitions",
        "select id, name, description, graph, viewport, created_at, updated_at from db_drone_definitions",
        "id, name, description, graph, viewport, created_at, updated_at FROM db_drone_definitions",
        "*; DROP TABLE db_drone_runs",
    ] {
        let mut db = db_at_current();
        fill_every_table(&db);
        let image = bytes_of(&mut db);
        match migrate_spec(&db, v5_with_rebuild(exprs)) {
            Err(e @ StoreError::InvalidSpec { .. }) => {
                let message = e.to_string();
                assert!(message.contains("column_exprs") && message.contains("e.g. `id, name, 0`"), "{message}");
            }
            other => panic!("{exprs}: expected InvalidSpec, got {other:?}"),
        }
        assert_eq!(bytes_of(&mut db), image, "{exprs}: the file changed");
    }
    // Expressions that merely contain the words are fine: a subquery's FROM, a quoted 'from'.
    let db = db_at_current();
    let exprs = "id, name, (SELECT 'from ' || description), graph, viewport, created_at, updated_at";
    migrate_spec(&db, v5_with_rebuild(exprs)).unwrap();
}

#[test]
fn a_fresh_v5_file_comes_from_the_ddl_alone() {
    let db = mem();
    let report = migrate_spec(&db, example_v5()).unwrap();
    assert_eq!(report.outcome, Outcome::Created);
    assert!(report.tables_rebuilt.is_empty() && report.steps_run.is_empty());
    assert_eq!(dump(&db), {
        let plain = mem();
        plain.exec(example_v5().ddl).unwrap();
        dump(&plain)
    });
}

/// A table that a later version introduced can already be in an older file (the original module
/// created every table with `CREATE TABLE IF NOT EXISTS` before versions were stamped, and a
/// downgrade leaves a newer build's tables behind). Such a table is brought to the shape of the
/// version that introduced it, like every other table, so a file stamped v1 holding a
/// `db_agents` written without columns no index needs migrates, its rows kept and the columns added.
#[test]
fn a_table_a_later_version_introduced_is_repaired_in_an_older_file() {
    let (_, _, v1) = SNAPSHOTS.iter().find(|(s, v, _)| *s == Store::Objects && *v == 1).unwrap();
    let db = db_at(v1, 1);
    db.exec(
        "CREATE TABLE db_agents (id TEXT PRIMARY KEY, name TEXT NOT NULL, provider TEXT NOT NULL,
             is_template INTEGER NOT NULL DEFAULT 0, parent_template_id TEXT NOT NULL DEFAULT '',
             is_seeded INTEGER NOT NULL DEFAULT 0);
         INSERT INTO db_agents (id, name, provider) VALUES ('a1', 'one', 'p'), ('a2', 'two', 'p');",
    )
    .unwrap();
    let report = migrate(&db, Store::Objects).expect("the file migrates");
    assert_eq!(report.to_version, Store::Objects.spec().version);
    assert_eq!(count(&db, "SELECT count(*) FROM db_agents"), 2, "every row kept");
    let canonical = &fresh_objects_schema().tables["db_agents"];
    let have = &dump(&db).tables["db_agents"];
    for column in &canonical.columns {
        assert!(have.columns.iter().any(|c| c.name == column.name), "db_agents.{} added", column.name);
    }
    assert!(report.columns_added.iter().any(|c| c.starts_with("db_agents.")), "{:?}", report.columns_added);
}

/// The current canonical schema of `objects.db`, from a fresh database.
fn fresh_objects_schema() -> Schema {
    let fresh = mem();
    migrate(&fresh, Store::Objects).unwrap();
    dump(&fresh)
}
