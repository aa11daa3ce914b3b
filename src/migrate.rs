//! Bringing one database to this build's schema.
//!
//! [`migrate`] is the whole job in one call: tripwire, then (only if the file is behind) one
//! `BEGIN IMMEDIATE` transaction that re-checks the version under the write lock, adopts legacy
//! tables, creates what is missing, adds additive columns, seeds, verifies the result against
//! the canonical schema and stamps the version. Any failure rolls all of it back.
//!
//! The `run_*` functions keep the server's original call shape (no transaction of their own,
//! no stamp) so existing start-up code compiles unchanged.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::conn::SqlConn;
use crate::inspect::{self, Schema};
use crate::legacy::{adopt_legacy_tables, Adoption, Rename};
use crate::tripwire::{read_version, refuse_if_newer, stamp_version, with_busy_timeout};
use crate::{Store, StoreError};

type Columns = BTreeMap<String, BTreeSet<String>>;

/// What a migration found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationReport {
    pub store: Store,
    pub db: &'static str,
    pub from_version: i64,
    pub to_version: i64,
    pub outcome: Outcome,
    pub tables_renamed: Vec<Rename>,
    /// Legacy tables left in place because their replacement already existed.
    pub legacy_tables_kept: Vec<Rename>,
    pub indexes_dropped: Vec<String>,
    pub tables_dropped: Vec<String>,
    pub tables_created: Vec<String>,
    pub columns_added: Vec<String>,
    pub rows_seeded: i64,
}

/// The short answer of a [`MigrationReport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The file was already at this build's version: nothing was run but the version read.
    UpToDate,
    /// The file held no tables: the schema was laid down from scratch.
    Created,
    /// Existing tables were adopted and completed.
    Migrated,
}

impl MigrationReport {
    fn new(store: Store, from_version: i64, outcome: Outcome) -> Self {
        MigrationReport {
            store,
            db: store.file_name(),
            from_version,
            to_version: from_version,
            outcome,
            tables_renamed: vec![],
            legacy_tables_kept: vec![],
            indexes_dropped: vec![],
            tables_dropped: vec![],
            tables_created: vec![],
            columns_added: vec![],
            rows_seeded: 0,
        }
    }

    /// True when the migration changed nothing on disk.
    pub fn is_noop(&self) -> bool {
        self.outcome == Outcome::UpToDate
    }
}

/// Check, migrate, verify and stamp `store`'s schema on `conn` atomically.
///
/// The connection must not be inside a transaction. Its busy timeout is raised for the duration
/// (so a second process migrating the same file waits instead of failing) and then restored.
pub fn migrate<C: SqlConn + ?Sized>(conn: &C, store: Store) -> Result<MigrationReport, StoreError> {
    migrate_dyn(&conn, store)
}

// The work behind the generic entry points takes `&dyn SqlConn`, so it is compiled once
// however many connection types call it (the wasm module would otherwise carry a copy per type).
fn migrate_dyn(conn: &dyn SqlConn, store: Store) -> Result<MigrationReport, StoreError> {
    let found = read_version(conn)?;
    refuse_if_newer(found, store.version(), store.file_name())?;
    if found == store.version() {
        return Ok(MigrationReport::new(store, found, Outcome::UpToDate));
    }
    // Built before taking the lock, so the lock is held only for this file's own work.
    let canonical = inspect::canonical(store)?;

    with_busy_timeout(conn, || {
        conn.exec("BEGIN IMMEDIATE")?;
        let result = migrate_locked(conn, store, canonical).and_then(|report| {
            conn.exec("COMMIT")?;
            Ok(report)
        });
        if result.is_err() {
            // If COMMIT itself failed the transaction may still be open; if the failure already
            // ended it, ROLLBACK reports "no transaction", which is not news.
            let _ = conn.exec("ROLLBACK");
        }
        result
    })
}

fn migrate_locked(conn: &dyn SqlConn, store: Store, canonical: &Schema) -> Result<MigrationReport, StoreError> {
    // Another process may have migrated (or a newer build stamped) the file while we waited.
    let found = read_version(conn)?;
    refuse_if_newer(found, store.version(), store.file_name())?;
    if found == store.version() {
        return Ok(MigrationReport::new(store, found, Outcome::UpToDate));
    }
    let (mut report, existed) = apply(conn, store, canonical, found)?;

    let missing = inspect::missing_from_canonical(conn, canonical, |t| existed.contains_key(t))?;
    if !missing.is_empty() {
        return Err(StoreError::VerifyFailed { db: store.file_name().to_string(), missing });
    }
    stamp_version(conn, store.version())?;
    report.to_version = store.version();
    Ok(report)
}

/// The schema work shared by [`migrate`] and the `run_*` functions: adopt, refuse shapes that
/// cannot be completed, create, add columns, seed. Also returns the tables (and their columns)
/// that existed once adoption was done, i.e. the ones the canonical DDL did not create.
fn apply(
    conn: &dyn SqlConn,
    store: Store,
    canonical: &Schema,
    from_version: i64,
) -> Result<(MigrationReport, Columns), StoreError> {
    let adoption = if store == Store::Objects { adopt_legacy_tables(conn)? } else { Adoption::default() };
    let before = inspect::table_columns(conn)?;
    let outcome = if before.is_empty() { Outcome::Created } else { Outcome::Migrated };
    let mut report = MigrationReport::new(store, from_version, outcome);
    report.tables_renamed = adoption.renamed;
    report.legacy_tables_kept = adoption.kept;
    report.indexes_dropped = adoption.indexes_dropped;
    report.tables_dropped = adoption.tables_dropped;

    refuse_unadoptable(store, &before, canonical)?;

    conn.exec(store.ddl())?;
    report.tables_created = canonical.tables.keys().filter(|t| !before.contains_key(*t)).cloned().collect();

    for add in store.additive_columns() {
        let lacks = before.get(add.table).is_some_and(|cols| !cols.contains(add.column));
        if lacks {
            conn.exec(&format!("ALTER TABLE \"{}\" ADD COLUMN \"{}\" {}", add.table, add.column, add.definition))?;
            report.columns_added.push(format!("{}.{}", add.table, add.column));
        }
    }

    if let Some(seed) = store.seed() {
        let changes = || conn.query_i64("SELECT total_changes()", &[]).map(|v| v.unwrap_or(0));
        let start = changes()?;
        conn.exec(seed)?;
        report.rows_seeded = changes()? - start;
    }
    Ok((report, before))
}

/// A table that exists but lacks a canonical column no additive migration provides cannot be
/// completed by `CREATE … IF NOT EXISTS`; say which, before anything is created.
fn refuse_unadoptable(store: Store, before: &Columns, canonical: &Schema) -> Result<(), StoreError> {
    for (name, want) in &canonical.tables {
        let Some(have) = before.get(name) else { continue };
        let missing: Vec<String> = want
            .columns
            .iter()
            .filter(|c| !have.contains(&c.name))
            .filter(|c| !store.additive_columns().iter().any(|a| a.table == name && a.column == c.name))
            .map(|c| c.name.clone())
            .collect();
        if !missing.is_empty() {
            return Err(StoreError::Unadoptable {
                db: store.file_name().to_string(),
                table: name.clone(),
                missing_columns: missing,
            });
        }
    }
    Ok(())
}

fn run_unstamped(conn: &dyn SqlConn, store: Store) -> Result<(), StoreError> {
    let canonical = inspect::canonical(store)?;
    let from = read_version(conn)?;
    apply(conn, store, canonical, from).map(drop)
}

/// Lay down or complete the `objects.db` schema (legacy adoption, tables, additive columns,
/// blank rows) on the caller's connection, without a transaction or a stamp of its own.
/// Idempotent. Prefer [`migrate`], which adds the tripwire, atomicity, verification and stamp.
pub fn run_object_schema<C: SqlConn + ?Sized>(conn: &C) -> Result<(), StoreError> {
    run_unstamped(&conn, Store::Objects)
}

/// Lay down the `filestore.db` tables. Idempotent; see [`run_object_schema`].
pub fn run_filestore_migrations<C: SqlConn + ?Sized>(conn: &C) -> Result<(), StoreError> {
    run_unstamped(&conn, Store::Filestore)
}

/// Lay down the `sagas.db` tables. Idempotent; see [`run_object_schema`].
pub fn run_saga_log_migrations<C: SqlConn + ?Sized>(conn: &C) -> Result<(), StoreError> {
    run_unstamped(&conn, Store::Sagas)
}

/// Migrate several stores as one start-up: every tripwire is read (without writing) before any
/// store is touched, so one too-new file stops all of them. Each store's migration is then
/// atomic on its own; reports come back in the order given.
pub fn migrate_all(stores: &[(&dyn SqlConn, Store)]) -> Result<Vec<MigrationReport>, StoreError> {
    for (conn, store) in stores {
        crate::tripwire::check_schema_compat(*conn, store.version(), store.file_name())?;
    }
    stores.iter().map(|(conn, store)| migrate(*conn, *store)).collect()
}
