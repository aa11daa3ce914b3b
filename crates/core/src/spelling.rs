//! Names the catalogue spells other than SQLite does, repaired before a migration touches them.
//!
//! SQLite takes a table's or index's name from its `CREATE` text (an automatic index's from its
//! row), compares names without regard to ASCII case, and keeps a second copy in the
//! `sqlite_master` row (`name`, `tbl_name`). Damage or a hand edit can make the two disagree, and
//! a file can spell a canonical name in another case. Such files must migrate (`CREATE … IF NOT
//! EXISTS` finds the object whatever its spelling; tests/catalogue_repair.rs, tests/spelling.rs),
//! but a plain migration would go wrong on them:
//! - `DROP TABLE`/`DROP INDEX` and renames delete or rewrite catalogue rows by SQLite's spelling,
//!   compared exactly, so a row spelled otherwise survives them and points at freed pages (a
//!   file that passed `integrity_check` comes out malformed);
//! - a canonical table or index spelled in another case is found by `IF NOT EXISTS`, but every
//!   check of this crate, like SQLite's pragmas, names it by its own spelling.
//!
//! So, inside the migration's transaction and before anything else: each catalogue row is made to
//! spell its object as SQLite holds it ([`repair_catalogue`], reported in
//! `MigrationReport::catalogue_repaired`), then each canonical table spelled in another case is
//! renamed to the canonical spelling (rows kept; reported in `tables_renamed`) and each canonical
//! index spelled in another case is dropped, so the schema step creates it as canonical
//! (reported in `indexes_rebuilt`) ([`respell_canonical`]); once legacy tables are adopted, each
//! canonical column spelled in another case is renamed ([`respell_columns`]).

use crate::conn::{SqlConn, Value};
use crate::inspect::Canonical;
use crate::legacy::Rename;
use crate::sqltext::{quote_literal, quote_name as quoted};
use crate::StoreError;

fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        _ => String::new(),
    }
}

/// Every table and index as SQLite holds it: `(is_index, name, table)`.
fn held<C: SqlConn + ?Sized>(conn: &C) -> Result<Vec<(bool, String, String)>, StoreError> {
    let mut out = Vec::new();
    for t in conn.query("PRAGMA main.table_list", &[])? {
        let (schema, table) = (text(&t[0]), text(&t[1]));
        if schema != "main" {
            continue;
        }
        for i in conn.query(&format!("PRAGMA main.index_list({})", quoted(&table)), &[])? {
            out.push((true, text(&i[1]), table.clone()));
        }
        out.push((false, table.clone(), table));
    }
    Ok(out)
}

/// Make every table and index row of `sqlite_master` spell its `type` in lower case and its
/// `name` and `tbl_name` as SQLite holds the object, and say what was rewritten
/// (`index x: tbl_name "a" → "b"`). A row is matched to the table or index whose name equals its
/// `name` but for ASCII case (names are unique that way, so there is at most one), and given that
/// object's kind as its `type`. A row that
/// matches none is an object SQLite does not hold at all, which nothing can safely rewrite:
/// [`StoreError::NotADatabase`], before anything is written. Must run inside the migration's
/// transaction (the rows are rolled back with it).
pub fn repair_catalogue<C: SqlConn + ?Sized>(conn: &C, db: &str) -> Result<Vec<String>, StoreError> {
    let held = held(conn)?;
    // SQLite loads a row by its CREATE text whatever case its `type` is spelled in, but every
    // reader of the catalogue (its own DROP included) compares `type` exactly.
    // Likewise whether the three are stored as TEXT or as a BLOB of the same bytes.
    let rows = conn.query(
        "SELECT rowid, CAST(type AS TEXT), CAST(name AS TEXT), CAST(tbl_name AS TEXT), \
         typeof(type) = 'text' AND typeof(name) = 'text' AND typeof(tbl_name) = 'text' \
         FROM main.sqlite_master WHERE lower(CAST(type AS TEXT)) IN ('table', 'index')",
        &[],
    )?;
    let mut fixes = Vec::new();
    for row in &rows {
        let (spelled, name, table) = (text(&row[1]), text(&row[2]), text(&row[3]));
        let kind = spelled.to_ascii_lowercase();
        let is_index = kind == "index";
        let stored_as_text = row[4].as_i64() == Some(1);
        if stored_as_text && spelled == kind && held.iter().any(|(i, n, t)| *i == is_index && *n == name && *t == table)
        {
            continue;
        }
        // Tables and indexes share one namespace, so the name alone finds the object; the row's
        // `type` may be what is wrong (an automatic index's row typed `table`: SQLite loads such a
        // row by its name and never reads its type).
        let Some((held_is_index, want_name, want_table)) = held.iter().find(|(_, n, _)| n.eq_ignore_ascii_case(&name))
        else {
            return Err(StoreError::NotADatabase {
                db: db.to_string(),
                reason: format!(
                    "malformed schema: sqlite_master lists {kind} {name} (on {table}), which SQLite does not hold"
                ),
            });
        };
        let kind = if *held_is_index { "index" } else { "table" }.to_string();
        let mut what = Vec::new();
        if !stored_as_text {
            what.push("stored as TEXT".to_string());
        }
        if spelled != kind {
            what.push(format!("type {spelled:?} → {kind:?}"));
        }
        if *want_name != name {
            what.push(format!("name {name:?} → {want_name:?}"));
        }
        if *want_table != table {
            what.push(format!("tbl_name {table:?} → {want_table:?}"));
        }
        let rowid = row[0].as_i64().unwrap_or_default().to_string();
        let what = format!("{kind} {want_name}: {}", what.join(", "));
        fixes.push((rowid, kind, want_name.clone(), want_table.clone(), what));
    }
    let mut written = repair_sequence_columns(conn)?;
    if fixes.is_empty() {
        return Ok(written);
    }
    // The catalogue is writable only this way. SQLite's own copy of the schema already spells
    // every object as the rows now do, so it needs no reload.
    conn.exec("PRAGMA writable_schema = ON")?;
    for (rowid, kind, name, table, what) in fixes {
        let update = conn.query(
            "UPDATE main.sqlite_master SET type = ?1, name = ?2, tbl_name = ?3 WHERE rowid = CAST(?4 AS INTEGER)",
            &[&kind, &name, &table, &rowid],
        );
        if let Err(e) = update {
            conn.exec("PRAGMA writable_schema = OFF")?;
            return Err(e);
        }
        written.push(what);
    }
    conn.exec("PRAGMA writable_schema = OFF")?;
    Ok(written)
}

/// Give `sqlite_sequence` its own column names, `(name, seq)`, where its CREATE text names them
/// otherwise (damage; SQLite reads and writes the table by position, so it works on). Every `ALTER
/// TABLE … RENAME` makes SQLite update that table by the column `name`, and fails ("no such column:
/// name") in such a file (tests/catalogue_repair.rs
/// `a_sequence_table_with_other_column_names_is_repaired_so_renames_work`). Only a table of two
/// columns is rewritten (the two SQLite writes); the schema version is bumped so that SQLite
/// re-reads the text at once.
fn repair_sequence_columns<C: SqlConn + ?Sized>(conn: &C) -> Result<Vec<String>, StoreError> {
    const CANONICAL: &str = "CREATE TABLE sqlite_sequence(name,seq)";
    if conn
        .query_i64("SELECT count(*) FROM main.sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'", &[])?
        != Some(1)
    {
        return Ok(Vec::new());
    }
    let names = conn.query_strings("SELECT name FROM pragma_table_info('sqlite_sequence') ORDER BY cid", &[])?;
    if names.len() != 2 || names == ["name", "seq"] {
        return Ok(Vec::new());
    }
    let version = conn.query_i64("PRAGMA main.schema_version", &[])?.unwrap_or_default();
    conn.exec("PRAGMA writable_schema = ON")?;
    let rewritten = conn
        .query("UPDATE main.sqlite_master SET sql = ?1 WHERE type = 'table' AND name = 'sqlite_sequence'", &[CANONICAL])
        .and_then(|_| conn.exec(&format!("PRAGMA main.schema_version = {}", version + 1)));
    conn.exec("PRAGMA writable_schema = OFF")?;
    rewritten?;
    Ok(vec![format!("table sqlite_sequence: columns ({}) → (name, seq)", names.join(", "))])
}

/// What [`respell_canonical`] did.
#[derive(Default)]
pub struct Respelled {
    pub tables: Vec<Rename>,
    pub indexes: Vec<String>,
}

/// Rename each table whose name is a canonical table's in another case to the canonical
/// spelling (through a temporary name: SQLite refuses a rename to a name it already holds), and
/// drop each index whose name is a canonical index's in another case (an index holds no data; the
/// schema step creates the canonical one). Runs after [`repair_catalogue`].
pub fn respell_canonical<C: SqlConn + ?Sized>(conn: &C, canonical: &Canonical) -> Result<Respelled, StoreError> {
    let mut out = Respelled::default();
    let rows = conn.query("SELECT type, name FROM main.sqlite_master WHERE type IN ('table', 'index')", &[])?;
    for row in &rows {
        let (kind, name) = (text(&row[0]), text(&row[1]));
        if kind == "table" {
            let Some((want, _)) =
                canonical.schema.tables.iter().find(|(t, _)| t.eq_ignore_ascii_case(&name) && **t != name)
            else {
                continue;
            };
            let temporary = format!("{want}_agentmux_respelling");
            crate::rebuild::rename_table(conn, &name, &temporary)?;
            crate::rebuild::rename_table(conn, &temporary, want)?;
            out.tables.push(Rename { from: name, to: want.clone() });
        } else if let Some(want) = canonical.index_sql.keys().find(|i| i.eq_ignore_ascii_case(&name) && **i != name) {
            conn.exec(&format!("DROP INDEX {}", quoted(&name)))?;
            out.indexes.push(want.clone());
        }
    }
    Ok(out)
}

/// Rename each column of a canonical table whose name is a canonical column's in another case to
/// the canonical spelling (through a temporary name, as for tables), so that every later step,
/// which compares names exactly, finds it. Runs once adoption has given legacy tables their
/// canonical names, against each of `versions` in turn (the starting version's schema, then this
/// build's): the same as one call per version, since a rename changes nothing but the name it
/// sets, which the columns read once are updated with. Returns `table.Column → table.column` for
/// each.
pub fn respell_columns<C: SqlConn + ?Sized>(conn: &C, versions: &[&Canonical]) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    // Read in one statement for the whole file (none on a fresh one). Only the canonical tables: a
    // virtual table's columns cannot be read where its module is left out (the browser build).
    let mut names: Vec<String> =
        versions.iter().flat_map(|v| v.schema.tables.keys()).map(|t| quote_literal(t)).collect();
    names.sort();
    names.dedup();
    let mut columns: Vec<(String, String)> = conn
        .query(
            &format!(
                "SELECT m.name, p.name FROM sqlite_master m, pragma_table_xinfo(m.name) p \
                 WHERE m.type = 'table' AND m.name IN ({})",
                names.join(", ")
            ),
            &[],
        )?
        .iter()
        .map(|r| (text(&r[0]), text(&r[1])))
        .collect();
    for canonical in versions {
        for (table, want) in canonical.schema.tables.iter() {
            for column in &want.columns {
                if columns.iter().any(|(t, c)| t == table && *c == column.name) {
                    continue;
                }
                // SQLite refuses to rename a column named like the rowid (`Oid`); the rebuild that
                // adds a missing `oid` copies it across instead (`add_missing_columns`).
                if ["oid", "rowid", "_rowid_"].iter().any(|r| column.name.eq_ignore_ascii_case(r)) {
                    continue;
                }
                let mut have = columns.iter_mut().filter(|(t, _)| t == table).map(|(_, c)| c);
                let Some(found) = have.find(|h| h.eq_ignore_ascii_case(&column.name)) else { continue };
                let temporary = format!("{}_agentmux_respelling", column.name);
                for (from, to) in [(found.as_str(), temporary.as_str()), (temporary.as_str(), column.name.as_str())] {
                    conn.exec(&format!(
                        "ALTER TABLE {} RENAME COLUMN {} TO {}",
                        quoted(table),
                        quoted(from),
                        quoted(to)
                    ))?;
                }
                out.push(format!("{table}.{found} → {table}.{}", column.name));
                *found = column.name.clone();
            }
        }
    }
    Ok(out)
}
