//! A strictly read-only account of one database: where it stands against this build and how
//! its schema differs from the canonical one. Works on files this build refuses to migrate.

use serde::Serialize;

use crate::conn::SqlConn;
use crate::inspect::{self, Drift};
use crate::names::NameMap;
use crate::orphans;
use crate::tripwire::read_version;
use crate::{Store, StoreError};

/// Where a database stands relative to this build.
#[cfg_attr(all(target_arch = "wasm32", feature = "js"), derive(tsify::Tsify))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// No file (data-directory level only).
    Missing,
    /// Version 0 with tables: written before builds stamped versions (e.g. pre-flatten).
    Legacy,
    /// `user_version` 0 and no tables: a 0-byte file or a fresh database. `migrate` creates the
    /// schema in it (report outcome `created`).
    Empty,
    /// Stamped by an older build: `migrate` will bring it forward.
    Behind,
    /// Stamped with exactly this build's version.
    Current,
    /// Stamped by a newer build: this build refuses to write to it.
    TooNew,
    /// Not readable as an SQLite database.
    Unreadable,
}

/// One table as seen by status.
#[cfg_attr(all(target_arch = "wasm32", feature = "js"), derive(tsify::Tsify))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TableSummary {
    pub name: String,
    pub columns: Vec<String>,
    pub row_count: i64,
    pub indexes: Vec<String>,
}

/// The read-only status of one database.
#[cfg_attr(all(target_arch = "wasm32", feature = "js"), derive(tsify::Tsify), tsify(missing_as_null))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreStatus {
    pub store: Store,
    pub db: &'static str,
    pub exists: bool,
    pub user_version: Option<i64>,
    pub expected_version: i64,
    pub state: State,
    /// How the schema differs from this build's; `None` when there is nothing meaningful to
    /// compare: the file is missing, unreadable, or too new (a newer schema measured against
    /// this build's older one is only noise).
    pub drift: Option<Drift>,
    pub tables: Vec<TableSummary>,
    /// Rows whose parent row does not exist, per table (tables without any are left out).
    /// `migrate` keeps them as they are; they are worth a look, since with foreign keys enforced
    /// such a row can no longer be updated without first giving it a parent.
    #[cfg_attr(all(target_arch = "wasm32", feature = "js"), tsify(type = "Record<string, number>"))]
    pub orphan_rows: NameMap<i64>,
    /// Why the file is unreadable, when it is.
    pub error: Option<String>,
    /// SQLite's `quick_check` result, only when the caller asked for it (natively; the wasm
    /// SQLite build leaves the integrity checks out). Absent from JSON when not asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(all(target_arch = "wasm32", feature = "js"), tsify(optional))]
    pub integrity: Option<Integrity>,
}

/// The outcome of `PRAGMA quick_check`: page-level consistency of the whole file, including
/// tables the schema check never reads.
#[cfg_attr(all(target_arch = "wasm32", feature = "js"), derive(tsify::Tsify))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Integrity {
    pub ok: bool,
    /// SQLite's messages when not ok (at most the first 100).
    pub problems: Vec<String>,
}

/// Run `PRAGMA quick_check` (read-only). Not available in the wasm SQLite build.
pub fn quick_check<C: SqlConn + ?Sized>(conn: &C) -> Result<Integrity, StoreError> {
    let lines = conn.query_strings("PRAGMA quick_check(100)", &[])?;
    let ok = lines.len() == 1 && lines[0] == "ok";
    Ok(Integrity { ok, problems: if ok { vec![] } else { lines } })
}

impl StoreStatus {
    /// The status of a file that does not exist.
    pub fn missing(store: Store) -> Self {
        Self::bare(store, false, State::Missing, None)
    }

    /// The status of a file that exists but cannot be read.
    pub fn unreadable(store: Store, err: &StoreError) -> Self {
        Self::bare(store, true, State::Unreadable, Some(err.to_string()))
    }

    fn bare(store: Store, exists: bool, state: State, error: Option<String>) -> Self {
        StoreStatus {
            store,
            db: store.file_name(),
            exists,
            user_version: None,
            expected_version: store.version(),
            state,
            drift: None,
            tables: vec![],
            orphan_rows: NameMap::new(),
            error,
            integrity: None,
        }
    }

    /// Row counts by table name.
    pub fn row_counts(&self) -> NameMap<i64> {
        self.tables.iter().map(|t| (t.name.clone(), t.row_count)).collect()
    }
}

/// Inspect `conn` as `store` without writing. Read failures become an `Unreadable` status
/// rather than an error, since reporting them is the point.
pub fn status<C: SqlConn + ?Sized>(conn: &C, store: Store) -> StoreStatus {
    match read_status(&conn, store) {
        Ok(s) => s,
        Err(e) => StoreStatus::unreadable(store, &e),
    }
}

fn read_status(conn: &dyn SqlConn, store: Store) -> Result<StoreStatus, StoreError> {
    let version = read_version(conn)?;
    // A negative version is damage, which `migrate` refuses: the file is unreadable as a store.
    crate::tripwire::refuse_negative(version, store.file_name())?;
    let schema = inspect::dump(conn)?;
    // One scan of a large child table gives its orphans and its row count.
    let counted = orphans::orphans_and_rows(conn)?;
    let counts = inspect::row_counts(conn, &schema, &counted.rows)?;
    let expected = store.version();
    let state = match version {
        v if v > expected => State::TooNew,
        v if v == expected => State::Current,
        0 if !schema.tables.is_empty() => State::Legacy,
        0 => State::Empty,
        _ => State::Behind,
    };
    let tables = schema
        .tables
        .iter()
        .map(|(name, t)| TableSummary {
            name: name.clone(),
            columns: t.columns.iter().map(|c| c.name.clone()).collect(),
            row_count: counts.get(name).copied().unwrap_or(0),
            indexes: t.indexes.keys().cloned().collect(),
        })
        .collect();
    Ok(StoreStatus {
        user_version: Some(version),
        state,
        drift: match state {
            State::TooNew => None,
            _ => Some(inspect::drift(&schema, &store.spec().canonical(conn)?.schema)),
        },
        tables,
        orphan_rows: counted.orphans,
        ..StoreStatus::bare(store, true, state, None)
    })
}
