//! The only thing the schema code knows about a database: a handle that can run a batch of SQL,
//! answer a query, and hand out an empty scratch database of the same engine. The backend
//! implements these three methods; every rule about tables, legacy names and versions lives in
//! the core, which never names the backend.
//!
//! Deliberately no `Send`/`Sync` bounds and no driver types: the wasm handle is a raw pointer
//! on a single-threaded target, and test wrappers (fault injection) must be able to stand in.

use crate::StoreError;

/// One SQLite value, as read back from a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// A row: values in column order.
pub type Row = Vec<Value>;

/// A connection the schema code can drive.
pub trait SqlConn {
    /// Run zero or more `;`-separated statements, discarding any rows.
    fn exec(&self, sql: &str) -> Result<(), StoreError>;

    /// Run one statement with `params` bound as text to `?1..?n` and return every row.
    fn query(&self, sql: &str, params: &[&str]) -> Result<Vec<Row>, StoreError>;

    /// A new, empty in-memory database on the same engine, independent of this one. The core
    /// builds the canonical schema on one (SQLite reports a schema only for what it holds), so
    /// the canonical side of every comparison comes from the same SQLite as the file.
    fn scratch(&self) -> Result<Box<dyn SqlConn>, StoreError>;

    /// The first column of the first row as an integer (`None` when there is no row or it is not
    /// an integer).
    fn query_i64(&self, sql: &str, params: &[&str]) -> Result<Option<i64>, StoreError> {
        Ok(self.query(sql, params)?.first().and_then(|r| r.first()).and_then(Value::as_i64))
    }

    /// The first column of every row, as text (non-text values are skipped).
    fn query_strings(&self, sql: &str, params: &[&str]) -> Result<Vec<String>, StoreError> {
        Ok(self
            .query(sql, params)?
            .into_iter()
            .filter_map(|mut r| match r.drain(..).next() {
                Some(Value::Text(s)) => Some(s),
                _ => None,
            })
            .collect())
    }
}

impl<C: SqlConn + ?Sized> SqlConn for &C {
    fn exec(&self, sql: &str) -> Result<(), StoreError> {
        (**self).exec(sql)
    }
    fn query(&self, sql: &str, params: &[&str]) -> Result<Vec<Row>, StoreError> {
        (**self).query(sql, params)
    }
    fn scratch(&self) -> Result<Box<dyn SqlConn>, StoreError> {
        (**self).scratch()
    }
}
