//! `PRAGMA user_version` is the single record of which build last shaped a file. Reading it
//! never writes; stamping it is the last statement of a successful migration.

use tracing::warn;

use crate::conn::SqlConn;
use crate::error::codes;
use crate::lock::with_busy_timeout;
use crate::StoreError;

/// The file's `user_version`. If another connection is mid-commit, waits up to [`LOCK_WAIT_MS`](crate::LOCK_WAIT_MS)
/// instead of failing with `SQLITE_BUSY`.
pub fn read_version<C: SqlConn + ?Sized>(conn: &C) -> Result<i64, StoreError> {
    match conn.query_i64("PRAGMA user_version", &[]) {
        Err(e) if e.sqlite_code() == Some(codes::BUSY) => {
            with_busy_timeout(conn, || conn.query_i64("PRAGMA user_version", &[])).map(|v| v.unwrap_or(0))
        }
        other => other.map(|v| v.unwrap_or(0)),
    }
}

/// Refuse a database stamped by a newer build, or with a negative `user_version` (damage; see
/// [`refuse_if_newer`]). Read-only: it issues one `PRAGMA user_version`
/// query and nothing else, so a refused file is left exactly as it was.
pub fn check_schema_compat<C: SqlConn + ?Sized>(conn: &C, current: i64, db_label: &str) -> Result<(), StoreError> {
    let found = read_version(conn)?;
    refuse_if_newer(found, current, db_label)
}

/// Refuse a file this build must not write: one stamped by a newer build
/// ([`StoreError::SchemaTooNew`]), or one whose `user_version` is negative. No build stamps a
/// negative version (versions count up from 0, the unstamped file), so one is damage or another
/// program's stamp, and reading it as "older than every version" would run every step on a file
/// of unknown shape and stamp it as ours: refused as [`StoreError::NotADatabase`], nothing
/// written.
pub(crate) fn refuse_if_newer(found: i64, current: i64, db_label: &str) -> Result<(), StoreError> {
    refuse_negative(found, db_label)?;
    if found > current {
        warn!(db = db_label, found, expected = current, "database was written by a newer build; refusing to touch it");
        return Err(StoreError::SchemaTooNew { db: db_label.to_string(), found, expected: current });
    }
    Ok(())
}

/// The negative-version half of [`refuse_if_newer`], for readers (status) that accept newer files.
pub(crate) fn refuse_negative(found: i64, db_label: &str) -> Result<(), StoreError> {
    if found < 0 {
        warn!(db = db_label, found, "database has a negative user_version; refusing to touch it");
        return Err(StoreError::NotADatabase {
            db: db_label.to_string(),
            reason: format!(
                "its user_version is {found}, which no build of this schema writes (versions count up from 0): \
                 the header is damaged or the file belongs to another program"
            ),
        });
    }
    Ok(())
}

/// Record that the schema now matches `current`. Call only after the schema work succeeded.
pub fn stamp_version<C: SqlConn + ?Sized>(conn: &C, current: i64) -> Result<(), StoreError> {
    conn.exec(&format!("PRAGMA user_version = {current}"))
}
