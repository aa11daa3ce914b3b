//! Columns a table lacks are added so every existing row reads the canonical default, also for rows
//! wider than their table and for WaveObj tables without `oid` (rebuilt, their rows kept, a NOT
//! NULL column without a value declared nullable and reported). Runs on every runtime, like
//! tests/schema.rs.

mod common;

use agentmux_schema::backend::from_bytes;
use agentmux_schema::{migrate, SqlConn, Store};
use common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// The image of `sql` with `column` (declared last, as `, <column> INTEGER NOT NULL DEFAULT 0`)
/// blanked out of its `CREATE TABLE` text, same length: the rows keep the column's field, which
/// the table no longer declares (the old way of dropping a column, by editing the schema).
fn rows_wider_than_their_table(sql: &str, column: &str) -> Vec<u8> {
    let mut image = image_of(sql);
    let text = format!(", {column} INTEGER NOT NULL DEFAULT 0");
    let text = text.as_bytes();
    let hits: Vec<usize> = (0..image.len() - text.len()).filter(|&i| &image[i..i + text.len()] == text).collect();
    assert!(!hits.is_empty(), "{column} in the CREATE text");
    for at in hits {
        image[at..at + text.len()].fill(b' ');
    }
    image
}

/// The corpus seed `fuzz/corpus/image/seed-finding-9-wide-rows`: `ALTER TABLE ADD COLUMN` does not
/// rewrite rows, so a row whose record holds more fields than its table declares showed its next
/// field as the added column's value (a stale number in a TEXT column, which `integrity_check`, ok
/// before, then reported). Every existing row must read the added column's default, on both paths
/// that add columns: a canonical column a table lacks, and a versioned additive step.
#[test]
fn a_column_added_to_rows_wider_than_their_table_reads_its_default() {
    let accounts = "CREATE TABLE db_identity_accounts (id TEXT PRIMARY KEY, name TEXT NOT NULL, \
        provider TEXT NOT NULL, kind TEXT NOT NULL, display_name TEXT NOT NULL DEFAULT '', secret_ref TEXT NOT NULL, \
        context TEXT NOT NULL DEFAULT '{}', status TEXT NOT NULL DEFAULT 'unknown', created_at INTEGER NOT NULL DEFAULT 0, \
        updated_at INTEGER NOT NULL DEFAULT 0);
        INSERT INTO db_identity_accounts (id, name, provider, kind, secret_ref, updated_at) VALUES ('a1', 'n', 'p', 'k', 's', 77);";
    let definitions = FLAT_V1.replacen(
        "created_at INTEGER NOT NULL DEFAULT 0\n);",
        "created_at INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL DEFAULT 0\n);",
        1,
    ) + "UPDATE db_agent_definitions SET updated_at = 77;";
    for (sql, table, report_line) in [
        (accounts, "db_identity_accounts", "db_identity_accounts.updated_at"),
        (definitions.as_str(), "db_agent_definitions", "db_agent_definitions.updated_at"),
    ] {
        let image = rows_wider_than_their_table(sql, "updated_at");
        let db = from_bytes(&image).unwrap();
        assert!(!dump(&db).tables.get(table).unwrap().has_column("updated_at"), "{table}: the column is gone");
        let report = migrate(&db, Store::Objects).expect("migrates");
        assert!(report.columns_added.contains(&report_line.to_string()), "{report:?}");
        assert_eq!(
            db.query_strings(&format!("SELECT quote(updated_at) FROM {table}"), &[]).unwrap(),
            ["0"],
            "{table}: the added column reads its default"
        );
        assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
    }
}

/// The corpus seed `fuzz/corpus/image/seed-finding-14-oid-column`: a WaveObj table written
/// without its `oid` column. SQLite refuses `ALTER TABLE ADD COLUMN oid` on a table that has no
/// such column (the name means its rowid there), and the original module, which left the table
/// as it was, migrated the file. The table is rebuilt to its canonical definition instead: every
/// row and the table's other columns kept, `oid` added (NULL in the old rows).
#[test]
fn a_table_without_its_oid_column_is_rebuilt_with_it() {
    let db = mem();
    db.exec(
        "CREATE TABLE db_tab (o TEXT, version INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL);
         INSERT INTO db_tab (o, data) VALUES ('x', '{}'), ('y', '{\"a\":1}');
         PRAGMA user_version = 3;",
    )
    .unwrap();
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert!(report.columns_added.contains(&"db_tab.oid".to_string()), "{report:?}");
    assert!(
        report
            .tables_rebuilt
            .iter()
            .any(|t| t.table == "db_tab" && t.reason == agentmux_schema::RebuildReason::MissingColumn),
        "{report:?}"
    );
    assert_eq!(
        db.query_strings("SELECT o || ' ' || data || ' ' || quote(oid) FROM db_tab ORDER BY o", &[]).unwrap(),
        ["x {} NULL", "y {\"a\":1} NULL"]
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// The corpus seed `fuzz/corpus/image/seed-finding-28-oid-and-data-missing`: a WaveObj table
/// written without `oid` and without `data` (NOT NULL, no default), holding rows. The rebuild that
/// adds `oid` gave the table the canonical `data TEXT NOT NULL`, which the rows have no value for,
/// and the copy failed, where the original module, which left the table as it was, migrated the
/// file. Such a column, and one the file declared nullable and holds NULL in, is declared without
/// its NOT NULL, as `ALTER TABLE` adds one (its rows read NULL; `columns_nullable`); a table
/// without rows takes the full definition.
#[test]
fn a_table_without_its_oid_and_a_not_null_column_is_rebuilt_keeping_its_rows() {
    for (columns, rows) in [
        ("o TEXT, version INTEGER NOT NULL DEFAULT 1", "('x', 1), ('y', 2)"),
        // The file's own columns in another order.
        ("version INTEGER NOT NULL DEFAULT 1, o TEXT", "(1, 'x'), (2, 'y')"),
    ] {
        let db = mem();
        db.exec(&format!(
            "CREATE TABLE db_tab ({columns});
             INSERT INTO db_tab VALUES {rows};
             CREATE TABLE db_window ({columns});
             PRAGMA user_version = 3;"
        ))
        .unwrap();
        let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
        for c in ["db_tab.oid", "db_tab.data", "db_window.oid", "db_window.data"] {
            assert!(report.columns_added.contains(&c.to_string()), "{c}: {report:?}");
        }
        assert_eq!(report.columns_nullable, ["db_tab.data"], "{report:?}");
        assert_eq!(
            db.query_strings(
                "SELECT o || ' ' || version || ' ' || quote(oid) || ' ' || quote(data) FROM db_tab ORDER BY o",
                &[]
            )
            .unwrap(),
            ["x 1 NULL NULL", "y 2 NULL NULL"]
        );
        let not_null = |table: &str| {
            db.query_i64(&format!("SELECT \"notnull\" FROM pragma_table_info('{table}') WHERE name = 'data'"), &[])
                .unwrap()
        };
        assert_eq!((not_null("db_tab"), not_null("db_window")), (Some(0), Some(1)));
        assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
    }
    // A file that declared `version` and `data` nullable and holds NULL in them.
    let db = mem();
    db.exec(
        "CREATE TABLE db_tab (version INTEGER, data TEXT);
         INSERT INTO db_tab VALUES (NULL, '{}'), (2, NULL);
         PRAGMA user_version = 3;",
    )
    .unwrap();
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert_eq!(report.columns_nullable, ["db_tab.version", "db_tab.data"], "{report:?}");
    assert_eq!(
        db.query_strings("SELECT quote(version) || ' ' || quote(data) FROM db_tab ORDER BY version", &[]).unwrap(),
        ["NULL '{}'", "2 NULL"]
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// The corpus seeds `fuzz/corpus/image/seed-finding-24-oid-case` and `…-25-oid-and-version`: a
/// WaveObj table whose `oid` is spelled `Oid` (SQLite refuses to rename a column named like the
/// rowid), and one that lacks both `oid` and `version` (the rebuild that adds `oid` gave it
/// `version` too, and then `ALTER TABLE` tried to add `version` again). Both migrate, every value
/// kept.
#[test]
fn a_table_with_its_oid_spelled_otherwise_or_missing_beside_another_column_migrates() {
    let db = mem();
    db.exec(
        "CREATE TABLE db_client (Oid TEXT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL);
         INSERT INTO db_client VALUES ('c1', 3, '{}');
         CREATE TABLE db_window (oi TEXT PRIMARY KEY, versioX INTEGER, data TEXT NOT NULL);
         INSERT INTO db_window VALUES ('w1', 4, '{\"w\":1}');
         PRAGMA user_version = 1;",
    )
    .unwrap();
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert_eq!(
        db.query_strings("SELECT oid || '|' || version || '|' || data FROM db_client", &[]).unwrap(),
        ["c1|3|{}"]
    );
    assert!(report.columns_added.contains(&"db_window.version".to_string()), "{report:?}");
    assert_eq!(
        db.query_strings(
            "SELECT oi || '|' || versioX || '|' || data || '|' || quote(oid) || '|' || version FROM db_window",
            &[]
        )
        .unwrap(),
        ["w1|4|{\"w\":1}|NULL|1"]
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}
