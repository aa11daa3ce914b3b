//! The JavaScript API (wasm-bindgen): `Database`, `migrateAll`, and the OPFS pool.
//!
//! Every failure reaches JS as a thrown `Error` whose `name` tells the kind (see
//! [`to_js_error`]); no input reaches a Rust panic. A `Database` is a handle into a
//! per-thread registry of open connections, which is what lets `migrateAll` borrow several
//! databases at once without taking ownership of the JS objects; a closed or freed handle
//! answers `ClosedError`.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::backend::wasm::{self as backend, opfs, Db};
use crate::conn::Value;
use crate::{Store, StoreError};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** One of the server's three SQLite files. */
export type StoreName = "objects" | "filestore" | "sagas";

/** A value read back from SQLite. Integers outside ±(2^53−1) come back as `bigint`. */
export type SqlValue = null | number | bigint | string | Uint8Array;

/** One row of `Database.query`, keyed by column name. */
export type Row = Record<string, SqlValue>;

export interface Rename { from: string; to: string; }

export interface MigrationReport {
  store: StoreName;
  db: "objects.db" | "filestore.db" | "sagas.db";
  fromVersion: number;
  toVersion: number;
  outcome: "up-to-date" | "created" | "migrated";
  tablesRenamed: Rename[];
  /** Legacy tables left in place because their replacement already existed. */
  legacyTablesKept: Rename[];
  indexesDropped: string[];
  tablesDropped: string[];
  tablesCreated: string[];
  /** `table.column` */
  columnsAdded: string[];
  rowsSeeded: number;
}

/** How a schema differs from the canonical one. Names are `table`, `table.column` or `index`. */
export interface Drift {
  missingTables: string[];
  extraTables: string[];
  missingColumns: string[];
  extraColumns: string[];
  /** Present on both sides but declared differently (type, NOT NULL, default or key). */
  changedColumns: string[];
  missingIndexes: string[];
  extraIndexes: string[];
}

export interface TableSummary {
  name: string;
  columns: string[];
  rowCount: number;
  indexes: string[];
}

export type StoreState = "missing" | "legacy" | "behind" | "current" | "too-new" | "unreadable";

export interface StoreStatus {
  store: StoreName;
  db: "objects.db" | "filestore.db" | "sagas.db";
  exists: boolean;
  userVersion: number | null;
  expectedVersion: number;
  state: StoreState;
  drift: Drift | null;
  tables: TableSummary[];
  /** Why the file is unreadable, when it is. */
  error: string | null;
}

/** The databases `migrateAll` brings forward together; omitted stores are skipped. */
export interface StoreSet {
  objects?: Database;
  filestore?: Database;
  sagas?: Database;
}

/**
 * Errors thrown by this package are `Error` objects; `name` tells the kind:
 *  - `SchemaTooNewError`: `db` (file label), `found`, `expected` (user_version numbers). Nothing was written.
 *  - `SqliteError`: `code` (extended result code; `code & 0xff` is the primary code), `sql` (string or null).
 *  - `NotADatabaseError`: `db`, `reason` (garbage, empty or truncated bytes).
 *  - `UnadoptableError`: `db`, `table`, `missingColumns`.
 *  - `VerifyFailedError`: `db`, `missing`.
 *  - `UnknownStoreError`: `store`.
 *  - `ClosedError`: the database was closed.
 *  - `OpfsError`: the OPFS pool refused (not in a dedicated Worker, file in use, no capacity, …).
 */
export type SchemaErrorName =
  | "SchemaTooNewError" | "SqliteError" | "NotADatabaseError" | "UnadoptableError"
  | "VerifyFailedError" | "UnknownStoreError" | "ClosedError" | "OpfsError" | "StoreError";
"#;

// ---------------------------------------------------------------------------------------------
// Errors

fn set(target: &JsValue, key: &str, value: impl Into<JsValue>) {
    // Setting a property on a fresh Error object cannot fail; nothing to do if it somehow does.
    let _ = Reflect::set(target, &JsValue::from_str(key), &value.into());
}

fn strings(items: &[String]) -> Array {
    items.iter().map(|s| JsValue::from_str(s)).collect()
}

fn js_error(name: &str, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    err.set_name(name);
    err.into()
}

/// A `StoreError` as a thrown JS `Error` with a kind-specific `name` and fields.
pub fn to_js_error(e: StoreError) -> JsValue {
    let message = e.to_string();
    match e {
        StoreError::SchemaTooNew { db, found, expected } => {
            let err = js_error("SchemaTooNewError", &message);
            set(&err, "db", db);
            set(&err, "found", found as f64);
            set(&err, "expected", expected as f64);
            err
        }
        StoreError::Sqlite { code, message: sqlite_message, sql } => {
            let err = js_error("SqliteError", &message);
            set(&err, "code", code);
            set(&err, "sqliteMessage", sqlite_message);
            set(&err, "sql", sql.map_or(JsValue::NULL, |s| JsValue::from_str(&s)));
            err
        }
        StoreError::NotADatabase { db, reason } => {
            let err = js_error("NotADatabaseError", &message);
            set(&err, "db", db);
            set(&err, "reason", reason);
            err
        }
        StoreError::Unadoptable { db, table, missing_columns } => {
            let err = js_error("UnadoptableError", &message);
            set(&err, "db", db);
            set(&err, "table", table);
            set(&err, "missingColumns", strings(&missing_columns));
            err
        }
        StoreError::VerifyFailed { db, missing } => {
            let err = js_error("VerifyFailedError", &message);
            set(&err, "db", db);
            set(&err, "missing", strings(&missing));
            err
        }
        StoreError::UnknownStore(store) => {
            let err = js_error("UnknownStoreError", &message);
            set(&err, "store", store);
            err
        }
        StoreError::Closed => js_error("ClosedError", &message),
        // Filesystem variants do not occur in the browser; keep them distinguishable anyway.
        _ => js_error("StoreError", &message),
    }
}

fn opfs_error(e: opfs::OpfsSAHError) -> JsValue {
    js_error("OpfsError", &e.to_string())
}

fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

fn serialize<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let ser = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true).serialize_missing_as_null(true);
    value.serialize(&ser).map_err(|e| js_error("StoreError", &e.to_string()))
}

fn parse_store(name: &str) -> Result<Store, JsValue> {
    name.parse::<Store>().map_err(to_js_error)
}

// ---------------------------------------------------------------------------------------------
// The registry of open connections

thread_local! {
    static OPEN: RefCell<BTreeMap<u32, Rc<Db>>> = const { RefCell::new(BTreeMap::new()) };
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

fn register(db: Db) -> Database {
    let id = NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id.wrapping_add(1).max(1));
        id
    });
    OPEN.with(|open| open.borrow_mut().insert(id, Rc::new(db)));
    Database { id }
}

fn lookup(id: u32) -> Result<Rc<Db>, StoreError> {
    OPEN.with(|open| open.borrow().get(&id).cloned()).ok_or(StoreError::Closed)
}

fn unregister(id: u32) -> Option<Rc<Db>> {
    OPEN.with(|open| open.borrow_mut().remove(&id))
}

// ---------------------------------------------------------------------------------------------
// Database

/// An SQLite database (in memory, or a file in an OPFS pool) with the schema operations.
#[wasm_bindgen]
pub struct Database {
    id: u32,
}

fn sql_value(v: &Value) -> JsValue {
    const SAFE: i64 = (1 << 53) - 1;
    match v {
        Value::Null => JsValue::NULL,
        Value::Integer(i) if (-SAFE..=SAFE).contains(i) => JsValue::from_f64(*i as f64),
        Value::Integer(i) => JsValue::bigint_from_str(&i.to_string()),
        Value::Real(f) => JsValue::from_f64(*f),
        Value::Text(s) => JsValue::from_str(s),
        Value::Blob(b) => Uint8Array::from(b.as_slice()).into(),
    }
}

#[wasm_bindgen]
impl Database {
    fn db(&self) -> Result<Rc<Db>, JsValue> {
        lookup(self.id).map_err(to_js_error)
    }

    /// An empty in-memory database.
    pub fn memory() -> Result<Database, JsValue> {
        backend::memory().map(register).map_err(to_js_error)
    }

    /// An in-memory database holding a copy of a `.db` file image. Garbage, empty or truncated
    /// bytes throw `NotADatabaseError`.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<Database, JsValue> {
        backend::from_bytes(bytes).map(register).map_err(to_js_error)
    }

    /// Run a batch of `;`-separated SQL statements, discarding any rows.
    pub fn exec(&self, sql: &str) -> Result<(), JsValue> {
        use crate::SqlConn;
        self.db()?.exec(sql).map_err(to_js_error)
    }

    /// Run one statement (`params` are bound as text to `?1..?n`) and return its rows as plain
    /// objects keyed by column name.
    #[wasm_bindgen(unchecked_return_type = "Row[]")]
    pub fn query(&self, sql: &str, params: Option<Vec<String>>) -> Result<Array, JsValue> {
        let params = params.unwrap_or_default();
        let refs: Vec<&str> = params.iter().map(String::as_str).collect();
        let named = self.db()?.query_named(sql, &refs).map_err(to_js_error)?;
        let keys: Vec<JsValue> = named.columns.iter().map(|c| JsValue::from_str(c)).collect();
        let out = Array::new();
        for row in &named.rows {
            let obj = Object::new();
            for (key, value) in keys.iter().zip(row) {
                Reflect::set(&obj, key, &sql_value(value))?;
            }
            out.push(&obj);
        }
        Ok(out)
    }

    /// Bring this database to this build's schema for `store`, atomically. A file stamped by a
    /// newer build throws `SchemaTooNewError` and is left untouched.
    #[wasm_bindgen(unchecked_return_type = "MigrationReport")]
    pub fn migrate(&self, #[wasm_bindgen(unchecked_param_type = "StoreName")] store: &str) -> Result<JsValue, JsValue> {
        let store = parse_store(store)?;
        let report = crate::migrate(&*self.db()?, store).map_err(to_js_error)?;
        serialize(&report)
    }

    /// A read-only account of this database as `store` (works on files this build refuses).
    #[wasm_bindgen(unchecked_return_type = "StoreStatus")]
    pub fn status(&self, #[wasm_bindgen(unchecked_param_type = "StoreName")] store: &str) -> Result<JsValue, JsValue> {
        let store = parse_store(store)?;
        let db = self.db()?;
        serialize(&crate::status(&*db, store))
    }

    /// `PRAGMA user_version`.
    #[wasm_bindgen(js_name = userVersion)]
    pub fn user_version(&self) -> Result<f64, JsValue> {
        crate::read_version(&*self.db()?).map(|v| v as f64).map_err(to_js_error)
    }

    /// The database's current file image (what would be written as the `.db` file).
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Result<Vec<u8>, JsValue> {
        backend::image(&*self.db()?).map_err(to_js_error)
    }

    /// Close the connection. Idempotent; any later use throws `ClosedError`.
    pub fn close(&self) -> Result<(), JsValue> {
        match unregister(self.id) {
            Some(db) => db.close().map_err(|e| {
                // Still open (should not happen): keep it reachable rather than leak it silently.
                OPEN.with(|open| open.borrow_mut().insert(self.id, db));
                to_js_error(e)
            }),
            None => Ok(()),
        }
    }

    /// True once `close()` (or `free()`) was called.
    #[wasm_bindgen(getter, js_name = isClosed)]
    pub fn is_closed(&self) -> bool {
        lookup(self.id).is_err()
    }

    /// Internal: the registry handle `migrateAll` uses to find this database.
    #[wasm_bindgen(skip_typescript, js_name = "__amuxHandle")]
    pub fn handle(&self) -> u32 {
        self.id
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        // `free()` from JS (or GC through FinalizationRegistry) closes the connection.
        drop(unregister(self.id));
    }
}

impl Database {
    /// The underlying connection (for Rust callers, e.g. tests).
    pub fn conn(&self) -> Result<Rc<Db>, StoreError> {
        lookup(self.id)
    }
}

fn database_in(set_obj: &JsValue, key: &str) -> Result<Option<Rc<Db>>, JsValue> {
    let value = Reflect::get(set_obj, &JsValue::from_str(key))?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let bad = || type_error(&format!("migrateAll: `{key}` must be a Database"));
    let method = Reflect::get(&value, &JsValue::from_str("__amuxHandle")).map_err(|_| bad())?;
    let method: js_sys::Function = method.dyn_into().map_err(|_| bad())?;
    let id = method.call0(&value).map_err(|_| bad())?.as_f64().ok_or_else(bad)?;
    if !(0.0..=u32::MAX as f64).contains(&id) || id.fract() != 0.0 {
        return Err(bad());
    }
    lookup(id as u32).map(Some).map_err(to_js_error)
}

/// Migrate several stores as one start-up: every tripwire is read before any store is written,
/// so one too-new file stops all of them (`SchemaTooNewError`, nothing written). Reports come
/// back in the order objects, filestore, sagas (omitted stores are skipped).
#[wasm_bindgen(js_name = migrateAll, unchecked_return_type = "MigrationReport[]")]
pub fn migrate_all(#[wasm_bindgen(unchecked_param_type = "StoreSet")] stores: JsValue) -> Result<JsValue, JsValue> {
    if !stores.is_object() {
        return Err(type_error("migrateAll: expected { objects?, filestore?, sagas? }"));
    }
    let mut held: Vec<(Rc<Db>, Store)> = Vec::new();
    for store in Store::ALL {
        if let Some(db) = database_in(&stores, store.name())? {
            if held.iter().any(|(other, _)| Rc::ptr_eq(other, &db)) {
                return Err(type_error("migrateAll: the same Database was given for two stores"));
            }
            held.push((db, store));
        }
    }
    let pairs: Vec<(&dyn crate::SqlConn, Store)> =
        held.iter().map(|(db, s)| (&**db as &dyn crate::SqlConn, *s)).collect();
    let reports = crate::migrate_all(&pairs).map_err(to_js_error)?;
    serialize(&reports)
}

// ---------------------------------------------------------------------------------------------
// OPFS

/// A pool of database files in the Origin Private File System (the `opfs-sahpool` VFS).
/// Only available inside a dedicated Worker in a secure context.
#[wasm_bindgen]
pub struct OpfsPool {
    pool: opfs::Pool,
}

/// Install (or reuse) the OPFS pool VFS. `directory` defaults to `"agentmux-schema"` (an OPFS
/// directory), `vfsName` to `"opfs-sahpool"`. Must run in a dedicated Worker; elsewhere it
/// throws `OpfsError`. In-memory databases are unaffected (the pool is not the default VFS).
#[wasm_bindgen(js_name = installOpfs)]
pub async fn install_opfs(
    directory: Option<String>,
    #[wasm_bindgen(js_name = vfsName)] vfs_name: Option<String>,
) -> Result<OpfsPool, JsValue> {
    let directory = directory.unwrap_or_else(|| "agentmux-schema".into());
    let vfs_name = vfs_name.unwrap_or_else(|| "opfs-sahpool".into());
    let pool = opfs::install(&vfs_name, &directory).await.map_err(opfs_error)?;
    Ok(OpfsPool { pool })
}

#[wasm_bindgen]
impl OpfsPool {
    /// Open (creating if needed) the database file `name`, e.g. `"objects.db"`.
    pub fn open(&self, name: &str) -> Result<Database, JsValue> {
        self.pool.open(name).map(register).map_err(to_js_error)
    }

    /// A copy of a (closed) file's image.
    #[wasm_bindgen(js_name = exportFile)]
    pub fn export_file(&self, name: &str) -> Result<Vec<u8>, JsValue> {
        rsqlite_transfer::export(&self.pool.util, name).map_err(opfs_error)
    }

    /// Store `bytes` as file `name`. The image is checked first (`NotADatabaseError`); the name
    /// must not exist yet (delete it first to replace it).
    #[wasm_bindgen(js_name = importFile)]
    pub fn import_file(&self, name: &str, bytes: &[u8]) -> Result<(), JsValue> {
        crate::header::check_image(name, bytes, bytes.len() as u64).map_err(to_js_error)?;
        rsqlite_transfer::import(&self.pool.util, name, bytes).map_err(opfs_error)
    }

    /// Delete file `name`; returns whether it existed. The file must be closed.
    #[wasm_bindgen(js_name = deleteFile)]
    pub fn delete_file(&self, name: &str) -> Result<bool, JsValue> {
        rsqlite_transfer::remove(&self.pool.util, name).map_err(opfs_error)
    }

    /// The names of the files in the pool.
    #[wasm_bindgen(js_name = fileNames)]
    pub fn file_names(&self) -> Result<Vec<String>, JsValue> {
        rsqlite_transfer::names(&self.pool.util).map_err(opfs_error)
    }

    /// Delete every file in the pool (all must be closed).
    pub fn wipe(&self) -> Result<(), JsValue> {
        rsqlite_transfer::clear(&self.pool.util).map_err(opfs_error)
    }
}

/// The pool's file operations, through the VFS crate's traits.
mod rsqlite_transfer {
    use sqlite_wasm_rs::vfs::transfer::DbTransfer;
    use sqlite_wasm_rs::vfs::VfsFilesManager;

    use super::opfs::{OpfsSAHError, OpfsSAHPoolUtil};

    pub fn export(util: &OpfsSAHPoolUtil, name: &str) -> Result<Vec<u8>, OpfsSAHError> {
        util.export_db(name)
    }
    pub fn import(util: &OpfsSAHPoolUtil, name: &str, bytes: &[u8]) -> Result<(), OpfsSAHError> {
        util.import_db(name, bytes)
    }
    pub fn remove(util: &OpfsSAHPoolUtil, name: &str) -> Result<bool, OpfsSAHError> {
        util.remove(name)
    }
    pub fn names(util: &OpfsSAHPoolUtil) -> Result<Vec<String>, OpfsSAHError> {
        util.names()
    }
    pub fn clear(util: &OpfsSAHPoolUtil) -> Result<(), OpfsSAHError> {
        util.clear()
    }
}
