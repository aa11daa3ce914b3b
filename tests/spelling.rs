//! A canonical table or column spelled in another case (SQLite's names are case-insensitive) is
//! renamed to the canonical spelling with its rows and values. Runs on every runtime, like
//! tests/schema.rs.

mod common;

use agentmux_schema::backend::from_bytes;
use agentmux_schema::{migrate, Outcome, SqlConn, Store};
use common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// The corpus seed `fuzz/corpus/image/seed-finding-16-column-case`: a canonical column spelled in
/// another case (`saga_step.started_aT`). SQLite compares column names without regard to case,
/// so the original module's DDL found it; this crate looked for `started_at` exactly, tried to add
/// it and failed. The column is renamed to the canonical spelling, its values kept.
#[test]
fn a_canonical_column_spelled_in_another_case_is_renamed_with_its_values() {
    let db = mem();
    migrate(&db, Store::Sagas).unwrap();
    db.exec(
        "INSERT INTO saga (saga_id, name, state, started_at, input_json) VALUES (1, 's', 'running', 1, '{}');
         INSERT INTO saga_step (saga_id, step_index, name, state, cmd_json, started_at) VALUES (1, 0, 'a', 'done', '{}', 42);
         ALTER TABLE saga_step RENAME COLUMN started_at TO tmp_x;
         ALTER TABLE saga_step RENAME COLUMN tmp_x TO started_aT;
         PRAGMA user_version = 0;",
    )
    .unwrap();
    let report = migrate(&db, Store::Sagas).expect("migrated, as the original did");
    assert_eq!(report.catalogue_repaired, ["column saga_step.started_aT → saga_step.started_at"]);
    assert_eq!(db.query_i64("SELECT started_at FROM saga_step", &[]).unwrap(), Some(42));
    assert!(dump(&db).tables["saga_step"].has_column("started_at"));
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// The corpus seed `fuzz/corpus/image/seed-finding-23-adopted-column-case`: a legacy table whose
/// column is a canonical one in another case (`db_forge_skills.Name`). Columns were respelled
/// before adoption gave the table its canonical name, so this crate then tried to add `name` beside
/// `Name`. Columns are now respelled after adoption.
#[test]
fn an_adopted_tables_column_spelled_in_another_case_is_renamed() {
    let db = from_bytes(&image_of(LEGACY_V11)).unwrap();
    db.exec("ALTER TABLE db_forge_skills RENAME COLUMN name TO tmp_x; ALTER TABLE db_forge_skills RENAME COLUMN tmp_x TO Name;")
        .unwrap();
    let rows = db.query_i64("SELECT count(*) FROM db_forge_skills", &[]).unwrap();
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert!(report.tables_renamed.iter().any(|r| r.to == "db_agent_skills"), "{report:?}");
    assert_eq!(report.catalogue_repaired, ["column db_agent_skills.Name → db_agent_skills.name"]);
    assert_eq!(db.query_i64("SELECT count(*) FROM db_agent_skills WHERE name IS NOT NULL", &[]).unwrap(), rows);
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// A consistent file that spells a canonical table in another case: `CREATE TABLE IF NOT EXISTS`
/// finds it, so the original module migrated the file. It is renamed to the canonical spelling
/// with its rows (`tables_renamed`), instead of failing verification.
#[test]
fn a_canonical_table_spelled_in_another_case_is_renamed_with_its_rows() {
    let db = mem();
    migrate(&db, Store::Filestore).unwrap();
    db.exec(
        "INSERT INTO db_file_data (zoneid, name, partidx, data) VALUES ('z', 'n', 0, x'01');
         ALTER TABLE db_file_data RENAME TO tmp_x; ALTER TABLE tmp_x RENAME TO DB_File_Data;",
    )
    .unwrap();
    let report = migrate(&db, Store::Filestore);
    // Already current: nothing to do (the original re-ran its DDL, which found the table).
    assert_eq!(report.unwrap().outcome, Outcome::UpToDate);
    db.exec("PRAGMA user_version = 0").unwrap();
    let report = migrate(&db, Store::Filestore).expect("migrated, as the original did");
    assert_eq!(report.tables_renamed.len(), 1, "{report:?}");
    assert_eq!(
        (report.tables_renamed[0].from.as_str(), report.tables_renamed[0].to.as_str()),
        ("DB_File_Data", "db_file_data")
    );
    assert_eq!(db.query_i64("SELECT count(*) FROM db_file_data", &[]).unwrap(), Some(1));
    assert!(dump(&db).tables.contains_key("db_file_data"));
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}
