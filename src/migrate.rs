//! Bringing one database to this build's schema.
//!
//! [`migrate`] is the whole job in one call: tripwire, then (only if the file is behind) one
//! `BEGIN IMMEDIATE` transaction that re-checks the version under the write lock, adopts legacy
//! tables, creates what is missing, adds additive columns, seeds, verifies the result against
//! the canonical schema and stamps the version. Any failure rolls all of it back.
//!
//! The `run_*` functions keep the server's original call shape (no transaction of their own,
//! no stamp) so existing start-up code compiles unchanged.

use serde::Serialize;

use crate::conn::SqlConn;
use crate::error::codes;
use crate::foreign_keys;
use crate::inspect::{self, Canonical, Column, Columns, Schema};
use crate::legacy::{adopt_legacy_tables, Adoption, Rename};
use crate::lock::{with_busy_timeout, with_foreign_keys_paused};
use crate::names::NameMap;
use crate::rebuild::{self, RelaxedConstraint};
use crate::spec::Spec;
use crate::spelling;
use crate::steps::{self, Applied};
use crate::tripwire::{read_version, refuse_if_newer, stamp_version};
use crate::{Store, StoreError};

/// What a migration found and did.
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
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
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, number>"))]
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
    /// keep the foreign keys they had, as the original module left them, every row in place;
    /// `status` shows the difference.
    pub foreign_keys_kept: Vec<String>,
    /// Rows whose parent row does not exist, per table (tables without any are left out): kept
    /// as they are, never deleted. Counted when a file with tables was migrated.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, number>"))]
    pub orphan_rows: NameMap<i64>,
}

/// A table a migration rebuilt, and why.
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RebuiltTable {
    pub table: String,
    pub reason: RebuildReason,
}

/// Why a table was rebuilt.
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
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
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
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
///   rows need (the original module failed on such files too), [`StoreError::VerifyFailed`] when
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
    steps::check(spec.steps, &canonical, spec.store.file_name())?;
    // Rebuilding a table drops it, which with enforcement on would fire ON DELETE actions on its
    // children. Whether a rebuild is needed is known only under the lock, and enforcement can
    // only be switched outside a transaction, so every migration that does work runs with it
    // paused (orphans are then counted explicitly).
    with_foreign_keys_paused(conn, true, || {
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

/// Refuse, as `SQLITE_CORRUPT`, a file whose catalogue b-tree (`sqlite_master`) is damaged. Every
/// change to the schema rewrites rows of that b-tree, which SQLite finds by rowid, and in a
/// damaged one (rows out of order) a rewrite can miss its row without an error: a rename that
/// never reached the catalogue, a repaired row left as it was, and a file that comes out with
/// another schema than the one reported (found by the `image` fuzz target). Checked first, on
/// the catalogue alone, which is a few pages. Damage elsewhere (a table's own pages) is not this
/// crate's to judge: such files are migrated, as the original module migrated them.
fn check_catalogue<C: SqlConn + ?Sized>(conn: &C) -> Result<(), StoreError> {
    const CHECK: &str = "PRAGMA main.integrity_check(sqlite_master)";
    let found = conn.query_strings(CHECK, &[])?;
    if found == ["ok"] {
        return Ok(());
    }
    Err(StoreError::Sqlite {
        code: codes::CORRUPT,
        message: format!(
            "database disk image is malformed: its catalogue (sqlite_master) is damaged, so no change to its \
             schema can be trusted to reach it: {}",
            found.join("; ").replace('\n', " ")
        ),
        sql: Some(CHECK.to_string()),
    })
}

/// SQLite's message when the text encoding in a file's header is not the one it opened the file
/// with.
const ENCODING_MISMATCH: &str = "attached databases must use the same text encoding as main database";

/// A header whose text-encoding field is not 0 but has its two low bits clear is damage (no
/// SQLite writes it): SQLite opens such a file as UTF-8, reads it and finds nothing wrong with
/// it, but refuses the field when it re-reads the schema, as every `ALTER TABLE` does, with a
/// message about attached databases. The file cannot be repaired through SQL (nothing rewrites
/// that field), so such a migration is refused as what it is: a damaged header, nothing written.
/// (The original module got through such a file only where it altered nothing; so does this
/// crate, since a file that needs no work is never altered.)
fn explain_damaged_encoding(e: StoreError, db: &str) -> StoreError {
    match &e {
        StoreError::Sqlite { message, sql, .. } if message.contains(ENCODING_MISMATCH) => StoreError::NotADatabase {
            db: db.to_string(),
            reason: format!(
                "the text-encoding field of its header (bytes 56-59) is damaged: SQLite opens the file as UTF-8 \
                 but refuses to re-read its schema, which changing a table needs (SQLite: {message}{})",
                sql.as_deref().map(|s| format!(", while running: {s}")).unwrap_or_default()
            ),
        },
        _ => e,
    }
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

fn migrate_locked<C: SqlConn + ?Sized>(
    conn: &C,
    spec: &Spec,
    canonical: &Canonical,
    mode: Mode,
) -> Result<MigrationReport, StoreError> {
    let store = spec.store;
    // Another process may have migrated (or a newer build stamped) the file while we waited.
    let found = read_version(conn)?;
    refuse_if_newer(found, spec.version, store.file_name())?;
    if mode.is_done(found, spec) {
        return Ok(MigrationReport::new(store, found, Outcome::UpToDate));
    }
    check_catalogue(conn)?;
    let catalogue_repaired = spelling::repair_catalogue(conn, store.file_name())?;
    let respelled = spelling::respell_canonical(conn, canonical)?;
    let (mut report, existed) = apply(conn, spec, canonical, found)?;
    report.catalogue_repaired.splice(0..0, catalogue_repaired);
    report.tables_renamed.splice(0..0, respelled.tables);
    report.indexes_rebuilt.extend(respelled.indexes);
    // Indexes live on tables, so a file that held no table held no index to get wrong.
    if !existed.is_empty() {
        rebuild_misdefined_indexes(conn, canonical, &mut report)?;
    }

    let mut missing = inspect::missing_from_canonical(conn, &canonical.schema, |t| existed.contains_key(t))?;
    // The foreign keys of a table the report lists as kept are the file's, on purpose.
    missing.retain(|m| !report.foreign_keys_kept.iter().any(|t| m.starts_with(&format!("{t}("))));
    if !missing.is_empty() {
        return Err(StoreError::VerifyFailed { db: store.file_name().to_string(), missing });
    }
    let (not_canonical, ascending) = indexes_not_canonical(conn, canonical, &report.indexes_kept)?;
    if !not_canonical.is_empty() {
        return Err(StoreError::VerifyFailed { db: store.file_name().to_string(), missing: not_canonical });
    }
    // The file's format cannot hold a descending column (see `indexes_not_canonical`): the
    // original module migrated such a file with the index built ascending, and so does this,
    // saying so, rather than refuse it.
    report.indexes_rebuilt.retain(|i| !ascending.contains(i));
    report.indexes_kept.extend(ascending);
    // A file that held no table holds no row without a parent.
    if !existed.is_empty() {
        report.orphan_rows = foreign_keys::orphan_rows(conn)?;
    }
    stamp_version(conn, spec.version)?;
    report.to_version = spec.version;
    Ok(report)
}

/// The schema work shared by [`migrate`] and the `run_*` functions: adopt, refuse shapes that
/// cannot be completed, reshape, repair foreign keys, create, run data steps, seed. Also returns
/// the tables (and their columns) that existed once adoption was done, i.e. the ones the
/// canonical DDL did not create.
fn apply<C: SqlConn + ?Sized>(
    conn: &C,
    spec: &Spec,
    canonical: &Canonical,
    from_version: i64,
) -> Result<(MigrationReport, Columns), StoreError> {
    let adoption = if spec.adopts_legacy_tables { adopt_legacy_tables(conn)? } else { Adoption::default() };
    let columns_respelled = spelling::respell_columns(conn, canonical)?;
    let before = inspect::table_columns(conn)?;
    let outcome = if before.is_empty() { Outcome::Created } else { Outcome::Migrated };
    let mut report = MigrationReport::new(spec.store, from_version, outcome);
    report.tables_renamed = adoption.renamed;
    report.legacy_tables_kept = adoption.kept;
    report.indexes_dropped = adoption.indexes_dropped;
    report.tables_dropped = adoption.tables_dropped;
    report.rows_dropped = adoption.rows_dropped;
    report.catalogue_repaired = columns_respelled.into_iter().map(|c| format!("column {c}")).collect();

    let missing = missing_columns(spec, &before, &canonical.schema, from_version)?;

    let mut applied = Applied::default();
    if outcome == Outcome::Migrated {
        steps::reshape(conn, spec.steps, from_version, &before, canonical, spec.store.file_name(), &mut applied)?;
        report.columns_added = std::mem::take(&mut applied.columns_added);
        report.constraints_relaxed = std::mem::take(&mut applied.constraints_relaxed);
        add_missing_columns(conn, canonical, &missing, &mut report)?;
        let step = applied.tables_rebuilt.iter().map(|t| RebuiltTable::new(t, RebuildReason::UpgradeStep));
        report.tables_rebuilt.extend(step);
        // After the steps, so a table a step rebuilt is already canonical and additive columns
        // exist to be copied.
        let repaired =
            foreign_keys::repair(conn, spec.store.file_name(), canonical, &before, &report.columns_nullable)?;
        report.tables_rebuilt.extend(repaired.rebuilt.iter().map(|t| RebuiltTable::new(t, RebuildReason::ForeignKeys)));
        report.foreign_keys_kept = repaired.kept;
        report.constraints_relaxed.extend(repaired.relaxed);
    }
    conn.exec(spec.ddl)?;
    report.tables_created = canonical.schema.tables.keys().filter(|t| !before.contains_key(t)).cloned().collect();
    if outcome == Outcome::Migrated {
        steps::run_data(conn, spec.steps, from_version, &mut applied)?;
    }
    report.steps_run = applied.steps_run;

    if let Some(seed) = spec.seed {
        let changes = || conn.query_i64("SELECT total_changes()", &[]).map(|v| v.unwrap_or(0));
        let start = changes()?;
        conn.exec(seed)?;
        report.rows_seeded = changes()? - start;
    }
    Ok((report, before))
}

impl RebuiltTable {
    fn new(table: &str, reason: RebuildReason) -> Self {
        RebuiltTable { table: table.to_string(), reason }
    }
}

/// `CREATE INDEX IF NOT EXISTS` keeps an index that merely has the canonical name; drop each
/// such index and create the canonical one, inside the migration transaction. One the rows cannot
/// satisfy (duplicates under a UNIQUE definition) is put back as it was and reported in
/// `indexes_kept`; any other failure rolls everything back.
fn rebuild_misdefined_indexes<C: SqlConn + ?Sized>(
    conn: &C,
    canonical: &Canonical,
    report: &mut MigrationReport,
) -> Result<(), StoreError> {
    for (name, create) in canonical.misdefined_indexes(&inspect::index_definitions(conn)?) {
        let name = name.to_string();
        // A savepoint, so an index the rows cannot satisfy can be put back as it was.
        conn.exec("SAVEPOINT agentmux_index")?;
        let rebuilt =
            conn.exec(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\""))).and_then(|()| conn.exec(create));
        match rebuilt {
            Ok(()) => report.indexes_rebuilt.push(name),
            // The rows break the canonical definition (duplicates under a UNIQUE index): the
            // original module kept the index it found, and so does this, rather than touch rows.
            Err(e) if e.sqlite_code() == Some(codes::CONSTRAINT) => {
                conn.exec("ROLLBACK TO agentmux_index")?;
                report.indexes_kept.push(name);
            }
            Err(e) => return Err(e),
        }
        conn.exec("RELEASE agentmux_index")?;
    }
    Ok(())
}

/// The canonical indexes SQLite does not hold as defined once the migration has run (`kept`
/// aside): checked on every file, fresh ones included, because the file can make SQLite build a
/// canonical index other than as written. Found by the `image` fuzz target:
/// - SQLite honours `DESC` in `CREATE INDEX` only in a file whose schema format number (header
///   offset 44) is 4. A file at format 0–3, or one whose format word SQLite reads as 4 when it
///   opens the file (the low byte) but `ALTER TABLE ADD COLUMN` reads as negative and rewrites to
///   3, gets every canonical `DESC` index built ascending, rebuilt or not;
/// - a `sqlite_master` row whose name differs in case from the name in its `CREATE INDEX` text
///   is found by `CREATE INDEX IF NOT EXISTS` (names are case-insensitive) and by a look at
///   `sqlite_master`, but SQLite (and [`inspect::dump`]) know the index under the other name.
///
/// The first is not the canonical schema, so the migration fails and rolls back rather than
/// report success. The second is the file's format, not its contents: an index whose only
/// difference is a `DESC` built ascending is returned apart (the second list), kept as SQLite
/// built it and reported in `indexes_kept`, as the original module left it.
fn indexes_not_canonical<C: SqlConn + ?Sized>(
    conn: &C,
    canonical: &Canonical,
    kept: &[String],
) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let have = inspect::index_definitions(conn)?;
    let mut out: Vec<String> = canonical.index_sql.keys().filter(|i| !have.contains_key(i)).cloned().collect();
    let mut ascending = Vec::new();
    for (name, _) in canonical.misdefined_indexes(&have) {
        if kept.iter().any(|k| k == name) {
            continue;
        }
        let only_desc_lost = have.get(name).is_some_and(|(on, got)| {
            canonical.schema.tables.get(on).and_then(|t| t.indexes.get(name)).is_some_and(|want| {
                got.unique == want.unique
                    && got.origin == want.origin
                    && got.partial_where == want.partial_where
                    && got.columns.len() == want.columns.len()
                    && got.columns.iter().zip(&want.columns).all(|(g, w)| {
                        g.name == w.name && g.collation == w.collation && (g.desc == w.desc || (w.desc && !g.desc))
                    })
            })
        });
        if only_desc_lost {
            ascending.push(name.to_string());
        } else {
            out.push(name.to_string());
        }
    }
    Ok((out, ascending))
}

/// The canonical columns that existing tables lack and no step provides, by table. The original
/// module left such a table as it found it (`CREATE TABLE IF NOT EXISTS` skips it) and started,
/// unless its DDL or seed rows needed the column; here the column is added instead (see
/// [`add_missing_columns`]). Where a canonical index or the seed rows name the column, the
/// original failed to start and nothing here can fill the column without inventing values that
/// something depends on: refused with [`StoreError::Unadoptable`], before anything is written.
/// A table a rebuild step will redefine is exempt: its copy expression decides what its rows
/// become.
fn missing_columns<'c>(
    spec: &Spec,
    before: &Columns,
    canonical: &'c Schema,
    found: i64,
) -> Result<Vec<(&'c str, &'c Column)>, StoreError> {
    let rebuilt = |table: &str| {
        spec.steps
            .iter()
            .any(|s| s.since > found && matches!(s.change, steps::Change::RebuildTable { table: t, .. } if t == table))
    };
    let mut out = Vec::new();
    for (name, want) in &canonical.tables {
        let Some(have) = before.get(name) else { continue };
        if rebuilt(name) {
            continue;
        }
        let missing: Vec<&Column> = want
            .columns
            .iter()
            .filter(|c| !have.contains(&c.name))
            .filter(|c| !spec.additive_columns().any(|a| a.table == name && a.column == c.name))
            .collect();
        if missing.iter().any(|c| is_needed(spec, name, want, &c.name)) {
            return Err(StoreError::Unadoptable {
                db: spec.store.file_name().to_string(),
                table: name.clone(),
                missing_columns: missing.iter().map(|c| c.name.clone()).collect(),
            });
        }
        out.extend(missing.into_iter().map(|c| (name.as_str(), c)));
    }
    Ok(out)
}

/// Whether a canonical `CREATE INDEX` on `table` (its key or a partial index's `WHERE`) or the
/// seed rows name `column`: what the original module's start-up ran into. A PRIMARY KEY or UNIQUE
/// column's automatic index does not count: it comes with `CREATE TABLE`, which the original
/// skipped for an existing table (found by the `image` fuzz target against the original module).
fn is_needed(spec: &Spec, table: &str, want: &inspect::Table, column: &str) -> bool {
    let names = |text: &str| text.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|w| w == column);
    let indexed = want.indexes.values().filter(|i| i.origin == "c").any(|i| {
        i.columns.iter().any(|c| c.name.as_deref() == Some(column)) || i.partial_where.as_deref().is_some_and(names)
    });
    // The column list of each seed `INSERT INTO <table> (…)` (not its values, which are text).
    let seeded = spec.seed.is_some_and(|seed| {
        seed.split(';').any(|stmt| {
            let Some(at) = stmt.find(table) else { return false };
            let rest = &stmt[at + table.len()..];
            rest.trim_start().starts_with('(') && rest.split(')').next().is_some_and(names)
        })
    });
    indexed || seeded
}

/// Add each missing column. With its canonical definition where `ALTER TABLE` can give every
/// existing row its default; a column the canonical table declares NOT NULL without a default,
/// PRIMARY KEY or UNIQUE has no value to fill existing rows with, so it is added without those
/// constraints (its rows read NULL) and listed in `columns_nullable`: the file stays usable, and
/// `status` shows the difference as drift.
fn add_missing_columns<C: SqlConn + ?Sized>(
    conn: &C,
    canonical: &Canonical,
    missing: &[(&str, &Column)],
    report: &mut MigrationReport,
) -> Result<(), StoreError> {
    let (canonical, table_sql) = (&canonical.schema, &canonical.table_sql);
    for (table, column) in missing {
        let rebuilt_with_it = |report: &MigrationReport| {
            report.tables_rebuilt.iter().any(|t| t.table == *table && t.reason == RebuildReason::MissingColumn)
        };
        if rebuilt_with_it(report) {
            // The rebuild below already gave the table every canonical column.
            report.columns_added.push(format!("{table}.{}", column.name));
            continue;
        }
        if ["oid", "rowid", "_rowid_"].iter().any(|r| column.name.eq_ignore_ascii_case(r)) {
            // ALTER TABLE refuses this name on a table without such a column (it names the
            // rowid there); the original module left the table as it was. Rebuilt to its
            // canonical definition instead, every row and every other column kept.
            if !report.tables_rebuilt.iter().any(|t| t.table == *table) {
                let create = table_sql.get(table).ok_or_else(|| StoreError::InvalidSpec {
                    db: report.db.to_string(),
                    reason: format!("the canonical schema has no CREATE TABLE for {table}"),
                })?;
                // A canonical NOT NULL column that rows would hold NULL in (the file was written
                // without it, or declared it nullable) is declared without its constraints, as
                // `ALTER TABLE` adds one, rather than refusing the rows.
                let relaxed = columns_without_values(conn, canonical, table)?;
                let create = rebuild::relax_columns(create, &relaxed.iter().map(String::as_str).collect::<Vec<_>>())
                    .ok_or_else(|| rebuild::unreadable(report.db, create))?;
                let constraints = rebuild::rebuild_table(conn, report.db, table, &create, rebuild::Fill::ByName)?;
                report.constraints_relaxed.extend(constraints);
                for column in relaxed {
                    let name = format!("{table}.{column}");
                    if !report.columns_nullable.contains(&name) {
                        report.columns_nullable.push(name);
                    }
                }
                report.tables_rebuilt.push(RebuiltTable::new(table, RebuildReason::MissingColumn));
            }
            report.columns_added.push(format!("{table}.{}", column.name));
            continue;
        }
        let unique = canonical.tables.get(table).is_some_and(|t| {
            t.indexes.values().any(|i| {
                i.origin == "u" && i.columns.len() == 1 && i.columns[0].name.as_deref() == Some(column.name.as_str())
            })
        });
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let mut definition = format!("{} {}", quote(&column.name), column.decl_type);
        let complete = column.pk == 0 && !unique && (column.default.is_some() || !column.not_null);
        if complete {
            if column.not_null {
                definition.push_str(" NOT NULL");
            }
            if let Some(default) = &column.default {
                definition.push_str(&format!(" DEFAULT {default}"));
            }
        }
        conn.exec(&format!("ALTER TABLE {} ADD COLUMN {definition}", quote(table)))?;
        steps::clear_stale_fields(conn, table, &column.name)?;
        report.columns_added.push(format!("{table}.{}", column.name));
        if !complete {
            report.columns_nullable.push(format!("{table}.{}", column.name));
        }
    }
    Ok(())
}

/// The canonical NOT NULL columns of `table` that some of its rows would hold NULL in once
/// rebuilt: a column the file's table lacks and that has no default, or one the file declared
/// nullable (or that was just added without its constraints) holding a NULL. Empty when the table
/// has no rows, which then take the full definition.
fn columns_without_values<C: SqlConn + ?Sized>(
    conn: &C,
    canonical: &Schema,
    table: &str,
) -> Result<Vec<String>, StoreError> {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let Some(want) = canonical.tables.get(table) else { return Ok(Vec::new()) };
    if conn.query_i64(&format!("SELECT EXISTS (SELECT 1 FROM {})", quote(table)), &[])? != Some(1) {
        return Ok(Vec::new());
    }
    let have = conn.query_strings("SELECT name FROM pragma_table_xinfo(?1)", &[table])?;
    let mut out = Vec::new();
    for column in want.columns.iter().filter(|c| c.not_null) {
        let holds_null = match have.iter().find(|h| h.eq_ignore_ascii_case(&column.name)) {
            None => column.default.is_none(),
            Some(name) => {
                let sql = format!("SELECT EXISTS (SELECT 1 FROM {} WHERE {} IS NULL)", quote(table), quote(name));
                conn.query_i64(&sql, &[])? == Some(1)
            }
        };
        if holds_null {
            out.push(column.name.clone());
        }
    }
    Ok(out)
}

fn run_unstamped(conn: &dyn SqlConn, store: Store) -> Result<(), StoreError> {
    let spec = store.spec();
    let canonical = spec.canonical(conn)?;
    steps::check(spec.steps, &canonical, spec.store.file_name())?;
    let from = read_version(conn)?;
    // As in `migrate`: a foreign-key repair must not cascade. (Inside a caller's transaction the
    // pragma has no effect; the tables repaired are children, whose drop cascades nowhere.)
    with_foreign_keys_paused(conn, true, || apply(conn, spec, &canonical, from).map(drop))
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
