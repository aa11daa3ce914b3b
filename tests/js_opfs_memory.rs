//! A migration in the OPFS pool keeps the wasm heap flat however large the file: SQLite's
//! temporary files (the sorter's spill file when an index is built, statement journals) go to
//! pool slots, as they go to disk natively, instead of the wasm heap, which never shrinks.
//! Browsers only, in a dedicated Worker, in a file of its own so that the module's memory is not
//! already grown by other tests (growth is what is measured):
//! `wasm-pack test --headless --chrome --firefox --mode no-install --features js -- --test js_opfs_memory`.
#![cfg(target_arch = "wasm32")]

use agentmux_schema::js::{install_opfs, Database, OpfsPool};
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// History rows added to the legacy file, and the width of each row's `session_date`: the index
/// the adoption builds on `(agent_id, session_date)` then sorts about 24 MiB of keys.
const ROWS: u32 = 100_000;
const KEY_WIDTH: u32 = 240;
const SORTED_BYTES: f64 = ROWS as f64 * KEY_WIDTH as f64;

async fn pool(dir: &str) -> OpfsPool {
    install_opfs(Some(JsValue::from(dir).unchecked_into()), Some(JsValue::from(format!("opfs-{dir}")).unchecked_into()))
        .await
        .unwrap_or_else(|e| panic!("installOpfs failed in a browser worker: {e:?}"))
}

/// The module's linear memory, in bytes (it only ever grows).
fn heap() -> f64 {
    let buffer = Reflect::get(&wasm_bindgen::memory(), &"buffer".into()).unwrap();
    Reflect::get(&buffer, &"byteLength".into()).unwrap().as_f64().unwrap()
}

/// A legacy (v11) objects.db in the pool whose history table holds `ROWS` rows with wide keys.
fn large_legacy_file(pool: &OpfsPool, name: &str) {
    let legacy = Database::memory().unwrap();
    legacy.exec(include_str!("fixtures/legacy_v11.sql").into()).unwrap();
    let image = legacy.to_bytes().unwrap();
    pool.import_file(name.into(), js_sys::Uint8Array::from(&image[..]).into()).unwrap();
    let db = pool.open(name.into()).unwrap();
    // Ascending keys append to the legacy index, so building the file stays quick.
    db.exec(
        format!(
            "BEGIN;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS})
             INSERT INTO db_forge_history (agent_id, session_date, entry) SELECT 'a1', printf('%0{KEY_WIDTH}d', i), 'x' FROM n;
             COMMIT;"
        )
        .into(),
    )
    .unwrap();
    db.close().unwrap();
}

/// `db` was migrated from the legacy file (`report`), with every history row and its new index.
fn assert_adopted_whole(db: &Database, report: &JsValue) {
    assert_eq!(Reflect::get(report, &"outcome".into()).unwrap().as_string().as_deref(), Some("migrated"));
    let rows = db.query("SELECT count(*) AS n FROM db_agent_history".into(), None).unwrap();
    assert_eq!(Reflect::get(&rows.get(0), &"n".into()).unwrap().as_f64(), Some(ROWS as f64 + 1.0));
    let index = db
        .query("SELECT count(*) AS n FROM sqlite_master WHERE name = 'idx_agent_history_agent_date'".into(), None)
        .unwrap();
    assert_eq!(Reflect::get(&index.get(0), &"n".into()).unwrap().as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
async fn adopting_a_large_legacy_file_in_the_pool_does_not_grow_the_heap_with_it() {
    let pool = pool("amux-test-memory").await;
    pool.wipe().unwrap();
    large_legacy_file(&pool, "objects.db");

    let db = pool.open("objects.db".into()).unwrap();
    let before = heap();
    let report = db.migrate("objects".into()).unwrap();
    let grown = heap() - before;
    assert_adopted_whole(&db, &report);
    db.close().unwrap();

    // Holding the sort in the heap would grow it by about SORTED_BYTES; spilled, it takes the
    // 2 MiB cache and the sorter's buffers.
    assert!(
        grown < SORTED_BYTES / 3.0,
        "the migration grew the wasm heap by {:.1} MiB, for {:.1} MiB of index keys",
        grown / 1048576.0,
        SORTED_BYTES / 1048576.0
    );
    // Temporary files are deleted on close: only the database is left.
    assert_eq!(pool.file_names().unwrap(), vec!["objects.db".to_string()]);
    pool.wipe().unwrap();
}

/// Fill every free slot of `pool` with small files, then free `leave` of them again. (Synchronous
/// imports cannot grow the pool.)
fn fill(pool: &OpfsPool, leave: usize) {
    let small = Database::memory().unwrap();
    small.exec("CREATE TABLE t(x)".into()).unwrap();
    let small: JsValue = js_sys::Uint8Array::from(&small.to_bytes().unwrap()[..]).into();
    let mut n = 0;
    while pool.import_file(format!("filler-{n}.db").into(), small.clone()).is_ok() {
        n += 1;
    }
    assert!(n >= leave, "the pool took {n} files");
    for i in n - leave..n {
        pool.delete_file(format!("filler-{i}.db").into()).unwrap();
    }
}

#[wasm_bindgen_test]
async fn a_pool_without_spare_slots_still_migrates() {
    let pool = pool("amux-test-full").await;
    pool.wipe().unwrap();
    // Room for the file and its journal only: temporary files stay in memory.
    fill(&pool, 2);
    large_legacy_file(&pool, "objects.db");
    let db = pool.open("objects.db".into()).unwrap();
    assert_eq!(temp_store(&db), 0.0);
    let report = db.migrate("objects".into()).unwrap();
    assert_adopted_whole(&db, &report);
    db.close().unwrap();
    pool.wipe().unwrap();
}

#[wasm_bindgen_test]
async fn a_pool_filled_after_the_file_was_opened_still_migrates() {
    let pool = pool("amux-test-filled").await;
    pool.wipe().unwrap();
    large_legacy_file(&pool, "objects.db");
    let db = pool.open("objects.db".into()).unwrap();
    assert_eq!(temp_store(&db), 1.0);
    // Now only the journal's slot is left: the sort's spill file cannot be opened.
    fill(&pool, 1);
    let report = db.migrate("objects".into()).unwrap();
    assert_adopted_whole(&db, &report);
    db.close().unwrap();
    pool.wipe().unwrap();
}

/// `PRAGMA temp_store` of a pool database: 1 (files) or 0 (the build's default, memory).
fn temp_store(db: &Database) -> f64 {
    let rows = db.query("PRAGMA temp_store".into(), None).unwrap();
    Reflect::get(&rows.get(0), &"temp_store".into()).unwrap().as_f64().unwrap()
}

#[wasm_bindgen_test]
async fn a_streamed_import_makes_room_for_temporary_files() {
    let pool = pool("amux-test-spare").await;
    pool.wipe().unwrap();
    let legacy = Database::memory().unwrap();
    legacy.exec(include_str!("fixtures/legacy_v11.sql").into()).unwrap();
    let image = js_sys::Uint8Array::from(&legacy.to_bytes().unwrap()[..]);
    fill(&pool, 1);
    let full = pool.open("filler-0.db".into()).unwrap();
    assert_eq!(temp_store(&full), 0.0, "a full pool keeps temporary files in memory");
    full.close().unwrap();

    let blob_class: js_sys::Function = Reflect::get(&js_sys::global(), &"Blob".into()).unwrap().unchecked_into();
    let blob = Reflect::construct(&blob_class, &js_sys::Array::of1(&js_sys::Array::of1(&image))).unwrap();
    wasm_bindgen_futures::JsFuture::from(pool.import_stream("objects.db".into(), blob, None)).await.unwrap();
    let db = pool.open("objects.db".into()).unwrap();
    assert_eq!(temp_store(&db), 1.0, "after importStream the pool has room for temporary files");
    db.close().unwrap();
    pool.wipe().unwrap();
}
