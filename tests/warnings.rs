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
