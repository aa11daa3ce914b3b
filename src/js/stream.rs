//! Streamed transfers between the OPFS pool and JavaScript streams: `importStream` writes a
//! `File`/`Blob`, a `ReadableStream` or any async iterable of byte chunks (a Node stream is one)
//! into the pool, and `exportStream` reads a pool file out as a `ReadableStream`.
//!
//! Memory stays flat whatever the file's size: one reusable buffer of [`CHUNK`] bytes in the wasm
//! heap, and at most a chunk or two queued on the JS side (the export waits on the consumer).
//!
//! An import is all or nothing. The pool's transfer writes into an unnamed slot and names it only
//! once every byte is there and flushed, so a failure at any point (a stream that errors, a quota
//! refusal, a wrong size, a closed tab) leaves no file under `name`: an unnamed slot is free space
//! to the pool, here and after a reload. Before the slot is reserved, the declared size is
//! checked against `navigator.storage.estimate()`, so a file that cannot fit is refused with both
//! figures named and nothing written.

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use sqlite_wasm_rs::vfs::transfer::DbTransfer;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::errors::{opfs_error, to_js_error, type_error, OpfsErrorKind};
use super::opfs::{kind_of, settle_failure, OpfsPool};
use super::params;
use crate::backend::opfs::{OpfsSAHError, OpfsSAHPoolUtil};

/// The size of one read or write: large enough that per-call overhead is noise, small enough
/// that the wasm heap does not grow with the file.
const CHUNK: usize = 1 << 20;

/// Progress is reported at most once per this many bytes (and once at the end).
const PROGRESS_STEP: u64 = 4 << 20;

/// JavaScript's largest exact integer: sizes beyond it cannot be named by a `number`.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

#[wasm_bindgen(typescript_custom_section)]
const TS_STREAM: &'static str = r#"
/** Options of `OpfsPool.importStream` and `OpfsPool.exportStream`. */
export interface StreamOptions {
  /**
   * The number of bytes the source will give. Required for a `ReadableStream` or an async
   * iterable (the pool reserves exact sizes and checks the quota first); a `Blob` knows its own.
   */
  size?: number;
  /** Called as bytes move (at most every 4 MiB, and once at the end). */
  onProgress?: (done: number, total: number) => void;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `StreamOptions` (declared so the TypeScript parameter is typed).
    #[wasm_bindgen(typescript_type = "StreamOptions")]
    pub type StreamOptions;
}

/// What `importStream` reads from: a function returning `Promise<{done, value}>` on its object
/// (`reader.read` or `iterator.next`), and how to let go of the source when the import stops early.
struct Source {
    target: JsValue,
    next: Function,
    /// `reader.cancel` / `iterator.return`, when the source has one.
    stop: Option<Function>,
    size: Option<f64>,
    /// A byte stream read with a BYOB reader: the buffer each read fills, handed back by the
    /// previous read (a read transfers it), so reading allocates no new chunk memory.
    byob: Option<std::cell::RefCell<js_sys::ArrayBuffer>>,
}

fn method(object: &JsValue, name: &str) -> Option<Function> {
    Reflect::get(object, &name.into()).ok()?.dyn_into::<Function>().ok()
}

fn global_class(name: &str) -> Option<Function> {
    Reflect::get(&js_sys::global(), &name.into()).ok()?.dyn_into::<Function>().ok()
}

/// A `Blob` (or `File`), by the members `importStream` uses: it is not a stream itself.
fn is_blob(value: &JsValue) -> bool {
    value.is_object()
        && method(value, "stream").is_some()
        && method(value, "slice").is_some()
        && method(value, "getReader").is_none()
        && Reflect::get(value, &"size".into()).is_ok_and(|s| s.as_f64().is_some())
}

thread_local! {
    /// A no-op rejection handler, shared: the promises it is attached to are settled by a stream
    /// whose failure reaches the pump another way.
    static IGNORE: Closure<dyn FnMut(JsValue)> = Closure::new(|_: JsValue| {});
}

fn ignore_rejection(promise: &Promise) {
    IGNORE.with(|f| {
        let _ = promise.catch(f);
    });
}

/// Open a reader on a `ReadableStream`: a BYOB reader on a byte stream (a `Blob`'s is one), which
/// reads into one reused buffer, else the default reader, which hands over a new chunk per read.
/// (Chromium let such chunks pile up as garbage to over 200 MiB of RSS during a 1 GiB import.)
fn reader_of(stream: &JsValue) -> Result<Source, JsValue> {
    let get_reader = method(stream, "getReader").ok_or_else(|| type_error("importStream: source has no getReader"))?;
    let mode = Object::new();
    Reflect::set(&mode, &"mode".into(), &"byob".into())?;
    // A stream that is not a byte stream throws here, before it is locked.
    let (reader, byob) = match get_reader.call1(stream, &mode) {
        Ok(reader) => (reader, Some(std::cell::RefCell::new(js_sys::ArrayBuffer::new(CHUNK as u32)))),
        Err(_) => (get_reader.call0(stream)?, None),
    };
    let next = method(&reader, "read").ok_or_else(|| type_error("importStream: the stream's reader has no read()"))?;
    let stop = method(&reader, "cancel");
    Ok(Source { target: reader, next, stop, size: None, byob })
}

fn source_of(value: &JsValue) -> Result<Source, JsValue> {
    if is_blob(value) {
        let size = Reflect::get(value, &"size".into())?.as_f64();
        let stream = method(value, "stream").ok_or_else(|| type_error("importStream: this Blob has no stream()"))?;
        let mut source = reader_of(&stream.call0(value)?)?;
        source.size = size;
        return Ok(source);
    }
    if method(value, "getReader").is_some() {
        return reader_of(value);
    }
    let async_iterator = Reflect::get(&js_sys::global(), &"Symbol".into())
        .and_then(|symbol| Reflect::get(&symbol, &"asyncIterator".into()))
        .ok()
        .and_then(|key| Reflect::get(value, &key).ok())
        .and_then(|f| f.dyn_into::<Function>().ok());
    if let Some(iterate) = async_iterator {
        let iterator = iterate.call0(value)?;
        let next =
            method(&iterator, "next").ok_or_else(|| type_error("importStream: the async iterator has no next()"))?;
        let stop = method(&iterator, "return");
        return Ok(Source { target: iterator, next, stop, size: None, byob: None });
    }
    Err(type_error(
        "importStream: source must be a Blob (a File), a ReadableStream or an async iterable of Uint8Array chunks",
    ))
}

struct Options {
    size: Option<f64>,
    on_progress: Option<Function>,
}

fn options_of(value: Option<StreamOptions>, what: &str) -> Result<Options, JsValue> {
    let Some(value) = value.map(JsValue::from).filter(|v| !v.is_undefined() && !v.is_null()) else {
        return Ok(Options { size: None, on_progress: None });
    };
    if !value.is_object() {
        return Err(type_error(&format!("{what}: options must be an object")));
    }
    let size = Reflect::get(&value, &"size".into())?;
    let size = match size.as_f64() {
        _ if size.is_undefined() => None,
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= MAX_SAFE => Some(n),
        _ => return Err(type_error(&format!("{what}: options.size must be a whole number of bytes"))),
    };
    let progress = Reflect::get(&value, &"onProgress".into())?;
    let on_progress = match progress.dyn_into::<Function>() {
        Ok(f) => Some(f),
        Err(v) if v.is_undefined() => None,
        Err(_) => return Err(type_error(&format!("{what}: options.onProgress must be a function"))),
    };
    Ok(Options { size, on_progress })
}

/// Bytes as the package's other messages give them, e.g. `3221225472 bytes (3.00 GiB)`.
fn describe(bytes: f64) -> String {
    super::limits::gib(bytes as u64)
}

/// `navigator.storage.estimate()` as (quota, usage), when this context offers it.
async fn estimate() -> Option<(f64, f64)> {
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    let storage = Reflect::get(&navigator, &"storage".into()).ok()?;
    let estimate = method(&storage, "estimate")?;
    let promise = estimate.call0(&storage).ok()?.dyn_into::<Promise>().ok()?;
    let result = JsFuture::from(promise).await.ok()?;
    let quota = Reflect::get(&result, &"quota".into()).ok()?.as_f64()?;
    let usage = Reflect::get(&result, &"usage".into()).ok()?.as_f64().unwrap_or(0.0);
    Some((quota, usage))
}

fn pool_error(what: &str, e: OpfsSAHError) -> JsValue {
    opfs_error(kind_of(&e), &format!("{what}: {e}"))
}

fn report(on_progress: &Option<Function>, done: u64, total: u64) {
    if let Some(f) = on_progress {
        // A throwing callback is the page's bug; it must not abandon a transfer half-way.
        let _ = f.call2(&JsValue::NULL, &JsValue::from(done as f64), &JsValue::from(total as f64));
    }
}

/// The `{done, value}` of one `read()`/`next()`.
async fn pull(source: &Source) -> Result<Option<JsValue>, JsValue> {
    let promise = match &source.byob {
        Some(buffer) => source.next.call1(&source.target, &Uint8Array::new(&buffer.borrow()))?,
        None => source.next.call0(&source.target)?,
    };
    let step = JsFuture::from(Promise::resolve(&promise)).await?;
    if Reflect::get(&step, &"done".into())?.is_truthy() {
        return Ok(None);
    }
    let value = Reflect::get(&step, &"value".into())?;
    if let Some(buffer) = &source.byob {
        // The filled view's buffer is the one the read took: the next read fills it again.
        *buffer.borrow_mut() = Reflect::get(&value, &"buffer".into())?.dyn_into()?;
    }
    Ok(Some(value))
}

fn chunk_bytes(value: JsValue) -> Option<Uint8Array> {
    if let Some(array) = value.dyn_ref::<Uint8Array>() {
        return Some(array.clone());
    }
    if value.is_instance_of::<js_sys::ArrayBuffer>() {
        return Some(Uint8Array::new(&value));
    }
    // Any other typed array or DataView: its bytes.
    let buffer = Reflect::get(&value, &"buffer".into()).ok()?;
    if !buffer.is_instance_of::<js_sys::ArrayBuffer>() {
        return None;
    }
    let offset = Reflect::get(&value, &"byteOffset".into()).ok()?.as_f64()?;
    let length = Reflect::get(&value, &"byteLength".into()).ok()?.as_f64()?;
    Some(Uint8Array::new_with_byte_offset_and_length(&buffer, offset as u32, length as u32))
}

/// The import itself; on any error the caller cancels the source and the dropped transfer
/// releases its slot unnamed.
async fn import(
    util: &OpfsSAHPoolUtil,
    name: &str,
    source: &Source,
    size: u64,
    on_progress: &Option<Function>,
) -> Result<(), JsValue> {
    let what = format!("importStream(\"{name}\")");
    let mut transfer = util.begin_import(name, size).map_err(|e| pool_error(&what, e))?;
    // The SQLite header is checked (as `importFile` does) before the first byte is written, so a
    // file that is not a database is refused with `NotADatabaseError` and nothing written.
    let mut head: Vec<u8> = Vec::with_capacity(100);
    let mut buf = vec![0u8; CHUNK];
    let mut done: u64 = 0;
    let mut reported: u64 = 0;
    let write = |transfer: &mut sqlite_wasm_rs::vfs::transfer::DbImport<_>, bytes: &[u8], done: &mut u64| {
        if *done + bytes.len() as u64 > size {
            return Err(opfs_error(
                OpfsErrorKind::Other,
                &format!(
                    "{what}: the source gave more than the {} declared; nothing was stored",
                    describe(size as f64)
                ),
            ));
        }
        transfer.write(bytes).map_err(|e| pool_error(&what, e))?;
        *done += bytes.len() as u64;
        Ok::<(), JsValue>(())
    };
    loop {
        let value = match pull(source).await {
            Ok(Some(value)) => value,
            Ok(None) => break,
            Err(e) => {
                let cause =
                    Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()).or_else(|| e.as_string());
                let message = format!(
                    "{what}: the source failed after {}{}; nothing was stored",
                    describe((done + head.len() as u64) as f64),
                    cause.map(|c| format!(": {c}")).unwrap_or_default()
                );
                let err = opfs_error(OpfsErrorKind::Other, &message);
                let _ = Reflect::set(&err, &"cause".into(), &e);
                return Err(err);
            }
        };
        let chunk = chunk_bytes(value)
            .ok_or_else(|| type_error(&format!("{what}: every chunk must be a Uint8Array or an ArrayBuffer")))?;
        let mut at = 0u32;
        let len = chunk.length();
        while at < len {
            if done == 0 && head.len() < 100 {
                let take = (100 - head.len()).min((len - at) as usize) as u32;
                let start = head.len();
                head.resize(start + take as usize, 0);
                chunk.subarray(at, at + take).copy_to(&mut head[start..]);
                at += take;
                if head.len() == 100 {
                    crate::header::check_image(name, &head, size).map_err(to_js_error)?;
                    let first = std::mem::take(&mut head);
                    write(&mut transfer, &first, &mut done)?;
                }
                continue;
            }
            let take = (CHUNK as u32).min(len - at);
            chunk.subarray(at, at + take).copy_to(&mut buf[..take as usize]);
            write(&mut transfer, &buf[..take as usize], &mut done)?;
            at += take;
        }
        if done - reported >= PROGRESS_STEP {
            reported = done;
            report(on_progress, done, size);
        }
    }
    // A source shorter than a header (or empty) is judged on what it gave.
    if done == 0 {
        crate::header::check_image(name, &head, head.len() as u64).map_err(to_js_error)?;
        write(&mut transfer, &std::mem::take(&mut head), &mut done)?;
    }
    if done != size {
        return Err(opfs_error(
            OpfsErrorKind::Other,
            &format!(
                "{what}: the source ended after {} of the {} declared; nothing was stored",
                describe(done as f64),
                describe(size as f64)
            ),
        ));
    }
    transfer.finish().map_err(|e| pool_error(&what, e))?;
    report(on_progress, done, size);
    Ok(())
}

async fn import_stream(
    util: OpfsSAHPoolUtil,
    name: JsValue,
    source: JsValue,
    options: Option<StreamOptions>,
) -> Result<JsValue, JsValue> {
    let name = params::string(&name, "importStream: name")?;
    let options = options_of(options, "importStream")?;
    let source = source_of(&source)?;
    let Some(size) = source.size.or(options.size) else {
        if let Some(stop) = &source.stop {
            let _ = stop.call0(&source.target);
        }
        return Err(type_error(
            "importStream: options.size is required for a ReadableStream or an async iterable (a Blob knows its size)",
        ));
    };
    let what = format!("importStream(\"{name}\")");
    let result = async {
        if let Some((quota, usage)) = estimate().await {
            let free = (quota - usage).max(0.0);
            if size > free {
                return Err(opfs_error(
                    OpfsErrorKind::NoCapacity,
                    &format!(
                        "{what}: the file is {} but the origin's storage quota leaves {} free (quota {}, in use {}); nothing was written",
                        describe(size),
                        describe(free),
                        describe(quota),
                        describe(usage)
                    ),
                ));
            }
        }
        import(&util, &name, &source, size as u64, &options.on_progress).await?;
        // The file took a slot: keep room for a migration's temporary files beside it. The file
        // is stored by now, so a pool that cannot grow does not fail the import (opening then
        // keeps temporary files in memory, `Pool::open`).
        let _ = crate::backend::opfs::keep_spare(&util).await;
        Ok(())
    }
    .await;
    if result.is_err() {
        // Let go of the source: a file picker's stream or a network body stops reading.
        if let Some(stop) = &source.stop {
            let _ = stop.call0(&source.target);
        }
    }
    result.map(|()| JsValue::from(size))
}

/// Pump `name`'s bytes into `writer` (of a `TransformStream`), waiting for the reader each time.
async fn pump(
    util: OpfsSAHPoolUtil,
    name: String,
    writer: JsValue,
    on_progress: Option<Function>,
) -> Result<(), JsValue> {
    let what = format!("exportStream(\"{name}\")");
    let mut export = util.begin_export(&name).map_err(|e| pool_error(&what, e))?;
    let total = export.size();
    let ready = || -> Result<JsFuture, JsValue> {
        Ok(JsFuture::from(Reflect::get(&writer, &"ready".into())?.dyn_into::<Promise>()?))
    };
    let write = method(&writer, "write").ok_or_else(|| type_error("writer.write"))?;
    let mut buf = vec![0u8; CHUNK];
    let mut done: u64 = 0;
    let mut reported: u64 = 0;
    loop {
        // Rejects when the reader cancelled: the export stops and releases the file.
        ready()?.await?;
        let n = export.read(&mut buf).map_err(|e| pool_error(&what, e))?;
        if n == 0 {
            break;
        }
        let chunk = Uint8Array::new_with_length(n as u32);
        chunk.copy_from(&buf[..n]);
        // Its promise settles when the chunk is read or the stream fails; `ready` above is what
        // paces the loop, and a failure reaches it there.
        let written: Promise = write.call1(&writer, &chunk)?.dyn_into()?;
        ignore_rejection(&written);
        done += n as u64;
        if done - reported >= PROGRESS_STEP {
            reported = done;
            report(&on_progress, done, total);
        }
    }
    drop(export);
    JsFuture::from(
        method(&writer, "close").ok_or_else(|| type_error("writer.close"))?.call0(&writer)?.dyn_into::<Promise>()?,
    )
    .await?;
    report(&on_progress, done, total);
    Ok(())
}

#[wasm_bindgen]
impl OpfsPool {
    /// Store a `File`/`Blob`, a `ReadableStream` or an async iterable of byte chunks (e.g. a Node
    /// stream) as file `name`, a chunk at a time: memory does not grow with the file. Resolves to
    /// the number of bytes stored. A stream needs `options.size`. All or nothing: a source that
    /// fails, a size that does not match, or a quota that cannot hold it (checked first, with
    /// `navigator.storage.estimate()`; `OpfsError` kind `"no-capacity"` naming both figures)
    /// leaves no file under `name`. Like `importFile`, it refuses an existing name and bytes that
    /// are not a database (`NotADatabaseError`, before anything is written), and stores the bytes
    /// as it does: unchanged but for a WAL-mode header, which is set to rollback mode (the pool
    /// has no shared memory for WAL).
    #[wasm_bindgen(js_name = importStream, unchecked_return_type = "Promise<number>")]
    pub fn import_stream(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(
            unchecked_param_type = "Platform<\"Blob\"> | Platform<\"ReadableStream\"> | AsyncIterable<Uint8Array>"
        )]
        source: JsValue,
        options: Option<StreamOptions>,
    ) -> Promise {
        let util = self.pool.util.clone();
        wasm_bindgen_futures::future_to_promise(import_stream(util, name, source, options))
    }

    /// A (closed) file's bytes as a `ReadableStream`, read from OPFS as the consumer pulls them
    /// (pipe it to a `FileSystemWritableFileStream` or a `Response`): memory does not grow with
    /// the file. The pool's other operations and new opens wait (fail with `OpfsError` kind
    /// `"other"`, busy) until the stream is read to the end or cancelled. A missing or open file
    /// throws here, at once.
    #[wasm_bindgen(js_name = exportStream, unchecked_return_type = "Platform<\"ReadableStream\">")]
    pub fn export_stream(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        options: Option<StreamOptions>,
    ) -> Result<JsValue, JsValue> {
        let name = params::string(&name, "exportStream: name")?;
        let options = options_of(options, "exportStream")?;
        let util = self.pool.util.clone();
        // Refuse at once what the export would refuse (the pump opens it again, below). A journal
        // left by a crash is settled first, as `exportFile` does, an empty one too.
        let what = format!("exportStream(\"{name}\")");
        match util.begin_export(&name) {
            Ok(export) => {
                drop(export);
                self.pool.settle_journal(&name).map_err(settle_failure)?;
            }
            Err(OpfsSAHError::RecoveryRequired(_)) => {
                self.pool.settle_journal(&name).map_err(settle_failure)?;
                drop(util.begin_export(&name).map_err(|e| pool_error(&what, e))?);
            }
            Err(e) => return Err(pool_error(&what, e)),
        }

        let class =
            global_class("TransformStream").ok_or_else(|| type_error("exportStream: no TransformStream here"))?;
        let writable_strategy = Object::new();
        Reflect::set(&writable_strategy, &"highWaterMark".into(), &JsValue::from(1))?;
        let args = Array::of3(&Object::new(), &writable_strategy, &Object::new());
        let pipe = Reflect::construct(&class, &args)?;
        let readable = Reflect::get(&pipe, &"readable".into())?;
        let writable = Reflect::get(&pipe, &"writable".into())?;
        let writer =
            method(&writable, "getWriter").ok_or_else(|| type_error("writable.getWriter"))?.call0(&writable)?;
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = pump(util, name, writer.clone(), options.on_progress).await {
                if let Some(abort) = method(&writer, "abort") {
                    if let Ok(p) = abort.call1(&writer, &e) {
                        if let Ok(p) = p.dyn_into::<Promise>() {
                            ignore_rejection(&p);
                        }
                    }
                }
            }
        });
        Ok(readable)
    }
}
