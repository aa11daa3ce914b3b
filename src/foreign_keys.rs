//! Foreign keys of adopted tables, and the rows whose parent row does not exist.
//!
//! Renaming a legacy parent table makes SQLite rewrite the references to it, but two shapes of
//! old file escape that: the parent was kept under its legacy name beside its replacement (a
//! downgrade round trip), or the file never had the parent at all. An adopted child then still
//! names the legacy table, and with enforcement on every later insert into it fails. The original
//! server left such files like that; refusing them would stop a server that started yesterday.
//! Instead such a table is rebuilt to its canonical definition with every row, and rows left
//! without a parent (orphans) are counted and reported, never deleted.

use crate::conn::SqlConn;
use crate::inspect::{self, CanonicalSql, Columns, ForeignKey, Schema};
use crate::names::NameMap;
use crate::rebuild::{rebuild_table, Fill};
use crate::StoreError;

/// SQLite's generic error code: what an unusable foreign-key definition fails with.
const SQLITE_ERROR: i32 = 1;

/// Whether two foreign-key lists declare different constraints (as sets: SQLite numbers them by
/// declaration order, which says nothing about what they enforce).
pub fn differ(have: &[ForeignKey], want: &[ForeignKey]) -> bool {
    let have = inspect::foreign_key_signature(have);
    let want = inspect::foreign_key_signature(want);
    have.len() != want.len() || want.iter().any(|fk| !have.contains(fk))
}

/// Rebuild every canonical table in `existed` whose foreign keys differ from the canonical ones,
/// to its canonical definition, keeping all rows (and any columns the definition lacks). Runs
/// inside the migration's transaction with enforcement paused. Returns the tables rebuilt.
///
/// `nullable` lists the columns (`table.column`) this migration added without their canonical
/// NOT NULL, PRIMARY KEY or UNIQUE because no value could fill the old rows: a rebuilt table
/// declares them the same way, or the copy would fail on those rows' NULLs (found by the `legacy`
/// fuzz target: a stale child written without a NOT NULL column could not be migrated).
pub(crate) fn repair<C: SqlConn + ?Sized>(
    conn: &C,
    canonical: &Schema,
    sql: &CanonicalSql,
    existed: &Columns,
    nullable: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut rebuilt = Vec::new();
    for (name, want) in canonical.tables.iter().filter(|(t, _)| existed.contains_key(t)) {
        if !differ(&inspect::foreign_key_list(conn, name)?, &want.foreign_keys) {
            continue;
        }
        let create = sql.tables.get(name).ok_or_else(|| StoreError::Sqlite {
            code: 1,
            message: format!("the canonical schema has no CREATE TABLE for {name}"),
            sql: None,
        })?;
        let relaxed: Vec<&str> =
            nullable.iter().filter_map(|c| c.strip_prefix(name.as_str())?.strip_prefix('.')).collect();
        rebuild_table(conn, name, &without_constraints(create, &relaxed), Fill::ByName)?;
        rebuilt.push(name.clone());
    }
    Ok(rebuilt)
}

/// `create` with the named columns declared without NOT NULL, PRIMARY KEY and UNIQUE, the way
/// `ALTER TABLE … ADD COLUMN` added them. Column definitions are the top-level comma-separated
/// parts of the parenthesised body (quotes and nested parentheses respected).
fn without_constraints(create: &str, columns: &[&str]) -> String {
    if columns.is_empty() {
        return create.to_string();
    }
    let (Some(open), Some(close)) = (create.find('('), create.rfind(')')) else { return create.to_string() };
    let body = &create[open + 1..close];
    let (mut parts, mut depth, mut quote, mut start) = (Vec::new(), 0i32, None::<char>, 0);
    for (i, ch) in body.char_indices() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(ch),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    let parts: Vec<String> = parts
        .into_iter()
        .map(|part| {
            let first = part.split_whitespace().next().unwrap_or("").trim_matches(|c| c == '"' || c == '`');
            if !columns.contains(&first) {
                return part.to_string();
            }
            let mut words: Vec<&str> = part.split(' ').collect();
            let mut i = 0;
            while i < words.len() {
                let pair = |a: &str, b: &str| {
                    words[i].eq_ignore_ascii_case(a) && words.get(i + 1).is_some_and(|w| w.eq_ignore_ascii_case(b))
                };
                if pair("NOT", "NULL") || pair("PRIMARY", "KEY") {
                    words.drain(i..i + 2);
                } else if words[i].eq_ignore_ascii_case("UNIQUE") {
                    words.remove(i);
                } else {
                    i += 1;
                }
            }
            words.join(" ")
        })
        .collect();
    format!("{}({}){}", &create[..open], parts.join(","), &create[close + 1..])
}

/// Rows whose parent row does not exist, per table (tables without any are left out). A row that
/// breaks two constraints counts once. A table SQLite cannot check (its parent key has no unique
/// index: "foreign key mismatch") is skipped rather than failing the count; any other error, such
/// as an I/O failure, is returned.
pub fn orphan_rows<C: SqlConn + ?Sized>(conn: &C) -> Result<NameMap<i64>, StoreError> {
    let rows = match conn.query("PRAGMA main.foreign_key_check", &[]) {
        Ok(rows) => rows,
        // One unusable constraint fails the whole-file form; check table by table instead.
        Err(e) if e.sqlite_code() == Some(SQLITE_ERROR) => {
            let mut rows = Vec::new();
            for table in conn.query_strings(inspect::USER_TABLES, &[])? {
                let sql = format!("PRAGMA main.foreign_key_check(\"{}\")", table.replace('"', "\"\""));
                match conn.query(&sql, &[]) {
                    Ok(found) => rows.extend(found),
                    Err(e) if e.sqlite_code() == Some(SQLITE_ERROR) => {}
                    Err(e) => return Err(e),
                }
            }
            rows
        }
        Err(e) => return Err(e),
    };
    let mut seen: Vec<(String, Option<i64>)> = rows
        .iter()
        .filter_map(|r| Some((r.first()?.as_str()?.to_string(), r.get(1).and_then(|v| v.as_i64()))))
        .collect();
    seen.sort();
    // WITHOUT ROWID tables report no rowid: each of their reports is counted.
    seen.dedup_by(|a, b| a.1.is_some() && a == b);
    let mut out = NameMap::new();
    for (table, _) in seen {
        let n = out.get(&table).copied().unwrap_or(0);
        out.insert(table, n + 1);
    }
    Ok(out)
}

/// The orphans of one table as `table(rowid) → parent`, for messages.
pub(crate) fn violations<C: SqlConn + ?Sized>(conn: &C, table: &str) -> Result<Vec<String>, StoreError> {
    let sql = format!("PRAGMA main.foreign_key_check(\"{}\")", table.replace('"', "\"\""));
    Ok(conn
        .query(&sql, &[])?
        .iter()
        .map(|r| {
            let text = |i: usize| r.get(i).and_then(|v| v.as_str()).unwrap_or("?").to_string();
            let rowid = r.get(1).and_then(|v| v.as_i64()).map_or("?".into(), |n| n.to_string());
            format!("{}({rowid}) → {}", text(0), text(2))
        })
        .collect())
}
