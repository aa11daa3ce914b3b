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

use crate::conn::SqlConn;
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
    /// copy the rows with `select` (one expression per canonical column, in order, over the old
    /// table), drop the old table, rename the new one into place; the DDL then re-creates the
    /// table's indexes and `PRAGMA foreign_key_check` must find nothing. Skipped when the table
    /// is absent or already has the canonical shape.
    RebuildTable { table: &'static str, select: &'static str },
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
pub struct Applied {
    pub columns_added: Vec<String>,
    pub tables_rebuilt: Vec<String>,
    pub steps_run: Vec<String>,
}

/// Whether any table rebuild may run for a file at `found` (decides, before the transaction
/// starts, whether foreign-key enforcement must be paused: it cannot change inside one).
pub fn may_rebuild(steps: &[Step], found: i64) -> bool {
    steps.iter().any(|s| s.since > found && matches!(s.change, Change::RebuildTable { .. }))
}

/// Phase 1: add columns and rebuild tables of a file that existed at version `found`.
/// `before` is the file's schema after legacy adoption; `ddl` is the canonical DDL.
pub fn reshape<C: SqlConn + ?Sized>(
    conn: &C,
    steps: &[Step],
    found: i64,
    before: &crate::migrate::Columns,
    ddl: &str,
    out: &mut Applied,
) -> Result<(), StoreError> {
    for step in steps.iter().filter(|s| s.reshapes()) {
        match step.change {
            Change::AddColumn(add) => {
                if before.get(add.table).is_some_and(|cols| !cols.iter().any(|c| c == add.column)) {
                    conn.exec(&format!(
                        "ALTER TABLE \"{}\" ADD COLUMN \"{}\" {}",
                        add.table, add.column, add.definition
                    ))?;
                    out.columns_added.push(format!("{}.{}", add.table, add.column));
                }
            }
            Change::RebuildTable { table, select } => {
                if step.since > found && before.contains_key(table) {
                    let create = canonical_create(table, ddl)?;
                    if !has_definition(conn, table, &create)? {
                        rebuild(conn, table, select, &create)?;
                        out.tables_rebuilt.push(table.to_string());
                    }
                }
            }
            Change::Sql { .. } => {}
        }
    }
    Ok(())
}

/// Phase 2: the data steps newer than `found`.
pub fn run_data<C: SqlConn + ?Sized>(
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

/// The rows `PRAGMA foreign_key_check` reports, as `table(rowid) → parent` (empty when
/// consistent). Run after rebuilds, which happen with enforcement paused.
pub fn foreign_key_violations<C: SqlConn + ?Sized>(conn: &C) -> Result<Vec<String>, StoreError> {
    Ok(conn
        .query("PRAGMA foreign_key_check", &[])?
        .iter()
        .map(|r| {
            let text = |i: usize| r.get(i).and_then(|v| v.as_str()).unwrap_or("?").to_string();
            let rowid = r.get(1).and_then(|v| v.as_i64()).map_or("?".into(), |n| n.to_string());
            format!("{}({rowid}) → {}", text(0), text(2))
        })
        .collect())
}

/// Whether `table` is already declared exactly as `create` (compared as SQLite stores the text,
/// whitespace aside: a CHECK or COLLATE change is invisible to the table pragmas).
fn has_definition<C: SqlConn + ?Sized>(conn: &C, table: &str, create: &str) -> Result<bool, StoreError> {
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let have = conn.query_strings("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1", &[table])?;
    Ok(have.first().is_some_and(|sql| words(sql) == words(create)))
}

fn rebuild<C: SqlConn + ?Sized>(conn: &C, table: &str, select: &str, create: &str) -> Result<(), StoreError> {
    let temp = format!("{table}__rebuild");
    let renamed = rename_created_table(create, table, &temp).ok_or_else(|| StoreError::Sqlite {
        code: 1,
        message: format!("cannot read the CREATE TABLE of {table}"),
        sql: Some(create.to_string()),
    })?;
    conn.exec(&renamed)?;
    conn.exec(&format!("INSERT INTO \"{temp}\" SELECT {select} FROM \"{table}\""))?;
    conn.exec(&format!("DROP TABLE \"{table}\""))?;
    conn.exec(&format!("ALTER TABLE \"{temp}\" RENAME TO \"{table}\""))
}

/// The canonical `CREATE TABLE` statement of `table`, as SQLite stores it after running `ddl`.
fn canonical_create(table: &str, ddl: &str) -> Result<String, StoreError> {
    let db = crate::backend::memory()?;
    db.exec(ddl)?;
    db.query_strings("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1", &[table])?.pop().ok_or_else(
        || StoreError::Sqlite { code: 1, message: format!("no table {table} in the canonical DDL"), sql: None },
    )
}

/// `create` with its table name replaced by `to` (the name right after `CREATE TABLE`, quoted or
/// not, with or without `IF NOT EXISTS`).
fn rename_created_table(create: &str, from: &str, to: &str) -> Option<String> {
    let open = create.find('(')?;
    let head = &create[..open];
    let at = head.rfind(from)?;
    let mut quoted_end = at + from.len();
    let mut start = at;
    if head[..at].ends_with(['"', '`', '[']) {
        start -= 1;
        quoted_end += 1;
    }
    Some(format!("{}\"{to}\"{}", &create[..start], &create[quoted_end..]))
}

#[cfg(test)]
mod tests {
    use super::rename_created_table;

    #[test]
    fn renames_the_created_table_whatever_its_quoting() {
        for create in [
            "CREATE TABLE db_temp (oid TEXT)",
            "CREATE TABLE \"db_temp\" (oid TEXT)",
            "CREATE TABLE IF NOT EXISTS db_temp(oid TEXT REFERENCES db_temp(oid))",
        ] {
            let out = rename_created_table(create, "db_temp", "db_temp__rebuild").unwrap();
            assert!(out.contains("\"db_temp__rebuild\""), "{out}");
            assert_eq!(out.matches("db_temp__rebuild").count(), 1, "{out}");
        }
    }
}
