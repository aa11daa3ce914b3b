//! The JavaScript API (wasm-bindgen): `Database`, `migrateAll`, the OPFS pool, and what the
//! browser preview needs to describe the stores.
//!
//! Every failure reaches JS as an instance of the package's error classes (see [`errors`]), or a
//! `TypeError` for an argument of the wrong type (see [`params`]); no input reaches a Rust panic.
//! The package entry (`js/index.js`) adds what wasm-bindgen cannot express: a clear error before
//! `init()`, and `free()` / `using` that close the connection instead of invalidating the object.

mod errors;
mod limits;
mod opfs;
mod params;
mod readonly;
mod stream;

use std::cell::{RefCell, RefMut};

use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::backend::{self, Db};
use crate::conn::Value;
use crate::{Store, StoreError};
pub use errors::ErrorFields;
use errors::{to_js_error, type_error};
pub use opfs::{install_opfs, OpfsPool};
pub use params::{OptionalString, SqlParams};
pub use readonly::{last_read_stats, status_of_file};
pub use stream::StreamOptions;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** One of the server's three SQLite files (the same type as `Store`). */
export type StoreName = Store;

/** A value read back from SQLite. Integers outside ±(2^53−1) come back as `bigint`. */
export type SqlValue = null | number | bigint | string | Uint8Array;

/**
 * A value bound to a `?` parameter: string → TEXT, safe integer → INTEGER, other number → REAL,
 * bigint → INTEGER (64-bit), boolean → INTEGER 0/1, null → NULL, Uint8Array → BLOB.
 */
export type SqlParam = string | number | bigint | boolean | null | Uint8Array;

/** One row of `Database.query`, keyed by column name. */
export type Row = Record<string, SqlValue>;
"#;

/// Serialise a report/status/error view the way every JS-facing object is shaped: maps as plain
/// objects, `None` as `null`.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, serde_wasm_bindgen::Error> {
    let ser = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true).serialize_missing_as_null(true);
    value.serialize(&ser)
}

fn serialize<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    to_js(value).map_err(|e| to_js_error(StoreError::Driver { message: e.to_string(), sql: None, source: None }))
}

/// One of the three store names (`"objects"`, not the file name `"objects.db"`).
fn parse_store(value: &JsValue) -> Result<Store, JsValue> {
    let name = params::string(value, "store")?;
    Store::ALL.into_iter().find(|s| s.name() == name).ok_or_else(|| to_js_error(StoreError::UnknownStore(name)))
}

fn sql_value(v: &Value) -> JsValue {
    const SAFE: i64 = (1 << 53) - 1;
    match v {
        Value::Null => JsValue::NULL,
        Value::Integer(i) if (-SAFE..=SAFE).contains(i) => JsValue::from_f64(*i as f64),
        Value::Integer(i) => js_sys::BigInt::from(*i).into(),
        Value::Real(f) => JsValue::from_f64(*f),
        Value::Text(s) => JsValue::from_str(s),
        Value::Blob(b) => Uint8Array::from(b.as_slice()).into(),
    }
}

/// An SQLite database (in memory, or a file in an OPFS pool) with the schema operations.
#[wasm_bindgen]
pub struct Database {
    /// `None` once closed.
    db: RefCell<Option<Db>>,
}

impl Database {
    fn new(db: Db) -> Database {
        Database { db: RefCell::new(Some(db)) }
    }

    /// The open connection, or `ClosedError`.
    fn open(&self) -> Result<RefMut<'_, Db>, JsValue> {
        RefMut::filter_map(self.db.borrow_mut(), Option::as_mut).map_err(|_| to_js_error(StoreError::Closed))
    }
}

/// Whether `db` keeps SQLite's temporary files in files (an OPFS pool database: `Pool::open`).
fn temp_in_files(db: &Db) -> bool {
    crate::SqlConn::query(db, "PRAGMA temp_store", &[])
        .is_ok_and(|rows| rows.first().and_then(|r| r.first()).and_then(Value::as_i64) == Some(1))
}

/// Run a migration on `dbs`. When one whose temporary files go to OPFS pool slots could not open
/// one (`SQLITE_CANTOPEN`: synchronous imports filled the pool since it was opened), the work runs
/// once more with temporary files in memory, as the browser build keeps them by default: a full
/// pool must not refuse a file that memory can migrate. Every migration is one transaction, rolled
/// back on failure, so the second run starts from the files as they were.
fn with_temp_fallback<T>(dbs: &[&Db], work: impl Fn() -> Result<T, StoreError>) -> Result<T, StoreError> {
    match work() {
        Err(e) if e.sqlite_code() == Some(crate::codes::CANTOPEN) && dbs.iter().any(|db| temp_in_files(db)) => {
            for db in dbs {
                crate::SqlConn::exec(*db, "PRAGMA temp_store = DEFAULT")?;
            }
            work()
        }
        result => result,
    }
}

#[wasm_bindgen]
impl Database {
    /// An empty in-memory database.
    pub fn memory() -> Result<Database, JsValue> {
        backend::memory().map(Database::new).map_err(to_js_error)
    }

    /// An in-memory database holding a copy of a `.db` file image (the caller's bytes are never
    /// modified). Garbage or truncated bytes throw `NotADatabaseError`; zero bytes are an empty
    /// database, as an empty file is.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
    ) -> Result<Database, JsValue> {
        let bytes = params::bytes(&bytes, "fromBytes: bytes")?;
        let size = bytes.len() as u64;
        backend::from_bytes(&bytes).map(Database::new).map_err(|e| limits::copy_error(e, "fromBytes", size))
    }

    /// Run a batch of `;`-separated SQL statements, discarding any rows.
    pub fn exec(&self, #[wasm_bindgen(unchecked_param_type = "string")] sql: JsValue) -> Result<(), JsValue> {
        use crate::SqlConn;
        let sql = params::string(&sql, "exec: sql")?;
        self.open()?.exec(&sql).map_err(to_js_error)
    }

    /// Run one statement with `params` bound to `?1..?n` and return its rows as plain objects
    /// keyed by column name.
    #[wasm_bindgen(unchecked_return_type = "Row[]")]
    pub fn query(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] sql: JsValue,
        params: Option<params::SqlParams>,
    ) -> Result<Array, JsValue> {
        let sql = params::string(&sql, "query: sql")?;
        let params = params::sql_params(params.as_ref().map_or(&JsValue::UNDEFINED, |p| p.as_ref()))?;
        let named = self.open()?.query_named(&sql, &params).map_err(to_js_error)?;
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
    pub fn migrate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StoreName")] store: JsValue,
    ) -> Result<JsValue, JsValue> {
        let store = parse_store(&store)?;
        let db = self.open()?;
        let report = with_temp_fallback(&[&db], || crate::migrate(&*db, store)).map_err(to_js_error)?;
        serialize(&report)
    }

    /// `migrate`, also for a database already at this build's version: its schema work runs
    /// again, so tables whose foreign keys are stale are rebuilt (every row kept) and missing
    /// indexes and blank rows are added. For the drift `status` shows on a current file.
    #[wasm_bindgen(unchecked_return_type = "MigrationReport")]
    pub fn repair(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StoreName")] store: JsValue,
    ) -> Result<JsValue, JsValue> {
        let store = parse_store(&store)?;
        let db = self.open()?;
        let report = with_temp_fallback(&[&db], || crate::repair(&*db, store)).map_err(to_js_error)?;
        serialize(&report)
    }

    /// A read-only account of this database as `store` (works on files this build refuses).
    #[wasm_bindgen(unchecked_return_type = "StoreStatus")]
    pub fn status(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StoreName")] store: JsValue,
    ) -> Result<JsValue, JsValue> {
        let store = parse_store(&store)?;
        serialize(&crate::status(&*self.open()?, store))
    }

    /// `PRAGMA user_version`.
    #[wasm_bindgen(js_name = userVersion)]
    pub fn user_version(&self) -> Result<f64, JsValue> {
        crate::read_version(&*self.open()?).map(|v| v as f64).map_err(to_js_error)
    }

    /// The database's current file image (what would be written as the `.db` file).
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Result<Vec<u8>, JsValue> {
        backend::to_bytes(&mut *self.open()?).map_err(to_js_error)
    }

    /// Close the connection. Idempotent; any later use throws `ClosedError`.
    pub fn close(&self) -> Result<(), JsValue> {
        let open = self.db.borrow_mut().take();
        match open.map(Db::close) {
            Some(Err(failed)) => {
                let (db, e) = *failed;
                // Still open (SQLITE_BUSY): keep it, so it is neither leaked nor dangling.
                *self.db.borrow_mut() = Some(db);
                Err(to_js_error(e))
            }
            _ => Ok(()),
        }
    }

    /// True once `close()` (or `free()`) was called.
    #[wasm_bindgen(getter, js_name = isClosed)]
    pub fn is_closed(&self) -> bool {
        self.db.borrow().is_none()
    }
}

/// Migrate the three stores as one start-up: every tripwire is read before any store is written,
/// so one too-new file stops all of them (`SchemaTooNewError`, nothing written). Reports come
/// back in the order objects, filestore, sagas.
#[wasm_bindgen(js_name = migrateAll, unchecked_return_type = "MigrationReport[]")]
pub fn migrate_all(objects: &Database, filestore: &Database, sagas: &Database) -> Result<JsValue, JsValue> {
    if std::ptr::eq(objects, filestore) || std::ptr::eq(objects, sagas) || std::ptr::eq(filestore, sagas) {
        return Err(type_error("migrateAll: the same Database was given for two stores"));
    }
    let (o, f, s) = (objects.open()?, filestore.open()?, sagas.open()?);
    let pairs: [(&dyn crate::SqlConn, Store); 3] =
        [(&*o, Store::Objects), (&*f, Store::Filestore), (&*s, Store::Sagas)];
    let reports = with_temp_fallback(&[&o, &f, &s], || crate::migrate_all(&pairs)).map_err(to_js_error)?;
    serialize(&reports)
}

/// The read-only status of a file image as `store`, without keeping it open: unreadable bytes
/// give `state: "unreadable"` (with the reason in `error`) instead of throwing. The caller's bytes
/// are not modified.
#[wasm_bindgen(js_name = statusOfBytes, unchecked_return_type = "StoreStatus")]
pub fn status_of_bytes(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
    #[wasm_bindgen(unchecked_param_type = "StoreName")] store: JsValue,
) -> Result<JsValue, JsValue> {
    let store = parse_store(&store)?;
    let bytes = params::bytes(&bytes, "statusOfBytes: bytes")?;
    let status = match backend::from_bytes(&bytes) {
        Ok(db) => crate::status(&db, store),
        Err(e @ StoreError::Sqlite { code: 7, .. }) => {
            return Err(limits::copy_error(e, "statusOfBytes", bytes.len() as u64))
        }
        Err(e) => crate::StoreStatus::unreadable(store, &e),
    };
    serialize(&status)
}

/// One store as the package describes it.
#[derive(Serialize, tsify::Tsify)]
#[serde(rename_all = "camelCase")]
pub struct StoreInfo {
    pub store: Store,
    /// The file name in a data directory, e.g. `"objects.db"`.
    pub file_name: &'static str,
    /// The `user_version` this build writes.
    pub version: i64,
}

/// The three stores, in the order `migrateAll` takes them.
#[wasm_bindgen(unchecked_return_type = "StoreInfo[]")]
pub fn stores() -> Result<JsValue, JsValue> {
    let all: Vec<StoreInfo> = Store::ALL
        .iter()
        .map(|&store| StoreInfo { store, file_name: store.file_name(), version: store.version() })
        .collect();
    serialize(&all)
}

/// This package's version (the Rust crate's, which the npm package shares).
#[wasm_bindgen(js_name = packageVersion)]
pub fn package_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
