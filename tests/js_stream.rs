//! Streamed import and export between JS streams and the OPFS pool (`importStream`,
//! `exportStream`). Browsers only, inside a dedicated Worker (OPFS needs one):
//! `wasm-pack test --headless --chrome --mode no-install -- --test js_stream`, and `--firefox`.
//! Under Node the runner skips worker-configured tests.
#![cfg(target_arch = "wasm32")]

use agentmux_schema::js::{install_opfs, Database, OpfsPool, StreamOptions};
use js_sys::{Object, Promise, Reflect, Uint8Array};
use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen(inline_js = r#"
// A ReadableStream of `bytes` cut at `cuts` (odd sizes, so chunks straddle the header and the
// importer's own buffer), which errors instead of giving chunk `failAt` (-1: never fails).
// `log.cancelled` is set when the consumer cancels it.
export function chunked(bytes, cuts, failAt, log) {
  let at = 0, i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i === failAt) { controller.error(new Error("network dropped")); return; }
      if (at >= bytes.length) { controller.close(); return; }
      const n = cuts[i % cuts.length];
      controller.enqueue(bytes.slice(at, at + n));
      at += n; i += 1;
    },
    cancel() { log.cancelled = true; },
  }, { highWaterMark: 0 });
}
// A byte stream (what a Blob's stream() is) of `bytes` that serves only reads into the reader's
// own buffer (BYOB), at most 50,001 bytes a time; a read without one errors the stream.
// `log.reads` counts the reads, `log.buffers` the distinct buffer sizes it was given.
export function byteStream(bytes, log) {
  let at = 0;
  log.reads = 0;
  log.sizes = [];
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      const request = controller.byobRequest;
      if (!request) { controller.error(new Error("read without a buffer of the reader's")); return; }
      if (at >= bytes.length) { controller.close(); request.respond(0); return; }
      const view = request.view;
      if (!log.sizes.includes(view.buffer.byteLength)) log.sizes.push(view.buffer.byteLength);
      const n = Math.min(view.byteLength, bytes.length - at, 50001);
      view.set(bytes.subarray(at, at + n));
      request.respond(n);
      at += n;
      log.reads += 1;
    },
  });
}
// An async iterable (what a Node stream is) of `bytes` in 100,000-byte chunks.
export function iterable(bytes) {
  return (async function* () {
    for (let at = 0; at < bytes.length; at += 100000) yield bytes.slice(at, at + 100000);
  })();
}
// Every byte of a ReadableStream, and how many chunks carried them.
export async function readAll(stream) {
  const parts = [];
  for (const reader = stream.getReader(); ;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return { bytes: out, chunks: parts.length };
}
export async function quota() {
  const { quota } = await navigator.storage.estimate();
  return quota;
}
"#)]
extern "C" {
    fn chunked(bytes: &Uint8Array, cuts: Vec<u32>, fail_at: i32, log: &Object) -> JsValue;
    fn iterable(bytes: &Uint8Array) -> JsValue;
    #[wasm_bindgen(js_name = byteStream)]
    fn byte_stream(bytes: &Uint8Array, log: &Object) -> JsValue;
    #[wasm_bindgen(js_name = readAll)]
    async fn read_all(stream: JsValue) -> JsValue;
    async fn quota() -> JsValue;
}

fn name_of(err: &JsValue) -> String {
    Reflect::get(err, &"name".into()).ok().and_then(|v| v.as_string()).unwrap_or_default()
}

fn field(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

fn message(err: &JsValue) -> String {
    field(err, "message").as_string().unwrap_or_default()
}

async fn pool(dir: &str) -> OpfsPool {
    let pool = install_opfs(
        Some(JsValue::from(dir).unchecked_into()),
        Some(JsValue::from(format!("opfs-{dir}")).unchecked_into()),
    )
    .await
    .unwrap_or_else(|e| panic!("installOpfs failed in a browser worker: {e:?}"));
    pool.wipe().unwrap();
    pool
}

fn options(size: f64, progress: Option<&js_sys::Function>) -> Option<StreamOptions> {
    let o = Object::new();
    Reflect::set(&o, &"size".into(), &size.into()).unwrap();
    if let Some(f) = progress {
        Reflect::set(&o, &"onProgress".into(), f).unwrap();
    }
    Some(o.unchecked_into())
}

async fn settle(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

/// An objects.db of about 3 MiB (several of the importer's 1 MiB chunks), in rollback mode.
fn image() -> Vec<u8> {
    let db = Database::memory().unwrap();
    db.migrate("objects".into()).unwrap();
    db.exec(
        "CREATE TABLE bulk(x BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 48) \
         INSERT INTO bulk SELECT randomblob(65536) FROM n;"
            .into(),
    )
    .unwrap();
    let bytes = db.to_bytes().unwrap();
    db.close().unwrap();
    assert!(bytes.len() > 3 << 20);
    bytes
}

fn sha(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

async fn export_all(pool: &OpfsPool, name: &str) -> (Vec<u8>, u32) {
    let stream = pool.export_stream(name.into(), None).unwrap();
    let all = read_all(stream).await;
    (field(&all, "bytes").unchecked_into::<Uint8Array>().to_vec(), field(&all, "chunks").as_f64().unwrap() as u32)
}

#[wasm_bindgen_test]
async fn streamed_import_then_export_is_byte_identical() {
    let pool = pool("amux-stream-a").await;
    let image = image();
    let js = Uint8Array::from(&image[..]);
    let size = image.len() as f64;

    // A ReadableStream in odd cuts (7 bytes first: the header arrives in pieces), with progress.
    let progress = js_sys::Array::new();
    let record = Closure::<dyn FnMut(JsValue, JsValue)>::new({
        let progress = progress.clone();
        move |done: JsValue, total: JsValue| {
            progress.push(&js_sys::Array::of2(&done, &total));
        }
    });
    let log = Object::new();
    let stream = chunked(&js, vec![7, 70_001, 1_500_000], -1, &log);
    let stored =
        settle(pool.import_stream("a.db".into(), stream, options(size, Some(record.as_ref().unchecked_ref()))))
            .await
            .unwrap();
    assert_eq!(stored.as_f64(), Some(size));
    let last = progress.get(progress.length() - 1);
    assert_eq!(js_sys::Array::from(&last).get(0).as_f64(), Some(size), "the last progress call is the whole file");

    // A File (a Blob) needs no size; an async iterable (a Node stream's shape) does.
    let parts = js_sys::Array::of1(&js);
    let blob = web_blob(&parts);
    settle(pool.import_stream("b.db".into(), blob, None)).await.unwrap();
    settle(pool.import_stream("c.db".into(), iterable(&js), options(size, None))).await.unwrap();
    let e =
        settle(pool.import_stream("d.db".into(), iterable(&js), None)).await.expect_err("an iterable needs its size");
    assert_eq!(name_of(&e), "TypeError");

    for name in ["a.db", "b.db", "c.db"] {
        let (out, chunks) = export_all(&pool, name).await;
        assert_eq!(sha(&out), sha(&image), "{name}: the export is the imported file, byte for byte");
        assert!(chunks >= 3, "{name}: exported in chunks, not one copy ({chunks})");
        assert_eq!(pool.export_file(name.into()).unwrap(), image);
    }

    // Migrated in place in OPFS, then streamed out: the same bytes as the pool's own export.
    let db = pool.open("a.db".into()).unwrap();
    db.exec("INSERT INTO bulk VALUES (x'00')".into()).unwrap();
    db.close().unwrap();
    let (out, _) = export_all(&pool, "a.db").await;
    assert_eq!(out, pool.export_file("a.db".into()).unwrap());
    assert_ne!(sha(&out), sha(&image));
    pool.wipe().unwrap();
}

/// A byte stream (a `Blob`'s is one) is read into one buffer that each read hands back, so an
/// import allocates no chunk per read: the source here refuses any other kind of read.
#[wasm_bindgen_test]
async fn a_byte_stream_is_read_into_one_reused_buffer() {
    let pool = pool("amux-stream-byob").await;
    let image = image();
    let log = Object::new();
    let stream = byte_stream(&Uint8Array::from(&image[..]), &log);
    settle(pool.import_stream("e.db".into(), stream, options(image.len() as f64, None))).await.unwrap();
    assert_eq!(pool.export_file("e.db".into()).unwrap(), image);
    let reads = field(&log, "reads").as_f64().unwrap();
    assert!(reads >= (image.len() / 50_001) as f64, "{reads} reads");
    // Every read got a buffer of the same size: the importer's one buffer, passed round.
    assert_eq!(js_sys::Array::from(&field(&log, "sizes")).length(), 1, "{:?}", field(&log, "sizes"));
    pool.wipe().unwrap();
}

fn web_blob(parts: &js_sys::Array) -> JsValue {
    let class: js_sys::Function = Reflect::get(&js_sys::global(), &"Blob".into()).unwrap().unchecked_into();
    Reflect::construct(&class, &js_sys::Array::of1(parts)).unwrap()
}

#[wasm_bindgen_test]
async fn wal_header_is_set_to_rollback_and_nothing_else_changes() {
    let pool = pool("amux-stream-b").await;
    let mut wal = image();
    wal[18] = 2;
    wal[19] = 2;
    let js = Uint8Array::from(&wal[..]);
    settle(pool.import_stream(
        "w.db".into(),
        chunked(&js, vec![65_536], -1, &Object::new()),
        options(wal.len() as f64, None),
    ))
    .await
    .unwrap();
    let (out, _) = export_all(&pool, "w.db").await;
    assert_eq!(&out[18..20], &[1, 1]);
    assert_eq!(out[..18], wal[..18]);
    assert_eq!(out[20..], wal[20..]);
    // importFile does the same to the same bytes.
    pool.import_file("w2.db".into(), js.into()).unwrap();
    assert_eq!(pool.export_file("w2.db".into()).unwrap(), out);
    pool.wipe().unwrap();
}

#[wasm_bindgen_test]
async fn quota_refusal_writes_nothing() {
    let pool = pool("amux-stream-c").await;
    let image = image();
    let js = Uint8Array::from(&image[..]);
    pool.import_file("keep.db".into(), js.clone().into()).unwrap();
    let capacity_names = pool.file_names().unwrap();

    // A stream that declares more bytes than the origin may store: refused before a byte is read.
    let quota = quota().await.as_f64().unwrap();
    let declared = ((quota * 2.0) / 4096.0).ceil() * 4096.0;
    let log = Object::new();
    let e = settle(pool.import_stream("big.db".into(), chunked(&js, vec![65_536], -1, &log), options(declared, None)))
        .await
        .expect_err("larger than the quota");
    assert_eq!(name_of(&e), "OpfsError");
    assert_eq!(field(&e, "kind").as_string().as_deref(), Some("no-capacity"));
    let text = message(&e);
    assert!(text.contains("quota") && text.contains("nothing was written"), "{text}");
    assert!(text.contains(&format!("{} bytes", declared as u64)), "names the file's size: {text}");
    assert_eq!(field(&log, "cancelled"), JsValue::TRUE, "the source was let go");
    assert_eq!(pool.file_names().unwrap(), capacity_names);
    assert_eq!(pool.export_file("keep.db".into()).unwrap(), image, "the other file is untouched");

    // The pool is fully usable after the refusal.
    settle(pool.import_stream(
        "big.db".into(),
        chunked(&js, vec![65_536], -1, &Object::new()),
        options(image.len() as f64, None),
    ))
    .await
    .unwrap();
    pool.wipe().unwrap();
}

#[wasm_bindgen_test]
async fn interrupted_import_leaves_no_file() {
    let pool = pool("amux-stream-d").await;
    let image = image();
    let js = Uint8Array::from(&image[..]);
    let size = image.len() as f64;
    let capacity = pool.file_names().unwrap().len();

    // The stream errors after 2 MiB have been written.
    let e =
        settle(pool.import_stream("x.db".into(), chunked(&js, vec![1 << 20], 2, &Object::new()), options(size, None)))
            .await
            .expect_err("the stream failed");
    assert_eq!(name_of(&e), "OpfsError");
    let text = message(&e);
    assert!(text.contains("network dropped") && text.contains("nothing was stored"), "{text}");
    assert_eq!(pool.file_names().unwrap().len(), capacity);
    assert!(!pool.file_names().unwrap().contains(&"x.db".to_string()));
    assert!(pool.export_stream("x.db".into(), None).is_err(), "no x.db to export");

    // A source that ends early, or gives more than it declared: nothing stored either.
    let e = settle(pool.import_stream(
        "x.db".into(),
        chunked(&js, vec![1 << 20], -1, &Object::new()),
        options(size + 4096.0, None),
    ))
    .await
    .expect_err("short");
    assert!(message(&e).contains("ended after"), "{}", message(&e));
    let mut longer = image.clone();
    longer.extend_from_slice(&[0; 4096]);
    let longer = Uint8Array::from(&longer[..]);
    let e = settle(pool.import_stream(
        "x.db".into(),
        chunked(&longer, vec![1 << 20], -1, &Object::new()),
        options(size, None),
    ))
    .await
    .expect_err("long");
    assert!(message(&e).contains("more than"), "{}", message(&e));
    // A declared size shorter than the header's own page count: refused as truncated, unwritten.
    let e = settle(pool.import_stream(
        "x.db".into(),
        chunked(&js, vec![1 << 20], -1, &Object::new()),
        options(size - 4096.0, None),
    ))
    .await
    .expect_err("truncated");
    assert_eq!(name_of(&e), "NotADatabaseError", "{}", message(&e));
    // Not a database: refused before anything is written.
    let junk = Uint8Array::from(&vec![b'x'; 8192][..]);
    let e = settle(pool.import_stream(
        "x.db".into(),
        chunked(&junk, vec![5000], -1, &Object::new()),
        options(8192.0, None),
    ))
    .await
    .expect_err("garbage");
    assert_eq!(name_of(&e), "NotADatabaseError");
    assert!(pool.file_names().unwrap().is_empty());

    // The name and the slot are free: the same import now succeeds, whole.
    settle(pool.import_stream("x.db".into(), chunked(&js, vec![1 << 20], -1, &Object::new()), options(size, None)))
        .await
        .unwrap();
    assert_eq!(pool.export_file("x.db".into()).unwrap(), image);
    pool.wipe().unwrap();
}

#[wasm_bindgen_test]
async fn an_unread_export_holds_the_pool_until_cancelled() {
    let pool = pool("amux-stream-e").await;
    let image = image();
    pool.import_file("e.db".into(), Uint8Array::from(&image[..]).into()).unwrap();
    let e = pool.export_stream("missing.db".into(), None).expect_err("missing file");
    assert_eq!(name_of(&e), "OpfsError");

    let stream = pool.export_stream("e.db".into(), None).unwrap();
    // Let the pump start and fill its one-chunk queue.
    JsFuture::from(Promise::resolve(&JsValue::NULL)).await.unwrap();
    sleep(50).await;
    let busy = pool.open("e.db".into());
    assert!(busy.is_err(), "the file cannot be opened for writing while it is being exported");
    let cancel: js_sys::Function = field(&stream, "cancel").unchecked_into();
    let p: Promise = cancel.call0(&stream).unwrap().unchecked_into();
    JsFuture::from(p).await.unwrap();
    sleep(50).await;
    let db = pool.open("e.db".into()).expect("released after cancel");
    db.close().unwrap();
    pool.wipe().unwrap();
}

async fn sleep(ms: i32) {
    let p = Promise::new(&mut |resolve, _| {
        let set_timeout: js_sys::Function =
            Reflect::get(&js_sys::global(), &"setTimeout".into()).unwrap().unchecked_into();
        set_timeout.call2(&JsValue::NULL, &resolve, &ms.into()).unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_journal_left_by_a_crash_does_not_trap_the_streamed_export() {
    let pool = pool("amux-stream-f").await;
    pool.import_file("j.db".into(), Uint8Array::from(&image()[..]).into()).unwrap();
    let db = pool.open("j.db".into()).unwrap();
    // A PERSIST journal stays after the commit with its header zeroed: what a crash between the
    // commit and the journal's removal leaves.
    db.exec("PRAGMA journal_mode = PERSIST; INSERT INTO bulk VALUES (x'01');".into()).unwrap();
    let committed = db.to_bytes().unwrap();
    db.close().unwrap();
    assert!(pool.file_names().unwrap().contains(&"j.db-journal".to_string()));
    let (out, _) = export_all(&pool, "j.db").await;
    assert_eq!(sha(&out), sha(&committed), "the streamed export is exactly the committed file");
    assert_eq!(pool.file_names().unwrap(), vec!["j.db".to_string()]);
    pool.wipe().unwrap();
}

#[wasm_bindgen_test]
async fn an_empty_journal_is_not_left_beside_a_streamed_export() {
    let pool = pool("amux-stream-g").await;
    let image = image();
    pool.import_file("k.db".into(), Uint8Array::from(&image[..]).into()).unwrap();
    // What a crash leaves just after SQLite created the journal, before its first write reached it.
    use sqlite_wasm_rs::vfs::transfer::DbTransfer;
    let raw = agentmux_schema::backend::opfs::install("opfs-amux-stream-g", "amux-stream-g").await.unwrap();
    raw.util.import_db_unchecked("k.db-journal", &[]).unwrap();
    assert!(pool.file_names().unwrap().contains(&"k.db-journal".to_string()));
    let (out, _) = export_all(&pool, "k.db").await;
    assert_eq!(sha(&out), sha(&image), "the streamed export is exactly the file");
    assert_eq!(pool.file_names().unwrap(), vec!["k.db".to_string()], "the empty journal is gone");
    pool.wipe().unwrap();
}
