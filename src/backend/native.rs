//! Native backend: `rusqlite` with its bundled SQLite.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, MAIN_DB};

use crate::conn::{Row, SqlConn, Value};
use crate::StoreError;

/// An in-memory database made by [`memory`] or [`from_bytes`]: a `rusqlite::Connection` (it
/// derefs to one) that remembers whether its image came from a WAL-mode file, so [`to_bytes`]
/// hands back an image in the journal mode it arrived in.
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

impl SqlConn for Db {
    fn exec(&self, sql: &str) -> Result<(), StoreError> {
        self.conn.exec(sql)
    }
    fn query(&self, sql: &str, params: &[&str]) -> Result<Vec<Row>, StoreError> {
        self.conn.query(sql, params)
    }
}

impl SqlConn for Connection {
    fn exec(&self, sql: &str) -> Result<(), StoreError> {
        self.execute_batch(sql).map_err(|e| StoreError::from(e).with_sql(sql))
    }

    fn query(&self, sql: &str, params: &[&str]) -> Result<Vec<Row>, StoreError> {
        let run = || -> rusqlite::Result<Vec<Row>> {
            let mut stmt = self.prepare_cached(sql)?;
            let width = stmt.column_count();
            let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
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
        };
        run().map_err(|e| StoreError::from(e).with_sql(sql))
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::SqliteFailure(err, message) => StoreError::Sqlite {
                code: err.extended_code,
                message: message.unwrap_or_else(|| err.to_string()),
                sql: None,
            },
            rusqlite::Error::SqlInputError { error, msg, sql, .. } => {
                StoreError::Sqlite { code: error.extended_code, message: msg, sql: Some(sql) }
            }
            // Driver-side failures (type conversions, invalid parameters) have no SQLite code;
            // SQLITE_MISUSE (21) is the honest nearest.
            other => StoreError::Sqlite { code: 21, message: other.to_string(), sql: None },
        }
    }
}

/// An empty in-memory database.
pub fn memory() -> Result<Db, StoreError> {
    Ok(Db { conn: Connection::open_in_memory()?, wal: false })
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
    let mut conn = Connection::open_in_memory()?;
    if wal {
        // An in-memory database cannot be in WAL mode; open the copy as a rollback-mode image.
        let mut copy = bytes.to_vec();
        crate::header::set_wal_marker(&mut copy, false);
        conn.deserialize_read_exact(MAIN_DB, copy.as_slice(), copy.len(), false)?;
    } else {
        conn.deserialize_read_exact(MAIN_DB, bytes, bytes.len(), false)?;
    }
    Ok(Db { conn, wal })
}

/// The database's current file image, in the journal mode its source image had.
pub fn to_bytes(db: &mut Db) -> Result<Vec<u8>, StoreError> {
    let mut out = db.conn.serialize(MAIN_DB)?.to_vec();
    if db.wal {
        crate::header::set_wal_marker(&mut out, true);
    }
    Ok(out)
}
