//! The API's entry points over any connection: a `rusqlite::Connection` the caller opened (the
//! server's, unchanged from the original module's call sites), a [`crate::backend::Db`], or any
//! other [`SqlConn`]. The core crate holds the logic and knows only `SqlConn`; a
//! `rusqlite::Connection` cannot implement that trait outside the core (both belong to other
//! crates), so each entry point takes an [`AsSqlConn`] and hands the core a `SqlConn` view of it.

use agentmux_schema_core as core;

use crate::backend::Borrowed;
use crate::{MigrationReport, Spec, SqlConn, Store, StoreError, StoreStatus};

/// Something the API runs on: a `rusqlite::Connection`, or any [`SqlConn`] (a
/// [`crate::backend::Db`], a `dyn SqlConn`, your own wrapper). `Via` only tells the two kinds
/// apart; the compiler infers it, so call sites never name it.
///
/// ```
/// use agentmux_schema::{AsSqlConn, SqlConn};
/// let conn = rusqlite::Connection::open_in_memory().unwrap();
/// let rows = conn.as_sql_conn().query("SELECT 1 + 1", &[]).unwrap();
/// assert_eq!(rows[0][0].as_i64(), Some(2));
/// ```
pub trait AsSqlConn<Via = AnySqlConn> {
    /// The [`SqlConn`] view of the connection.
    type Sql<'a>: SqlConn
    where
        Self: 'a;
    /// The connection as a [`SqlConn`], e.g. for [`crate::inspect`]'s functions.
    fn as_sql_conn(&self) -> Self::Sql<'_>;
}

/// [`AsSqlConn`]'s marker for a type that implements [`SqlConn`] itself.
pub enum AnySqlConn {}
/// [`AsSqlConn`]'s marker for `rusqlite::Connection`.
pub enum Rusqlite {}

impl<C: SqlConn + ?Sized> AsSqlConn<AnySqlConn> for C {
    type Sql<'a>
        = &'a C
    where
        C: 'a;
    fn as_sql_conn(&self) -> &C {
        self
    }
}

impl AsSqlConn<Rusqlite> for rusqlite::Connection {
    type Sql<'a> = Borrowed<'a>;
    fn as_sql_conn(&self) -> Borrowed<'_> {
        Borrowed(self)
    }
}

/// Bring `store`'s file to the current schema in one transaction (README, "Server start-up").
///
/// ```
/// use agentmux_schema::{migrate, Outcome, Store};
/// let conn = rusqlite::Connection::open_in_memory().unwrap();
/// let report = migrate(&conn, Store::Objects).unwrap();
/// assert_eq!(report.outcome, Outcome::Created);
/// assert_eq!(migrate(&conn, Store::Objects).unwrap().outcome, Outcome::UpToDate);
/// ```
pub fn migrate<V, C: AsSqlConn<V> + ?Sized>(conn: &C, store: Store) -> Result<MigrationReport, StoreError> {
    core::migrate(&conn.as_sql_conn(), store)
}

/// [`migrate`] with a schema definition under development instead of a shipped store (README,
/// "Changing the schema").
///
/// ```
/// use agentmux_schema::{migrate_spec, Store};
/// let conn = rusqlite::Connection::open_in_memory().unwrap();
/// let report = migrate_spec(&conn, &Store::Sagas.spec()).unwrap();
/// assert_eq!(report.to_version, Store::Sagas.version());
/// ```
pub fn migrate_spec<V, C: AsSqlConn<V> + ?Sized>(conn: &C, spec: &Spec) -> Result<MigrationReport, StoreError> {
    core::migrate_spec(&conn.as_sql_conn(), spec)
}

/// [`migrate`], and also rebuild a current file's tables whose foreign keys or indexes differ from
/// the canonical ones, keeping every row.
///
/// ```
/// use agentmux_schema::{migrate, repair, Store};
/// let conn = rusqlite::Connection::open_in_memory().unwrap();
/// migrate(&conn, Store::Filestore).unwrap();
/// assert!(repair(&conn, Store::Filestore).unwrap().tables_rebuilt.is_empty());
/// ```
pub fn repair<V, C: AsSqlConn<V> + ?Sized>(conn: &C, store: Store) -> Result<MigrationReport, StoreError> {
    core::repair(&conn.as_sql_conn(), store)
}

/// The original module's `run_object_schema`: [`migrate`] `objects.db`.
///
/// ```
/// # use agentmux_schema::{check_schema_compat, read_version, run_object_schema, stamp_version, OBJECT_SCHEMA_VERSION};
/// let conn = rusqlite::Connection::open_in_memory().unwrap();
/// check_schema_compat(&conn, OBJECT_SCHEMA_VERSION, "objects.db").unwrap();
/// run_object_schema(&conn).unwrap();
/// stamp_version(&conn, OBJECT_SCHEMA_VERSION).unwrap();
/// assert_eq!(read_version(&conn).unwrap(), OBJECT_SCHEMA_VERSION);
/// ```
pub fn run_object_schema<V, C: AsSqlConn<V> + ?Sized>(conn: &C) -> Result<(), StoreError> {
    core::run_object_schema(&conn.as_sql_conn())
}

/// The original module's `run_filestore_migrations`: [`migrate`] `filestore.db`.
///
/// ```
/// let conn = rusqlite::Connection::open_in_memory().unwrap();
/// agentmux_schema::run_filestore_migrations(&conn).unwrap();
/// ```
pub fn run_filestore_migrations<V, C: AsSqlConn<V> + ?Sized>(conn: &C) -> Result<(), StoreError> {
    core::run_filestore_migrations(&conn.as_sql_conn())
}

/// The original module's `run_saga_log_migrations`: [`migrate`] `sagas.db`.
///
/// ```
/// let conn = rusqlite::Connection::open_in_memory().unwrap();
/// agentmux_schema::run_saga_log_migrations(&conn).unwrap();
/// ```
pub fn run_saga_log_migrations<V, C: AsSqlConn<V> + ?Sized>(conn: &C) -> Result<(), StoreError> {
    core::run_saga_log_migrations(&conn.as_sql_conn())
}

/// Check every store's tripwire first, then [`migrate`] each: a too-new file leaves all of them
/// untouched.
///
/// ```
/// use agentmux_schema::{migrate_all, Store};
/// let (objects, sagas) = (rusqlite::Connection::open_in_memory().unwrap(), rusqlite::Connection::open_in_memory().unwrap());
/// let reports = migrate_all(&[(&objects, Store::Objects), (&sagas, Store::Sagas)]).unwrap();
/// assert_eq!(reports.len(), 2);
/// ```
pub fn migrate_all<V, C: AsSqlConn<V> + ?Sized>(stores: &[(&C, Store)]) -> Result<Vec<MigrationReport>, StoreError> {
    let views: Vec<_> = stores.iter().map(|(conn, store)| (conn.as_sql_conn(), *store)).collect();
    let dyns: Vec<(&dyn SqlConn, Store)> = views.iter().map(|(conn, store)| (conn as &dyn SqlConn, *store)).collect();
    core::migrate_all(&dyns)
}

/// The file's `user_version` (0 for a new file).
///
/// ```
/// let conn = rusqlite::Connection::open_in_memory().unwrap();
/// assert_eq!(agentmux_schema::read_version(&conn).unwrap(), 0);
/// ```
pub fn read_version<V, C: AsSqlConn<V> + ?Sized>(conn: &C) -> Result<i64, StoreError> {
    core::read_version(&conn.as_sql_conn())
}

/// The tripwire: [`StoreError::SchemaTooNew`] if the file was stamped by a newer build. Reads only.
///
/// ```
/// use agentmux_schema::{check_schema_compat, StoreError};
/// let conn = rusqlite::Connection::open_in_memory().unwrap();
/// conn.execute_batch("PRAGMA user_version = 99").unwrap();
/// let err = check_schema_compat(&conn, 4, "objects.db").unwrap_err();
/// assert!(matches!(err, StoreError::SchemaTooNew { found: 99, expected: 4, .. }));
/// ```
pub fn check_schema_compat<V, C: AsSqlConn<V> + ?Sized>(
    conn: &C,
    current: i64,
    db_label: &str,
) -> Result<(), StoreError> {
    core::check_schema_compat(&conn.as_sql_conn(), current, db_label)
}

/// Stamp `current` as the file's `user_version`.
///
/// ```
/// let conn = rusqlite::Connection::open_in_memory().unwrap();
/// agentmux_schema::stamp_version(&conn, 3).unwrap();
/// assert_eq!(agentmux_schema::read_version(&conn).unwrap(), 3);
/// ```
pub fn stamp_version<V, C: AsSqlConn<V> + ?Sized>(conn: &C, current: i64) -> Result<(), StoreError> {
    core::stamp_version(&conn.as_sql_conn(), current)
}

/// What `store`'s file holds against the canonical schema, read-only (the CLI's `status`).
///
/// ```
/// use agentmux_schema::{migrate, status, State, Store};
/// let conn = rusqlite::Connection::open_in_memory().unwrap();
/// assert_eq!(status(&conn, Store::Sagas).state, State::Empty);
/// migrate(&conn, Store::Sagas).unwrap();
/// assert_eq!(status(&conn, Store::Sagas).state, State::Current);
/// ```
pub fn status<V, C: AsSqlConn<V> + ?Sized>(conn: &C, store: Store) -> StoreStatus {
    core::status(&conn.as_sql_conn(), store)
}
