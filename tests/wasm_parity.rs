//! "The same migrations" checked: each fixture is migrated by the WebAssembly build (run under
//! Node from `pkg/`) and natively, and the two results must have the same pragma-level schema,
//! the same rows and the same report. Needs `node` and a built `pkg/` (scripts/build-pkg.sh).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::Path;
use std::process::Command;

use agentmux_schema::{inspect, migrate, AsSqlConn as _, Store};
use rusqlite::Connection;

fn migrate_with_wasm(store: Store, input: &Path, output: &Path) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node/migrate-with-wasm.mjs");
    let out = Command::new("node")
        .arg(script)
        .args([store.name(), input.to_str().unwrap(), output.to_str().unwrap()])
        .output()
        .expect("node is installed (scripts/setup.sh)");
    assert!(
        out.status.success(),
        "node failed (is pkg/ built? scripts/build-pkg.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the script prints JSON")
}

fn rows(conn: &Connection, schema: &inspect::Schema) -> Vec<(String, Vec<String>)> {
    schema
        .tables
        .keys()
        .map(|t| {
            let cols = schema.tables[t]
                .columns
                .iter()
                .map(|c| format!("quote(\"{}\")", c.name))
                .collect::<Vec<_>>()
                .join(" || ',' || ");
            let mut stmt = conn.prepare(&format!("SELECT {cols} FROM \"{t}\" ORDER BY 1")).unwrap();
            let vals = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect();
            (t.clone(), vals)
        })
        .collect()
}

#[test]
fn wasm_and_native_migrations_produce_the_same_database() {
    let dir = tempfile::tempdir().unwrap();
    let utf16le = format!("PRAGMA encoding = 'UTF-16le'; {}", common::LEGACY_V11);
    let utf16be = format!("PRAGMA encoding = 'UTF-16be'; {}", common::FLAT_V1);
    // "" is a 0-byte file: an empty database on both sides.
    let cases = [
        ("0-byte objects", Store::Objects, ""),
        ("0-byte filestore", Store::Filestore, ""),
        ("0-byte sagas", Store::Sagas, ""),
        ("fresh objects", Store::Objects, "CREATE TABLE t (x); DROP TABLE t;"),
        ("legacy v11", Store::Objects, common::LEGACY_V11),
        ("legacy v11, UTF-16le", Store::Objects, &utf16le),
        ("flat v1, UTF-16be", Store::Objects, &utf16be),
        ("flat v1", Store::Objects, common::FLAT_V1),
        ("stale foreign keys", Store::Objects, common::STALE_FOREIGN_KEYS),
        ("pre-v11 (refused)", Store::Objects, common::PRE_V11),
        ("too new (refused)", Store::Sagas, "CREATE TABLE keep (x); PRAGMA user_version = 9;"),
    ];
    for (i, (name, store, sql)) in cases.into_iter().enumerate() {
        let input = dir.path().join(format!("in{i}.db"));
        let from_wasm = dir.path().join(format!("wasm{i}.db"));
        let native = dir.path().join(format!("native{i}.db"));
        if sql.is_empty() {
            std::fs::write(&input, b"").unwrap();
        } else {
            Connection::open(&input).unwrap().execute_batch(sql).unwrap();
        }
        std::fs::copy(&input, &native).unwrap();

        let wasm_result = migrate_with_wasm(store, &input, &from_wasm);
        let conn = Connection::open(&native).unwrap();
        let native_result = migrate(&conn, store);

        match (&wasm_result.get("ok"), &native_result) {
            (Some(w), Ok(n)) => assert_eq!(**w, serde_json::to_value(n).unwrap(), "{name}: reports differ"),
            (None, Err(e)) => {
                let err = &wasm_result["error"];
                assert!(err["name"].as_str().unwrap().ends_with("Error"), "{name}: {err}");
                match e {
                    // The package words this message for an app's user (js/errors.js), not a
                    // server operator; the fields are the same.
                    agentmux_schema::StoreError::SchemaTooNew { db, found, expected } => assert_eq!(
                        (err["name"].as_str(), err["db"].as_str(), err["found"].as_i64(), err["expected"].as_i64()),
                        (Some("SchemaTooNewError"), Some(db.as_str()), Some(*found), Some(*expected)),
                        "{name}: errors differ"
                    ),
                    e => assert_eq!(err["message"], e.to_string(), "{name}: errors differ"),
                }
            }
            _ => panic!("{name}: wasm gave {wasm_result}, native gave {native_result:?}"),
        }

        let w = Connection::open(&from_wasm).unwrap();
        let (ws, ns) = (inspect::dump(&w.as_sql_conn()).unwrap(), inspect::dump(&conn.as_sql_conn()).unwrap());
        assert_eq!(ws, ns, "{name}: pragma-level schemas differ");
        assert_eq!(rows(&w, &ws), rows(&conn, &ns), "{name}: rows differ");
        let v = |c: &Connection| c.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!(v(&w), v(&conn), "{name}: versions differ");
        let enc = |c: &Connection| c.query_row("PRAGMA encoding", [], |r| r.get::<_, String>(0)).unwrap();
        assert_eq!(enc(&w), enc(&conn), "{name}: encodings differ");
    }
}
