//! Adopted tables whose foreign keys still name a legacy (or missing) parent: the original server
//! migrated such files and left the stale references behind; this crate rebuilds those tables to
//! their canonical definition, keeps every row, and reports rows without a parent. Run on every
//! runtime, like tests/schema.rs.

mod common;

use agentmux_schema::backend::Db;
use agentmux_schema::inspect;
use agentmux_schema::{migrate, repair, run_object_schema, status, Change, Outcome, RebuildReason, SqlConn, Store};
use common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const DOWNGRADE: &str = include_str!("fixtures/downgrade.sql");

/// A downgrade round trip (`db_forge_agents` beside `db_agent_definitions`) in which the old build
/// also left its identity table, pointing at its own agent table. Three links: one whose agent
/// exists under the current name, one whose agent exists only in the legacy table, one whose agent
/// exists nowhere.
fn both_present_with_a_stale_child() -> Db {
    let db = mem();
    migrate(&db, Store::Objects).unwrap();
    db.exec(DOWNGRADE).unwrap();
    db.exec(
        "PRAGMA foreign_keys = OFF;
         DROP TABLE db_agent_identity_links;
         CREATE TABLE db_forge_agent_identities (
             agent_id TEXT NOT NULL, account_id TEXT NOT NULL, provider TEXT NOT NULL,
             PRIMARY KEY (agent_id, provider),
             FOREIGN KEY (agent_id)   REFERENCES db_forge_agents(id) ON DELETE CASCADE,
             FOREIGN KEY (account_id) REFERENCES db_identity_accounts(id) ON DELETE CASCADE);
         CREATE INDEX idx_forge_agent_identities_account ON db_forge_agent_identities(account_id);
         INSERT INTO db_agent_definitions (id, name, provider) VALUES ('a1', 'Coder', 'claude');
         INSERT INTO db_identity_accounts (id, name, provider, kind, secret_ref)
             VALUES ('acc1', 'main', 'claude', 'api-key', 'vault:1');
         INSERT INTO db_forge_agent_identities VALUES
             ('a1', 'acc1', 'claude'), ('old-build-agent', 'acc1', 'claude'), ('ghost', 'acc1', 'claude');",
    )
    .unwrap();
    db
}

fn parent_of(db: &impl SqlConn, child: &str) -> Vec<String> {
    inspect::foreign_key_list(db, child).unwrap().into_iter().map(|fk| fk.table).collect()
}

fn rebuilt(report: &agentmux_schema::MigrationReport) -> Vec<(String, RebuildReason)> {
    report.tables_rebuilt.iter().map(|r| (r.table.clone(), r.reason)).collect()
}

/// What `tables_rebuilt` must say for a migration whose foreign-key repair rebuilds `repaired`:
/// exactly those for foreign keys, and for an upgrade step only tables that a step newer than the
/// file rebuilds, read from the spec. So a version that adds a `RebuildTable` step changes no
/// expectation here.
fn expected_rebuilt(report: &agentmux_schema::MigrationReport, repaired: &[&str]) -> Vec<(String, RebuildReason)> {
    let by_steps: Vec<&str> = Store::Objects
        .spec()
        .steps
        .iter()
        .filter(|s| s.since > report.from_version)
        .filter_map(|s| match s.change {
            Change::RebuildTable { table, .. } => Some(table),
            _ => None,
        })
        .collect();
    let steps =
        rebuilt(report).into_iter().filter(|(t, r)| *r == RebuildReason::UpgradeStep && by_steps.contains(&t.as_str()));
    repaired.iter().map(|t| (t.to_string(), RebuildReason::ForeignKeys)).chain(steps).collect()
}

#[test]
fn a_child_of_a_kept_legacy_table_is_rebuilt_to_the_canonical_parent_with_every_row() {
    let db = both_present_with_a_stale_child();
    db.exec("PRAGMA foreign_keys = ON").unwrap();
    let report = migrate(&db, Store::Objects).unwrap();

    assert_eq!(report.legacy_tables_kept.len(), 1);
    assert_eq!(rebuilt(&report), expected_rebuilt(&report, &["db_agent_identity_links"]));
    assert_eq!(parent_of(&db, "db_agent_identity_links"), ["db_identity_accounts", "db_agent_definitions"]);
    assert_eq!(count(&db, "SELECT count(*) FROM db_agent_identity_links"), 3, "every row is kept");
    // Two links have no agent in db_agent_definitions: kept, and counted.
    assert_eq!(report.orphan_rows.get("db_agent_identity_links"), Some(&2));
    assert_eq!(report.orphan_rows.len(), 1, "{:?}", report.orphan_rows);
    // The schema is canonical but for the kept legacy table, and the file is sound.
    let drift = inspect::drift(&dump(&db), &Store::Objects.spec().canonical(&db).unwrap().schema);
    assert_eq!(drift.extra_tables, ["db_forge_agents"]);
    assert!(inspect::Drift { extra_tables: vec![], ..drift }.is_empty());
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
    // With enforcement on (the caller's setting, restored), the table is usable and cascades.
    assert_eq!(count(&db, "PRAGMA foreign_keys"), 1);
    db.exec("INSERT INTO db_agent_identity_links VALUES ('a1', 'acc1', 'codex')").unwrap();
    db.exec("DELETE FROM db_agent_definitions WHERE id = 'a1'").unwrap();
    assert_eq!(count(&db, "SELECT count(*) FROM db_agent_identity_links WHERE agent_id = 'a1'"), 0);
    // The kept legacy table and its row are untouched.
    assert_eq!(count(&db, "SELECT count(*) FROM db_forge_agents WHERE id = 'old-build-agent'"), 1);
    // Status says the same.
    let s = status(&db, Store::Objects);
    assert_eq!(s.orphan_rows.get("db_agent_identity_links"), Some(&2), "the cascade took a1's links, no orphan");
}

#[test]
fn an_adopted_child_whose_parent_never_existed_is_rebuilt_and_its_rows_counted() {
    let db = db_with(
        "PRAGMA foreign_keys = OFF;
         CREATE TABLE db_forge_content (
             agent_id TEXT NOT NULL, content_type TEXT NOT NULL,
             content TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL DEFAULT 0,
             PRIMARY KEY (agent_id, content_type),
             FOREIGN KEY (agent_id) REFERENCES db_forge_agents(id) ON DELETE CASCADE);
         INSERT INTO db_forge_content (agent_id, content_type, content) VALUES ('a1', 'soul', 'x'), ('a2', 'soul', 'y');",
    );
    db.exec("PRAGMA foreign_keys = ON").unwrap();
    let report = migrate(&db, Store::Objects).unwrap();
    assert_eq!(report.tables_renamed.len(), 1);
    assert_eq!(rebuilt(&report), expected_rebuilt(&report, &["db_agent_content"]));
    assert_eq!(parent_of(&db, "db_agent_content"), ["db_agent_definitions"]);
    assert_eq!(report.orphan_rows.get("db_agent_content"), Some(&2));
    assert_eq!(db.query_strings("SELECT content FROM db_agent_content ORDER BY agent_id", &[]).unwrap(), ["x", "y"]);
    // New rows with a parent can be written; the stale table would have failed every insert.
    db.exec("INSERT INTO db_agent_definitions (id, name, provider) VALUES ('a3', 'New', 'claude')").unwrap();
    db.exec("INSERT INTO db_agent_content (agent_id, content_type) VALUES ('a3', 'soul')").unwrap();
}

#[test]
fn an_autoincrement_child_keeps_its_counter_and_a_misdefined_index_is_rebuilt_too() {
    let db = db_with(&format!(
        "{DOWNGRADE_BASE}
         CREATE TABLE db_forge_history (
             id INTEGER PRIMARY KEY AUTOINCREMENT, agent_id TEXT NOT NULL,
             session_date TEXT NOT NULL, entry TEXT NOT NULL, timestamp INTEGER NOT NULL DEFAULT 0,
             FOREIGN KEY (agent_id) REFERENCES db_forge_agents(id) ON DELETE CASCADE);
         CREATE INDEX idx_agent_history_agent_date ON db_forge_history(entry);
         INSERT INTO db_forge_history (agent_id, session_date, entry) VALUES ('a1', 'd', 'one'), ('a1', 'd', 'two'),
             ('a1', 'd', 'three');
         DELETE FROM db_forge_history WHERE entry = 'three';"
    ));
    let report = migrate(&db, Store::Objects).unwrap();
    assert_eq!(rebuilt(&report), expected_rebuilt(&report, &["db_agent_history"]));
    assert_eq!(report.indexes_rebuilt, ["idx_agent_history_agent_date"]);
    assert!(sequences(&db).contains(&("db_agent_history".to_string(), 3)), "{:?}", sequences(&db));
    db.exec("INSERT INTO db_agent_history (agent_id, session_date, entry) VALUES ('a1', 'd', 'four')").unwrap();
    assert_eq!(count(&db, "SELECT id FROM db_agent_history WHERE entry = 'four'"), 4, "an id is never reused");
    let drift = inspect::drift(&dump(&db), &Store::Objects.spec().canonical(&db).unwrap().schema);
    assert!(inspect::Drift { extra_tables: vec![], ..drift.clone() }.is_empty(), "{drift:?}");
}

/// A flat v1 agent table beside its legacy one, as a downgrade round trip leaves it, and one agent.
const DOWNGRADE_BASE: &str = "
    PRAGMA foreign_keys = OFF;
    CREATE TABLE db_agent_definitions (
        id TEXT PRIMARY KEY, slug TEXT NOT NULL DEFAULT '', name TEXT NOT NULL, icon TEXT NOT NULL DEFAULT '✦',
        provider TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', working_directory TEXT NOT NULL DEFAULT '',
        shell TEXT NOT NULL DEFAULT '', provider_flags TEXT NOT NULL DEFAULT '',
        auto_start INTEGER NOT NULL DEFAULT 0, restart_on_crash INTEGER NOT NULL DEFAULT 0,
        idle_timeout_minutes INTEGER NOT NULL DEFAULT 0, agent_type TEXT NOT NULL DEFAULT 'standalone',
        environment TEXT NOT NULL DEFAULT '', agent_bus_id TEXT NOT NULL DEFAULT '',
        is_seeded INTEGER NOT NULL DEFAULT 0, accounts TEXT NOT NULL DEFAULT '', parent_id TEXT NOT NULL DEFAULT '',
        branch_label TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE db_forge_agents (id TEXT PRIMARY KEY, name TEXT NOT NULL);
    INSERT INTO db_agent_definitions (id, name, provider) VALUES ('a1', 'Coder', 'claude');";

#[test]
fn a_self_reference_and_extra_columns_go_the_canonical_way_without_losing_data() {
    // An instance table with a foreign key the canonical one lacks (to itself), an extra column,
    // a trigger and a view: the rebuild drops only the extra constraint.
    let db = db_with(&format!(
        "{DOWNGRADE_BASE}
         CREATE TABLE db_agent_instances (
             id TEXT PRIMARY KEY, definition_id TEXT NOT NULL,
             parent_instance_id TEXT NOT NULL DEFAULT '' REFERENCES db_agent_instances(id),
             block_id TEXT NOT NULL DEFAULT '', session_id TEXT NOT NULL DEFAULT '',
             status TEXT NOT NULL DEFAULT 'running', github_context TEXT NOT NULL DEFAULT '',
             identity_id TEXT NOT NULL DEFAULT '', memory_id TEXT NOT NULL DEFAULT '',
             instance_name TEXT NOT NULL DEFAULT '', working_directory TEXT NOT NULL DEFAULT '',
             display_hidden INTEGER NOT NULL DEFAULT 0, started_at INTEGER NOT NULL DEFAULT 0,
             ended_at INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL DEFAULT 0,
             note TEXT,
             FOREIGN KEY (definition_id) REFERENCES db_agent_definitions(id) ON DELETE CASCADE);
         CREATE TABLE audit (what TEXT);
         CREATE TRIGGER instances_audit AFTER INSERT ON db_agent_instances BEGIN INSERT INTO audit VALUES (new.id); END;
         CREATE VIEW running AS SELECT id, note FROM db_agent_instances WHERE status = 'running';
         INSERT INTO db_agent_instances (id, definition_id, parent_instance_id, note) VALUES ('i1', 'a1', 'i1', 'kept');"
    ));
    let report = migrate(&db, Store::Objects).unwrap();
    assert_eq!(rebuilt(&report), expected_rebuilt(&report, &["db_agent_instances"]));
    assert_eq!(parent_of(&db, "db_agent_instances"), ["db_agent_definitions"]);
    assert_eq!(db.query_strings("SELECT note FROM running", &[]).unwrap(), ["kept"], "view and extra column");
    db.exec("INSERT INTO db_agent_instances (id, definition_id) VALUES ('i2', 'a1')").unwrap();
    // The trigger is back, and did not fire for the rows the rebuild copied.
    assert_eq!(db.query_strings("SELECT what FROM audit ORDER BY what", &[]).unwrap(), ["i1", "i2"]);
    assert!(report.orphan_rows.is_empty(), "{:?}", report.orphan_rows);
}

#[test]
fn every_failure_point_of_a_repair_leaves_the_image_unchanged() {
    let mut db = both_present_with_a_stale_child();
    db.exec("PRAGMA foreign_keys = ON").unwrap();
    every_failure_point_is_reported_truthfully(&bytes_of(&mut db), false, |conn| migrate(conn, Store::Objects));
}

#[test]
fn the_original_call_shape_repairs_too() {
    let db = both_present_with_a_stale_child();
    run_object_schema(&db).unwrap();
    assert_eq!(parent_of(&db, "db_agent_identity_links"), ["db_identity_accounts", "db_agent_definitions"]);
    assert_eq!(count(&db, "SELECT count(*) FROM db_agent_identity_links"), 3);
}

#[test]
fn a_current_file_with_stale_foreign_keys_is_drift_until_repaired() {
    let mut db = both_present_with_a_stale_child();
    // Made by a build that adopted without repairing: current stamp, stale reference.
    db.exec(&format!(
        "ALTER TABLE db_forge_agent_identities RENAME TO db_agent_identity_links; PRAGMA user_version = {}",
        Store::Objects.version()
    ))
    .unwrap();
    let image = bytes_of(&mut db);
    assert_eq!(migrate(&db, Store::Objects).unwrap().outcome, Outcome::UpToDate);
    assert!(bytes_of(&mut db) == image, "migrate leaves a current file alone");
    let before = status(&db, Store::Objects);
    assert_eq!(
        before.drift.unwrap().missing_foreign_keys,
        ["db_agent_identity_links(agent_id) REFERENCES db_agent_definitions(id) ON DELETE CASCADE"]
    );

    let report = repair(&db, Store::Objects).unwrap();
    let current = Store::Objects.version();
    assert_eq!((report.from_version, report.to_version), (current, current));
    assert_eq!(rebuilt(&report), expected_rebuilt(&report, &["db_agent_identity_links"]));
    assert_eq!(report.orphan_rows.get("db_agent_identity_links"), Some(&2));
    let after = status(&db, Store::Objects);
    assert_eq!(after.drift.unwrap().missing_foreign_keys, Vec::<String>::new());
    assert_eq!(after.orphan_rows.get("db_agent_identity_links"), Some(&2));
    assert!(repair(&db, Store::Objects).unwrap().tables_rebuilt.is_empty(), "a second repair has nothing to do");
}

#[test]
fn the_stale_foreign_keys_fixture_migrates_with_every_row_and_counted_orphans() {
    let db = db_with(STALE_FOREIGN_KEYS);
    db.exec("PRAGMA foreign_keys = ON").unwrap();
    let report = migrate(&db, Store::Objects).unwrap();
    let mut tables = rebuilt(&report);
    let mut want = expected_rebuilt(
        &report,
        &["db_agent_content", "db_agent_history", "db_agent_identity_links", "db_agent_instances"],
    );
    tables.sort_by_key(|(t, r)| (t.clone(), r.label()));
    want.sort_by_key(|(t, r)| (t.clone(), r.label()));
    assert_eq!(tables, want);
    let orphans: Vec<(&str, i64)> = report.orphan_rows.iter().map(|(t, n)| (t.as_str(), *n)).collect();
    assert_eq!(
        orphans,
        [("db_agent_content", 1), ("db_agent_history", 1), ("db_agent_identity_links", 1), ("db_agent_instances", 1)]
    );
    for (table, n) in
        [("db_agent_content", 2), ("db_agent_history", 3), ("db_agent_identity_links", 2), ("db_agent_instances", 2)]
    {
        assert_eq!(count(&db, &format!("SELECT count(*) FROM {table}")), n, "{table}");
    }
    assert!(sequences(&db).contains(&("db_agent_history".to_string(), 4)), "{:?}", sequences(&db));
    let drift = inspect::drift(&dump(&db), &Store::Objects.spec().canonical(&db).unwrap().schema);
    assert_eq!(drift.extra_tables, ["db_forge_agents"]);
    assert!(inspect::Drift { extra_tables: vec![], ..drift }.is_empty());
    assert_eq!(status(&db, Store::Objects).orphan_rows, report.orphan_rows);
}
