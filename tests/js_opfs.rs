//! OPFS persistence (the `sahpool` VFS) through the JS API. Browsers only, inside a dedicated
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
