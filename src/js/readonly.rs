//! `statusOfFile` and `Database.openReadOnly`: a database file read in place, page by page,
//! through the read-only VFS (`backend::readonly_vfs`), never loaded whole. In a Worker the file is
//! a `File`/`Blob` read with `Blob.slice` and `FileReaderSync`; in Node it is a path read with
//! `fs.readSync` on a descriptor (Node's `fs` is reached through `process.getBuiltinModule`, so
//! the package imports no Node module and bundles for browsers unchanged).
//!
//! A read that fails is reported as what it is: a `FileError` naming the file, its size and the
//! browser's or the OS's reason, not as the `SQLITE_IOERR` SQLite turns it into.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::errors::{file_error, to_js_error, type_error, FileErrorKind};
use super::{params, parse_store, serialize, Database};
use crate::backend::readonly_vfs::{self, ByteSource, ReadStats};
use crate::StoreStatus;

#[wasm_bindgen]
extern "C" {
    type FileReaderSync;
    #[wasm_bindgen(constructor, catch)]
    fn new() -> Result<FileReaderSync, JsValue>;
    #[wasm_bindgen(method, catch, js_name = readAsArrayBuffer)]
    fn read_as_array_buffer(this: &FileReaderSync, blob: &JsBlob) -> Result<js_sys::ArrayBuffer, JsValue>;

    /// A `Blob` (or `File`), duck-typed so one from another realm works too.
    type JsBlob;
    #[wasm_bindgen(method, catch)]
    fn slice(this: &JsBlob, start: f64, end: f64) -> Result<JsBlob, JsValue>;

    /// The part of Node's `fs` used here.
    type NodeFs;
    #[wasm_bindgen(method, catch, js_name = openSync)]
    fn open_sync(this: &NodeFs, path: &str, flags: &str) -> Result<f64, JsValue>;
    #[wasm_bindgen(method, catch, js_name = fstatSync)]
    fn fstat_sync(this: &NodeFs, fd: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = readSync)]
    fn read_sync(
        this: &NodeFs,
        fd: f64,
        buffer: &mut [u8],
        offset: f64,
        length: f64,
        position: f64,
    ) -> Result<f64, JsValue>;
    #[wasm_bindgen(method, catch, js_name = closeSync)]
    fn close_sync(this: &NodeFs, fd: f64) -> Result<(), JsValue>;
}

thread_local! {
    /// The `FileError` of the last failed read of a source, until the error SQLite made of it is
    /// reported (see [`take_read_failure`]).
    static READ_FAILURE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
    /// The read counters of the file opened last.
    static LAST_STATS: RefCell<Option<Rc<RefCell<ReadStats>>>> = const { RefCell::new(None) };
}

/// The `FileError` of a source read that failed since the last call, if any: the real reason
/// behind an `SQLITE_IOERR` (src/js/errors.rs reports it in that error's place).
pub(super) fn take_read_failure() -> Option<JsValue> {
    READ_FAILURE.with(|f| f.borrow_mut().take())
}

fn record_failure(error: JsValue) {
    READ_FAILURE.with(|f| *f.borrow_mut() = Some(error));
}

/// What the reads of the file opened last by `statusOfFile` / `Database.openReadOnly` cost (for
/// tests and benchmarks; not part of the JS API).
#[doc(hidden)]
pub fn last_read_stats() -> ReadStats {
    LAST_STATS.with(|s| s.borrow().as_ref().map(|s| *s.borrow()).unwrap_or_default())
}

fn property(value: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(value, &key.into()).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

/// A `File` or `Blob` in a Worker.
struct BlobSource {
    blob: JsBlob,
    reader: FileReaderSync,
    size: u64,
    label: String,
}

impl ByteSource for BlobSource {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, String> {
        let end = (offset + buf.len() as u64).min(self.size);
        if offset >= end {
            return Ok(0);
        }
        let read = self.blob.slice(offset as f64, end as f64).and_then(|part| self.reader.read_as_array_buffer(&part));
        match read {
            Ok(buffer) => {
                let bytes = Uint8Array::new(&buffer);
                let n = (bytes.length() as usize).min(buf.len());
                bytes.subarray(0, n as u32).copy_to(&mut buf[..n]);
                Ok(n)
            }
            Err(e) => {
                let name = property(&e, "name").and_then(|n| n.as_string()).unwrap_or_else(|| "Error".into());
                let kind = if name == "NotFoundError" { FileErrorKind::NotFound } else { FileErrorKind::NotReadable };
                // The browser's own text for NotReadableError speaks of permissions whatever the
                // cause; what is known is the name, the range and what makes browsers refuse.
                let message = format!(
                    "{}: the browser could not read bytes {offset}..{end} of this file of {} ({name}). A \
                     browser refuses to read a file that was changed, moved or deleted after it was chosen, or \
                     that it may not access: choose the file again",
                    self.label,
                    super::limits::gib(self.size)
                );
                record_failure(file_error(kind, Some(&self.label), Some(self.size), None, &message));
                Err(message)
            }
        }
    }
}

/// A file on disk in Node, read through its descriptor (closed when SQLite closes the file).
struct NodeSource {
    fs: NodeFs,
    fd: f64,
    size: u64,
    path: String,
}

impl Drop for NodeSource {
    fn drop(&mut self) {
        let _ = self.fs.close_sync(self.fd);
    }
}

/// `FileError` kind and text for a Node `fs` error.
fn node_failure(path: &str, e: &JsValue, doing: &str) -> (FileErrorKind, String) {
    let code = property(e, "code").and_then(|c| c.as_string()).unwrap_or_default();
    let text = property(e, "message").and_then(|m| m.as_string()).unwrap_or_else(|| format!("{e:?}"));
    let kind = if code == "ENOENT" { FileErrorKind::NotFound } else { FileErrorKind::NotReadable };
    (kind, format!("{path}: could not {doing} ({text})"))
}

impl ByteSource for NodeSource {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, String> {
        let len = buf.len() as f64;
        match self.fs.read_sync(self.fd, buf, 0.0, len, offset as f64) {
            Ok(n) => Ok(n as usize),
            Err(e) => {
                let (kind, message) = node_failure(&self.path, &e, &format!("read at byte {offset}"));
                record_failure(file_error(kind, Some(&self.path), Some(self.size), None, &message));
                Err(message)
            }
        }
    }
}

fn node_fs() -> Option<NodeFs> {
    let process = property(&js_sys::global(), "process")?;
    let get: Function = property(&process, "getBuiltinModule")?.dyn_into().ok()?;
    let fs = get.call1(&process, &"node:fs".into()).ok()?;
    (!fs.is_undefined()).then(|| fs.unchecked_into())
}

/// The source `value` names: a path (Node) or a `File`/`Blob` (Worker). `what` names the argument.
fn source_of(value: &JsValue, what: &str) -> Result<(Rc<dyn ByteSource>, String), JsValue> {
    if let Some(path) = value.as_string() {
        let unsupported = || {
            let message = format!(
                "{what}: a path can be read only in Node (20.16 or later, for process.getBuiltinModule); in a \
                 browser, pass a File or Blob from a dedicated Worker"
            );
            file_error(FileErrorKind::Unsupported, Some(&path), None, None, &message)
        };
        let fs = node_fs().ok_or_else(unsupported)?;
        let fd = fs.open_sync(&path, "r").map_err(|e| {
            let (kind, message) = node_failure(&path, &e, "open it");
            file_error(kind, Some(&path), None, None, &message)
        })?;
        let size = fs.fstat_sync(fd).ok().and_then(|s| property(&s, "size")).and_then(|s| s.as_f64());
        let Some(size) = size else {
            let _ = fs.close_sync(fd);
            let message = format!("{path}: could not read its size");
            return Err(file_error(FileErrorKind::NotReadable, Some(&path), None, None, &message));
        };
        let source = NodeSource { fs, fd, size: size as u64, path: path.clone() };
        return Ok((Rc::new(source), path));
    }
    let size = property(value, "size").and_then(|s| s.as_f64());
    let slice = property(value, "slice").filter(|s| s.is_function());
    if let (Some(size), Some(_)) = (size, slice) {
        let label = property(value, "name").and_then(|n| n.as_string()).unwrap_or_else(|| "the Blob".into());
        let reader = FileReaderSync::new().map_err(|_| {
            let message = format!(
                "{what}: reading {label} without loading it needs FileReaderSync, which only Workers have: call \
                 this in a dedicated Worker (see the package README), or use statusOfBytes / Database.fromBytes \
                 with its bytes"
            );
            file_error(FileErrorKind::Unsupported, Some(&label), Some(size as u64), None, &message)
        })?;
        let source =
            BlobSource { blob: value.clone().unchecked_into(), reader, size: size as u64, label: label.clone() };
        return Ok((Rc::new(source), label));
    }
    Err(type_error(&format!(
        "{what} must be a File or Blob (in a Worker) or a path string (in Node), got {}",
        params::type_name(value)
    )))
}

/// The first bytes of `source`, up to the 100-byte header.
fn header(source: &dyn ByteSource) -> Result<Vec<u8>, JsValue> {
    let mut head = vec![0u8; source.size().min(100) as usize];
    let mut done = 0;
    while done < head.len() {
        match source.read_at(&mut head[done..], done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(message) => {
                return Err(take_read_failure().unwrap_or_else(|| {
                    file_error(FileErrorKind::NotReadable, None, Some(source.size()), None, &message)
                }))
            }
        }
    }
    head.truncate(done);
    Ok(head)
}

/// Open `source` read-only, refusing garbage and truncated files as `Database.fromBytes` does.
fn open(source: Rc<dyn ByteSource>) -> Result<crate::backend::Db, crate::StoreError> {
    let (db, stats) = readonly_vfs::open(source)?;
    LAST_STATS.with(|s| *s.borrow_mut() = Some(stats));
    Ok(db)
}

#[wasm_bindgen]
impl Database {
    /// A read-only database on a file read in place: only the pages a query touches are read, so
    /// a file of any size opens at once and takes little memory. `fileOrPath` is a `File` or
    /// `Blob` in a dedicated Worker, a path in Node; the file must not change while it is open.
    /// Garbage or truncated files throw `NotADatabaseError` (as `fromBytes`); a file that cannot
    /// be read throws `FileError`; writes throw `SqliteError` (read-only).
    #[wasm_bindgen(js_name = openReadOnly)]
    pub fn open_read_only(
        #[wasm_bindgen(js_name = fileOrPath, unchecked_param_type = "Platform<\"Blob\"> | string")]
        file_or_path: JsValue,
    ) -> Result<Database, JsValue> {
        let (source, _) = source_of(&file_or_path, "Database.openReadOnly: fileOrPath")?;
        take_read_failure();
        let head = header(&*source)?;
        crate::header::check_image("database image", &head, source.size()).map_err(to_js_error)?;
        open(source).map(Database::new).map_err(to_js_error)
    }
}

/// `statusOfBytes` for a file read in place (see `Database.openReadOnly`): the same result,
/// reading only the pages the status needs. Unreadable contents give `state: "unreadable"`;
/// a file that cannot be read at all throws `FileError`.
#[wasm_bindgen(js_name = statusOfFile, unchecked_return_type = "StoreStatus")]
pub fn status_of_file(
    #[wasm_bindgen(js_name = fileOrPath, unchecked_param_type = "Platform<\"Blob\"> | string")] file_or_path: JsValue,
    #[wasm_bindgen(unchecked_param_type = "StoreName")] store: JsValue,
) -> Result<JsValue, JsValue> {
    let store = parse_store(&store)?;
    let (source, _) = source_of(&file_or_path, "statusOfFile: fileOrPath")?;
    take_read_failure();
    let head = header(&*source)?;
    let status = match crate::header::check_image("database image", &head, source.size()).and_then(|()| open(source)) {
        Ok(db) => crate::status(&db, store),
        Err(e) => StoreStatus::unreadable(store, &e),
    };
    // A read that failed midway shows in the status only as SQLite's "disk I/O error".
    if let Some(failure) = take_read_failure() {
        return Err(failure);
    }
    serialize(&status)
}
