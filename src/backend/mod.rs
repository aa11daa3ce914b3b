//! The one SQLite backend: `rusqlite` on both targets. Natively it links libsqlite3-sys's bundled
//! SQLite; on `wasm32` the same SQLite release compiled by `sqlite-wasm-rs` (rusqlite's
//! `ffi-sqlite-wasm-rs`). The rest of the crate and the tests use three things from here: the
//! connection type [`Db`], an empty in-memory database ([`memory`]) and a database loaded from a
//! file image ([`from_bytes`]).

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql, MAIN_DB};

use crate::conn::{Row, SqlConn, Value};
use crate::StoreError;

#[cfg(target_arch = "wasm32")]
pub mod opfs;
#[cfg(target_arch = "wasm32")]
pub mod readonly_vfs;

/// An in-memory database made by [`memory`] or [`from_bytes`] (or a file opened by the caller):
/// a `rusqlite::Connection` (it derefs to one) that remembers whether its image came from a
/// WAL-mode file, so [`to_bytes`] hands back an image in the journal mode it arrived in.
///
/// ```
/// use agentmux_schema::{backend::Db, migrate, Store};
/// // A connection the caller opened (a file, or a file on a VFS of their choice).
/// let db = Db::new(rusqlite::Connection::open_in_memory().unwrap()).unwrap();
/// migrate(&db, Store::Sagas).unwrap();
/// db.close().unwrap();
/// ```
#[derive(Debug)]
pub struct Db {
    conn: Connection,
    wal: bool,
}

impl std::ops::Deref for Db {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

/// A result of a query with its column names (for callers that build objects, like the JS API).
#[doc(hidden)]
pub struct NamedRows {
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

impl Db {
    /// Wrap a connection the caller opened (e.g. a file on a VFS), with the settings every
    /// connection of this crate gets.
    pub fn new(conn: Connection) -> Result<Db, StoreError> {
        settings(&conn)?;
        Ok(Db { conn, wal: false })
    }

    /// Close the connection (dropping a `Db` closes it too, ignoring a failure). On failure the
    /// still-open database comes back with the error.
    pub fn close(self) -> Result<(), Box<(Db, StoreError)>> {
        let wal = self.wal;
        self.conn.close().map_err(|(conn, e)| Box::new((Db { conn, wal }, store_error(e))))
    }

    /// Like [`SqlConn::query`], with typed parameters, also returning the column names. Empty SQL
    /// (or only a comment) has no rows; a second statement is refused.
    #[doc(hidden)]
    pub fn query_named(&self, sql: &str, params: &[Value]) -> Result<NamedRows, StoreError> {
        no_nul(sql)?;
        let run = || -> rusqlite::Result<NamedRows> {
            let mut stmt = match self.conn.prepare(sql) {
                Err(rusqlite::Error::Empty) => return Ok(NamedRows { columns: vec![], rows: vec![] }),
                other => other?,
            };
            let columns = stmt.column_names().map(str::to_string).collect();
            let rows = collect_rows(stmt.query(rusqlite::params_from_iter(params.iter().map(Param)))?)?;
            Ok(NamedRows { columns, rows })
        };
        run().map_err(|e| store_error(e).with_sql(sql))
    }
}

/// A [`Value`] as a rusqlite parameter (a wrapper: both the trait and the type belong to other
/// crates).
struct Param<'a>(&'a Value);

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self.0 {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

fn collect_rows(mut rows: rusqlite::Rows<'_>) -> rusqlite::Result<Vec<Row>> {
    let width = rows.as_ref().map_or(0, |s| s.column_count());
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            values.push(match row.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(v) => Value::Integer(v),
                ValueRef::Real(v) => Value::Real(v),
                ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            });
        }
        out.push(values);
    }
    Ok(out)
}

impl SqlConn for Db {
    fn exec(&self, sql: &str) -> Result<(), StoreError> {
        Borrowed(&self.conn).exec(sql)
    }
    fn query(&self, sql: &str, params: &[&str]) -> Result<Vec<Row>, StoreError> {
        Borrowed(&self.conn).query(sql, params)
    }
    fn scratch(&self) -> Result<Box<dyn SqlConn>, StoreError> {
        Ok(Box::new(memory()?))
    }
}

/// A `rusqlite::Connection` the caller opened, as a [`SqlConn`] (a wrapper: the trait and the type
/// belong to other crates). The API's functions take the connection itself ([`crate::AsSqlConn`]).
#[doc(hidden)]
pub struct Borrowed<'a>(pub &'a Connection);

impl SqlConn for Borrowed<'_> {
    fn exec(&self, sql: &str) -> Result<(), StoreError> {
        no_nul(sql)?;
        self.0.execute_batch(sql).map_err(|e| store_error(e).with_sql(sql))
    }

    fn query(&self, sql: &str, params: &[&str]) -> Result<Vec<Row>, StoreError> {
        no_nul(sql)?;
        let run = || -> rusqlite::Result<Vec<Row>> {
            let mut stmt = self.0.prepare(sql)?;
            let rows = collect_rows(stmt.query(rusqlite::params_from_iter(params.iter()))?)?;
            Ok(rows)
        };
        run().map_err(|e| store_error(e).with_sql(sql))
    }

    fn scratch(&self) -> Result<Box<dyn SqlConn>, StoreError> {
        Ok(Box::new(memory()?))
    }
}

/// SQLite stops reading SQL at a NUL byte, so whatever follows one would be silently skipped:
/// refused instead, before the driver sees it.
fn no_nul(sql: &str) -> Result<(), StoreError> {
    if sql.as_bytes().contains(&0) {
        return Err(StoreError::Driver {
            message: "SQL contains a NUL byte".into(),
            sql: Some(sql.into()),
            source: None,
        });
    }
    Ok(())
}

/// rusqlite's error as a [`StoreError`] (a function, not a `From` impl: both types belong to other
/// crates).
///
/// ```
/// use agentmux_schema::{backend::store_error, codes, StoreError};
/// let conn = rusqlite::Connection::open_in_memory().unwrap();
/// let err = store_error(conn.execute_batch("SELECT * FROM missing").unwrap_err());
/// assert!(matches!(err, StoreError::Sqlite { code: codes::ERROR, .. }), "{err}");
/// ```
pub fn store_error(e: rusqlite::Error) -> StoreError {
    {
        match e {
            rusqlite::Error::SqliteFailure(err, message) => StoreError::Sqlite {
                code: err.extended_code,
                message: explain(message.unwrap_or_else(|| err.to_string())),
                sql: None,
            },
            rusqlite::Error::SqlInputError { error, msg, sql, .. } => {
                StoreError::Sqlite { code: error.extended_code, message: explain(msg), sql: Some(sql) }
            }
            // Refused by rusqlite itself (parameters that do not fit the statement, a type it
            // cannot convert, a second statement, …): SQLite returned nothing.
            other => StoreError::Driver { message: other.to_string(), sql: None, source: Some(Box::new(other)) },
        }
    }
}

/// A rusqlite result whose error becomes a [`StoreError`], for `?` in this crate's code.
pub(crate) trait Sqlite<T> {
    fn or_store(self) -> Result<T, StoreError>;
}

impl<T> Sqlite<T> for rusqlite::Result<T> {
    fn or_store(self) -> Result<T, StoreError> {
        self.map_err(store_error)
    }
}

/// The modules the browser build leaves out (`.cargo/config.toml`), each as SQLite names it in
/// `no such module: …`.
#[cfg(target_arch = "wasm32")]
const LEFT_OUT_MODULES: [&str; 6] = ["fts3", "fts4", "fts5", "rtree", "rtree_i32", "geopoly"];

/// SQLite's message, plus, in the browser, a sentence saying why a left-out module or extension
/// loading is missing.
fn explain(message: String) -> String {
    #[cfg(target_arch = "wasm32")]
    if message == "no such function: load_extension" {
        return format!("{message} (a browser cannot load SQLite extensions)");
    }
    #[cfg(target_arch = "wasm32")]
    if let Some(module) = message.strip_prefix("no such module: ") {
        if LEFT_OUT_MODULES.contains(&module) {
            return format!(
                "{message} (the browser build of agentmux-schema leaves the FTS3/FTS4, FTS5 and R-tree \
                 modules out; the native build has them)"
            );
        }
    }
    message
}

/// What every connection gets. Natively nothing: the bundled build's defaults are the reference.
/// In the browser, the native build's defaults that sqlite-wasm-rs's own build does not share are
/// set here, at run time, so a crate that depends on this one (and so compiles sqlite-wasm-rs
/// without this checkout's `.cargo/config.toml`) gets them too: foreign-key enforcement on
/// (libsqlite3-sys builds with `SQLITE_DEFAULT_FOREIGN_KEYS=1`) and 4096-byte pages for new
/// databases (sqlite-wasm-rs's default is 8192).
fn settings(conn: &Connection) -> Result<(), StoreError> {
    #[cfg(target_arch = "wasm32")]
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA page_size = 4096; PRAGMA cache_size = -2000").or_store()?;
    #[cfg(not(target_arch = "wasm32"))]
    let _ = conn;
    Ok(())
}

/// An empty in-memory database.
///
/// ```
/// use agentmux_schema::{backend, migrate, Store};
/// let db = backend::memory().unwrap();
/// assert_eq!(migrate(&db, Store::Objects).unwrap().to_version, Store::Objects.version());
/// ```
pub fn memory() -> Result<Db, StoreError> {
    Db::new(Connection::open_in_memory().or_store()?)
}

/// An in-memory database holding a copy of a database file image (e.g. a `.db` file's bytes).
/// The image's header is checked first, so garbage or truncated bytes are refused with
/// [`StoreError::NotADatabase`]; an empty image is an empty database, as an empty file is.
///
/// ```
/// use agentmux_schema::{backend, migrate, read_version, Store, StoreError};
/// let mut db = backend::memory().unwrap();
/// migrate(&db, Store::Sagas).unwrap();
/// let image = backend::to_bytes(&mut db).unwrap();
/// let copy = backend::from_bytes(&image).unwrap();
/// assert_eq!(read_version(&copy).unwrap(), Store::Sagas.version());
/// assert!(matches!(backend::from_bytes(&image[..50]), Err(StoreError::NotADatabase { .. })));
/// ```
pub fn from_bytes(bytes: &[u8]) -> Result<Db, StoreError> {
    crate::header::check_image("database image", bytes, bytes.len() as u64)?;
    if bytes.is_empty() {
        return memory();
    }
    let wal = crate::header::is_wal_image(bytes);
    let mut db = memory()?;
    db.wal = wal;
    if wal {
        // An in-memory database cannot be in WAL mode; open the copy as a rollback-mode image.
        let mut copy = bytes.to_vec();
        crate::header::set_wal_marker(&mut copy, false);
        db.conn.deserialize_read_exact(MAIN_DB, copy.as_slice(), copy.len(), false).or_store()?;
    } else {
        db.conn.deserialize_read_exact(MAIN_DB, bytes, bytes.len(), false).or_store()?;
    }
    Ok(db)
}

/// The database's current file image, in the journal mode its source image had.
///
/// ```
/// let mut db = agentmux_schema::backend::memory().unwrap();
/// agentmux_schema::migrate(&db, agentmux_schema::Store::Filestore).unwrap();
/// let image = agentmux_schema::backend::to_bytes(&mut db).unwrap();
/// assert_eq!(&image[..16], b"SQLite format 3\0");
/// ```
pub fn to_bytes(db: &mut Db) -> Result<Vec<u8>, StoreError> {
    let mut out = db.conn.serialize(MAIN_DB).or_store()?.to_vec();
    if db.wal {
        crate::header::set_wal_marker(&mut out, true);
    }
    Ok(out)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use crate::codes;
    use rusqlite::ffi;

    /// `crate::codes` is the crate's one list of result codes; it must say what the driver says.
    #[test]
    fn result_codes_are_the_drivers() {
        let pairs = [
            (codes::ERROR, ffi::SQLITE_ERROR),
            (codes::PERM, ffi::SQLITE_PERM),
            (codes::BUSY, ffi::SQLITE_BUSY),
            (codes::LOCKED, ffi::SQLITE_LOCKED),
            (codes::READONLY, ffi::SQLITE_READONLY),
            (codes::CORRUPT, ffi::SQLITE_CORRUPT),
            (codes::CANTOPEN, ffi::SQLITE_CANTOPEN),
            (codes::CONSTRAINT, ffi::SQLITE_CONSTRAINT),
            (codes::MISMATCH, ffi::SQLITE_MISMATCH),
            (codes::NOTADB, ffi::SQLITE_NOTADB),
        ];
        for (ours, drivers) in pairs {
            assert_eq!(ours, drivers);
        }
    }
}
