//! OPFS persistence (the `sahpool` VFS) through the JS API, and what a crash leaves behind (a hot
//! journal, a journal SQLite ignores): the export is exactly the file SQLite reads. Browsers only, inside a dedicated
//! Worker: `wasm-pack test --headless --chrome --firefox --mode no-install -- --test js_opfs`.
//! Under Node the runner does not execute tests configured to run in a worker, so this file
//! contributes nothing there; the `OpfsError` path under Node is exercised through the packed
//! package by `tests/npm/` (the README's worker recipe falls back to memory on it).
#![cfg(target_arch = "wasm32")]

use agentmux_schema::js::{install_opfs, Database, OpfsPool};
use agentmux_schema::OBJECT_SCHEMA_VERSION;
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn bytes(b: &[u8]) -> JsValue {
    js_sys::Uint8Array::from(b).into()
}

fn name_of(err: &JsValue) -> String {
    Reflect::get(err, &"name".into()).ok().and_then(|v| v.as_string()).unwrap_or_default()
}

/// The pool. These tests only ever run in a browser worker, where OPFS must install: a failure
/// fails the test (it is not skipped).
async fn pool(dir: &str) -> Option<OpfsPool> {
    match install_opfs(
        Some(JsValue::from(dir).unchecked_into()),
        Some(JsValue::from(format!("opfs-{dir}")).unchecked_into()),
    )
    .await
    {
        Ok(pool) => Some(pool),
        Err(e) => panic!("installOpfs failed in a browser worker ({}): {e:?}", name_of(&e)),
    }
}

#[wasm_bindgen_test]
async fn migrate_on_opfs_persists_and_exports() {
    let Some(pool) = pool("amux-test-a").await else { return };
    pool.wipe().unwrap();
    let db = pool.open("objects.db".into()).unwrap();
    let report = db.migrate("objects".into()).unwrap();
    assert_eq!(Reflect::get(&report, &"outcome".into()).unwrap().as_string().as_deref(), Some("created"));
    db.close().unwrap();
    assert_eq!(pool.file_names().unwrap(), vec!["objects.db".to_string()]);

    // Reopen: the version survived.
    let again = pool.open("objects.db".into()).unwrap();
    assert_eq!(again.user_version().unwrap(), OBJECT_SCHEMA_VERSION as f64);
    let live_image = again.to_bytes().unwrap();
    again.close().unwrap();

    // Export a closed file, import it under a new name, load it in memory.
    let exported = pool.export_file("objects.db".into()).unwrap();
    assert_eq!(&exported[..16], b"SQLite format 3\0");
    let mem = Database::from_bytes(bytes(&exported)).unwrap();
    assert_eq!(mem.user_version().unwrap(), OBJECT_SCHEMA_VERSION as f64);
    assert_eq!(live_image.len(), exported.len());

    pool.import_file("copy.db".into(), bytes(&exported)).unwrap();
    let e = pool.import_file("copy.db".into(), bytes(&exported)).expect_err("existing name refused");
    assert_eq!(name_of(&e), "OpfsError");
    let e = pool.import_file("junk.db".into(), bytes(b"not a database")).expect_err("garbage refused");
    assert_eq!(name_of(&e), "NotADatabaseError");
    let copy = pool.open("copy.db".into()).unwrap();
    assert_eq!(copy.user_version().unwrap(), OBJECT_SCHEMA_VERSION as f64);
    copy.close().unwrap();

    assert!(pool.delete_file("copy.db".into()).unwrap());
    assert!(!pool.delete_file("copy.db".into()).unwrap());
    pool.wipe().unwrap();
    assert!(pool.file_names().unwrap().is_empty());
}

#[wasm_bindgen_test]
async fn too_new_file_on_opfs_is_left_alone() {
    let Some(pool) = pool("amux-test-b").await else { return };
    pool.wipe().unwrap();
    let image = {
        let d = Database::memory().unwrap();
        d.exec("CREATE TABLE later(x); PRAGMA user_version = 1000;".into()).unwrap();
        d.to_bytes().unwrap()
    };
    pool.import_file("objects.db".into(), bytes(&image)).unwrap();
    let db = pool.open("objects.db".into()).unwrap();
    let e = db.migrate("objects".into()).expect_err("refused");
    assert_eq!(name_of(&e), "SchemaTooNewError");
    db.close().unwrap();
    assert_eq!(pool.export_file("objects.db".into()).unwrap(), image);
    pool.wipe().unwrap();
}

/// A legacy `objects.db` image (what a migration starts from).
fn legacy_image() -> Vec<u8> {
    let d = Database::memory().unwrap();
    d.exec(include_str!("fixtures/legacy_v11.sql").into()).unwrap();
    d.to_bytes().unwrap()
}

fn sha(b: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(b).to_vec()
}

/// The rollback journal SQLite writes before changing `original`'s pages in place (its format:
/// sqlite.org/fileformat2.html#the_rollback_journal): every page of `original`, so that a
/// rollback restores it exactly.
fn hot_journal(original: &[u8]) -> Vec<u8> {
    const PAGE: usize = 4096;
    const SECTOR: usize = 512;
    let nonce: u32 = 0x5eed_1234;
    let pages = original.len() / PAGE;
    let mut j = vec![0u8; SECTOR];
    j[..8].copy_from_slice(&[0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]);
    j[8..12].copy_from_slice(&(pages as u32).to_be_bytes()); // records
    j[12..16].copy_from_slice(&nonce.to_be_bytes()); // checksum seed
    j[16..20].copy_from_slice(&(pages as u32).to_be_bytes()); // database size before, in pages
    j[20..24].copy_from_slice(&(SECTOR as u32).to_be_bytes());
    j[24..28].copy_from_slice(&(PAGE as u32).to_be_bytes());
    for (i, page) in original.chunks(PAGE).enumerate() {
        j.extend_from_slice(&(i as u32 + 1).to_be_bytes());
        j.extend_from_slice(page);
        let mut sum = nonce;
        let mut at = PAGE as isize - 200;
        while at > 0 {
            sum = sum.wrapping_add(page[at as usize] as u32);
            at -= 200;
        }
        j.extend_from_slice(&sum.to_be_bytes());
    }
    j
}

/// The state a migration killed mid-way leaves, at its worst: every page of the migrated
/// database already written over the old file, and the journal of the old pages still hot.
async fn killed_migration(dir: &str, name: &str) -> (OpfsPool, Vec<u8>) {
    let pool = pool(dir).await.unwrap();
    pool.wipe().unwrap();
    let old = legacy_image();
    let migrated = {
        let d = Database::from_bytes(bytes(&old)).unwrap();
        d.migrate("objects".into()).unwrap();
        d.to_bytes().unwrap()
    };
    assert_ne!(sha(&migrated), sha(&old));
    pool.import_file(name.into(), bytes(&migrated)).unwrap();
    // The journal goes in byte for byte, as SQLite wrote it: through the pool's own VFS handle.
    use sqlite_wasm_rs::vfs::transfer::DbTransfer;
    let raw = agentmux_schema::backend::opfs::install(&format!("opfs-{dir}"), dir).await.unwrap();
    raw.util.import_db_unchecked(&format!("{name}-journal"), &hot_journal(&old)).unwrap();
    (pool, old)
}

#[wasm_bindgen_test]
async fn a_killed_migration_exports_the_old_file_exactly() {
    let (pool, old) = killed_migration("amux-test-hot", "objects.db").await;
    assert!(pool.file_names().unwrap().contains(&"objects.db-journal".to_string()));
    // No open first: the export rolls the hot journal back as SQLite would, then copies the file.
    let exported = pool.export_file("objects.db".into()).unwrap();
    assert_eq!(sha(&exported), sha(&old), "the export is exactly the old file");
    assert_eq!(pool.file_names().unwrap(), vec!["objects.db".to_string()], "the journal is gone");
    // And the file in the pool migrates from there.
    let db = pool.open("objects.db".into()).unwrap();
    assert_eq!(db.user_version().unwrap(), 0.0);
    db.migrate("objects".into()).unwrap();
    db.close().unwrap();
    pool.wipe().unwrap();
}

#[wasm_bindgen_test]
async fn a_hot_journal_is_rolled_back_on_open() {
    let (pool, old) = killed_migration("amux-test-hot-open", "objects.db").await;
    let db = pool.open("objects.db".into()).unwrap();
    assert_eq!(db.user_version().unwrap(), 0.0, "the old file's version, not the migrated one's");
    db.close().unwrap();
    assert_eq!(pool.file_names().unwrap(), vec!["objects.db".to_string()]);
    assert_eq!(sha(&pool.export_file("objects.db".into()).unwrap()), sha(&old));
    pool.wipe().unwrap();
}

/// Put an empty `{name}-journal` beside `name` in the pool on `dir`: what a crash leaves just after
/// SQLite created the journal, before its first write reached it.
async fn empty_journal(dir: &str, name: &str) {
    use sqlite_wasm_rs::vfs::transfer::DbTransfer;
    let raw = agentmux_schema::backend::opfs::install(&format!("opfs-{dir}"), dir).await.unwrap();
    raw.util.import_db_unchecked(&format!("{name}-journal"), &[]).unwrap();
}

#[wasm_bindgen_test]
async fn an_empty_journal_is_not_left_beside_an_export() {
    let pool = pool("amux-test-empty").await.unwrap();
    pool.wipe().unwrap();
    let old = legacy_image();
    pool.import_file("objects.db".into(), bytes(&old)).unwrap();
    empty_journal("amux-test-empty", "objects.db").await;
    assert!(pool.file_names().unwrap().contains(&"objects.db-journal".to_string()));
    let exported = pool.export_file("objects.db".into()).unwrap();
    assert_eq!(sha(&exported), sha(&old), "the export is exactly the file");
    assert_eq!(pool.file_names().unwrap(), vec!["objects.db".to_string()], "the empty journal is gone");
    pool.wipe().unwrap();
}

#[wasm_bindgen_test]
async fn a_journal_sqlite_ignores_does_not_trap_the_file() {
    let pool = pool("amux-test-cold").await.unwrap();
    pool.wipe().unwrap();
    pool.import_file("objects.db".into(), bytes(&legacy_image())).unwrap();
    let db = pool.open("objects.db".into()).unwrap();
    // A PERSIST journal is kept after the commit with its header zeroed: the journal a crash
    // leaves between the commit and the journal's removal.
    db.exec("PRAGMA journal_mode = PERSIST".into()).unwrap();
    db.migrate("objects".into()).unwrap();
    let committed = db.to_bytes().unwrap();
    db.close().unwrap();
    assert!(pool.file_names().unwrap().contains(&"objects.db-journal".to_string()));
    // Still there after an open, a read and a close: SQLite ignores it.
    let again = pool.open("objects.db".into()).unwrap();
    assert_eq!(again.user_version().unwrap(), OBJECT_SCHEMA_VERSION as f64);
    again.close().unwrap();
    assert!(pool.file_names().unwrap().contains(&"objects.db-journal".to_string()));
    let exported = pool.export_file("objects.db".into()).unwrap();
    assert_eq!(sha(&exported), sha(&committed), "the export is exactly the file");
    assert_eq!(pool.file_names().unwrap(), vec!["objects.db".to_string()]);
    // An open file is still refused, journal or not.
    let open = pool.open("objects.db".into()).unwrap();
    assert_eq!(name_of(&pool.export_file("objects.db".into()).unwrap_err()), "OpfsError");
    open.close().unwrap();
    pool.wipe().unwrap();
}
