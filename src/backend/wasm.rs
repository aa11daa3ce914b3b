//! WebAssembly backend: SQLite's C API compiled to `wasm32-unknown-unknown` by `sqlite-wasm-rs`.
//!
//! This file holds all of the crate's `unsafe` code. [`Db`] owns one `sqlite3*` handle; every
//! FFI call goes through [`Db::raw`], which refuses a closed handle with [`StoreError::Closed`]
//! instead of handing SQLite a freed pointer. Errors mirror the native backend:
//! `StoreError::Sqlite { code: extended result code, message: sqlite3_errmsg, sql }`.
//!
//! The OPFS pieces (`sahpool` VFS) live in [`opfs`]; they only work inside a dedicated Worker
//! of a secure context.

use std::cell::Cell;
use std::ffi::{c_char, c_int, CStr, CString};
use std::ptr;

use sqlite_wasm_rs as ffi;

use crate::conn::{Row, SqlConn, Value};
use crate::StoreError;

/// SQLITE_MISUSE: what the native backend reports for driver-side failures (e.g. a NUL byte).
const MISUSE: i32 = 21;
const NOMEM: i32 = 7;

/// An open SQLite connection (in memory, from an image, or on a VFS such as OPFS).
///
/// Single-threaded by construction (`*mut sqlite3` is neither `Send` nor `Sync`). After
/// [`Db::close`] every method returns [`StoreError::Closed`].
pub struct Db {
    raw: Cell<*mut ffi::sqlite3>,
    /// The image this database was loaded from was WAL-mode; [`image`] marks its output so again.
    wal: Cell<bool>,
}

/// A result of a query with its column names (for callers that build objects, like the JS API).
pub struct NamedRows {
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

fn misuse(message: &str, sql: Option<&str>) -> StoreError {
    StoreError::Sqlite { code: MISUSE, message: message.to_string(), sql: sql.map(str::to_string) }
}

/// Text from SQLite (UTF-8 expected; lossily converted otherwise).
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string valid for the duration of the call.
unsafe fn c_text(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: non-NULL and NUL-terminated per this function's contract.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// Finalizes a prepared statement when dropped, so every early return releases it.
struct Stmt(*mut ffi::sqlite3_stmt);

impl Drop for Stmt {
    fn drop(&mut self) {
        // SAFETY: the pointer came from sqlite3_prepare_v2 on a connection that is still open
        // (a `Stmt` never outlives the `&Db` borrow it was made under, and `close` cannot run
        // during that borrow on this single thread); finalizing NULL is a harmless no-op.
        unsafe { ffi::sqlite3_finalize(self.0) };
    }
}

impl Db {
    /// Open `filename` on `vfs` (`None` = the default VFS) with READWRITE|CREATE.
    fn open(filename: &str, vfs: Option<&str>) -> Result<Db, StoreError> {
        let c_name = CString::new(filename).map_err(|_| misuse("file name contains a NUL byte", None))?;
        let c_vfs = match vfs {
            Some(v) => Some(CString::new(v).map_err(|_| misuse("VFS name contains a NUL byte", None))?),
            None => None,
        };
        let mut raw: *mut ffi::sqlite3 = ptr::null_mut();
        // SAFETY: both strings are NUL-terminated and outlive the call; `raw` is a valid out
        // pointer. SQLite sets it to a handle (possibly an error-carrying one) or NULL on OOM.
        let rc = unsafe {
            ffi::sqlite3_open_v2(
                c_name.as_ptr(),
                &mut raw,
                ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE,
                c_vfs.as_ref().map_or(ptr::null(), |v| v.as_ptr()),
            )
        };
        if raw.is_null() {
            return Err(StoreError::Sqlite {
                code: NOMEM,
                message: "out of memory opening a database".into(),
                sql: None,
            });
        }
        // From here `db` owns the handle and closes it on every path (Drop).
        let db = Db { raw: Cell::new(raw), wal: Cell::new(false) };
        if rc != ffi::SQLITE_OK {
            return Err(db.error(None));
        }
        // SAFETY: `raw` is an open connection handle.
        unsafe { ffi::sqlite3_extended_result_codes(raw, 1) };
        Ok(db)
    }

    /// Open (creating if needed) `name` on the registered VFS `vfs`, e.g. the OPFS pool.
    pub fn open_on_vfs(name: &str, vfs: &str) -> Result<Db, StoreError> {
        Db::open(name, Some(vfs))
    }

    /// The live handle, or `Closed`.
    fn raw(&self) -> Result<*mut ffi::sqlite3, StoreError> {
        let raw = self.raw.get();
        if raw.is_null() {
            Err(StoreError::Closed)
        } else {
            Ok(raw)
        }
    }

    /// True once [`Db::close`] has succeeded.
    pub fn is_closed(&self) -> bool {
        self.raw.get().is_null()
    }

    /// Close the connection. Idempotent; afterwards every call returns `Closed`.
    pub fn close(&self) -> Result<(), StoreError> {
        let raw = self.raw.get();
        if raw.is_null() {
            return Ok(());
        }
        // SAFETY: `raw` is open; every statement this type prepares is finalized before the
        // method that prepared it returns, so nothing else references the handle.
        let rc = unsafe { ffi::sqlite3_close(raw) };
        if rc != ffi::SQLITE_OK {
            // Still open (SQLITE_BUSY): keep the handle so it is neither leaked nor dangling.
            return Err(self.error(None));
        }
        self.raw.set(ptr::null_mut());
        Ok(())
    }

    /// The connection's current error as a `StoreError::Sqlite`.
    fn error(&self, sql: Option<&str>) -> StoreError {
        let raw = self.raw.get();
        if raw.is_null() {
            return StoreError::Closed;
        }
        // SAFETY: `raw` is open; sqlite3_errmsg returns a NUL-terminated string owned by the
        // connection, valid until the next API call on it, and copied out by `c_text` at once.
        let (code, message) = unsafe { (ffi::sqlite3_extended_errcode(raw), c_text(ffi::sqlite3_errmsg(raw))) };
        let err = StoreError::Sqlite { code, message, sql: None };
        match sql {
            Some(statement) => err.with_sql(statement),
            None => err,
        }
    }

    /// Like [`SqlConn::query`], with typed parameters, also returning the column names.
    pub fn query_named(&self, sql: &str, params: &[Value]) -> Result<NamedRows, StoreError> {
        let raw = self.raw()?;
        if sql.as_bytes().contains(&0) {
            return Err(misuse("SQL contains a NUL byte", Some(sql)));
        }
        let len = c_int::try_from(sql.len()).map_err(|_| misuse("SQL is too long", Some(sql)))?;
        let mut stmt = Stmt(ptr::null_mut());
        let mut tail: *const c_char = ptr::null();
        // SAFETY: `sql` is valid for `len` bytes (no NUL needed when the length is given);
        // `stmt.0` and `tail` are valid out pointers; `tail` points into `sql` afterwards.
        let rc = unsafe { ffi::sqlite3_prepare_v2(raw, sql.as_ptr().cast(), len, &mut stmt.0, &mut tail) };
        if rc != ffi::SQLITE_OK {
            return Err(self.error(Some(sql)));
        }
        // Refuse a second statement rather than silently ignoring it (comments and whitespace
        // after the first statement are fine).
        let used = if tail.is_null() { sql.len() } else { (tail as usize).saturating_sub(sql.as_ptr() as usize) };
        if let Some(rest) = sql.get(used..) {
            if !rest.trim().is_empty() {
                let rest_len = rest.len() as c_int; // <= len, fits
                let mut extra = Stmt(ptr::null_mut());
                // SAFETY: as above, for the remaining slice of `sql`.
                let rc = unsafe {
                    ffi::sqlite3_prepare_v2(raw, rest.as_ptr().cast(), rest_len, &mut extra.0, ptr::null_mut())
                };
                if rc != ffi::SQLITE_OK {
                    return Err(self.error(Some(sql)));
                }
                if !extra.0.is_null() {
                    return Err(misuse("multiple statements provided; use exec for a batch", Some(sql)));
                }
            }
        }
        if stmt.0.is_null() {
            // Empty SQL or only a comment: no statement, no rows.
            return Ok(NamedRows { columns: vec![], rows: vec![] });
        }

        for (i, p) in params.iter().enumerate() {
            let index = c_int::try_from(i + 1).map_err(|_| misuse("too many parameters", Some(sql)))?;
            // SAFETY (every arm): `stmt.0` is a live statement and `index` is 1-based; text and
            // blob bytes are valid for their length and SQLITE_TRANSIENT makes SQLite copy them
            // before returning.
            let rc = unsafe {
                match p {
                    Value::Null => ffi::sqlite3_bind_null(stmt.0, index),
                    Value::Integer(n) => ffi::sqlite3_bind_int64(stmt.0, index, *n),
                    Value::Real(f) => ffi::sqlite3_bind_double(stmt.0, index, *f),
                    Value::Text(t) => ffi::sqlite3_bind_text64(
                        stmt.0,
                        index,
                        t.as_ptr().cast(),
                        t.len() as u64,
                        ffi::SQLITE_TRANSIENT(),
                        ffi::SQLITE_UTF8 as u8,
                    ),
                    Value::Blob(b) => ffi::sqlite3_bind_blob64(
                        stmt.0,
                        index,
                        b.as_ptr().cast(),
                        b.len() as u64,
                        ffi::SQLITE_TRANSIENT(),
                    ),
                }
            };
            if rc != ffi::SQLITE_OK {
                return Err(self.error(Some(sql)));
            }
        }

        // SAFETY: `stmt.0` is a live statement.
        let width = unsafe { ffi::sqlite3_column_count(stmt.0) }.max(0);
        let mut columns = Vec::with_capacity(width as usize);
        for i in 0..width {
            // SAFETY: `i` is in range; the name is copied out immediately.
            columns.push(unsafe { c_text(ffi::sqlite3_column_name(stmt.0, i)) });
        }

        let mut rows = Vec::new();
        loop {
            // SAFETY: `stmt.0` is a live statement.
            match unsafe { ffi::sqlite3_step(stmt.0) } {
                ffi::SQLITE_DONE => break,
                ffi::SQLITE_ROW => {}
                _ => return Err(self.error(Some(sql))),
            }
            let mut row = Vec::with_capacity(width as usize);
            for i in 0..width {
                row.push(self.column(&stmt, i, sql)?);
            }
            rows.push(row);
        }
        Ok(NamedRows { columns, rows })
    }

    fn column(&self, stmt: &Stmt, i: c_int, sql: &str) -> Result<Value, StoreError> {
        let s = stmt.0;
        // SAFETY (for every call in this function): `s` is a live statement positioned on a
        // row (the caller just got SQLITE_ROW) and `i` < column count. Text/blob pointers are
        // read after the type is fetched and before any other call on the statement, and the
        // bytes are copied out at once, as SQLite's lifetime rules require.
        unsafe {
            Ok(match ffi::sqlite3_column_type(s, i) {
                ffi::SQLITE_NULL => Value::Null,
                ffi::SQLITE_INTEGER => Value::Integer(ffi::sqlite3_column_int64(s, i)),
                ffi::SQLITE_FLOAT => Value::Real(ffi::sqlite3_column_double(s, i)),
                ffi::SQLITE_TEXT => {
                    let p = ffi::sqlite3_column_text(s, i);
                    let n = ffi::sqlite3_column_bytes(s, i).max(0) as usize;
                    if p.is_null() {
                        return Err(self.error(Some(sql)));
                    }
                    Value::Text(String::from_utf8_lossy(std::slice::from_raw_parts(p, n)).into_owned())
                }
                _ => {
                    let p = ffi::sqlite3_column_blob(s, i);
                    let n = ffi::sqlite3_column_bytes(s, i).max(0) as usize;
                    if p.is_null() || n == 0 {
                        Value::Blob(Vec::new())
                    } else {
                        Value::Blob(std::slice::from_raw_parts(p.cast::<u8>(), n).to_vec())
                    }
                }
            })
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        // Nothing useful can be done with a failure here; `close` keeps the handle on BUSY,
        // which cannot happen since no statement outlives a method call.
        let _ = self.close();
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("closed", &self.is_closed()).finish()
    }
}

impl SqlConn for Db {
    fn exec(&self, sql: &str) -> Result<(), StoreError> {
        let raw = self.raw()?;
        let c_sql = CString::new(sql).map_err(|_| misuse("SQL contains a NUL byte", Some(sql)))?;
        // SAFETY: `raw` is open and `c_sql` is NUL-terminated; no callback and no error-message
        // out pointer are passed (the message is read with sqlite3_errmsg instead).
        let rc = unsafe { ffi::sqlite3_exec(raw, c_sql.as_ptr(), None, ptr::null_mut(), ptr::null_mut()) };
        if rc != ffi::SQLITE_OK {
            return Err(self.error(Some(sql)));
        }
        Ok(())
    }

    fn query(&self, sql: &str, params: &[&str]) -> Result<Vec<Row>, StoreError> {
        let params: Vec<Value> = params.iter().map(|p| Value::Text((*p).to_string())).collect();
        Ok(self.query_named(sql, &params)?.rows)
    }
}

/// An empty in-memory database.
pub fn memory() -> Result<Db, StoreError> {
    Db::open(":memory:", None)
}

/// An in-memory database holding a copy of a database file image (e.g. a `.db` file's bytes).
/// The image's header is checked first, so garbage or truncated bytes are refused with
/// [`StoreError::NotADatabase`]; an empty image is an empty database, as an empty file is.
pub fn from_bytes(bytes: &[u8]) -> Result<Db, StoreError> {
    crate::header::check_image("database image", bytes, bytes.len() as u64)?;
    if bytes.is_empty() {
        return memory();
    }
    let wal = crate::header::is_wal_image(bytes);
    let db = memory()?;
    db.wal.set(wal);
    let raw = db.raw()?;
    let len = bytes.len() as u64;
    let len_i64 = i64::try_from(len).map_err(|_| misuse("image too large", None))?;
    // SAFETY: sqlite3_malloc64 returns NULL or a fresh allocation of `len` bytes.
    let copy = unsafe { ffi::sqlite3_malloc64(len) }.cast::<u8>();
    if copy.is_null() {
        return Err(StoreError::Sqlite { code: NOMEM, message: "out of memory copying the image".into(), sql: None });
    }
    // SAFETY: `copy` is a fresh, non-overlapping allocation of exactly `bytes.len()` bytes.
    unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), copy, bytes.len()) };
    if wal {
        // SAFETY: `copy` holds `bytes.len()` (≥ 100, checked above) initialised bytes that only
        // this function references until it is handed to SQLite below.
        crate::header::set_wal_marker(unsafe { std::slice::from_raw_parts_mut(copy, bytes.len()) }, false);
    }
    // SAFETY: `raw` is open; "main" is NUL-terminated; `copy` was allocated by sqlite3_malloc64
    // with `len` bytes. With FREEONCLOSE SQLite owns `copy` from here on, including on failure
    // (it frees it before returning an error), so it is never touched again on this side.
    let rc = unsafe {
        ffi::sqlite3_deserialize(
            raw,
            c"main".as_ptr(),
            copy,
            len_i64,
            len_i64,
            ffi::SQLITE_DESERIALIZE_FREEONCLOSE | ffi::SQLITE_DESERIALIZE_RESIZEABLE,
        )
    };
    if rc != ffi::SQLITE_OK {
        return Err(db.error(None));
    }
    Ok(db)
}

/// The database's current file image.
pub fn to_bytes(conn: &mut Db) -> Result<Vec<u8>, StoreError> {
    image(conn)
}

/// [`to_bytes`] without the `&mut` (the handle is interior-mutable anyway).
pub fn image(conn: &Db) -> Result<Vec<u8>, StoreError> {
    let raw = conn.raw()?;
    let mut size: ffi::sqlite3_int64 = 0;
    // SAFETY: `raw` is open, "main" is NUL-terminated, `size` is a valid out pointer; flags 0
    // asks for a copy obtained from sqlite3_malloc64 that we must free.
    let p = unsafe { ffi::sqlite3_serialize(raw, c"main".as_ptr(), &mut size, 0) };
    if p.is_null() {
        return Err(match conn.error(None) {
            StoreError::Sqlite { code: 0, .. } => {
                StoreError::Sqlite { code: NOMEM, message: "could not serialize the database".into(), sql: None }
            }
            e => e,
        });
    }
    let n = usize::try_from(size).unwrap_or(0);
    // SAFETY: `p` points to `size` bytes owned by us; they are copied before being freed once.
    let mut out = unsafe {
        let v = std::slice::from_raw_parts(p, n).to_vec();
        ffi::sqlite3_free(p.cast());
        v
    };
    if conn.wal.get() {
        crate::header::set_wal_marker(&mut out, true);
    }
    Ok(out)
}

/// OPFS persistence through `sqlite-wasm-vfs`'s `sahpool` VFS (dedicated Worker only).
pub mod opfs {
    use sqlite_wasm_rs::WasmOsCallback;
    use sqlite_wasm_vfs::sahpool::{install as sah_install, OpfsSAHPoolCfgBuilder};
    pub use sqlite_wasm_vfs::sahpool::{OpfsSAHError, OpfsSAHPoolUtil};

    use super::Db;
    use crate::StoreError;

    /// An installed pool and the VFS name to open its files with.
    #[derive(Clone)]
    pub struct Pool {
        pub util: OpfsSAHPoolUtil,
        pub vfs_name: String,
    }

    /// Install (or reuse) the sahpool VFS named `vfs_name` over OPFS directory `directory`.
    /// It is not made the default VFS: in-memory databases stay in memory.
    pub async fn install(vfs_name: &str, directory: &str) -> Result<Pool, OpfsSAHError> {
        let cfg = OpfsSAHPoolCfgBuilder::new().vfs_name(vfs_name).directory(directory).build();
        let util = sah_install::<WasmOsCallback>(&cfg, false).await?;
        Ok(Pool { util, vfs_name: vfs_name.to_string() })
    }

    impl Pool {
        /// Open (creating if needed) the database file `name` in the pool.
        pub fn open(&self, name: &str) -> Result<Db, StoreError> {
            Db::open_on_vfs(name, &self.vfs_name)
        }
    }
}
