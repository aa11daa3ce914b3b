//! How a [`StoreError`] reaches JavaScript: an instance of the package's error class for its kind
//! (`js/errors.js`), carrying the fields of [`ErrorFields`].
//!
//! [`ErrorFields`] is the single description of those fields: it is serialised onto the thrown
//! object, and its derived TypeScript type is what the `.d.ts` of every error class is built from,
//! so the runtime fields and their declared types cannot drift apart.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::StoreError;

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    #[wasm_bindgen(js_name = schemaError)]
    fn schema_error(message: &str, fields: JsValue) -> JsValue;
}

/// The fields of each error kind, tagged by the JS class name.
#[derive(Serialize, tsify::Tsify)]
#[tsify(missing_as_null)]
#[serde(tag = "name")]
pub enum ErrorFields {
    /// The file was stamped by a newer build; nothing was written.
    #[serde(rename = "SchemaTooNewError")]
    SchemaTooNew {
        /// Which file, e.g. `"objects.db"`.
        db: String,
        /// Its `user_version`.
        found: i64,
        /// The newest version this build understands.
        expected: i64,
    },
    /// SQLite refused a statement.
    #[serde(rename = "SqliteError", rename_all = "camelCase")]
    Sqlite {
        /// The extended result code; `code & 0xff` is the primary one (e.g. 19 = constraint).
        code: i32,
        /// SQLite's own message.
        sqlite_message: String,
        /// The statement that failed, when known.
        sql: Option<String>,
    },
    /// Refused before SQLite ran anything: a NUL byte in the SQL, parameters that do not fit the
    /// statement, a value that cannot be converted.
    #[serde(rename = "DriverError")]
    Driver {
        /// The statement, when known.
        sql: Option<String>,
    },
    /// The bytes are not a usable database (garbage or truncated); nothing was written.
    #[serde(rename = "NotADatabaseError")]
    NotADatabase { db: String, reason: String },
    /// A table lacks columns no migration can supply; nothing was written.
    #[serde(rename = "UnadoptableError", rename_all = "camelCase")]
    Unadoptable { db: String, table: String, missing_columns: Vec<String> },
    /// The migrated schema did not match the canonical one; rolled back.
    #[serde(rename = "VerifyFailedError")]
    VerifyFailed { db: String, missing: Vec<String> },
    /// After a table rebuild, rows would be left without their parent; rolled back.
    #[serde(rename = "ForeignKeyCheckError")]
    ForeignKeyCheck {
        db: String,
        /// `table(rowid) → parent` for each orphaned row.
        violations: Vec<String>,
    },
    /// A store name other than `"objects"`, `"filestore"`, `"sagas"`.
    #[serde(rename = "UnknownStoreError")]
    UnknownStore { store: String },
    /// The database was closed (or freed).
    #[serde(rename = "ClosedError")]
    Closed {},
    /// The OPFS pool refused; `kind` says why.
    #[serde(rename = "OpfsError")]
    Opfs {
        /// Why: `"unsupported"` (no OPFS here: not a dedicated Worker of a secure context),
        /// `"busy"` (another tab or worker holds the directory), `"in-use"` (a file is open),
        /// `"no-capacity"` (the pool or the origin's quota is full), `"other"`.
        kind: OpfsErrorKind,
    },
    /// A file could not be read, or is beyond a limit; `kind` says which.
    #[serde(rename = "FileError")]
    File {
        /// The file: a `File`'s name, a path; `null` for bytes passed in.
        file: Option<String>,
        /// Why: `"not-found"`, `"not-readable"` (the browser or the OS refused to read it: changed,
        /// moved or deleted since it was chosen, no permission, a directory), `"too-large"` (beyond
        /// the limit in `limit`, e.g. the WebAssembly memory), `"unsupported"` (this runtime cannot
        /// read it this way: a `Blob` outside a Worker, a path outside Node).
        kind: FileErrorKind,
        /// The file's size in bytes, when known.
        size: Option<f64>,
        /// The limit it is beyond, in bytes, for `"too-large"`.
        limit: Option<f64>,
    },
    /// Any other failure.
    #[serde(rename = "SchemaError")]
    Other {},
}

/// Why a file could not be used (`FileError.kind`).
#[derive(Serialize, tsify::Tsify, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "kebab-case")]
pub enum FileErrorKind {
    /// No such file.
    NotFound,
    /// The browser or the OS refused to read it.
    NotReadable,
    /// Beyond a limit (`limit`).
    TooLarge,
    /// This runtime cannot read it this way.
    Unsupported,
}

/// Why the OPFS pool refused (`OpfsError.kind`).
#[derive(Serialize, tsify::Tsify, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "kebab-case")]
pub enum OpfsErrorKind {
    /// No OPFS here: not a dedicated Worker of a secure context, or no sync access handles.
    Unsupported,
    /// The directory is held by another tab or worker (one holder at a time).
    Busy,
    /// A file is open, so it cannot be exported, deleted or wiped.
    InUse,
    /// No free slot in the pool, or the origin's storage quota is used up.
    NoCapacity,
    /// Anything else (a bad name, a missing file, a name mix-up between pools, ...).
    Other,
}

impl From<StoreError> for ErrorFields {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::SchemaTooNew { db, found, expected } => ErrorFields::SchemaTooNew { db, found, expected },
            StoreError::Sqlite { code, message, sql } => ErrorFields::Sqlite { code, sqlite_message: message, sql },
            StoreError::NotADatabase { db, reason } => ErrorFields::NotADatabase { db, reason },
            StoreError::Unadoptable { db, table, missing_columns } => {
                ErrorFields::Unadoptable { db, table, missing_columns }
            }
            // JS keeps one list, as the message does (only one of the two is ever non-empty).
            StoreError::VerifyFailed { db, missing, indexes } => {
                let missing = missing.iter().map(ToString::to_string).chain(indexes).collect();
                ErrorFields::VerifyFailed { db, missing }
            }
            StoreError::ForeignKeyCheck { db, violations } => {
                ErrorFields::ForeignKeyCheck { db, violations: violations.iter().map(ToString::to_string).collect() }
            }
            StoreError::UnknownStore(store) => ErrorFields::UnknownStore { store },
            StoreError::Closed => ErrorFields::Closed {},
            StoreError::Driver { sql, .. } => ErrorFields::Driver { sql },
            // Only a schema definition under development gets these; the JS API runs the shipped
            // ones.
            StoreError::InvalidSpec { .. } => ErrorFields::Other {},
            // Carried by the message (table, constraint, rowids); no field of its own yet.
            StoreError::RowsRefused { .. } => ErrorFields::Other {},
            // A variant a later core adds (the enum is non-exhaustive) is a plain `SchemaError`
            // until it gets a class; its message says what happened.
            _ => ErrorFields::Other {},
        }
    }
}

/// SQLite's primary result code for an I/O error (`SQLITE_IOERR`).
const SQLITE_IOERR: i32 = 10;

/// A thrown JS error for `e`. (`js/errors.js` words some messages for an app's user, e.g.
/// `SchemaTooNewError`'s, whose core message speaks to a server operator.)
pub fn to_js_error(e: StoreError) -> JsValue {
    // An I/O error from a file read in place: its source recorded the real reason.
    if matches!(e, StoreError::Sqlite { code, .. } if code & 0xff == SQLITE_IOERR) {
        if let Some(failure) = super::readonly::take_read_failure() {
            return failure;
        }
    }
    let message = e.to_string();
    thrown(&message, ErrorFields::from(e))
}

/// An `OpfsError` of `kind` with `message`.
pub fn opfs_error(kind: OpfsErrorKind, message: &str) -> JsValue {
    thrown(message, ErrorFields::Opfs { kind })
}

/// A `FileError` of `kind` with `message`, naming the file, its size and the limit when known.
pub fn file_error(
    kind: FileErrorKind,
    file: Option<&str>,
    size: Option<u64>,
    limit: Option<u64>,
    message: &str,
) -> JsValue {
    let fields = ErrorFields::File {
        file: file.map(str::to_string),
        kind,
        size: size.map(|s| s as f64),
        limit: limit.map(|l| l as f64),
    };
    thrown(message, fields)
}

fn thrown(message: &str, fields: ErrorFields) -> JsValue {
    // Serialising these plain fields cannot fail; should it, the class and message still reach
    // the caller.
    let fields = super::to_js(&fields).unwrap_or_else(|_| {
        let bare = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&bare, &"name".into(), &"SchemaError".into());
        bare.into()
    });
    schema_error(message, fields)
}

/// A JS `TypeError` (wrong argument type), as the platform's own APIs throw.
pub fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}
