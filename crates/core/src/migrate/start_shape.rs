//! Stage: bring an existing file to the canonical shape of the version it is stamped with (its
//! *starting version*, built from that version's snapshot), so that every upgrade step after it
//! meets exactly the shape its author saw. The repairs here are the ones that make an adopted or
//! damaged file canonical: columns it was written without, and foreign keys that still name a
//! legacy or missing parent. Every row is kept; what had to be relaxed for rows that have no
//! value is reported.

use crate::column_ref::ColumnRef;
use crate::conn::SqlConn;
use crate::foreign_keys;
use crate::inspect::{self, Canonical, Column, Columns, Schema};
use crate::rebuild::RelaxedConstraint;
use crate::spec::Spec;
use crate::sqltext::{self, quote_name as quote};
use crate::steps;
use crate::StoreError;

use super::defences;

/// What bringing the file to its starting version's shape did.
#[derive(Debug, Default)]
pub(super) struct Shaped {
    pub columns_added: Vec<ColumnRef>,
    /// Added (or kept) without their canonical NOT NULL / PRIMARY KEY / UNIQUE: rows hold NULL.
    pub columns_nullable: Vec<ColumnRef>,
    /// Tables rebuilt to add a column `ALTER TABLE` cannot add.
    pub rebuilt_for_columns: Vec<String>,
    /// Tables rebuilt to their canonical foreign keys.
    pub rebuilt_for_foreign_keys: Vec<String>,
    pub foreign_keys_kept: Vec<String>,
    pub constraints_relaxed: Vec<RelaxedConstraint>,
}

impl Shaped {
    /// Adds what a later call (for tables a later version introduced) did.
    pub(super) fn extend(&mut self, more: Shaped) {
        self.columns_added.extend(more.columns_added);
        self.columns_nullable.extend(more.columns_nullable);
        self.rebuilt_for_columns.extend(more.rebuilt_for_columns);
        self.rebuilt_for_foreign_keys.extend(more.rebuilt_for_foreign_keys);
        self.foreign_keys_kept.extend(more.foreign_keys_kept);
        self.constraints_relaxed.extend(more.constraints_relaxed);
    }
}

/// Bring every table of `existed` (the file's tables once adopted) that `start` defines to
/// `start`'s columns and foreign keys. Refuses, before anything is written, a table lacking a
/// column that an index or the seed rows need ([`StoreError::Unadoptable`]).
pub(super) fn run<C: SqlConn + ?Sized>(
    conn: &C,
    spec: &Spec,
    start: &Canonical,
    existed: &Columns,
) -> Result<Shaped, StoreError> {
    let db = spec.store.file_name();
    let missing = missing_columns(spec, existed, &start.schema)?;
    let mut out = Shaped::default();
    add_missing_columns(conn, db, start, &missing, &mut out)?;
    // After the columns, so the rebuilt tables copy them; a column added without its constraints
    // stays that way in the rebuilt table, since its rows hold NULL there.
    let repaired = foreign_keys::repair(conn, db, start, existed, &out.columns_nullable)?;
    out.rebuilt_for_foreign_keys = repaired.rebuilt;
    out.foreign_keys_kept = repaired.kept;
    out.constraints_relaxed.extend(repaired.relaxed);
    Ok(out)
}

/// The columns of `canonical` (the starting version's) that existing tables lack (`CREATE TABLE IF
/// NOT EXISTS` skips such a table): each is added (see [`add_missing_columns`]; tests/rebuild.rs
/// `a_stale_child_lacking_a_not_null_column_is_rebuilt_with_it_nullable`). Where a canonical index
/// or the seed rows name the column, nothing here can fill it without inventing values that
/// something depends on: refused with [`StoreError::Unadoptable`], before anything is written
/// (tests/refusals.rs `pre_v11_shape_is_refused_naming_the_table_and_rolled_back`).
fn missing_columns<'c>(
    spec: &Spec,
    before: &Columns,
    canonical: &'c Schema,
) -> Result<Vec<(&'c str, &'c Column)>, StoreError> {
    let mut out = Vec::new();
    for (name, want) in &canonical.tables {
        let Some(have) = before.get(name) else { continue };
        let missing: Vec<&Column> = want.columns.iter().filter(|c| !have.contains(&c.name)).collect();
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
/// seed rows name `column`. A PRIMARY KEY or UNIQUE column's automatic index does not count: it
/// comes with `CREATE TABLE`, which never re-runs for an existing table (tests/missing_columns.rs
/// `a_table_without_its_oid_column_is_rebuilt_with_it`).
fn is_needed(spec: &Spec, table: &str, want: &inspect::Table, column: &str) -> bool {
    let names = |text: &str| sqltext::names(text, column);
    let indexed = want.indexes.values().filter(|i| i.origin == "c").any(|i| {
        i.columns.iter().any(|c| c.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(column)))
            || i.partial_where.as_deref().is_some_and(names)
    });
    // The column list of each seed `INSERT … INTO [schema.]<table> (…)` (not its values).
    let seeded = spec.seed.is_some_and(|seed| {
        let toks = sqltext::tokens(seed);
        sqltext::split_top_level(&toks, ";").unwrap_or_default().iter().any(|stmt| {
            let Some(into) = stmt.iter().position(|t| t.is("INTO")) else { return false };
            let mut at = into + 1;
            if stmt.get(at + 1).is_some_and(|t| t.is_symbol(".")) {
                at += 2;
            }
            let is_table = stmt.get(at).and_then(|t| t.name()).is_some_and(|n| n.eq_ignore_ascii_case(table));
            if !is_table || !stmt.get(at + 1).is_some_and(|t| t.is_symbol("(")) {
                return false;
            }
            let close = sqltext::matching_close(stmt, at + 1).unwrap_or(stmt.len());
            stmt[at + 2..close].iter().any(|t| t.name().is_some_and(|n| n.eq_ignore_ascii_case(column)))
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
    db: &str,
    canonical: &Canonical,
    missing: &[(&str, &Column)],
    out: &mut Shaped,
) -> Result<(), StoreError> {
    let (canonical_all, canonical) = (canonical, &canonical.schema);
    for (table, column) in missing {
        let added = ColumnRef::new(table, &column.name);
        if out.rebuilt_for_columns.iter().any(|t| t == table) {
            // The rebuild below already gave the table every canonical column.
            out.columns_added.push(added);
            continue;
        }
        // A defence that runs here, not in the first stage: only now, with legacy tables adopted
        // and compared with the starting version's shape, is the column known to be missing.
        if defences::is_rowid_name(&column.name) {
            let rebuilt = defences::add_rowid_named_column(conn, db, canonical_all, table)?;
            out.constraints_relaxed.extend(rebuilt.constraints_relaxed);
            for column in rebuilt.columns_nullable {
                let nullable = ColumnRef::new(table, &column);
                if !out.columns_nullable.contains(&nullable) {
                    out.columns_nullable.push(nullable);
                }
            }
            out.rebuilt_for_columns.push(table.to_string());
            out.columns_added.push(added);
            continue;
        }
        let unique = canonical.tables.get(table).is_some_and(|t| {
            t.indexes.values().any(|i| {
                i.origin == "u" && i.columns.len() == 1 && i.columns[0].name.as_deref() == Some(column.name.as_str())
            })
        });
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
        if !complete {
            out.columns_nullable.push(added.clone());
        }
        out.columns_added.push(added);
    }
    Ok(())
}

/// The canonical NOT NULL columns of `table` that some of its rows would hold NULL in once
/// rebuilt: a column the file's table lacks and that has no default, or one the file declared
/// nullable (or that was just added without its constraints) holding a NULL. Empty when the table
/// has no rows, which then take the full definition.
pub(super) fn columns_without_values<C: SqlConn + ?Sized>(
    conn: &C,
    canonical: &Schema,
    table: &str,
) -> Result<Vec<String>, StoreError> {
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
