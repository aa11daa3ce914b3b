//! Rows whose parent row does not exist (orphans), counted per table exactly as
//! `PRAGMA foreign_key_check` counts them, without the pragma's full scan where the schema proves
//! a cheaper query gives the same number.
//!
//! The pragma reads every row of every child table. A legacy `objects.db` is almost all
//! `db_agent_history` rows, so a status of a 3 GiB file read the whole file to find none. That
//! table has one single-column foreign key, an index that starts with its key column, and a parent
//! keyed by a unique index: `sql/orphans/by_parent_key.sql` counts it on that index instead (55 MiB
//! of a 3 GiB file), and gives its row count in the same scan, which a status then reuses. Every
//! other shape (several constraints, several columns, WITHOUT ROWID, hidden columns, a collation
//! other than the built-in ones, a plan that is not an index seek, a name this crate cannot
//! address) is counted by the pragma, table by table; a file of at most 1 MiB by the whole-file
//! pragma. `tests/orphans.rs` checks the counts against the pragma's on generated tables.

use crate::conn::{Row, SqlConn, Value};
use crate::error::codes;
use crate::inspect::{self, ForeignKey};
use crate::names::NameMap;
use crate::sqltext::quote_name;
use crate::StoreError;

/// The ordinary tables of `main` (the ones the pragma checks: not views, not virtual tables), with
/// whether each is WITHOUT ROWID. Unlike `inspect::USER_TABLES` this keeps `sqlite_`-named ones,
/// as the whole-file pragma does.
const ORDINARY_TABLES: &str =
    "SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow') ORDER BY name";

/// The table the pragma finds for a constraint's parent name: SQLite looks it up ignoring ASCII
/// case, as NOCASE compares. Views and virtual tables are listed too (the pragma finds them as
/// well, then refuses them).
const PARENT_TABLE: &str = "SELECT type, wr FROM pragma_table_list WHERE schema = 'main' AND name = ?1 COLLATE NOCASE";

const COLUMNS: &str = "SELECT name, pk, hidden FROM pragma_table_xinfo(?1, 'main')";

const UNIQUE_INDEXES: &str =
    "SELECT name, origin FROM pragma_index_list(?1, 'main') WHERE \"unique\" = 1 AND partial = 0";

const KEY_COLUMNS: &str = "SELECT cid, name, coll FROM pragma_index_xinfo(?1, 'main') WHERE key = 1";

const BY_PARENT_KEY: &str = include_str!("sql/orphans/by_parent_key.sql");
const NO_PARENT: &str = include_str!("sql/orphans/no_parent.sql");

/// Rows whose parent row does not exist, per table (tables without any are left out): the
/// numbers [`orphan_rows_by_pragma`] gives, for every file. A row that breaks two constraints
/// counts once. A table SQLite cannot check (its parent key has no unique index: "foreign key
/// mismatch") is skipped rather than failing the count; any other error, such as an I/O
/// failure, is returned.
pub fn orphan_rows<C: SqlConn + ?Sized>(conn: &C) -> Result<NameMap<i64>, StoreError> {
    Ok(orphans_and_rows(conn)?.orphans)
}

/// What [`orphans_and_rows`] counted.
#[derive(Debug, Default)]
pub struct Counts {
    /// As [`orphan_rows`].
    pub orphans: NameMap<i64>,
    /// The row counts (`count(*)`) of the tables whose orphans were counted by a query: it reads
    /// them in the same scan, so a status need not scan those tables again.
    pub rows: NameMap<i64>,
}

/// Files up to this size are checked by the whole-file pragma: reading all of it costs less than
/// planning the queries (some ten catalogue statements per child table; about 0.5 ms natively
/// for the objects schema, where the pragma reads a 1 MiB file from memory in about as long).
const SMALL_FILE: i64 = 1 << 20;

/// [`orphan_rows`], and the row counts its queries read on the way.
pub fn orphans_and_rows<C: SqlConn + ?Sized>(conn: &C) -> Result<Counts, StoreError> {
    // One compiled copy whatever the connection type (the module is shipped as wasm).
    let conn: &dyn SqlConn = &conn;
    let pages = conn.query_i64("PRAGMA main.page_count", &[])?.unwrap_or(0);
    let page_size = conn.query_i64("PRAGMA main.page_size", &[])?.unwrap_or(0);
    if pages.saturating_mul(page_size) <= SMALL_FILE {
        return Ok(Counts { orphans: orphan_rows_by_pragma(conn)?, rows: NameMap::new() });
    }
    per_table(conn)
}

/// [`orphans_and_rows`] whatever the file's size: each child table counted by a query where
/// that is proven to give the pragma's number, by the pragma otherwise.
pub fn orphans_and_rows_per_table<C: SqlConn + ?Sized>(conn: &C) -> Result<Counts, StoreError> {
    per_table(&conn)
}

fn per_table(conn: &dyn SqlConn) -> Result<Counts, StoreError> {
    let tables: Vec<(String, bool)> = conn
        .query(ORDINARY_TABLES, &[])?
        .into_iter()
        .filter_map(|r| Some((r.first()?.as_str()?.to_string(), r.get(1)?.as_i64()? != 0)))
        .collect();
    // The driver hands back a name that is not UTF-8 with U+FFFD in place of its bytes, and no
    // statement can name such a table; the whole-file pragma still checks it, so it answers.
    if tables.iter().any(|(t, _)| unaddressable(t)) {
        return Ok(Counts { orphans: orphan_rows_by_pragma(conn)?, rows: NameMap::new() });
    }
    let mut out = Counts::default();
    let mut refused = false;
    for (table, without_rowid) in tables {
        let fks = inspect::foreign_key_list(conn, &table)?;
        if fks.is_empty() {
            continue;
        }
        let counted = match plan(conn, &table, without_rowid, &fks) {
            Ok(Plan::Count(sql)) => match conn.query(&sql, &[]) {
                Ok(found) => {
                    let (rows, orphans) = found.first().map_or((None, None), |r| (int(r, 0), int(r, 1)));
                    out.rows.insert(table.clone(), rows.unwrap_or(0));
                    Some(orphans.unwrap_or(0))
                }
                Err(e) if e.sqlite_code() == Some(codes::ERROR) => table_by_pragma(conn, &table)?,
                Err(e) => return Err(e),
            },
            Ok(Plan::Unchecked) => None,
            Ok(Plan::Pragma) => table_by_pragma(conn, &table)?,
            // A catalogue the probes cannot read is the pragma's to judge.
            Err(e) if e.sqlite_code() == Some(codes::ERROR) => table_by_pragma(conn, &table)?,
            Err(e) => return Err(e),
        };
        match counted {
            Some(0) => {}
            Some(n) => {
                out.orphans.insert(table, n);
            }
            None => refused = true,
        }
    }
    // When one table cannot be checked the whole-file pragma fails, and [`orphan_rows_by_pragma`]
    // then checks the tables of `inspect::USER_TABLES`, which leaves out `sqlite_`-named ones.
    if refused {
        out.orphans = out.orphans.iter().filter(|(t, _)| !is_sqlite_name(t)).map(|(t, n)| (t.clone(), *n)).collect();
    }
    Ok(out)
}

/// How one child table's orphans are counted.
enum Plan {
    /// This statement gives the pragma's count.
    Count(String),
    /// The pragma itself, for this table.
    Pragma,
    /// SQLite cannot check the table (the pragma fails on it).
    Unchecked,
}

/// Where the parent key of a constraint is, as the pragma finds it.
enum ParentKey {
    /// No table of that name: every row with a key is an orphan.
    Missing,
    /// A column of the parent, searched with this collation: the parent's INTEGER PRIMARY KEY
    /// (the rowid, `BINARY`), or the one column of the unique index the pragma searches.
    Column { table: String, column: String, collation: &'static str },
}

fn plan(conn: &dyn SqlConn, child: &str, without_rowid: bool, fks: &[ForeignKey]) -> Result<Plan, StoreError> {
    // One constraint of one column (one row of foreign_key_list), on a table with a rowid: each
    // row is then reported at most once, and the count of reports is a count of rows.
    let [fk] = fks else { return Ok(Plan::Pragma) };
    if without_rowid || [&fk.table, &fk.from].into_iter().chain(&fk.to).any(|n| unaddressable(n) || is_sqlite_name(n)) {
        return Ok(Plan::Pragma);
    }
    let child_columns = conn.query(COLUMNS, &[child])?;
    if !child_columns.iter().any(|c| text(c, 0) == Some(fk.from.as_str()) && int(c, 2) == Some(0)) {
        return Ok(Plan::Pragma);
    }
    let Some(parent) = parent_key(conn, fk)? else { return Ok(Plan::Pragma) };
    // The pragma fails while it is compiled when it cannot use the parent key; so does this.
    match conn.query(&format!("EXPLAIN PRAGMA main.foreign_key_check({})", quote_name(child)), &[]) {
        Ok(_) => {}
        Err(e) if e.sqlite_code() == Some(codes::ERROR) => return Ok(Plan::Unchecked),
        Err(e) => return Err(e),
    }
    let sql = match &parent {
        ParentKey::Missing => fill(NO_PARENT, &[("child", &quote_name(child)), ("fk", &quote_name(&fk.from))]),
        ParentKey::Column { table, column, collation } => fill(
            BY_PARENT_KEY,
            &[
                ("child", &quote_name(child)),
                ("fk", &quote_name(&fk.from)),
                ("parent", &quote_name(table)),
                ("key", &quote_name(column)),
                ("collation", collation),
            ],
        ),
    };
    Ok(if plan_is_seek(conn, &sql, matches!(parent, ParentKey::Missing))? { Plan::Count(sql) } else { Plan::Pragma })
}

/// The parent key the pragma uses for `fk` (one column), found from the catalogue as SQLite's
/// `sqlite3FkLocateIndex` finds it; `None` when the shape is not one the count query is proven
/// for.
fn parent_key(conn: &dyn SqlConn, fk: &ForeignKey) -> Result<Option<ParentKey>, StoreError> {
    let found = conn.query(PARENT_TABLE, &[&fk.table])?;
    let [row] = found.as_slice() else {
        return Ok(found.is_empty().then_some(ParentKey::Missing));
    };
    if !matches!(text(row, 0), Some("table" | "shadow")) {
        return Ok(None);
    }
    let parent_without_rowid = int(row, 1) != Some(0);
    let columns = conn.query(COLUMNS, &[&fk.table])?;
    let primary: Vec<&str> =
        columns.iter().filter(|c| int(c, 1).is_some_and(|pk| pk > 0)).filter_map(|c| text(c, 0)).collect();
    let indexes: Vec<(String, String)> = conn
        .query(UNIQUE_INDEXES, &[&fk.table])?
        .iter()
        .filter_map(|r| Some((text(r, 0)?.to_string(), text(r, 1)?.to_string())))
        .collect();
    if indexes.iter().any(|(name, _)| unaddressable(name)) {
        return Ok(None);
    }
    // An INTEGER PRIMARY KEY is the rowid and has no index of its own: a rowid table whose one
    // primary-key column has no `pk` index. The pragma seeks the rowid when the constraint names
    // no column or names that one.
    let rowid_key = match primary.as_slice() {
        [only] if !parent_without_rowid && !indexes.iter().any(|(_, origin)| origin == "pk") => Some(*only),
        _ => None,
    };
    if let Some(ipk) = rowid_key {
        if fk.to.as_deref().is_none_or(|to| to.eq_ignore_ascii_case(ipk)) {
            return Ok(Some(ParentKey::Column {
                table: fk.table.clone(),
                column: ipk.to_string(),
                collation: "BINARY",
            }));
        }
    }
    // Otherwise the pragma searches a unique, non-partial index of one column: the primary key's
    // when the constraint names no column, else one on the named column whose collation is the
    // column's own (which the catalogue does not report). So every such index must agree on the
    // collation, and be one this crate can name.
    let mut collations = Vec::new();
    let mut key_column = None;
    for (index, origin) in &indexes {
        if fk.to.is_none() && origin != "pk" {
            continue;
        }
        let key = conn.query(KEY_COLUMNS, &[index])?;
        if key.is_empty() {
            return Ok(None);
        }
        let [column] = key.as_slice() else { continue };
        let (Some(cid), Some(name), Some(coll)) = (int(column, 0), text(column, 1), text(column, 2)) else {
            continue;
        };
        if cid < 0 || fk.to.as_deref().is_some_and(|to| !to.eq_ignore_ascii_case(name)) {
            continue;
        }
        collations.push(coll.to_ascii_uppercase());
        key_column = Some(name.to_string());
    }
    collations.sort();
    collations.dedup();
    let (Some(column), [collation]) = (key_column, collations.as_slice()) else { return Ok(None) };
    // The built-in collations only: any other may be missing here, or differ between builds.
    let Some(collation) = ["BINARY", "NOCASE", "RTRIM"].into_iter().find(|c| c == collation) else { return Ok(None) };
    let hidden =
        columns.iter().any(|c| text(c, 0).is_some_and(|n| n.eq_ignore_ascii_case(&column)) && int(c, 2) != Some(0));
    if hidden {
        return Ok(None);
    }
    Ok(Some(ParentKey::Column { table: fk.table.clone(), column, collation }))
}

/// Whether SQLite runs `sql` as the pragma does: the parent (`p`) looked up by a seek, never a
/// scan that compares every row (a comparison applies the affinity to both sides; a seek, as the
/// pragma's, to the child's value only). And the child (`c`) read from a covering index; without
/// one the query reads the whole table as the pragma does, so the pragma is kept.
fn plan_is_seek(conn: &dyn SqlConn, sql: &str, no_parent: bool) -> Result<bool, StoreError> {
    let plan = conn.query(&format!("EXPLAIN QUERY PLAN {sql}"), &[])?;
    let details: Vec<&str> = plan.iter().filter_map(|r| text(r, 3)).collect();
    let covering = details.iter().any(|d| d.starts_with("SCAN c USING COVERING INDEX "));
    let seek = details.iter().any(|d| d.starts_with("SEARCH p USING ") && !d.contains("AUTOMATIC"));
    let scan = details.iter().any(|d| d.starts_with("SCAN p") || d.contains("BLOOM"));
    Ok(covering && (no_parent || (seek && !scan)))
}

/// `template` with each `{name}` replaced by its value, in one pass (a value that spells a
/// placeholder stays as it is).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').and_then(|close| Some((values.iter().find(|(k, _)| *k == &after[..close])?.1, close))) {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn text(row: &Row, i: usize) -> Option<&str> {
    row.get(i).and_then(Value::as_str)
}

fn int(row: &Row, i: usize) -> Option<i64> {
    row.get(i).and_then(Value::as_i64)
}

/// A name the driver handed back with U+FFFD for bytes that are not UTF-8: no statement can name
/// it.
fn unaddressable(name: &str) -> bool {
    name.contains('\u{FFFD}')
}

/// SQLite's own tables, and the names it resolves specially (`sqlite_schema` and its aliases).
fn is_sqlite_name(name: &str) -> bool {
    name.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("sqlite_"))
}

/// The orphans of one table as the pragma reports them, or `None` when SQLite cannot check it.
fn table_by_pragma(conn: &dyn SqlConn, table: &str) -> Result<Option<i64>, StoreError> {
    match conn.query(&format!("PRAGMA main.foreign_key_check({})", quote_name(table)), &[]) {
        Ok(rows) => Ok(Some(count_reports(&rows).get(table).copied().unwrap_or(0))),
        Err(e) if e.sqlite_code() == Some(codes::ERROR) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The reference count: `PRAGMA main.foreign_key_check` over the whole file (table by table
/// when one table cannot be checked), each row counted once. [`orphan_rows`] gives the same
/// numbers; this stays for the tests that prove it.
pub fn orphan_rows_by_pragma<C: SqlConn + ?Sized>(conn: &C) -> Result<NameMap<i64>, StoreError> {
    by_pragma(&conn)
}

fn by_pragma(conn: &dyn SqlConn) -> Result<NameMap<i64>, StoreError> {
    let rows = match conn.query("PRAGMA main.foreign_key_check", &[]) {
        Ok(rows) => rows,
        // One unusable constraint fails the whole-file form; check table by table instead.
        Err(e) if e.sqlite_code() == Some(codes::ERROR) => {
            let mut rows = Vec::new();
            for table in conn.query_strings(inspect::USER_TABLES, &[])? {
                let sql = format!("PRAGMA main.foreign_key_check({})", quote_name(&table));
                match conn.query(&sql, &[]) {
                    Ok(found) => rows.extend(found),
                    Err(e) if e.sqlite_code() == Some(codes::ERROR) => {}
                    Err(e) => return Err(e),
                }
            }
            rows
        }
        Err(e) => return Err(e),
    };
    Ok(count_reports(&rows))
}

/// The pragma's reports counted per table: a rowid table's row once however many constraints it
/// breaks; a WITHOUT ROWID table reports no rowid, so each of its reports counts.
fn count_reports(rows: &[Row]) -> NameMap<i64> {
    let mut seen: Vec<(String, Option<i64>)> =
        rows.iter().filter_map(|r| Some((text(r, 0)?.to_string(), int(r, 1)))).collect();
    seen.sort();
    seen.dedup_by(|a, b| a.1.is_some() && a == b);
    let mut out = NameMap::new();
    for (table, _) in seen {
        let n = out.get(&table).copied().unwrap_or(0);
        out.insert(table, n + 1);
    }
    out
}
