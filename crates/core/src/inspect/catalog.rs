//! Reading a file's schema back as SQLite itself reports it: the catalogue (`sqlite_master`) and
//! the table pragmas (`table_xinfo`, `index_list`/`index_xinfo`, `foreign_key_list`). A row's
//! `type` is read without regard to case and its names as text even when stored as a BLOB, as
//! SQLite loads the row either way (a migration then rewrites it: `crate::spelling`).
//!
//! Each object is read with the statement form, one `PRAGMA main.…("name")` per table or index,
//! so a migration's checks cost a query per table it asks about and nothing for the rest: a fresh
//! file has no table to ask about, and an up-to-date one never gets here.

use serde::Serialize;

use crate::conn::{Row, SqlConn, Value};
use crate::names::NameMap;
use crate::sqltext::{quote_name, where_clause};
use crate::StoreError;

/// One column as `PRAGMA table_xinfo` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Column {
    pub name: String,
    pub decl_type: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// Position in the primary key (1-based), 0 when not part of it.
    pub pk: i64,
    /// 0 an ordinary column, 1 hidden (of a virtual table), 2 generated VIRTUAL, 3 generated
    /// STORED.
    pub hidden: i64,
    /// The collating sequence of its `COLLATE` clause, upper-cased; `None` for SQLite's default
    /// (`BINARY`). Read from the table's `CREATE TABLE` text, which is where SQLite keeps it (no
    /// pragma reports it).
    pub collation: Option<String>,
}

/// One foreign-key column mapping as `PRAGMA foreign_key_list` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForeignKey {
    pub id: i64,
    pub seq: i64,
    pub table: String,
    pub from: String,
    pub to: Option<String>,
    pub on_update: String,
    pub on_delete: String,
}

/// One index column as `PRAGMA index_xinfo` reports it (key columns only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexColumn {
    pub name: Option<String>,
    pub desc: bool,
    pub collation: String,
}

/// One index as `PRAGMA index_list` reports it, plus the `WHERE` of a partial index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    pub unique: bool,
    /// `c` (CREATE INDEX), `u` (UNIQUE constraint) or `pk`.
    pub origin: String,
    pub partial_where: Option<String>,
    pub columns: Vec<IndexColumn>,
}

/// A table: its columns in order, its foreign keys, and its indexes by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Table {
    pub columns: Vec<Column>,
    pub foreign_keys: Vec<ForeignKey>,
    pub indexes: NameMap<Index>,
}

impl Table {
    pub fn has_column(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c.name == name)
    }
}

/// A whole database schema, tables by name (SQLite's internal tables excluded).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    pub tables: NameMap<Table>,
}

/// The ordinary tables, by the names SQLite holds them under (`PRAGMA table_list`, which names a
/// table from its CREATE text, as every other pragma does, even where a damaged catalogue row
/// spells it otherwise). Virtual tables (FTS, R-tree, …) belong to no store's schema and are left
/// out: their columns and rows are their module's, which the browser build may not have. Their
/// shadow tables are ordinary tables and are listed (`shadow` where the module is compiled in,
/// `table` where it is not), so every build describes a file alike.
pub(crate) const USER_TABLES: &str = "SELECT name FROM pragma_table_list WHERE schema = 'main' \
     AND type IN ('table', 'shadow') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";

/// The rows of `PRAGMA main.<pragma>("<object>")`.
fn pragma<C: SqlConn + ?Sized>(conn: &C, pragma: &str, object: &str) -> Result<Vec<Row>, StoreError> {
    conn.query(&format!("PRAGMA main.{pragma}({})", quote_name(object)), &[])
}

/// The indexes of `table` as `PRAGMA index_list` reports them, with the `WHERE` of partial ones
/// taken from `sql_of` (index name → its `CREATE INDEX` text), keyed by index name.
fn index_list<C: SqlConn + ?Sized>(
    conn: &C,
    table: &str,
    sql_of: &IndexSql,
) -> Result<Vec<(String, Index)>, StoreError> {
    let mut out = Vec::new();
    for r in pragma(conn, "index_list", table)? {
        let name = text(&r[1]);
        let partial_where = if int(&r[4]) != 0 { sql_of.get(&name).and_then(|s| where_clause(s)) } else { None };
        out.push((name, Index { unique: int(&r[2]) != 0, origin: text(&r[3]), partial_where, columns: Vec::new() }));
    }
    Ok(out)
}

/// The key columns of `index` in order, as `PRAGMA index_xinfo` reports them.
fn index_columns<C: SqlConn + ?Sized>(conn: &C, index: &str) -> Result<Vec<IndexColumn>, StoreError> {
    Ok(pragma(conn, "index_xinfo", index)?
        .iter()
        .filter(|r| int(&r[5]) == 1)
        .map(|r| IndexColumn { name: opt_text(&r[2]), desc: int(&r[3]) != 0, collation: text(&r[4]) })
        .collect())
}

/// The `CREATE INDEX` text of every explicitly created index, by name.
pub type IndexSql = NameMap<String>;

pub fn index_sql<C: SqlConn + ?Sized>(conn: &C) -> Result<IndexSql, StoreError> {
    let rows = conn.query(
        "SELECT CAST(name AS TEXT), sql FROM sqlite_master WHERE lower(type) = 'index' AND sql IS NOT NULL",
        &[],
    )?;
    Ok(rows.into_iter().map(|r| (text(&r[0]), text(&r[1]))).collect())
}

/// The names of the tables and of the indexes in the catalogue (`sqlite_master`), in that order:
/// what adoption and verification decide by, in one query.
pub fn object_names<C: SqlConn + ?Sized>(conn: &C) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let (mut tables, mut indexes) = (Vec::new(), Vec::new());
    for row in conn.query(
        "SELECT lower(type), CAST(name AS TEXT) FROM sqlite_master WHERE lower(type) IN ('table', 'index')",
        &[],
    )? {
        match (row[0].as_str(), row[1].as_str()) {
            (Some("table"), Some(name)) => tables.push(name.to_string()),
            (Some(_), Some(name)) => indexes.push(name.to_string()),
            _ => {}
        }
    }
    Ok((tables, indexes))
}

/// Read the full pragma-level schema.
pub fn dump<C: SqlConn + ?Sized>(conn: &C) -> Result<Schema, StoreError> {
    let mut schema = Schema::default();
    let names = conn.query_strings(USER_TABLES, &[])?;
    if names.is_empty() {
        return Ok(schema);
    }
    let sql_of = index_sql(conn)?;
    let table_sql = table_sql(conn)?;
    for name in names {
        let columns = column_definitions(conn, &name, table_sql.get(&name).map(String::as_str))?;
        let mut indexes = NameMap::new();
        for (index, mut def) in index_list(conn, &name, &sql_of)? {
            def.columns = index_columns(conn, &index)?;
            indexes.insert(index, def);
        }
        let foreign_keys = foreign_key_list(conn, &name)?;
        schema.tables.insert(name, Table { columns, foreign_keys, indexes });
    }
    Ok(schema)
}

/// The `CREATE TABLE` text of every table, by name.
pub fn table_sql<C: SqlConn + ?Sized>(conn: &C) -> Result<NameMap<String>, StoreError> {
    let rows = conn.query(
        "SELECT CAST(name AS TEXT), sql FROM sqlite_master WHERE lower(type) = 'table' AND sql IS NOT NULL",
        &[],
    )?;
    Ok(rows.into_iter().map(|r| (text(&r[0]), text(&r[1]))).collect())
}

/// `table`'s columns as `PRAGMA table_xinfo` reports them, each with the collation its
/// `CREATE TABLE` text (`create`) gives it.
pub fn column_definitions<C: SqlConn + ?Sized>(
    conn: &C,
    table: &str,
    create: Option<&str>,
) -> Result<Vec<Column>, StoreError> {
    let written = create.and_then(crate::sqltext::table_columns).unwrap_or_default();
    Ok(pragma(conn, "table_xinfo", table)?
        .iter()
        .map(|r| {
            let name = text(&r[1]);
            let collation =
                written.iter().find(|w| w.name.eq_ignore_ascii_case(&name)).and_then(|w| w.collation.clone());
            Column {
                name,
                decl_type: text(&r[2]),
                not_null: int(&r[3]) != 0,
                default: opt_text(&r[4]),
                pk: int(&r[5]),
                hidden: int(&r[6]),
                collation,
            }
        })
        .collect())
}

/// Every user table's columns as [`column_definitions`] reads them, in two queries whatever the
/// number of tables (a migration reads this before and after its work): what a migration compares
/// its result with, to tell a declaration it kept from one it wrote.
pub fn declared_columns<C: SqlConn + ?Sized>(conn: &C) -> Result<NameMap<Vec<Column>>, StoreError> {
    const COLUMNS: &str = "SELECT l.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden \
         FROM pragma_table_list AS l, pragma_table_xinfo(l.name, 'main') AS p WHERE l.schema = 'main' \
         AND l.type IN ('table', 'shadow') AND l.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY l.name, p.cid";
    let mut out: NameMap<Vec<Column>> = NameMap::new();
    let rows = conn.query(COLUMNS, &[])?;
    if rows.is_empty() {
        return Ok(out);
    }
    let sql = table_sql(conn)?;
    let mut written: Option<(String, Vec<crate::sqltext::ColumnText>)> = None;
    for r in rows {
        let table = text(&r[0]);
        if written.as_ref().is_none_or(|(t, _)| *t != table) {
            // A text without the word COLLATE gives no column a collation: nothing to parse.
            let parsed = sql
                .get(&table)
                .filter(|s| s.to_ascii_uppercase().contains("COLLATE"))
                .and_then(|s| crate::sqltext::table_columns(s))
                .unwrap_or_default();
            written = Some((table.clone(), parsed));
        }
        let name = text(&r[1]);
        let collation = written
            .as_ref()
            .and_then(|(_, w)| w.iter().find(|w| w.name.eq_ignore_ascii_case(&name)))
            .and_then(|w| w.collation.clone());
        let column = Column {
            name,
            decl_type: text(&r[2]),
            not_null: int(&r[3]) != 0,
            default: opt_text(&r[4]),
            pk: int(&r[5]),
            hidden: int(&r[6]),
            collation,
        };
        match out.get_mut(&table) {
            Some(columns) => columns.push(column),
            None => {
                out.insert(table, vec![column]);
            }
        }
    }
    Ok(out)
}

/// Every index in the file by name, with the table it is on: the same definitions [`dump`] gives,
/// without the tables' columns and foreign keys, so verification can afford it inside a migration.
pub fn index_definitions<C: SqlConn + ?Sized>(conn: &C) -> Result<NameMap<(String, Index)>, StoreError> {
    let mut out = NameMap::new();
    let sql_of = index_sql(conn)?;
    for table in conn
        .query_strings("SELECT DISTINCT CAST(tbl_name AS TEXT) FROM sqlite_master WHERE lower(type) = 'index'", &[])?
    {
        for (index, mut def) in index_list(conn, &table, &sql_of)? {
            def.columns = index_columns(conn, &index)?;
            out.insert(index, (table.clone(), def));
        }
    }
    Ok(out)
}

/// `table`'s foreign keys as `PRAGMA foreign_key_list` reports them (in `id`, `seq` order).
pub fn foreign_key_list<C: SqlConn + ?Sized>(conn: &C, table: &str) -> Result<Vec<ForeignKey>, StoreError> {
    Ok(pragma(conn, "foreign_key_list", table)?
        .iter()
        .map(|r| ForeignKey {
            id: int(&r[0]),
            seq: int(&r[1]),
            table: text(&r[2]),
            from: text(&r[3]),
            to: opt_text(&r[4]),
            on_update: text(&r[5]),
            on_delete: text(&r[6]),
        })
        .collect())
}

/// Every user table's foreign keys (tables without any are left out).
pub fn foreign_keys<C: SqlConn + ?Sized>(conn: &C) -> Result<NameMap<Vec<ForeignKey>>, StoreError> {
    let mut out = NameMap::new();
    for name in conn.query_strings(USER_TABLES, &[])? {
        let fks = foreign_key_list(conn, &name)?;
        if !fks.is_empty() {
            out.insert(name, fks);
        }
    }
    Ok(out)
}

/// Column names per table: the cheap view of a schema that the migration's hot path needs (which
/// tables exist, which columns they have), without the full dump.
pub type Columns = NameMap<Vec<String>>;

pub fn table_columns<C: SqlConn + ?Sized>(conn: &C) -> Result<Columns, StoreError> {
    let mut out = Columns::new();
    for name in conn.query_strings(USER_TABLES, &[])? {
        let columns = pragma(conn, "table_info", &name)?.iter().map(|r| text(&r[1])).collect();
        out.insert(name, columns);
    }
    Ok(out)
}

/// Row count of every user table, by name; a table in `known` (counted already) is not scanned
/// again.
pub fn row_counts<C: SqlConn + ?Sized>(
    conn: &C,
    schema: &Schema,
    known: &NameMap<i64>,
) -> Result<NameMap<i64>, StoreError> {
    let mut out = NameMap::new();
    for name in schema.tables.keys() {
        if let Some(n) = known.get(name) {
            out.insert(name.clone(), *n);
            continue;
        }
        let n = conn.query_i64(&format!("SELECT count(*) FROM {}", quote_name(name)), &[])?;
        out.insert(name.clone(), n.unwrap_or(0));
    }
    Ok(out)
}

pub(crate) fn text(v: &Value) -> String {
    opt_text(v).unwrap_or_default()
}

fn opt_text(v: &Value) -> Option<String> {
    match v {
        Value::Text(s) => Some(s.clone()),
        Value::Integer(i) => Some(i.to_string()),
        // The catalogue and pragmas never report REAL values; skipping them also keeps float
        // formatting out of the wasm module.
        Value::Null | Value::Real(_) | Value::Blob(_) => None,
    }
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}
