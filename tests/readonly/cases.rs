//! The read-only VFS's cases, shared by `js_readonly.rs` (Node: files by path; a browser's main
//! thread: what it refuses) and `js_readonly_worker.rs` (a dedicated Worker: `File`/`Blob`).
//! Each case takes `open`, which turns an image into what the runtime reads in place (a path to
//! a file written with those bytes, or a `Blob` of them), and `read_back`, which gives the bytes
//! that file holds afterwards.

use agentmux_schema::js::{last_read_stats, status_of_bytes, status_of_file, Database};
use js_sys::{Reflect, Uint8Array, JSON};
use sha2::{Digest, Sha256};
use wasm_bindgen::JsValue;

pub fn s(text: &str) -> JsValue {
    JsValue::from_str(text)
}

pub fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &s(key)).expect("property read")
}

pub fn name_of(err: &JsValue) -> String {
    get(err, "name").as_string().unwrap_or_default()
}

fn json(v: &JsValue) -> String {
    JSON::stringify(v).expect("stringify").as_string().unwrap()
}

fn sha(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// A database built by `sql` in memory, as a file image.
pub fn image(sql: &str) -> Vec<u8> {
    let db = Database::memory().unwrap();
    db.exec(s(sql)).unwrap();
    db.to_bytes().unwrap()
}

/// A `filestore.db` at this build's version with `parts` 64 KiB parts of one file.
pub fn filestore(parts: u32) -> Vec<u8> {
    let db = Database::memory().unwrap();
    db.migrate(s("filestore")).unwrap();
    db.exec(s(&format!(
        "INSERT INTO db_wave_file (zoneid, name, size) VALUES ('zone', 'term', {size});
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {parts})
         INSERT INTO db_file_data SELECT 'zone', 'term', i, randomblob(65536) FROM n;",
        size = parts as u64 * 65536
    )))
    .unwrap();
    db.to_bytes().unwrap()
}

/// The images every runtime checks: the status in place equals `statusOfBytes`'s.
pub fn images() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let mut wal = image(include_str!("../fixtures/legacy_v11.sql"));
    wal[18] = 2;
    wal[19] = 2;
    let current = {
        let db = Database::memory().unwrap();
        db.migrate(s("objects")).unwrap();
        db.to_bytes().unwrap()
    };
    vec![
        ("empty file", "objects", Vec::new()),
        ("legacy v11 objects", "objects", image(include_str!("../fixtures/legacy_v11.sql"))),
        ("legacy v11, WAL-mode header", "objects", wal),
        ("pre-v11 objects", "objects", image(include_str!("../fixtures/pre_v11.sql"))),
        ("stale foreign keys", "objects", image(include_str!("../fixtures/stale_foreign_keys.sql"))),
        ("current objects", "objects", current),
        ("filestore with 64 parts", "filestore", filestore(64)),
    ]
}

/// Garbage and cut-off files: the same `unreadable` status and the same `NotADatabaseError`.
pub fn bad_images() -> Vec<(&'static str, Vec<u8>)> {
    let good = image(include_str!("../fixtures/legacy_v11.sql"));
    let mut damaged = good.clone();
    // Page 2 onwards overwritten: the header is fine, the catalogue is not.
    for b in &mut damaged[4096..] {
        *b = 0xA5;
    }
    vec![
        ("garbage", b"this is not a database, only some text".repeat(200)),
        ("short", good[..50].to_vec()),
        ("truncated to 1.5 pages", good[..6144].to_vec()),
        ("truncated to one page", good[..4096].to_vec()),
        ("damaged pages", damaged),
    ]
}

/// Status in place = `statusOfBytes`, for every image; the file is unchanged afterwards.
pub fn status_matches_bytes(open: &dyn Fn(&[u8]) -> JsValue, read_back: &dyn Fn(&JsValue) -> Vec<u8>) {
    for (label, store, bytes) in images() {
        let file = open(&bytes);
        let in_place = status_of_file(file.clone(), s(store)).unwrap_or_else(|e| panic!("{label}: {e:?}"));
        let loaded = status_of_bytes(Uint8Array::from(bytes.as_slice()).into(), s(store)).unwrap();
        assert_eq!(json(&in_place), json(&loaded), "{label}");
        assert_eq!(sha(&read_back(&file)), sha(&bytes), "{label}: the file was changed");
    }
}

/// Garbage and truncated files: statusOfFile's `unreadable` status and openReadOnly's
/// `NotADatabaseError` are those of the bytes API.
pub fn bad_files_as_bytes(open: &dyn Fn(&[u8]) -> JsValue, read_back: &dyn Fn(&JsValue) -> Vec<u8>) {
    for (label, bytes) in bad_images() {
        let file = open(&bytes);
        let array: JsValue = Uint8Array::from(bytes.as_slice()).into();
        let in_place = status_of_file(file.clone(), s("objects")).unwrap_or_else(|e| panic!("{label}: {e:?}"));
        let loaded = status_of_bytes(array.clone(), s("objects")).unwrap();
        assert_eq!(get(&in_place, "state").as_string().as_deref(), Some("unreadable"), "{label}");
        assert_eq!(json(&in_place), json(&loaded), "{label}");
        match (Database::open_read_only(file.clone()), Database::from_bytes(array)) {
            (Err(a), Err(b)) => {
                assert_eq!(name_of(&a), name_of(&b), "{label}");
                assert_eq!(get(&a, "message").as_string(), get(&b, "message").as_string(), "{label}");
            }
            // Damage past the header shows on the queries that reach it, the same in both.
            (Ok(a), Ok(b)) => assert_eq!(scan(&a), scan(&b), "{label}"),
            _ => panic!("{label}: openReadOnly and fromBytes disagree"),
        }
        assert_eq!(sha(&read_back(&file)), sha(&bytes), "{label}: the file was changed");
    }
}

/// Every table's row count (or the error), as JSON.
fn scan(db: &Database) -> Vec<String> {
    let outcome = |r: Result<js_sys::Array, JsValue>| match r {
        Ok(rows) => json(&rows),
        Err(e) => json(&e),
    };
    let tables = db.query(s("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"), None);
    let mut out = vec![outcome(tables.clone())];
    for t in tables.map(|t| t.iter().collect::<Vec<_>>()).unwrap_or_default() {
        let name = get(&t, "name").as_string().unwrap();
        out.push(outcome(db.query(s(&format!("SELECT count(*) AS n FROM \"{name}\"")), None)));
    }
    out
}

/// Queries work, writes are refused as read-only, and the file is unchanged.
pub fn queries_and_no_writes(open: &dyn Fn(&[u8]) -> JsValue, read_back: &dyn Fn(&JsValue) -> Vec<u8>) {
    let bytes = filestore(16);
    let file = open(&bytes);
    let db = Database::open_read_only(file.clone()).unwrap();
    let rows = db.query(s("SELECT count(*) AS n, sum(length(data)) AS total FROM db_file_data"), None).unwrap();
    let row = rows.get(0);
    assert_eq!(get(&row, "n").as_f64(), Some(16.0));
    assert_eq!(get(&row, "total").as_f64(), Some(16.0 * 65536.0));
    let db_status = db.status(s("filestore")).unwrap();
    assert_eq!(get(&db_status, "state").as_string().as_deref(), Some("current"));
    for write in
        ["CREATE TABLE t (a)", "DELETE FROM db_file_data", "PRAGMA user_version = 99", "PRAGMA journal_mode = WAL"]
    {
        let result = db.exec(s(write));
        if write.starts_with("PRAGMA journal_mode") {
            // SQLite answers this one without writing (the mode stays as it is).
            continue;
        }
        let e = result.expect_err(write);
        assert_eq!(name_of(&e), "SqliteError", "{write}");
        assert_eq!(get(&e, "code").as_f64().map(|c| c as i32 & 0xff), Some(8), "{write}: SQLITE_READONLY");
    }
    let e = db.migrate(s("objects")).expect_err("migrate");
    assert_eq!(name_of(&e), "SqliteError");
    db.close().unwrap();
    assert_eq!(sha(&read_back(&file)), sha(&bytes), "the file was changed");
}

/// A status reads a small part of a large file: the pages it needs, not the parts' data.
pub fn status_reads_few_pages(open: &dyn Fn(&[u8]) -> JsValue) {
    let bytes = filestore(512); // 32 MiB of parts
    let file = open(&bytes);
    let st = status_of_file(file, s("filestore")).unwrap();
    assert_eq!(get(&st, "state").as_string().as_deref(), Some("current"));
    let tables = get(&st, "tables");
    let parts = js_sys::Array::from(&tables)
        .iter()
        .find(|t| get(t, "name").as_string().as_deref() == Some("db_file_data"))
        .expect("db_file_data listed");
    assert_eq!(get(&parts, "rowCount").as_f64(), Some(512.0));
    let stats = last_read_stats();
    assert!(
        stats.bytes * 20 < bytes.len() as u64,
        "the status read {} of {} bytes ({stats:?})",
        stats.bytes,
        bytes.len()
    );
    assert!(stats.fetches <= stats.requests, "{stats:?}");
}
