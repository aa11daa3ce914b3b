//! The both-present case keeps the legacy table; the operator must hear about it in the log.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use agentmux_schema::{migrate, SqlConn, Store};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn both_present_warns_naming_both_tables() {
    let log = Captured::default();
    let sink = log.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || sink.clone()).with_ansi(false).finish();
    tracing::subscriber::with_default(subscriber, || {
        let db = common::mem();
        migrate(&db, Store::Objects).unwrap();
        // A downgraded build re-created its old table and wrote to it.
        db.exec("CREATE TABLE db_memories (id TEXT PRIMARY KEY); INSERT INTO db_memories VALUES ('m'); PRAGMA user_version = 3;")
            .unwrap();
        let report = migrate(&db, Store::Objects).unwrap();
        assert_eq!(report.legacy_tables_kept.len(), 1);
        assert_eq!(common::count(&db, "SELECT count(*) FROM db_memories"), 1);
    });
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("WARN"), "{text}");
    assert!(text.contains("db_memories") && text.contains("db_memory_bundles"), "{text}");
}

/// A file that keeps a column declared other than canonically (here `db_client.data` as BLOB, which
/// the file declared before the migration) makes verification read the declarations the file had,
/// which the migration does by running its schema stages a second time: the operator still hears
/// each warning once.
#[test]
fn a_kept_declaration_does_not_repeat_warnings() {
    let log = Captured::default();
    let sink = log.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || sink.clone()).with_ansi(false).finish();
    tracing::subscriber::with_default(subscriber, || {
        let db = common::mem();
        migrate(&db, Store::Objects).unwrap();
        db.exec(
            "DROP TABLE db_client; \
             CREATE TABLE db_client (oid TEXT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, data BLOB NOT NULL); \
             CREATE TABLE db_memories (id TEXT PRIMARY KEY); INSERT INTO db_memories VALUES ('m'); \
             PRAGMA user_version = 3;",
        )
        .unwrap();
        let report = migrate(&db, Store::Objects).unwrap();
        assert_eq!(report.legacy_tables_kept.len(), 1);
        let declared: Vec<String> =
            db.query_strings("SELECT type FROM pragma_table_info('db_client') WHERE name = 'data'", &[]).unwrap();
        assert_eq!(declared, ["BLOB"]);
    });
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert_eq!(text.matches("WARN").count(), 1, "{text}");
    assert!(text.contains("db_memories") && text.contains("db_memory_bundles"), "{text}");
}
