//! Bringing one database to this build's schema.
//!
//! [`migrate`] is the whole job in one call: tripwire, then (only if the file is behind) one
//! `BEGIN IMMEDIATE` transaction that re-checks the version under the write lock and runs the
//! stages in order ([`migrate_locked`]):
//!
//! 1. defences against damaged or hand-edited catalogues ([`defences`]);
//! 2. adoption of legacy tables ([`crate::legacy`]);
//! 3. the file brought to the canonical shape of the version it is stamped with ([`start_shape`],
//!    against that version's snapshot, [`crate::snapshot::SHIPPED`]);
//! 4. each later version's reshaping steps, oldest first ([`crate::steps`]);
//! 5. the current DDL, 6. the data steps, 7. the seed rows;
//! 8. canonical indexes ([`indexes`]), 9. verification against the current canonical schema;
//!
//! then the stamp. Any failure rolls all of it back. Each stage returns what it did; the report
//! is put together in one place ([`assemble`]).
//!
//! The `run_*` functions keep the server's original call shape (no transaction of their own,
//! no stamp) so existing start-up code compiles unchanged.

use std::cell::Cell;

use serde::Serialize;

mod defences;
mod indexes;
mod start_shape;

use defences::{explain_damaged_encoding, Defended};
use indexes::Indexes;
use start_shape::Shaped;

use crate::column_ref::ColumnRef;
use crate::conn::SqlConn;
use crate::error::{codes, SchemaGap};
use crate::inspect::{self, Canonical, Column, Columns};
use crate::legacy::{adopt_legacy_tables, Adoption, Rename};
use crate::lock::{with_busy_timeout, with_foreign_keys_paused};
use crate::names::NameMap;
use crate::orphans;
use crate::rebuild::RelaxedConstraint;
use crate::snapshot;
use crate::spec::Spec;
use crate::spelling;
use crate::steps::{self, Applied};
use crate::tripwire::{read_version, refuse_if_newer, stamp_version};
use crate::{Store, StoreError};

/// What a migration found and did.
#[cfg_attr(all(target_arch = "wasm32", feature = "js"), derive(tsify::Tsify))]
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
    /// Rows each dropped table held (one entry per name in `tables_dropped`); the operator's
    /// only record of data a dead legacy table took with it.
    #[cfg_attr(all(target_arch = "wasm32", feature = "js"), tsify(type = "Record<string, number>"))]
    pub rows_dropped: NameMap<i64>,
    pub tables_created: Vec<String>,
    pub columns_added: Vec<String>,
    /// Columns declared without their canonical NOT NULL, PRIMARY KEY or UNIQUE because existing
    /// rows have no value for them: their rows read NULL, and `status` shows the column as
    /// changed. Mostly columns of `columns_added` (a table written without the column); a table
    /// rebuilt to add a missing `oid` also keeps so a column the file declared nullable and holds
    /// NULL in.
    pub columns_nullable: Vec<String>,
    /// Tables rebuilt to their canonical definition, each with why (every row is kept).
    pub tables_rebuilt: Vec<RebuiltTable>,
    /// Constraints a rebuilt table (an upgrade step's or a foreign-key repair's) was declared
    /// without because rows it holds break them: each with the table and the number of such
    /// rows, every one of them kept. `status` shows the table as changed.
    pub constraints_relaxed: Vec<RelaxedConstraint>,
    /// Data steps run, as `v5: backfill db_agents`.
    pub steps_run: Vec<String>,
    /// Indexes that existed under a canonical name with another definition (columns, order,
    /// uniqueness, partial `WHERE`, table) and were dropped and created again as canonical.
    pub indexes_rebuilt: Vec<String>,
    /// Indexes with another definition that were left as they are because the rows break the
    /// canonical one (e.g. duplicate values under a canonical UNIQUE index): no row is changed
    /// to fit an index. `status` shows each as a changed index until the rows are fixed and the
    /// file repaired. Also the canonical `DESC` indexes of a file whose schema format (below 4,
    /// from SQLite before 3.3 or `legacy_file_format`) makes SQLite build them ascending.
    pub indexes_kept: Vec<String>,
    /// Blank rows the migration inserted (the seed rows every database of this kind holds).
    pub rows_seeded: i64,
    /// `sqlite_master` rows that spelled their table or index other than SQLite holds it (a
    /// damaged or hand-edited catalogue), rewritten to SQLite's spelling before anything else so
    /// that no drop or rename leaves a stale row behind: `index x: tbl_name "a" → "b"`.
    pub catalogue_repaired: Vec<String>,
    /// Tables whose foreign keys differ from the canonical ones but that could not be rebuilt
    /// (damage: a column name that is not valid UTF-8, which no SQL this crate writes can name,
    /// or rows under a constraint that cannot be left out for them, see
    /// [`StoreError::RowsRefused`]). They
    /// keep the foreign keys they had, every row in place; `status` shows the difference.
    pub foreign_keys_kept: Vec<String>,
    /// Rows whose parent row does not exist, per table (tables without any are left out): kept
    /// as they are, never deleted. Counted when a file with tables was migrated.
    #[cfg_attr(all(target_arch = "wasm32", feature = "js"), tsify(type = "Record<string, number>"))]
    pub orphan_rows: NameMap<i64>,
}

/// A table a migration rebuilt, and why.
#[cfg_attr(all(target_arch = "wasm32", feature = "js"), derive(tsify::Tsify))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RebuiltTable {
    pub table: String,
    pub reason: RebuildReason,
}

/// Why a table was rebuilt.
#[cfg_attr(all(target_arch = "wasm32", feature = "js"), derive(tsify::Tsify))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RebuildReason {
    /// Its foreign keys differed from the canonical ones (e.g. an adopted child still naming a
    /// legacy parent table).
    ForeignKeys,
    /// An upgrade step ([`crate::Change::RebuildTable`]) changes its definition.
    UpgradeStep,
    /// It lacked a canonical column that `ALTER TABLE ADD COLUMN` cannot add: one named like the
    /// rowid (`oid`, `rowid`, `_rowid_`), which SQLite refuses to add to a table that has no
    /// such column. The rebuild adds it (its rows read NULL there); listed in `columns_added`.
    MissingColumn,
}

impl RebuildReason {
    /// How reports print it.
    pub fn label(self) -> &'static str {
        match self {
            RebuildReason::ForeignKeys => "foreign keys",
            RebuildReason::UpgradeStep => "upgrade step",
            RebuildReason::MissingColumn => "a column ALTER TABLE cannot add",
        }
    }
}

/// The short answer of a [`MigrationReport`].
#[cfg_attr(all(target_arch = "wasm32", feature = "js"), derive(tsify::Tsify))]
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
            rows_dropped: NameMap::new(),
            tables_created: vec![],
            columns_added: vec![],
            columns_nullable: vec![],
            tables_rebuilt: vec![],
            constraints_relaxed: vec![],
            steps_run: vec![],
            indexes_rebuilt: vec![],
            indexes_kept: vec![],
            rows_seeded: 0,
            catalogue_repaired: vec![],
            foreign_keys_kept: vec![],
            orphan_rows: NameMap::new(),
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
///
/// # Errors
///
/// - [`StoreError::SchemaTooNew`] when the file was stamped by a newer build: nothing is written,
///   not even a pragma.
/// - [`StoreError::Unadoptable`] when a table lacks columns that a canonical index or the blank
///   rows need (filling them would mean inventing values), [`StoreError::VerifyFailed`] when
///   the result would not have the canonical tables, columns, indexes and foreign keys, and
///   [`StoreError::ForeignKeyCheck`] when an upgrade step's rebuild would leave rows without a
///   parent they had: the transaction is rolled back, the file is unchanged.
///
/// Never an error: rows without a parent (kept, counted in `orphan_rows`), tables whose foreign
/// keys name a legacy or missing parent (rebuilt), a column a table was written without (added),
/// an index the rows cannot satisfy (kept). The report says each.
/// - [`StoreError::Sqlite`] for anything SQLite refuses (busy past the wait, I/O, corruption),
///   with the failing statement; also rolled back.
pub fn migrate<C: SqlConn + ?Sized>(conn: &C, store: Store) -> Result<MigrationReport, StoreError> {
    migrate_dyn(&conn, store.spec(), Mode::Migrate, None)
}

/// [`migrate`] to a schema definition other than the shipped one, e.g. the next version while it
/// is being written and tested (its canonical schema is built from `spec.ddl` on each call).
pub fn migrate_spec<C: SqlConn + ?Sized>(conn: &C, spec: &Spec) -> Result<MigrationReport, StoreError> {
    migrate_dyn(&conn, spec, Mode::Migrate, None)
}

/// [`migrate`], also for a file already at this build's version: its schema work runs again in
/// one transaction, so a current file made by an older build of this version (tables whose
/// foreign keys still name a legacy table, a missing or wrongly defined index, missing blank
/// rows) is brought to the canonical schema. Every row is kept. A file that needs nothing comes
/// back unchanged apart from its stamp being written again.
///
/// `migrate` never does this on its own: a warm start must stay one `PRAGMA user_version` read.
///
/// # Errors
///
/// As [`migrate`].
pub fn repair<C: SqlConn + ?Sized>(conn: &C, store: Store) -> Result<MigrationReport, StoreError> {
    migrate_dyn(&conn, store.spec(), Mode::Repair, None)
}

/// Whether a file already at the target version is left alone or worked on again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Migrate,
    Repair,
}

impl Mode {
    /// Whether a file stamped `found` needs no work for `spec`.
    fn is_done(self, found: i64, spec: &Spec) -> bool {
        found == spec.version && self == Mode::Migrate
    }
}

// The work behind the generic entry points takes `&dyn SqlConn`, so it is compiled once however
// many connection types call it (the wasm module would otherwise carry a copy per type).
// `checked` is the version a caller already read and checked without the lock (`migrate_all`'s
// pre-flight), so the file's tripwire is not read again before the lock is taken.
fn migrate_dyn(
    conn: &dyn SqlConn,
    spec: &Spec,
    mode: Mode,
    checked: Option<i64>,
) -> Result<MigrationReport, StoreError> {
    let found = match checked {
        Some(found) => found,
        None => {
            let found = read_version(conn)?;
            refuse_if_newer(found, spec.version, spec.store.file_name())?;
            found
        }
    };
    if mode.is_done(found, spec) {
        return Ok(MigrationReport::new(spec.store, found, Outcome::UpToDate));
    }
    // Built before taking the lock, so the lock is held only for this file's own work.
    let canonical = spec.canonical(conn)?;
    steps::check(conn, spec.steps, spec.version, spec.ddl, &canonical, spec.store.file_name())?;
    // Rebuilding a table drops it, which with enforcement on would fire ON DELETE actions on its
    // children. Whether a rebuild is needed is known only under the lock, and enforcement can
    // only be switched outside a transaction, so every migration that does work runs with it
    // paused (orphans are then counted explicitly).
    with_foreign_keys_paused(conn, || {
        with_busy_timeout(conn, || {
            conn.exec("BEGIN IMMEDIATE")?;
            let report = match migrate_locked(conn, spec, &canonical, mode) {
                Ok(report) => report,
                Err(e) => {
                    // Nothing to add if this fails too: an error ends or aborts the transaction,
                    // and either way the caller gets the error that caused it.
                    let _ = conn.exec("ROLLBACK");
                    return Err(explain_damaged_encoding(e, spec.store.file_name()));
                }
            };
            match conn.exec("COMMIT") {
                Ok(()) => Ok(report),
                Err(e) => settle_failed_commit(conn, report, e),
            }
        })
    })
}

/// A COMMIT that reports an error may still have taken effect (the error can come after the
/// commit point, e.g. while the journal is removed). The caller must be told what the file
/// holds, not what the call returned:
/// * the transaction is still open (ROLLBACK succeeds): nothing was written → the error;
/// * it is gone (ROLLBACK says there is none) and the file carries this migration's stamp:
///   the migration is on disk → the report, as if COMMIT had returned cleanly;
/// * anything else (ROLLBACK failing otherwise, the stamp absent) → the error.
fn settle_failed_commit<C: SqlConn + ?Sized>(
    conn: &C,
    report: MigrationReport,
    commit_error: StoreError,
) -> Result<MigrationReport, StoreError> {
    match conn.exec("ROLLBACK") {
        Ok(()) => Err(commit_error),
        // "No transaction is active" is a plain SQLITE_ERROR. Confirm it the only sure way (a
        // transaction can begin only outside another), then read the committed version.
        Err(e) if e.sqlite_code() == Some(codes::ERROR) && conn.exec("BEGIN").is_ok() => {
            let found = read_version(conn);
            let _ = conn.exec("ROLLBACK");
            match found {
                Ok(v) if v == report.to_version => {
                    tracing::warn!(error = %commit_error, "COMMIT reported an error but took effect; the migration is on disk");
                    Ok(report)
                }
                _ => Err(commit_error),
            }
        }
        Err(_) => Err(commit_error),
    }
}

/// The stages of a migration that does work, in order, under the write lock. Each returns what
/// it did; [`assemble`] turns those into the report, and no stage reads another's outcome from
/// the report.
fn migrate_locked<C: SqlConn + ?Sized>(
    conn: &C,
    spec: &Spec,
    canonical: &Canonical,
    mode: Mode,
) -> Result<MigrationReport, StoreError> {
    let db = spec.store.file_name();
    // Another process may have migrated (or a newer build stamped) the file while we waited.
    let found = read_version(conn)?;
    refuse_if_newer(found, spec.version, db)?;
    if mode.is_done(found, spec) {
        return Ok(MigrationReport::new(spec.store, found, Outcome::UpToDate));
    }
    let defended = defences::run(conn, db, canonical)?;
    // Verification accepts a column declared other than canonically only if the file declared it
    // so before the schema stages (see `columns_not_canonical`; tests/contract.rs
    // `a_declaration_the_file_already_had_is_kept_and_a_reported_relaxation_accepted`): that
    // needs the declarations as they were, a read of every table's columns. Most migrations never
    // look at them, so the stages run first without, inside a savepoint; if verification did need
    // them, the stages are rolled back, the declarations read, and the same stages run again on
    // the same file. They are deterministic, so the second run does and reports exactly what one
    // run with the declarations read up front would have (tests/warnings.rs
    // `a_kept_declaration_does_not_repeat_warnings`: and logs it once).
    conn.exec("SAVEPOINT agentmux_stages")?;
    let unread = DeclaredBefore::Unread(Cell::new(false));
    let first = run_stages(conn, spec, canonical, found, &defended, &unread);
    let (work, indexes, verified) = if unread.was_needed() {
        conn.exec("ROLLBACK TO agentmux_stages")?;
        let before = DeclaredBefore::Read(inspect::declared_columns(conn)?);
        // The first run already logged what these stages log; the second would say it again.
        without_logging(|| run_stages(conn, spec, canonical, found, &defended, &before))?
    } else {
        first?
    };
    conn.exec("RELEASE agentmux_stages")?;
    stamp_version(conn, spec.version)?;
    Ok(assemble(spec, found, defended, work, indexes, verified))
}

/// The stages after the defences, in order: the schema work, canonical indexes, verification.
fn run_stages<C: SqlConn + ?Sized>(
    conn: &C,
    spec: &Spec,
    canonical: &Canonical,
    found: i64,
    defended: &Defended,
    declared_before: &DeclaredBefore,
) -> Result<(Work, Indexes, Verified), StoreError> {
    let work = apply(conn, spec, canonical, found)?;
    // Indexes live on tables, so a file that held no table held no index to get wrong.
    let indexes =
        if work.existed.is_empty() { Indexes::default() } else { indexes::rebuild_misdefined(conn, canonical)? };
    let verified = verify(conn, spec, canonical, &work, &indexes, defended, declared_before)?;
    Ok((work, indexes, verified))
}

/// The columns as the file declared them before the schema stages.
enum DeclaredBefore {
    /// Not read; set when verification needed them.
    Unread(Cell<bool>),
    Read(NameMap<Vec<Column>>),
}

impl DeclaredBefore {
    fn was_needed(&self) -> bool {
        matches!(self, DeclaredBefore::Unread(needed) if needed.get())
    }
}

/// Run `f` with this thread's log events dropped.
#[cfg(not(target_arch = "wasm32"))]
fn without_logging<T>(f: impl FnOnce() -> T) -> T {
    tracing::subscriber::with_default(tracing::subscriber::NoSubscriber::default(), f)
}

/// The wasm build compiles its log events out (`max_level_off`): nothing to drop.
#[cfg(target_arch = "wasm32")]
fn without_logging<T>(f: impl FnOnce() -> T) -> T {
    f()
}

/// What the schema stages did, stage by stage.
struct Work {
    /// The tables (and their columns) the file held once adopted: the ones the DDL did not create.
    existed: Columns,
    adoption: Adoption,
    columns_respelled: Vec<String>,
    shaped: Shaped,
    stepped: Applied,
    tables_created: Vec<String>,
    rows_seeded: i64,
}

/// The schema stages shared by [`migrate`] and the `run_*` functions, in order: adopt legacy
/// tables; bring the file to the canonical shape of the version it is stamped with (its columns
/// and foreign keys, built from that version's snapshot); each later version's reshaping steps,
/// oldest first, each against its own version's canonical schema; the current DDL; the data
/// steps; the seed rows. So every step meets exactly the shape of the version before it, however
/// the file got there (adopted, repaired, or written by that version).
fn apply<C: SqlConn + ?Sized>(conn: &C, spec: &Spec, canonical: &Canonical, found: i64) -> Result<Work, StoreError> {
    let db = spec.store.file_name();
    let adoption = if spec.adopts_legacy_tables { adopt_legacy_tables(conn)? } else { Adoption::default() };
    let mut existed = inspect::table_columns(conn)?;
    let start_version = snapshot::starting_version(spec, found);
    let mut work = Work {
        existed: Columns::default(),
        adoption,
        columns_respelled: Vec::new(),
        shaped: Shaped::default(),
        stepped: Applied::default(),
        tables_created: Vec::new(),
        rows_seeded: 0,
    };
    if !existed.is_empty() {
        let start = snapshot::canonical_at(conn, spec, start_version)?;
        // Column names spelled in another case, as the starting version and this one name them.
        let versions: &[&Canonical] = if start_version != spec.version { &[&*start, canonical] } else { &[&*start] };
        work.columns_respelled = spelling::respell_columns(conn, versions)?;
        if !work.columns_respelled.is_empty() {
            existed = inspect::table_columns(conn)?;
        }
        work.shaped = start_shape::run(conn, spec, &start, &existed)?;
        let mut defined: Vec<String> = start.schema.tables.keys().cloned().collect();
        for version in start_version + 1..=spec.version {
            // The version's table names are read from its snapshot's text; its whole canonical
            // schema (a scratch database built from the snapshot) only where a table is
            // introduced below or a step rebuilds one, its only other uses.
            let names = snapshot::table_names_at(spec, version);
            let mut at = if names.is_none() { Some(snapshot::canonical_at(conn, spec, version)?) } else { None };
            let names: Vec<String> = match names {
                Some(names) => names.to_vec(),
                None => at.iter().flat_map(|a| a.schema.tables.keys().cloned()).collect(),
            };
            // A table this version introduces may already be in the file (made by a build's `CREATE
            // TABLE IF NOT EXISTS` before versions were stamped, or left by a newer build's
            // downgrade; tests/evolution.rs
            // `a_table_a_later_version_introduced_is_repaired_in_an_older_file`). The starting
            // shape could not cover it, since its version does not define it: it is brought to the
            // shape it has in the version that introduced it, before that version's steps, like
            // every other table.
            let mut introduced = Columns::new();
            for (table, columns) in existed.iter() {
                if names.iter().any(|n| n == table) && !defined.iter().any(|d| d == table) {
                    introduced.insert(table.clone(), columns.clone());
                }
            }
            if at.is_none() && (!introduced.is_empty() || steps::rebuilds_at(spec.steps, version)) {
                at = Some(snapshot::canonical_at(conn, spec, version)?);
            }
            if let (false, Some(at)) = (introduced.is_empty(), &at) {
                work.shaped.extend(start_shape::run(conn, spec, at, &introduced)?);
            }
            defined.extend(names.into_iter().filter(|t| !defined.contains(t)).collect::<Vec<_>>());
            steps::reshape_version(conn, spec.steps, version, at.as_deref(), db, &mut work.stepped)?;
        }
    }
    conn.exec(spec.ddl)?;
    work.tables_created = canonical.schema.tables.keys().filter(|t| !existed.contains_key(t)).cloned().collect();
    if !existed.is_empty() {
        steps::run_data(conn, spec.steps, start_version, &mut work.stepped)?;
    }
    work.rows_seeded = seed(conn, spec)?;
    work.existed = existed;
    Ok(work)
}

/// The blank rows every database of the store holds; how many were inserted.
fn seed<C: SqlConn + ?Sized>(conn: &C, spec: &Spec) -> Result<i64, StoreError> {
    let Some(seed) = spec.seed else { return Ok(0) };
    let changes = || conn.query_i64("SELECT total_changes()", &[]).map(|v| v.unwrap_or(0));
    let start = changes()?;
    conn.exec(seed)?;
    Ok(changes()? - start)
}

/// What verification found that the report must say.
struct Verified {
    /// Canonical `DESC` indexes the file's format built ascending (kept as built).
    ascending: Vec<String>,
    orphan_rows: NameMap<i64>,
}

/// Stage: the result has every canonical table, column, foreign key and index as defined, or the
/// migration fails ([`StoreError::VerifyFailed`]) and rolls back. The exceptions are the ones the
/// earlier stages chose and report: foreign keys kept on a table that could not be rebuilt, and
/// indexes the rows cannot satisfy.
fn verify<C: SqlConn + ?Sized>(
    conn: &C,
    spec: &Spec,
    canonical: &Canonical,
    work: &Work,
    indexes: &Indexes,
    defended: &Defended,
    declared_before: &DeclaredBefore,
) -> Result<Verified, StoreError> {
    let db = spec.store.file_name();
    let existed = |t: &str| work.existed.contains_key(t);
    // One read of the columns as declared serves both checks; none when no canonical table existed.
    let declared = if canonical.schema.tables.keys().any(|t| existed(t)) {
        inspect::declared_columns(conn)?
    } else {
        NameMap::new()
    };
    let mut missing = inspect::missing_from_canonical(conn, &canonical.schema, existed, &declared)?;
    let kept = &work.shaped.foreign_keys_kept;
    missing.retain(|m| !matches!(m, SchemaGap::ForeignKey { table, .. } if kept.contains(table)));
    missing.extend(columns_not_canonical(&declared, canonical, work, defended, declared_before)?);
    if !missing.is_empty() {
        return Err(StoreError::VerifyFailed { db: db.to_string(), missing, indexes: vec![] });
    }
    let (not_canonical, ascending) = indexes::not_canonical(conn, canonical, &indexes.kept)?;
    if !not_canonical.is_empty() {
        return Err(StoreError::VerifyFailed { db: db.to_string(), missing: vec![], indexes: not_canonical });
    }
    // A file that held no table holds no row without a parent.
    let orphan_rows = if work.existed.is_empty() { NameMap::new() } else { orphans::orphan_rows(conn)? };
    Ok(Verified { ascending, orphan_rows })
}

/// Every canonical column of a table the file held is declared as the DDL declares it (type,
/// NOT NULL, default, key, collation, generated kind), so one version never has two shapes.
/// Three differences pass, each one a stage chose and the report names:
/// - the file declared the column exactly so before the migration (a legacy declaration
///   kept as found; `status` shows it as changed);
/// - `columns_nullable` and the NOT NULL / PRIMARY KEY entries of `constraints_relaxed`: the
///   column lacks exactly that constraint, because rows hold no value that satisfies it;
/// - an `INTEGER PRIMARY KEY` of `constraints_relaxed`: declared `INT`, because rows hold keys
///   that are not integers (the column is then no longer the rowid).
fn columns_not_canonical(
    declared: &NameMap<Vec<Column>>,
    canonical: &Canonical,
    work: &Work,
    defended: &Defended,
    declared_before: &DeclaredBefore,
) -> Result<Vec<SchemaGap>, StoreError> {
    let renamed: Vec<&Rename> = defended.tables_respelled.iter().chain(&work.adoption.renamed).collect();
    let relaxed_constraints =
        work.shaped.constraints_relaxed.iter().chain(&work.stepped.constraints_relaxed).collect::<Vec<_>>();
    // `NOT NULL (c)`, `PRIMARY KEY (c)`, `INTEGER PRIMARY KEY (c)`: the constraint and its column.
    let relaxed_on = |table: &str, column: &str, kinds: &[&str]| {
        relaxed_constraints.iter().any(|r| {
            r.table.eq_ignore_ascii_case(table)
                && kinds.iter().any(|k| {
                    r.constraint
                        .strip_prefix(k)
                        .and_then(|rest| rest.trim().strip_prefix('('))
                        .and_then(|rest| rest.strip_suffix(')'))
                        .is_some_and(|c| c.trim().trim_matches('"').eq_ignore_ascii_case(column))
                })
        })
    };
    let as_found = |table: &str, column: &Column| {
        let from = renamed.iter().find(|r| r.to == table).map_or(table, |r| r.from.as_str());
        if relaxed_on(table, &column.name, &["INTEGER PRIMARY KEY"]) {
            return true;
        }
        match declared_before {
            DeclaredBefore::Read(before) => before
                .iter()
                .filter(|(t, _)| t.eq_ignore_ascii_case(from))
                .flat_map(|(_, cols)| cols)
                .any(|c| c.name.eq_ignore_ascii_case(&column.name) && inspect::same_definition(column, c, false)),
            DeclaredBefore::Unread(needed) => {
                needed.set(true);
                false
            }
        }
    };
    let relaxed = |table: &str, column: &str| {
        work.shaped.columns_nullable.iter().any(|c| c.table == table && c.column.eq_ignore_ascii_case(column))
            || relaxed_on(table, column, &["NOT NULL", "PRIMARY KEY"])
    };
    inspect::columns_not_canonical(declared, &canonical.schema, |t| work.existed.contains_key(t), as_found, relaxed)
}

/// The report, from each stage's outcome: the one place it is put together.
fn assemble(
    spec: &Spec,
    found: i64,
    defended: Defended,
    work: Work,
    indexes: Indexes,
    verified: Verified,
) -> MigrationReport {
    let outcome = if work.existed.is_empty() { Outcome::Created } else { Outcome::Migrated };
    let mut report = MigrationReport::new(spec.store, found, outcome);
    let Work { adoption, columns_respelled, shaped, stepped, tables_created, rows_seeded, .. } = work;
    report.to_version = spec.version;
    report.catalogue_repaired = defended.catalogue_repaired;
    report.catalogue_repaired.extend(columns_respelled.into_iter().map(|c| format!("column {c}")));
    report.tables_renamed = defended.tables_respelled;
    report.tables_renamed.extend(adoption.renamed);
    report.legacy_tables_kept = adoption.kept;
    report.indexes_dropped = adoption.indexes_dropped;
    report.tables_dropped = adoption.tables_dropped;
    report.rows_dropped = adoption.rows_dropped;
    report.tables_created = tables_created;
    // The columns of `AddColumn` steps first, in step order, then the other columns a table was
    // written without (the order reports have always had), whichever stage added them.
    let mut added: Vec<&ColumnRef> = shaped.columns_added.iter().chain(&stepped.columns_added).collect();
    let additive: Vec<ColumnRef> = spec.additive_columns().map(|a| ColumnRef::new(a.table, a.column)).collect();
    added.sort_by_key(|c| additive.iter().position(|a| a == *c).unwrap_or(additive.len()));
    report.columns_added = added.into_iter().map(ToString::to_string).collect();
    report.columns_nullable = shaped.columns_nullable.iter().map(ToString::to_string).collect();
    for (tables, reason) in [
        (&shaped.rebuilt_for_columns, RebuildReason::MissingColumn),
        (&shaped.rebuilt_for_foreign_keys, RebuildReason::ForeignKeys),
        (&stepped.tables_rebuilt, RebuildReason::UpgradeStep),
    ] {
        report.tables_rebuilt.extend(tables.iter().map(|t| RebuiltTable::new(t, reason)));
    }
    // A table that needed a constraint left out in its starting version's shape and again in a
    // later version's is listed once, with the rows of the last rebuild.
    for relaxed in shaped.constraints_relaxed.into_iter().chain(stepped.constraints_relaxed) {
        let same = |r: &&mut RelaxedConstraint| r.table == relaxed.table && r.constraint == relaxed.constraint;
        match report.constraints_relaxed.iter_mut().find(|r| same(r)) {
            Some(r) => r.rows = relaxed.rows,
            None => report.constraints_relaxed.push(relaxed),
        }
    }
    report.steps_run = stepped.steps_run;
    report.foreign_keys_kept = shaped.foreign_keys_kept;
    report.indexes_rebuilt = defended.indexes_respelled;
    report.indexes_rebuilt.extend(indexes.rebuilt);
    // The file's format cannot hold a descending column (see
    // `defences::only_desc_lost_to_schema_format`): such a file is migrated with the index built
    // ascending, saying so, rather than refused (tests/indexes.rs
    // `a_file_whose_schema_format_ignores_desc_is_migrated_saying_so`).
    report.indexes_rebuilt.retain(|i| !verified.ascending.contains(i));
    report.indexes_kept = indexes.kept;
    report.indexes_kept.extend(verified.ascending);
    report.rows_seeded = rows_seeded;
    report.orphan_rows = verified.orphan_rows;
    report
}

impl RebuiltTable {
    fn new(table: &str, reason: RebuildReason) -> Self {
        RebuiltTable { table: table.to_string(), reason }
    }
}

fn run_unstamped(conn: &dyn SqlConn, store: Store) -> Result<(), StoreError> {
    let spec = store.spec();
    let canonical = spec.canonical(conn)?;
    steps::check(conn, spec.steps, spec.version, spec.ddl, &canonical, spec.store.file_name())?;
    let from = read_version(conn)?;
    // As in `migrate`: a foreign-key repair must not cascade. (Inside a caller's transaction the
    // pragma has no effect; the tables repaired are children, whose drop cascades nowhere.)
    with_foreign_keys_paused(conn, || apply(conn, spec, &canonical, from).map(drop))
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
/// atomic on its own; reports come back in the order given. Each file's version is read once
/// here, and again only under the write lock of a file that needs work: a warm start is one
/// `PRAGMA user_version` per store.
pub fn migrate_all(stores: &[(&dyn SqlConn, Store)]) -> Result<Vec<MigrationReport>, StoreError> {
    let mut checked = Vec::with_capacity(stores.len());
    for (conn, store) in stores {
        let found = read_version(*conn)?;
        refuse_if_newer(found, store.version(), store.file_name())?;
        checked.push(found);
    }
    stores
        .iter()
        .zip(checked)
        .map(|((conn, store), found)| migrate_dyn(*conn, store.spec(), Mode::Migrate, Some(found)))
        .collect()
}
