//! A table rebuild keeps every row: when the new definition refuses rows the table holds (NOT
//! NULL, CHECK, UNIQUE, an INTEGER PRIMARY KEY's type), the table is declared without just those
//! constraints and the report names each with its table and row count; where a constraint cannot
//! be left out, a typed error names table, constraint and rowids, and the file is unchanged byte
//! for byte. Both paths that copy rows: an upgrade step's rebuild and the foreign-key repair. Runs
//! on every runtime, like tests/schema.rs.

mod common;

use agentmux_schema::{migrate, migrate_spec, Change, RelaxedConstraint, Spec, SqlConn, Step, Store, StoreError};
use common::*;
use sha2::{Digest, Sha256};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// A one-table store definition at v2 whose step rebuilds `t` from the v1 definition `V1` to `ddl`.
fn spec_v2(ddl: &'static str, exprs: &'static str) -> &'static Spec {
    let steps =
        Box::leak(Box::new([Step { since: 2, change: Change::RebuildTable { table: "t", column_exprs: exprs } }]));
    Box::leak(Box::new(Spec { version: 2, ddl, seed: None, steps, ..*Store::Sagas.spec() }))
}

fn sha(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

fn relaxed(list: &[RelaxedConstraint]) -> Vec<(String, String, i64)> {
    let mut out: Vec<_> = list.iter().map(|r| (r.table.clone(), r.constraint.clone(), r.rows)).collect();
    out.sort();
    out
}

const V1: &str = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, code TEXT, n INTEGER);
    INSERT INTO t VALUES (1, 'a', 'x', 1), (2, NULL, 'x', NULL), (3, '', 'y', 3), (4, 'd', 'z', 4);
    PRAGMA user_version = 1;";

#[test]
fn a_rebuild_step_keeps_rows_its_new_definition_refuses_and_reports_each_constraint() {
    let db = db_with(V1);
    let spec = spec_v2(
        "CREATE TABLE IF NOT EXISTS t (
            id   INTEGER PRIMARY KEY,
            name TEXT NOT NULL CHECK (name <> ''),
            code TEXT UNIQUE,
            n    INTEGER NOT NULL DEFAULT 0
        );",
        "*",
    );
    let before = db.query_strings("SELECT quote(id) || quote(name) || quote(code) || quote(n) FROM t", &[]).unwrap();
    let report = migrate_spec(&db, spec).expect("every row is kept, nothing refused");
    assert_eq!(
        relaxed(&report.constraints_relaxed),
        [
            ("t".to_string(), "CHECK (name <> '')".to_string(), 1),
            ("t".to_string(), "NOT NULL (n)".to_string(), 1),
            ("t".to_string(), "NOT NULL (name)".to_string(), 1),
            ("t".to_string(), "UNIQUE (code)".to_string(), 2),
        ],
        "{report:?}"
    );
    let after = db.query_strings("SELECT quote(id) || quote(name) || quote(code) || quote(n) FROM t", &[]).unwrap();
    assert_eq!(after, before, "every row, every value");
    assert_eq!(version(&db), 2);
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
    // Only what the rows needed was left out: the rest of the new definition holds.
    let sql = db.query_strings("SELECT sql FROM sqlite_master WHERE name = 't'", &[]).unwrap().concat();
    assert!(sql.contains("DEFAULT 0") && sql.contains("INTEGER PRIMARY KEY"), "{sql}");
}

#[test]
fn an_integer_primary_key_given_text_keeps_the_rows_under_an_int_key() {
    let db = db_with(
        "CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT);
         INSERT INTO t VALUES ('h-1', 'a'), ('2', 'b'), ('h-3', 'c');
         PRAGMA user_version = 1;",
    );
    let spec = spec_v2("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL);", "*");
    let report = migrate_spec(&db, spec).unwrap();
    assert_eq!(relaxed(&report.constraints_relaxed), [("t".to_string(), "INTEGER PRIMARY KEY (id)".to_string(), 2)]);
    assert_eq!(db.query_strings("SELECT id || v FROM t ORDER BY v", &[]).unwrap(), ["h-1a", "2b", "h-3c"]);
}

/// NOT NULL on a WITHOUT ROWID table's key is SQLite's own rule: leaving the words out changes
/// nothing, so the rows cannot be kept. A typed error names them; the file is unchanged.
#[test]
fn rows_no_definition_can_take_are_a_typed_error_and_the_file_is_unchanged() {
    let mut db = db_with(
        "CREATE TABLE t (k TEXT, v TEXT);
         INSERT INTO t VALUES ('a', '1'), (NULL, '2'), ('c', '3'), (NULL, '4');
         PRAGMA user_version = 1;",
    );
    let image = bytes_of(&mut db);
    let spec = spec_v2("CREATE TABLE IF NOT EXISTS t (k TEXT NOT NULL PRIMARY KEY, v TEXT) WITHOUT ROWID;", "*");
    match migrate_spec(&db, spec) {
        Err(e @ StoreError::RowsRefused { .. }) => {
            let StoreError::RowsRefused { ref db, ref table, ref constraint, ref rowids } = e else { unreachable!() };
            assert_eq!((db.as_str(), table.as_str(), constraint.as_str()), ("sagas.db", "t", "NOT NULL (k)"));
            assert_eq!(rowids, &[2, 4]);
            assert!(e.to_string().contains("rowid 2, 4"), "{e}");
        }
        other => panic!("expected RowsRefused, got {other:?}"),
    }
    assert_eq!(sha(&bytes_of(&mut db)), sha(&image), "the file changed");
}

/// The foreign-key repair's rebuild follows the same policy: a stale child whose `id` holds text
/// where the canonical table has an INTEGER PRIMARY KEY is rebuilt to its canonical foreign keys,
/// every row kept, the key declared `INT` for them.
#[test]
fn a_foreign_key_repair_keeps_rows_the_canonical_table_refuses() {
    let db = db_with(reference_ddl(Store::Objects));
    db.exec(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO db_agent_definitions (id, name, provider) VALUES ('a1', 'one', 'p');
         DROP TABLE db_agent_history;
         CREATE TABLE db_agent_history (
             id TEXT, agent_id TEXT NOT NULL, session_date TEXT NOT NULL, entry TEXT NOT NULL,
             timestamp INTEGER NOT NULL DEFAULT 0,
             FOREIGN KEY (agent_id) REFERENCES db_forge_agents(id) ON DELETE CASCADE);
         INSERT INTO db_agent_history VALUES ('h-1', 'a1', 'd1', 'e', 7), ('h-2', 'a1', 'd2', 'f', 8), (3, 'a1', 'd3', 'g', 9);",
    )
    .unwrap();
    let report = migrate(&db, Store::Objects).unwrap();
    assert!(report.foreign_keys_kept.is_empty(), "{report:?}");
    assert!(report.tables_rebuilt.iter().any(|t| t.table == "db_agent_history"), "{report:?}");
    assert_eq!(
        relaxed(&report.constraints_relaxed),
        [("db_agent_history".to_string(), "INTEGER PRIMARY KEY (id)".to_string(), 2)]
    );
    assert_eq!(
        db.query_strings("SELECT id || '|' || entry FROM db_agent_history ORDER BY entry", &[]).unwrap(),
        ["h-1|e", "h-2|f", "3|g"]
    );
    let fks = agentmux_schema::inspect::foreign_key_list(&db, "db_agent_history").unwrap();
    assert!(fks.iter().all(|fk| fk.table == "db_agent_definitions"), "{fks:?}");
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// The new definition is read as SQLite reads it: a comment holding a quote or a bracket, and a
/// `[bracketed]` name with a space, do not hide the constraint the rows break, so it is left out
/// like any other rather than the rows being refused.
#[test]
fn a_definition_with_comments_and_bracketed_names_is_relaxed_like_any_other() {
    let db = db_with(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, \"the name\" TEXT, code TEXT);
         INSERT INTO t VALUES (1, 'a', 'x'), (2, NULL, 'x'), (3, 'c', 'y');
         PRAGMA user_version = 1;",
    );
    let spec = spec_v2(
        "CREATE TABLE IF NOT EXISTS t (
            id INTEGER PRIMARY KEY, -- the row's id (its rowid
            [the name] TEXT NOT NULL, /* can't be empty ( */
            code TEXT UNIQUE
        );",
        "*",
    );
    let report = migrate_spec(&db, spec).expect("every row is kept, nothing refused");
    assert_eq!(
        relaxed(&report.constraints_relaxed),
        [("t".to_string(), "NOT NULL (the name)".to_string(), 1), ("t".to_string(), "UNIQUE (code)".to_string(), 2)],
        "{report:?}"
    );
    assert_eq!(
        db.query_strings("SELECT id || quote(\"the name\") || code FROM t ORDER BY id", &[]).unwrap(),
        ["1'a'x", "2NULLx", "3'c'y"]
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}
