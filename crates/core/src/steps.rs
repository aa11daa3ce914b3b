//! Upgrade steps: how a file written by an older build is carried to this build's schema.
//!
//! Fresh files never run a step: they come from the canonical DDL alone. A file that already has
//! tables runs, inside the migration's one transaction, every step newer than its
//! `user_version`, in two phases around the canonical DDL:
//!
//! 1. **reshaping** steps change existing tables so the DDL's `CREATE INDEX` statements can apply
//!    to them: [`Change::AddColumn`] and [`Change::RebuildTable`];
//! 2. **data** steps ([`Change::Sql`]) run after the DDL, when every table of this version
//!    exists (a backfill can read an old table and write a new one).
//!
//! Verification then proves the result equals the canonical schema, so a wrong step rolls back
//! instead of shipping a second shape of the same version.

use std::sync::Mutex;

use crate::column_ref::ColumnRef;
use crate::conn::SqlConn;
use crate::foreign_keys;
use crate::inspect::{self, Canonical, Column, ForeignKey};
use crate::names::NameMap;
use crate::orphans;
use crate::rebuild::{rebuild_table, Fill};
use crate::sqltext::{self, quote_name};
use crate::StoreError;

/// One change, tagged with the version that introduced it.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// The version whose files have this change; files stamped below it get it.
    pub since: i64,
    pub change: Change,
}

/// What a step does.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    /// `ALTER TABLE … ADD COLUMN`. Decided by the table's columns rather than the version, since
    /// files from before versions were stamped (`user_version` 0) may already have it. The
    /// column's default must be what every existing row would have held.
    AddColumn(AdditiveColumn),
    /// SQL run after the canonical DDL: data backfills, index changes.
    Sql {
        /// A short name for reports and errors, e.g. `"backfill db_agents"`.
        name: &'static str,
        sql: &'static str,
    },
    /// A change `ALTER TABLE` cannot make (a constraint, a type, a column dropped or reordered),
    /// done by SQLite's documented procedure: create the canonical table under a temporary name,
    /// fill it with `INSERT INTO new SELECT <column_exprs> FROM old`, drop the old table, rename
    /// the new one into place, put its indexes, triggers and AUTOINCREMENT counter back. Rows that
    /// had no parent before keep being reported as orphans; a copy that leaves *more* rows without
    /// a parent fails with [`StoreError::ForeignKeyCheck`]. Skipped when the table is absent or
    /// already has the canonical shape.
    RebuildTable {
        table: &'static str,
        /// One SQL expression per column of the canonical table, in its order, over the old
        /// table's columns: e.g. `id, name, coalesce(kind, 'agent')` (or `*` when the columns are
        /// the same). Only the expressions: a whole statement (`SELECT … FROM …`) is refused with
        /// [`StoreError::InvalidSpec`], since the rebuild writes the `SELECT` and `FROM` itself.
        column_exprs: &'static str,
    },
}

/// A column that older files may lack and that can be added without inventing data.
#[derive(Debug, Clone, Copy)]
pub struct AdditiveColumn {
    pub table: &'static str,
    pub column: &'static str,
    pub definition: &'static str,
}

impl Step {
    /// A step that reshapes existing tables (runs before the DDL).
    fn reshapes(&self) -> bool {
        !matches!(self.change, Change::Sql { .. })
    }
}

/// What the steps did, for the migration report.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    pub columns_added: Vec<ColumnRef>,
    /// Tables an upgrade step rebuilt.
    pub tables_rebuilt: Vec<String>,
    pub steps_run: Vec<String>,
    /// Constraints the rebuilt tables were declared without because existing rows break them.
    pub constraints_relaxed: Vec<crate::rebuild::RelaxedConstraint>,
}

/// Refuse a definition whose steps cannot be applied as written, before anything is written:
/// - a step's `since` outside `1..=version`, or lower than the step before it (steps run in
///   order, and a file stamped `v` skips exactly the steps with `since <= v`);
/// - a rebuild of a table the DDL lacks, or a rebuild given a statement instead of its
///   expressions;
/// - an `AddColumn` whose definition is not the canonical column's (checked by adding it on a
///   scratch database of `conn`'s engine and reading it back as SQLite declares it), so no file
///   can get a second declaration of one version's column. A column a later step rebuilds the
///   table of is not compared: the rebuild gives it the canonical definition.
///
/// A definition is checked once per process: its steps and DDL are `'static` data, so the same
/// addresses hold the same definition for the life of the process.
pub(crate) fn check<C: SqlConn + ?Sized>(
    conn: &C,
    steps: &'static [Step],
    version: i64,
    ddl: &'static str,
    canonical: &Canonical,
    db: &str,
) -> Result<(), StoreError> {
    static CHECKED: Mutex<Vec<(usize, usize, i64, usize)>> = Mutex::new(Vec::new());
    let key = (steps.as_ptr() as usize, steps.len(), version, ddl.as_ptr() as usize);
    let seen = |add: bool| {
        let mut checked = CHECKED.lock().unwrap_or_else(|e| e.into_inner());
        let found = checked.contains(&key);
        if add && !found {
            checked.push(key);
        }
        found
    };
    if seen(false) {
        return Ok(());
    }
    check_uncached(conn, steps, version, canonical, db)?;
    seen(true);
    Ok(())
}

fn check_uncached<C: SqlConn + ?Sized>(
    conn: &C,
    steps: &[Step],
    version: i64,
    canonical: &Canonical,
    db: &str,
) -> Result<(), StoreError> {
    let invalid = |reason: String| StoreError::InvalidSpec { db: db.to_string(), reason };
    let mut previous = 1;
    for step in steps {
        if !(1..=version).contains(&step.since) || step.since < previous {
            return Err(invalid(format!(
                "a step has since: {}, but each step's `since` must be in 1..={} (the definition's version) and \
                 no lower than the step before it ({previous}): {}",
                step.since,
                version,
                describe(step)
            )));
        }
        previous = step.since;
    }
    for (i, step) in steps.iter().enumerate() {
        match step.change {
            Change::RebuildTable { table, column_exprs } => {
                if !canonical.table_sql.contains_key(table) {
                    return Err(invalid(format!(
                        "the v{} rebuild names table {table}, which its DDL does not create",
                        step.since
                    )));
                }
                if let Some(why) = not_an_expression_list(column_exprs) {
                    return Err(invalid(format!(
                        "the v{} rebuild of {table} takes `column_exprs`, the expressions of `INSERT INTO new \
                         SELECT <column_exprs> FROM old` (e.g. `id, name, 0`), but was given {why}: {column_exprs}",
                        step.since
                    )));
                }
            }
            Change::AddColumn(add) => {
                let rebuilt_later = steps[i + 1..]
                    .iter()
                    .any(|s| matches!(s.change, Change::RebuildTable { table, .. } if table == add.table));
                if !rebuilt_later {
                    check_added_column(conn, canonical, step.since, &add).map_err(invalid)?;
                }
            }
            Change::Sql { .. } => {}
        }
    }
    Ok(())
}

/// One step as the errors name it.
fn describe(step: &Step) -> String {
    match step.change {
        Change::AddColumn(a) => format!("add column {}.{} {}", a.table, a.column, a.definition),
        Change::Sql { name, .. } => format!("sql {name}"),
        Change::RebuildTable { table, .. } => format!("rebuild {table}"),
    }
}

/// Whether `add` declares its column as the canonical schema does: added by `ALTER TABLE` to a
/// scratch table holding the canonical table's other columns (so a CHECK naming them reads), then
/// compared as the pragmas and the stored text report it, foreign keys included. The error says
/// what to write.
fn check_added_column<C: SqlConn + ?Sized>(
    conn: &C,
    canonical: &Canonical,
    since: i64,
    add: &AdditiveColumn,
) -> Result<(), String> {
    let what = format!("the v{since} step adding {}.{}", add.table, add.column);
    let want_table = canonical
        .schema
        .tables
        .get(add.table)
        .ok_or_else(|| format!("{what} names table {}, which its DDL does not create", add.table))?;
    let want = want_table
        .columns
        .iter()
        .find(|c| c.name == add.column)
        .ok_or_else(|| format!("{what} names a column the DDL's {} does not declare", add.table))?;
    let probe = || -> Result<(Column, Vec<ForeignKey>), StoreError> {
        let scratch = conn.scratch()?;
        let others: Vec<String> =
            want_table.columns.iter().filter(|c| c.name != add.column).map(|c| quote_name(&c.name)).collect();
        let others = if others.is_empty() { "agentmux_probe".to_string() } else { others.join(", ") };
        let table = quote_name(add.table);
        scratch.exec(&format!("CREATE TABLE {table} ({others})"))?;
        scratch.exec(&format!("ALTER TABLE {table} ADD COLUMN {} {}", quote_name(add.column), add.definition))?;
        let create = scratch.query_strings("SELECT sql FROM sqlite_master WHERE name = ?1", &[add.table])?;
        let columns = inspect::column_definitions(&*scratch, add.table, create.first().map(String::as_str))?;
        let column = columns.into_iter().find(|c| c.name == add.column).ok_or_else(|| StoreError::InvalidSpec {
            db: String::new(),
            reason: "the column was not added".to_string(),
        })?;
        let fks = inspect::foreign_key_list(&*scratch, add.table)?;
        Ok((column, fks))
    };
    let (have, have_fks) =
        probe().map_err(|e| format!("{what} cannot be applied as written ({e}): {}", add.definition))?;
    let want_fks = want_table.foreign_keys.iter().filter(|f| f.from == add.column);
    let fk_of = |f: &ForeignKey| (f.table.clone(), f.to.clone(), f.on_update.clone(), f.on_delete.clone());
    let same_fks = want_fks.map(fk_of).collect::<Vec<_>>() == have_fks.iter().map(fk_of).collect::<Vec<_>>();
    if !inspect::same_definition(&have, want, false) || !same_fks {
        return Err(format!(
            "{what} declares it `{}` ({}), but the DDL declares it {}: the step must add the column exactly \
             as the DDL declares it (copy its definition from the DDL)",
            add.definition,
            inspect::describe_column(&have),
            inspect::describe_column(want)
        ));
    }
    Ok(())
}

/// Why `exprs` is not a bare expression list (a leading `SELECT`/`WITH`/`VALUES`, or a `FROM`
/// or `;` outside brackets, strings, quoted names and comments), or `None` when it may be one.
fn not_an_expression_list(exprs: &str) -> Option<&'static str> {
    let toks = sqltext::tokens(exprs);
    if toks.first().is_some_and(|t| ["SELECT", "WITH", "VALUES"].iter().any(|k| t.is(k))) {
        return Some("a whole statement");
    }
    if sqltext::find_top_level_keyword(&toks, "FROM").is_some() {
        return Some("a FROM clause");
    }
    if sqltext::split_top_level(&toks, ";").is_none_or(|parts| parts.len() > 1) {
        return Some("more than one statement");
    }
    None
}

/// Whether `version` introduces a [`Change::RebuildTable`] step.
pub(crate) fn rebuilds_at(steps: &[Step], version: i64) -> bool {
    steps.iter().any(|s| s.since == version && matches!(s.change, Change::RebuildTable { .. }))
}

/// Phase 1, for one version: the reshaping steps introduced by `version`, in order, on a file
/// (`db`, for errors) that has the canonical shape of the version before it. `canonical` is
/// `version`'s own canonical schema (a rebuild takes its table's definition from it); it may be
/// left out only when the version rebuilds no table ([`rebuilds_at`]). A step on a
/// table the file lacks is skipped (the DDL creates the table whole), as is an `AddColumn` whose
/// column exists (files from before versions were stamped may have it) and a rebuild of a table
/// already so defined. [`check`] has passed.
pub(crate) fn reshape_version<C: SqlConn + ?Sized>(
    conn: &C,
    steps: &[Step],
    version: i64,
    canonical: Option<&Canonical>,
    db: &str,
    out: &mut Applied,
) -> Result<(), StoreError> {
    for step in steps.iter().filter(|s| s.since == version && s.reshapes()) {
        match step.change {
            Change::AddColumn(add) => {
                let have = conn.query_strings("SELECT name FROM pragma_table_xinfo(?1)", &[add.table])?;
                if !have.is_empty() && !have.iter().any(|c| c.eq_ignore_ascii_case(add.column)) {
                    conn.exec(&format!(
                        "ALTER TABLE {} ADD COLUMN {} {}",
                        quote_name(add.table),
                        quote_name(add.column),
                        add.definition
                    ))?;
                    clear_stale_fields(conn, add.table, add.column)?;
                    out.columns_added.push(ColumnRef::new(add.table, add.column));
                }
            }
            Change::RebuildTable { table, column_exprs } => {
                let canonical = canonical.ok_or_else(|| StoreError::InvalidSpec {
                    db: db.to_string(),
                    reason: format!("the v{version} rebuild of {table} was run without its version's schema"),
                })?;
                let Some(create) = canonical.table_sql.get(table) else { continue };
                let exists = conn.query_i64(
                    "SELECT count(*) FROM main.sqlite_master WHERE type = 'table' AND name = ?1",
                    &[table],
                )? == Some(1);
                if exists && !has_definition(conn, table, create)? {
                    let orphans_before = orphans::orphan_rows(conn)?;
                    let relaxed = rebuild_table(conn, db, table, create, Fill::Select(column_exprs))?;
                    out.constraints_relaxed.extend(relaxed);
                    refuse_new_orphans(conn, db, &orphans_before)?;
                    out.tables_rebuilt.push(table.to_string());
                }
            }
            Change::Sql { .. } => {}
        }
    }
    Ok(())
}

/// Phase 2: the data steps newer than `found`, oldest version first (after the DDL: a backfill
/// can read an old table and write a new one).
pub(crate) fn run_data<C: SqlConn + ?Sized>(
    conn: &C,
    steps: &[Step],
    found: i64,
    out: &mut Applied,
) -> Result<(), StoreError> {
    for step in steps.iter().filter(|s| s.since > found) {
        if let Change::Sql { name, sql } = step.change {
            conn.exec(sql)?;
            out.steps_run.push(format!("v{}: {name}", step.since));
        }
    }
    Ok(())
}

/// A rebuild's copy may keep the orphans it found, never make new ones (e.g. a copy expression
/// that changes the key its children reference): compare with the count taken before it.
fn refuse_new_orphans<C: SqlConn + ?Sized>(conn: &C, db: &str, before: &NameMap<i64>) -> Result<(), StoreError> {
    let after = orphans::orphan_rows(conn)?;
    let mut violations = Vec::new();
    for (table, n) in after.iter() {
        if *n > before.get(table).copied().unwrap_or(0) {
            violations.extend(foreign_keys::violations(conn, table)?);
        }
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(StoreError::ForeignKeyCheck { db: db.to_string(), violations })
    }
}

/// Whether `table` is already declared exactly as `create` (compared as SQLite stores the text,
/// token by token, so layout and comments aside but not a space inside a string: a CHECK or
/// COLLATE change is invisible to the table pragmas).
fn has_definition<C: SqlConn + ?Sized>(conn: &C, table: &str, create: &str) -> Result<bool, StoreError> {
    let words = |s: &str| sqltext::tokens(s).iter().map(|t| t.text).collect::<Vec<_>>().join(" ");
    let have = conn.query_strings("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1", &[table])?;
    Ok(have.first().is_some_and(|sql| words(sql) == words(create)))
}

/// After `ALTER TABLE … ADD COLUMN`, make every existing row read the column's default (or NULL),
/// as `ALTER TABLE` promises. It does not rewrite rows: a row whose record holds more fields than
/// the table declared (its `CREATE TABLE` text was edited to drop a column, the old way of
/// dropping one, or damaged) shows its next field as the new column's value, and `integrity_check`
/// then fails (tests/missing_columns.rs
/// `a_column_added_to_rows_wider_than_their_table_reads_its_default`). Rows already reading the
/// default are not written.
pub(crate) fn clear_stale_fields<C: SqlConn + ?Sized>(conn: &C, table: &str, column: &str) -> Result<(), StoreError> {
    let info = conn.query(&format!("PRAGMA main.table_info({})", quote_name(table)), &[])?;
    let default = info
        .iter()
        .find(|r| r[1].as_str() == Some(column))
        .and_then(|r| r[4].as_str().map(str::to_string))
        .unwrap_or_else(|| "NULL".to_string());
    let (t, c) = (quote_name(table), quote_name(column));
    conn.exec(&format!("UPDATE {t} SET {c} = {default} WHERE {c} IS NOT {default}"))
}
