//! The SQL the migrations rely on works the same on every backend: every `ALTER TABLE` form,
//! current-time defaults, randomness, temp tables and sorts without files. Runs on every runtime,
//! like tests/schema.rs.

mod common;

use agentmux_schema::{SqlConn, Value};
use common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Every `ALTER TABLE` form, on the same statements on every backend. Renames must also carry
/// foreign keys along (legacy adoption depends on it).
#[test]
fn every_alter_table_form_works_and_renames_carry_foreign_keys() {
    let db = db_with(
        "PRAGMA foreign_keys = ON;
         CREATE TABLE p(id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) ON DELETE CASCADE, note TEXT, gone TEXT);
         INSERT INTO p VALUES (1, 'a');
         INSERT INTO c VALUES (10, 1, 'n', 'g');",
    );
    for sql in [
        "ALTER TABLE p RENAME TO parent",
        "ALTER TABLE c ADD COLUMN added INTEGER NOT NULL DEFAULT 7",
        "ALTER TABLE c RENAME COLUMN note TO remark",
        "ALTER TABLE c DROP COLUMN gone",
        "ALTER TABLE c ADD CONSTRAINT positive CHECK (added > 0)",
        "ALTER TABLE c DROP CONSTRAINT positive",
        "ALTER TABLE parent ALTER COLUMN name DROP NOT NULL",
    ] {
        db.exec(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let rows = db.query("SELECT id, p_id, remark, added FROM c", &[]).unwrap();
    assert_eq!(
        rows,
        vec![vec![
            agentmux_schema::Value::Integer(10),
            agentmux_schema::Value::Integer(1),
            agentmux_schema::Value::Text("n".into()),
            agentmux_schema::Value::Integer(7)
        ]]
    );
    let c_sql = db.query_strings("SELECT sql FROM sqlite_master WHERE name = 'c'", &[]).unwrap().concat();
    assert!(c_sql.contains("REFERENCES \"parent\"(id)"), "{c_sql}");
    assert!(!c_sql.contains("gone") && !c_sql.contains("positive"), "{c_sql}");
    db.exec("INSERT INTO parent VALUES (2, NULL)").unwrap();
    db.exec("DELETE FROM parent WHERE id = 1").unwrap();
    assert_eq!(count(&db, "SELECT count(*) FROM c"), 0, "the renamed parent still cascades");
    let err = db.exec("ALTER TABLE c RENAME TO parent").unwrap_err();
    assert_eq!(err.sqlite_code(), Some(1), "{err}");
}

/// `CURRENT_TIMESTAMP`, `CURRENT_DATE` and `CURRENT_TIME` defaults give the current UTC time as
/// SQLite formats it (in the wasm build, through sqlite-wasm-rs's clock).
#[test]
fn current_time_defaults_are_utc_now() {
    let db = db_with(
        "CREATE TABLE t(at TEXT DEFAULT CURRENT_TIMESTAMP, d TEXT DEFAULT CURRENT_DATE, tm TEXT DEFAULT CURRENT_TIME, x);
         INSERT INTO t(x) VALUES (1);",
    );
    let row = db.query("SELECT at, d, tm FROM t", &[]).unwrap().remove(0);
    let text: Vec<&str> = row.iter().map(|v| v.as_str().expect("text")).collect();
    assert_eq!(text[0], format!("{} {}", text[1], text[2]));
    let field = |s: &str, at: usize, len: usize| s[at..at + len].parse::<i64>().unwrap_or_else(|_| panic!("{s}"));
    let ts = text[0];
    assert_eq!((ts.len(), &ts[4..5], &ts[7..8], &ts[10..11], &ts[13..14], &ts[16..17]), (19, "-", "-", " ", ":", ":"));
    let (y, m, d) = (field(ts, 0, 4), field(ts, 5, 2), field(ts, 8, 2));
    // Days from the civil date (proleptic Gregorian), then seconds since the Unix epoch.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let days = 365 * y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400) + (153 * m + 2) / 5 + d - 719_469;
    let secs = days * 86_400 + field(ts, 11, 2) * 3_600 + field(ts, 14, 2) * 60 + field(ts, 17, 2);
    #[cfg(target_arch = "wasm32")]
    let now = (js_sys::Date::now() / 1000.0) as i64;
    #[cfg(not(target_arch = "wasm32"))]
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((secs - now).abs() <= 5, "{ts} is {} s away from now", secs - now);
}

/// What SQLite still asks of the OS layer when no file is involved: randomness (`randomblob`),
/// and temp tables and sorts that stay in memory. On wasm the default VFS keeps its files in
/// memory, and temp storage stays there even when a caller asks for file-backed temp storage.
#[test]
fn randomness_temp_tables_and_sorts_need_no_files() {
    let db = db_with("PRAGMA temp_store = FILE; CREATE TEMP TABLE tt(x BLOB);");
    let blobs = db.query("SELECT randomblob(16), randomblob(16)", &[]).unwrap().remove(0);
    let (a, b) = match (&blobs[0], &blobs[1]) {
        (Value::Blob(a), Value::Blob(b)) => (a.clone(), b.clone()),
        other => panic!("randomblob gave {other:?}"),
    };
    assert_eq!((a.len(), b.len()), (16, 16));
    assert_ne!(a, b);
    assert!(a.iter().any(|&x| x != 0) && b.iter().any(|&x| x != 0));
    // 4,096 rows of 1 KiB (the wasm build has no CTEs, so by doubling), sorted and indexed.
    db.exec("INSERT INTO tt VALUES (randomblob(1024))").unwrap();
    for _ in 0..12 {
        db.exec("INSERT INTO tt SELECT randomblob(1024) FROM tt").unwrap();
    }
    let n = count(&db, "SELECT count(*) FROM tt");
    assert_eq!(n, 4_096);
    assert_eq!(count(&db, "SELECT count(*) FROM (SELECT x FROM tt ORDER BY x)"), n);
    db.exec("CREATE INDEX temp.tt_x ON tt(x)").unwrap();
    assert_eq!(count(&db, "SELECT count(DISTINCT x) FROM tt"), n);
}
