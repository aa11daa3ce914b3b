//! SQLite's documented procedure for a change `ALTER TABLE` cannot make: create the new
//! definition under a temporary name, copy the rows, drop the old table, rename the new one into
//! place. One home for both callers: upgrade steps ([`crate::Change::RebuildTable`]) and the
//! repair of adopted tables whose foreign keys are stale ([`crate::foreign_keys`]).
//!
//! Dropping a table takes its indexes and triggers with it and forgets its AUTOINCREMENT counter,
//! so all three are read first and put back. The caller runs this inside its transaction with
//! foreign-key enforcement paused: with it on, `DROP TABLE` deletes every row first and so fires
//! the `ON DELETE` actions of the tables that reference this one.

mod relax;

pub use relax::RelaxedConstraint;

use crate::conn::SqlConn;
use crate::error::codes;
use crate::sqltext::{self, quote_literal, quote_name as quote};
use crate::StoreError;

/// How the new table is filled from the old one.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fill<'a> {
    /// `INSERT INTO new SELECT <expressions> FROM old`: one expression per new column, in order.
    Select(&'a str),
    /// Every column by name. Columns the old table has and the new definition lacks are appended
    /// to the new table (declared type only) instead of being lost with the old one.
    ByName,
}

/// Replace `table` by the definition `create` (a `CREATE TABLE` of that name), keeping its rows,
/// indexes, triggers and AUTOINCREMENT counter. `create` comes from a schema definition of the
/// file `db` (named in the error if it cannot be read). Returns the constraints the new table was
/// declared without because rows break them (see [`relax`]); when one cannot be left out,
/// [`StoreError::RowsRefused`] and the caller rolls back.
pub(crate) fn rebuild_table<C: SqlConn + ?Sized>(
    conn: &C,
    db: &str,
    table: &str,
    create: &str,
    fill: Fill<'_>,
) -> Result<Vec<RelaxedConstraint>, StoreError> {
    let temp = format!("{table}__rebuild");
    let attached = conn.query_strings(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ?1 AND type IN ('index', 'trigger') AND sql IS NOT NULL \
         ORDER BY type, name",
        &[table],
    )?;
    let sequence = autoincrement_counter(conn, table)?;
    let rowid = rowid_expression(conn, table)?;

    let mut create = create.to_string();
    let mut relaxed = Vec::new();
    loop {
        let renamed = rename_created_table(&create, table, &temp).ok_or_else(|| unreadable(db, &create))?;
        // A savepoint per attempt: a refused copy leaves nothing behind but what is learnt from it.
        conn.exec("SAVEPOINT agentmux_copy")?;
        let mut source = String::new();
        let copied = conn.exec(&renamed).and_then(|()| copy_rows(conn, table, &temp, fill, &rowid, &mut source));
        let refused = match copied {
            Ok(()) => {
                conn.exec("RELEASE agentmux_copy")?;
                break;
            }
            Err(e) if relax::is_refusal(&e) => e,
            Err(e) => {
                conn.exec("ROLLBACK TO agentmux_copy; RELEASE agentmux_copy")?;
                return Err(e);
            }
        };
        let found = relax::diagnose(conn, &refused, &temp, &create, &source);
        conn.exec("ROLLBACK TO agentmux_copy; RELEASE agentmux_copy")?;
        let refusal = found?;
        // Each pass leaves out one constraint, so the loop ends; the bound only guards a
        // definition that SQLite keeps refusing for one reason after another.
        match refusal {
            Some(r) if relaxed.len() < 64 && r.relaxed.as_ref().is_some_and(|next| *next != create) => {
                relaxed.push(RelaxedConstraint { table: table.to_string(), constraint: r.label, rows: r.rows });
                create = r.relaxed.unwrap_or_default();
            }
            Some(r) => {
                return Err(StoreError::RowsRefused {
                    db: db.to_string(),
                    table: table.to_string(),
                    constraint: r.label,
                    rowids: r.rowids,
                })
            }
            None => {
                let constraint = match &refused {
                    StoreError::Sqlite { message, .. } => message.clone(),
                    other => other.to_string(),
                };
                return Err(StoreError::RowsRefused {
                    db: db.to_string(),
                    table: table.to_string(),
                    constraint,
                    rowids: vec![],
                });
            }
        }
    }
    conn.exec(&format!("DROP TABLE {}", quote(table)))?;
    rename_over_dropped(conn, &temp, table)?;
    for sql in &attached {
        // SQLite reads a catalogue row's text up to its first NUL byte (a damaged row can hold
        // some), so that prefix is the definition it holds, and the only one the driver accepts.
        conn.exec(sql.split('\0').next().unwrap_or_default())?;
    }
    if create.to_ascii_uppercase().contains("AUTOINCREMENT") {
        // The copy itself writes a counter (the highest id copied, or 0 for no rows): put back
        // exactly the one the table had, never lowering it, since ids above the highest row may
        // have been handed out and deleted; and none where it had none.
        let name = quote_literal(table);
        // The copy created sqlite_sequence if the file had none.
        let Some((n, s)) = sequence_columns(conn)? else { return Ok(relaxed) };
        conn.exec(&match sequence {
            Some(seq) => format!(
                "UPDATE sqlite_sequence SET {s} = max({s}, {seq}) WHERE {n} = {name}; \
                 INSERT INTO sqlite_sequence ({n}, {s}) SELECT {name}, {seq} \
                 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE {n} = {name})"
            ),
            None => format!("DELETE FROM sqlite_sequence WHERE {n} = {name}"),
        })?;
    }
    Ok(relaxed)
}

/// Fill `temp` (just created) from `table`, and set `source` to a `SELECT` of the old rowid and the
/// values each of `temp`'s stored columns is given, in order: what a refusal is diagnosed from.
fn copy_rows<C: SqlConn + ?Sized>(
    conn: &C,
    table: &str,
    temp: &str,
    fill: Fill<'_>,
    rowid: &str,
    source: &mut String,
) -> Result<(), StoreError> {
    match fill {
        Fill::Select(select) => {
            *source = format!("SELECT {rowid}, {select} FROM {}", quote(table));
            conn.exec(&format!("INSERT INTO {} SELECT {select} FROM {}", quote(temp), quote(table)))
        }
        Fill::ByName => {
            let old = stored_columns(conn, table)?;
            let new = stored_columns(conn, temp)?;
            // (Names compare as SQLite compares them, without regard to ASCII case.)
            for (name, decl_type) in old.iter().filter(|(n, _)| !new.iter().any(|(m, _)| m.eq_ignore_ascii_case(n))) {
                conn.exec(&format!("ALTER TABLE {} ADD COLUMN {} {decl_type}", quote(temp), quote(name)))?;
            }
            // What each new column is given: the old column of its name, else its default.
            let defaults = conn.query(&format!("PRAGMA main.table_xinfo({})", quote(temp)), &[])?;
            let values: Vec<String> = defaults
                .iter()
                .filter(|r| r.get(6).and_then(|v| v.as_i64()) == Some(0))
                .filter_map(|r| {
                    let name = r.get(1)?.as_str()?;
                    Some(match old.iter().find(|(o, _)| o.eq_ignore_ascii_case(name)) {
                        Some((o, _)) => quote(o),
                        None => r.get(4).and_then(|v| v.as_str()).map_or("NULL".to_string(), |d| format!("({d})")),
                    })
                })
                .collect();
            *source = format!("SELECT {rowid}, {} FROM {}", values.join(", "), quote(table));
            // Every stored column of the old table now exists in the new one.
            let list = old.iter().map(|(n, _)| quote(n)).collect::<Vec<_>>().join(", ");
            conn.exec(&format!("INSERT INTO {} ({list}) SELECT {list} FROM {}", quote(temp), quote(table)))
        }
    }
}

/// An expression for `table`'s rowid that no column of it shadows, or `NULL` for a WITHOUT ROWID
/// table (which has none).
fn rowid_expression<C: SqlConn + ?Sized>(conn: &C, table: &str) -> Result<String, StoreError> {
    if conn.query_i64("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?1", &[table])? == Some(1) {
        return Ok("NULL".to_string());
    }
    let columns = stored_columns(conn, table)?;
    Ok(["_rowid_", "rowid", "oid"]
        .iter()
        .find(|r| !columns.iter().any(|(c, _)| c.eq_ignore_ascii_case(r)))
        .map_or("NULL".to_string(), |r| r.to_string()))
}

/// `ALTER TABLE from RENAME TO to`, where `to` was just dropped. A modern rename re-checks every
/// view and trigger of the schema, and one that reads the dropped table fails it ("error in view
/// …: no such table"), although the name is about to exist again. The legacy form renames the
/// table alone, which is all this needs: nothing refers to the temporary name.
fn rename_over_dropped<C: SqlConn + ?Sized>(conn: &C, from: &str, to: &str) -> Result<(), StoreError> {
    let legacy = conn.query_i64("PRAGMA legacy_alter_table", &[])?.unwrap_or(0);
    if legacy == 0 {
        conn.exec("PRAGMA legacy_alter_table = ON")?;
    }
    let renamed = rename_table(conn, from, to);
    if legacy == 0 {
        // Put back even when the rename failed: the connection is the caller's.
        let restored = conn.exec("PRAGMA legacy_alter_table = OFF");
        renamed?;
        restored
    } else {
        renamed
    }
}

/// `ALTER TABLE from RENAME TO to`, confirmed in the catalogue. SQLite renames a table by
/// rewriting its `sqlite_master` rows and re-reading them; where that b-tree is damaged (rows out
/// of order, which `integrity_check` reports) the rewrite can miss the row without an error, so
/// the table keeps its old name, and the next step would create an empty table under the new one
/// beside the rows. That is reported as the damage it is, `SQLITE_CORRUPT`, so the migration is
/// rolled back (behind `defences::check_catalogue`; tests/refusals.rs
/// `a_file_whose_catalogue_b_tree_is_damaged_is_refused_before_any_change`).
pub(crate) fn rename_table<C: SqlConn + ?Sized>(conn: &C, from: &str, to: &str) -> Result<(), StoreError> {
    let statement = format!("ALTER TABLE {} RENAME TO {}", quote(from), quote(to));
    conn.exec(&statement)?;
    let counts = conn.query(
        "SELECT count(*) FILTER (WHERE name = ?1), count(*) FILTER (WHERE name = ?2) \
         FROM main.sqlite_master WHERE type = 'table'",
        &[from, to],
    )?;
    if counts.first().map(|r| (r[0].as_i64(), r[1].as_i64())) == Some((Some(0), Some(1))) {
        return Ok(());
    }
    Err(StoreError::Sqlite {
        code: codes::CORRUPT,
        message: format!(
            "database disk image is malformed: renaming table {from} to {to} did not reach sqlite_master \
             (PRAGMA integrity_check says where the damage is)"
        ),
        sql: Some(statement),
    })
}

/// The table's AUTOINCREMENT counter, if it has one (`sqlite_sequence` exists only once some
/// AUTOINCREMENT table has been created).
fn autoincrement_counter<C: SqlConn + ?Sized>(conn: &C, table: &str) -> Result<Option<i64>, StoreError> {
    let Some((n, s)) = sequence_columns(conn)? else { return Ok(None) };
    conn.query_i64(&format!("SELECT {s} FROM sqlite_sequence WHERE {n} = ?1"), &[table])
}

/// The names of `sqlite_sequence`'s two columns (table name, counter), quoted, or `None` when the
/// file has no such table. SQLite reads and writes that table by column position, so its CREATE
/// text can name them otherwise (damage: `sqlite_sequence(name,suq)`; tests/rebuild.rs
/// `a_sqlite_sequence_with_other_column_names_keeps_the_counters`); this reads them by position
/// too. A name that is not UTF-8 cannot be written in SQL: then the counter is left as SQLite keeps
/// it.
fn sequence_columns<C: SqlConn + ?Sized>(conn: &C) -> Result<Option<(String, String)>, StoreError> {
    if conn.query_i64("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'", &[])? != Some(1) {
        return Ok(None);
    }
    let names = conn.query_strings("SELECT name FROM pragma_table_info('sqlite_sequence') ORDER BY cid", &[])?;
    match names.as_slice() {
        [n, s] if !n.contains('\u{FFFD}') && !s.contains('\u{FFFD}') => Ok(Some((quote(n), quote(s)))),
        _ => Ok(None),
    }
}

/// Name and declared type of every column that holds data (generated columns are computed, not
/// stored, so they are neither copied nor carried over).
fn stored_columns<C: SqlConn + ?Sized>(conn: &C, table: &str) -> Result<Vec<(String, String)>, StoreError> {
    let rows = conn.query(&format!("PRAGMA main.table_xinfo({})", quote(table)), &[])?;
    Ok(rows
        .iter()
        .filter(|r| r.get(6).and_then(|v| v.as_i64()) == Some(0))
        .filter_map(|r| Some((r.get(1)?.as_str()?.to_string(), r.get(2)?.as_str().unwrap_or("").to_string())))
        .collect())
}

/// The error for a canonical `CREATE TABLE` the rebuild cannot take apart.
pub(crate) fn unreadable(db: &str, create: &str) -> StoreError {
    StoreError::InvalidSpec {
        db: db.to_string(),
        reason: format!("cannot read the table definition as `CREATE TABLE name (columns…)`: {create}"),
    }
}

/// `create` with the named columns' NOT NULL, PRIMARY KEY and UNIQUE constraints left out: the
/// definition a table takes when it keeps rows that have no value for those columns (a column the
/// file was written without). `None` when the statement cannot be read that way.
///
/// Read as SQLite reads it ([`sqltext`]): a column is found by its name however it is quoted, and
/// only the column's own top-level constraint keywords go (a `NOT NULL` inside its `CHECK (…)`,
/// a string or a comment stays). Everything else, comments included, is kept as written.
pub(crate) fn relax_columns(create: &str, columns: &[&str]) -> Option<String> {
    if columns.is_empty() {
        return Some(create.to_string());
    }
    let toks = sqltext::tokens(create);
    let open = toks.iter().position(|t| t.is_symbol("("))?;
    let close = sqltext::matching_close(&toks, open)?;
    // Byte ranges of `create` to leave out.
    let mut cut: Vec<(usize, usize)> = Vec::new();
    for part in sqltext::split_top_level(&toks[open + 1..close], ",")? {
        let named =
            part.first().and_then(|t| t.name()).is_some_and(|n| columns.iter().any(|c| c.eq_ignore_ascii_case(&n)));
        if !named {
            continue;
        }
        let mut depth = 0usize;
        let mut i = 1;
        while i < part.len() {
            let t = part[i];
            let next_is = |kw: &str| part.get(i + 1).is_some_and(|n| n.is(kw));
            let len = if t.is_symbol("(") {
                depth += 1;
                0
            } else if t.is_symbol(")") {
                depth = depth.saturating_sub(1);
                0
            } else if depth > 0 {
                0
            } else if (t.is("NOT") && next_is("NULL")) || (t.is("PRIMARY") && next_is("KEY")) {
                2
            } else if t.is("UNIQUE") {
                1
            } else {
                0
            };
            if len == 0 {
                i += 1;
                continue;
            }
            let mut end = i + len;
            // What belongs to the constraint: its sort order, AUTOINCREMENT, `ON CONFLICT <how>`.
            while part.get(end).is_some_and(|w| w.is("ASC") || w.is("DESC") || w.is("AUTOINCREMENT")) {
                end += 1;
            }
            if part.get(end).is_some_and(|w| w.is("ON")) && part.get(end + 1).is_some_and(|w| w.is("CONFLICT")) {
                end = (end + 3).min(part.len());
            }
            // With the spaces before it, so `a TEXT NOT NULL,` becomes `a TEXT,` (but not a
            // comment's closing line break, which would let the comment run on).
            let prev = part[i - 1].end();
            let from = if create[prev..t.start].trim().is_empty() { prev } else { t.start };
            cut.push((from, part[end - 1].end()));
            i = end;
        }
    }
    let mut out = String::with_capacity(create.len());
    let mut at = 0;
    for (from, to) in cut {
        out.push_str(&create[at..from]);
        at = to;
    }
    out.push_str(&create[at..]);
    Some(out)
}

/// `create` with its table name replaced by `to`: the name token right before the column list's
/// `(`, quoted or not, after `CREATE TABLE`, `IF NOT EXISTS` or a schema name. `None` when that
/// name is not `from` (compared as SQLite compares names) or there is no column list.
fn rename_created_table(create: &str, from: &str, to: &str) -> Option<String> {
    let toks = sqltext::tokens(create);
    let open = toks.iter().position(|t| t.is_symbol("("))?;
    let name = toks[..open].last()?;
    if !name.name().is_some_and(|n| n.eq_ignore_ascii_case(from)) {
        return None;
    }
    Some(format!("{}{}{}", &create[..name.start], quote(to), &create[name.end()..]))
}

#[cfg(test)]
mod tests {
    use super::{relax_columns, rename_created_table};

    #[test]
    fn relaxes_only_the_named_columns() {
        let create =
            "CREATE TABLE t (\n  id TEXT PRIMARY KEY,\n  entry TEXT NOT NULL,\n  name TEXT NOT NULL UNIQUE,\n  \
                      note TEXT NOT NULL DEFAULT 'a, b',\n  FOREIGN KEY (id) REFERENCES p(id) ON DELETE CASCADE\n)";
        let out = relax_columns(create, &["entry", "name"]).unwrap();
        assert!(out.contains(" entry TEXT,") && out.contains(" name TEXT,"), "{out}");
        assert!(out.contains("id TEXT PRIMARY KEY") && out.contains("note TEXT NOT NULL DEFAULT 'a, b'"), "{out}");
        assert!(out.contains("FOREIGN KEY (id) REFERENCES p(id) ON DELETE CASCADE"), "{out}");
        assert_eq!(relax_columns(create, &[]).unwrap(), create);
        // Names however quoted; constraints inside a CHECK, a string or a comment stay.
        let create =
            "CREATE TABLE t ([my col] TEXT NOT NULL -- the user's, (note\n  UNIQUE, \"a\"\"b\" INT PRIMARY KEY \
                      ASC ON CONFLICT ABORT CHECK (\"a\"\"b\" IS NOT NULL AND 1), c TEXT NOT NULL)";
        let out = relax_columns(create, &["my col", "a\"b"]).unwrap();
        assert_eq!(
            out,
            "CREATE TABLE t ([my col] TEXT -- the user's, (note\n  , \"a\"\"b\" INT CHECK (\"a\"\"b\" IS NOT NULL AND 1), \
             c TEXT NOT NULL)"
        );
    }

    #[test]
    fn renames_the_created_table_whatever_its_quoting() {
        for create in [
            "CREATE TABLE db_temp (oid TEXT)",
            "CREATE TABLE \"db_temp\" (oid TEXT)",
            "CREATE TABLE IF NOT EXISTS db_temp(oid TEXT REFERENCES db_temp(oid))",
            "CREATE TABLE [db_temp] /* (the temp table) */ (oid TEXT)",
            "CREATE TABLE main.`DB_TEMP`(oid TEXT)",
        ] {
            let out = rename_created_table(create, "db_temp", "db_temp__rebuild").unwrap();
            assert!(out.contains("\"db_temp__rebuild\""), "{out}");
            assert_eq!(out.matches("db_temp__rebuild").count(), 1, "{out}");
        }
        let out = rename_created_table("CREATE TABLE \"a\"\"(b\" (x)", "a\"(b", "a\"(b__rebuild").unwrap();
        assert_eq!(out, "CREATE TABLE \"a\"\"(b__rebuild\" (x)");
    }
}
