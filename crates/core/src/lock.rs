//! Connection settings a migration needs while it holds the write lock, each set for the duration
//! and then put back as the caller had it: the connection belongs to the caller.

use tracing::warn;

use crate::conn::SqlConn;
use crate::StoreError;

/// How long a migration waits for another process that holds the write lock (e.g. a second
/// server instance starting at the same moment and migrating the same file).
pub const LOCK_WAIT_MS: i64 = 10_000;

/// Run `f` with the connection's busy timeout raised to at least [`LOCK_WAIT_MS`].
pub(crate) fn with_busy_timeout<C: SqlConn + ?Sized, T>(
    conn: &C,
    f: impl FnOnce() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let before = conn.query_i64("PRAGMA busy_timeout", &[])?.unwrap_or(0);
    if before >= LOCK_WAIT_MS {
        return f();
    }
    conn.exec(&format!("PRAGMA busy_timeout = {LOCK_WAIT_MS}"))?;
    let out = f();
    restore(conn, &format!("PRAGMA busy_timeout = {before}"));
    out
}

/// Run `f` with foreign-key enforcement off if it was on. Only table rebuilds need this, and the
/// setting cannot change inside a transaction, so it wraps one.
pub(crate) fn with_foreign_keys_paused<C: SqlConn + ?Sized, T>(
    conn: &C,
    f: impl FnOnce() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    if conn.query_i64("PRAGMA foreign_keys", &[])? != Some(1) {
        return f();
    }
    conn.exec("PRAGMA foreign_keys = OFF")?;
    let out = f();
    restore(conn, "PRAGMA foreign_keys = ON");
    out
}

/// Failing to restore a connection setting must not turn a committed migration into an error.
fn restore<C: SqlConn + ?Sized>(conn: &C, pragma: &str) {
    if let Err(e) = conn.exec(pragma) {
        warn!(error = %e, pragma, "could not restore a connection setting");
    }
}
