//! Reading a schema back at the level SQLite itself reports it (`table_xinfo`, `index_xinfo`,
//! `foreign_key_list`), and comparing it with the canonical one built from the same DDL.
//!
//! Everything is read with the plain statement form, one `PRAGMA main.…("name")` per table or
//! index. The table-valued `pragma_…()` functions would fetch it in fewer queries, but they are
//! virtual tables, and the WebAssembly build leaves SQLite's virtual-table support out (about 9 KB
//! of the gzipped module). A migration's hot paths stay cheap: a fresh file has no table to ask
//! about, and an up-to-date one never gets here.

use std::sync::OnceLock;

use serde::Serialize;

use crate::conn::{Row, SqlConn, Value};
use crate::names::NameMap;
use crate::{Store, StoreError};

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
    pub hidden: i64,
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

impl Schema {
    /// Every index name across all tables.
    pub fn index_names(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tables.iter().flat_map(|(t, tab)| tab.indexes.keys().map(move |i| (t.as_str(), i.as_str())))
    }
}

/// The ordinary tables. Virtual tables (FTS, R-tree, …) belong to no store's schema and are left
/// out: their columns and rows are their module's, which the browser build may not have (their
/// shadow tables are ordinary tables and are listed), so every build describes a file alike.
pub(crate) const USER_TABLES: &str =
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
     AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'";

/// The rows of `PRAGMA main.<pragma>("<object>")`.
fn pragma<C: SqlConn + ?Sized>(conn: &C, pragma: &str, object: &str) -> Result<Vec<Row>, StoreError> {
    conn.query(&format!("PRAGMA main.{pragma}(\"{}\")", object.replace('"', "\"\"")), &[])
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

fn index_sql<C: SqlConn + ?Sized>(conn: &C) -> Result<IndexSql, StoreError> {
    let rows = conn.query("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL", &[])?;
    Ok(rows.into_iter().map(|r| (text(&r[0]), text(&r[1]))).collect())
}

/// Read the full pragma-level schema.
pub fn dump<C: SqlConn + ?Sized>(conn: &C) -> Result<Schema, StoreError> {
    let mut schema = Schema::default();
    let names = conn.query_strings(USER_TABLES, &[])?;
    if names.is_empty() {
        return Ok(schema);
    }
    let sql_of = index_sql(conn)?;
    for name in names {
        let columns = pragma(conn, "table_xinfo", &name)?
            .iter()
            .map(|r| Column {
                name: text(&r[1]),
                decl_type: text(&r[2]),
                not_null: int(&r[3]) != 0,
                default: opt_text(&r[4]),
                pk: int(&r[5]),
                hidden: int(&r[6]),
            })
            .collect();
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

/// Every index in the file by name, with the table it is on: the same definitions [`dump`] gives,
/// without the tables' columns and foreign keys, so verification can afford it inside a migration.
pub fn index_definitions<C: SqlConn + ?Sized>(conn: &C) -> Result<NameMap<(String, Index)>, StoreError> {
    let mut out = NameMap::new();
    let sql_of = index_sql(conn)?;
    for table in conn.query_strings("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'index'", &[])? {
        for (index, mut def) in index_list(conn, &table, &sql_of)? {
            def.columns = index_columns(conn, &index)?;
            out.insert(index, (table.clone(), def));
        }
    }
    Ok(out)
}

/// A table's foreign keys in a form that ignores SQLite's numbering of them (which follows
/// declaration order): each constraint as `(parent, [(from, to)], on_update, on_delete)`, in
/// SQLite's order. Compare them as sets (`contains`), not with `==`.
pub type ForeignKeySignature = Vec<ForeignKeyConstraint>;

/// One foreign-key constraint: parent table, `(from, to)` column pairs, ON UPDATE, ON DELETE.
pub type ForeignKeyConstraint = (String, Vec<(String, Option<String>)>, String, String);

pub fn foreign_key_signature(fks: &[ForeignKey]) -> ForeignKeySignature {
    // `PRAGMA foreign_key_list` lists each constraint's columns together, constraint by constraint.
    let mut out: Vec<(i64, ForeignKeyConstraint)> = Vec::new();
    for f in fks {
        match out.last_mut() {
            Some((id, fk)) if *id == f.id => fk.1.push((f.from.clone(), f.to.clone())),
            _ => out.push((
                f.id,
                (f.table.clone(), vec![(f.from.clone(), f.to.clone())], f.on_update.clone(), f.on_delete.clone()),
            )),
        }
    }
    out.into_iter().map(|(_, fk)| fk).collect()
}

/// One foreign key as it would be declared, for messages: `child(a) REFERENCES parent(b) ON DELETE CASCADE`.
fn describe_foreign_key(child: &str, fk: &ForeignKeyConstraint) -> String {
    let from: Vec<&str> = fk.1.iter().map(|(f, _)| f.as_str()).collect();
    let to: Vec<&str> = fk.1.iter().filter_map(|(_, t)| t.as_deref()).collect();
    let mut s = format!("{child}({}) REFERENCES {}({})", from.join(", "), fk.0, to.join(", "));
    if fk.2 != "NO ACTION" {
        s.push_str(&format!(" ON UPDATE {}", fk.2));
    }
    if fk.3 != "NO ACTION" {
        s.push_str(&format!(" ON DELETE {}", fk.3));
    }
    s
}

/// The foreign keys `table` should have but does not, described as declarations.
pub fn missing_foreign_keys(table: &str, have: &[ForeignKey], want: &[ForeignKey]) -> Vec<String> {
    let have = foreign_key_signature(have);
    foreign_key_signature(want)
        .iter()
        .filter(|fk| !have.contains(fk))
        .map(|fk| describe_foreign_key(table, fk))
        .collect()
}

/// The `CREATE` statements of a store's canonical schema as SQLite stored them (so without
/// `IF NOT EXISTS`): what a table with stale foreign keys and a wrongly defined index are rebuilt
/// from.
#[derive(Debug, Clone, Default)]
pub struct CanonicalSql {
    /// `CREATE TABLE` by table name.
    pub tables: NameMap<String>,
    /// `CREATE INDEX` by index name (explicit indexes only).
    pub indexes: IndexSql,
}

fn canonical_sql_from(ddl: &str) -> Result<CanonicalSql, StoreError> {
    let db = crate::backend::memory()?;
    db.exec(ddl)?;
    let rows = db.query("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL", &[])?;
    Ok(CanonicalSql {
        tables: rows.into_iter().map(|r| (text(&r[0]), text(&r[1]))).collect(),
        indexes: index_sql(&db)?,
    })
}

/// [`CanonicalSql`] of each shipped store, built once per process.
pub fn canonical_sql(store: Store) -> Result<&'static CanonicalSql, StoreError> {
    static CACHE: OnceLock<[CanonicalSql; 3]> = OnceLock::new();
    if let Some(all) = CACHE.get() {
        return Ok(&all[store as usize]);
    }
    let all = [
        canonical_sql_from(Store::Objects.ddl())?,
        canonical_sql_from(Store::Filestore.ddl())?,
        canonical_sql_from(Store::Sagas.ddl())?,
    ];
    Ok(&CACHE.get_or_init(|| all)[store as usize])
}

/// [`canonical_sql`] of `spec`: cached for a shipped definition, built for any other.
pub fn canonical_sql_of(spec: &crate::Spec) -> Result<std::borrow::Cow<'static, CanonicalSql>, StoreError> {
    if spec.is_shipped() {
        return canonical_sql(spec.store).map(std::borrow::Cow::Borrowed);
    }
    canonical_sql_from(spec.ddl).map(std::borrow::Cow::Owned)
}

/// The canonical indexes that exist under their canonical name but with another definition
/// (other columns, order, direction, collation, uniqueness or partial `WHERE`, or on another
/// table): `CREATE INDEX IF NOT EXISTS` skips them, so they have to be rebuilt.
pub fn misdefined_indexes(canonical: &Schema, actual: &NameMap<(String, Index)>) -> Vec<String> {
    let mut out = Vec::new();
    for (table, want_table) in &canonical.tables {
        for (name, want) in want_table.indexes.iter().filter(|(i, _)| !is_auto(i)) {
            if let Some((on, have)) = actual.get(name) {
                if on != table || have != want {
                    out.push(name.clone());
                }
            }
        }
    }
    out
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

/// Every canonical table, column and (named) index that `conn` lacks, as `table`,
/// `table.column` or index names; used to verify a migration inside its transaction.
///
/// Columns are checked only for tables `check_columns` names. A migration passes the tables
/// that existed before it: a table it created came from the canonical DDL itself, so its columns
/// are canonical by construction, and skipping them keeps a fresh start to one catalogue query.
pub fn missing_from_canonical<C: SqlConn + ?Sized>(
    conn: &C,
    canonical: &Schema,
    check_columns: impl Fn(&str) -> bool,
) -> Result<Vec<String>, StoreError> {
    let (mut tables, mut indexes) = (Vec::new(), Vec::new());
    for row in conn.query("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index')", &[])? {
        match (row[0].as_str(), row[1].as_str()) {
            (Some("table"), Some(name)) => tables.push(name.to_string()),
            (Some(_), Some(name)) => indexes.push(name.to_string()),
            _ => {}
        };
    }
    let existed = canonical.tables.keys().any(|t| check_columns(t));
    let cols = if existed { table_columns(conn)? } else { Columns::default() };
    let fks = if existed { foreign_keys(conn)? } else { NameMap::new() };
    let mut missing = Vec::new();
    for (name, want) in &canonical.tables {
        if !tables.contains(name) {
            missing.push(name.clone());
            continue;
        }
        if check_columns(name) {
            let have = cols.get(name);
            for c in &want.columns {
                if !have.is_some_and(|h| h.contains(&c.name)) {
                    missing.push(format!("{name}.{}", c.name));
                }
            }
            // An adopted table keeps the constraints it was created with; one whose foreign key
            // points elsewhere (or is gone) would silently stop cascading.
            let have_fks = fks.get(name).map(Vec::as_slice).unwrap_or_default();
            missing.extend(missing_foreign_keys(name, have_fks, &want.foreign_keys));
        }
        for i in want.indexes.keys().filter(|i| !is_auto(i)) {
            if !indexes.contains(i) {
                missing.push(i.clone());
            }
        }
    }
    Ok(missing)
}

/// The canonical schema of a store, built once per process on an in-memory database of the
/// selected backend from the very DDL migrations run.
pub fn canonical(store: Store) -> Result<&'static Schema, StoreError> {
    static CACHE: OnceLock<[Schema; 3]> = OnceLock::new();
    if let Some(all) = CACHE.get() {
        return Ok(&all[store as usize]);
    }
    let build = |s: Store| -> Result<Schema, StoreError> {
        let db = crate::backend::memory()?;
        db.exec(s.ddl())?;
        dump(&db)
    };
    let all = [build(Store::Objects)?, build(Store::Filestore)?, build(Store::Sagas)?];
    Ok(&CACHE.get_or_init(|| all)[store as usize])
}

/// The canonical schema of `spec`: the cached one for a shipped definition, a freshly built one
/// for any other (a version under development).
pub fn canonical_of(spec: &crate::Spec) -> Result<std::borrow::Cow<'static, Schema>, StoreError> {
    if spec.is_shipped() {
        return canonical(spec.store).map(std::borrow::Cow::Borrowed);
    }
    let db = crate::backend::memory()?;
    db.exec(spec.ddl)?;
    dump(&db).map(std::borrow::Cow::Owned)
}

/// How a schema differs from the canonical one. Names are `table`, `table.column` or `index`.
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    pub missing_tables: Vec<String>,
    pub extra_tables: Vec<String>,
    pub missing_columns: Vec<String>,
    pub extra_columns: Vec<String>,
    /// Present on both sides but declared differently (type, NOT NULL, default or key).
    pub changed_columns: Vec<String>,
    pub missing_indexes: Vec<String>,
    pub extra_indexes: Vec<String>,
    /// Canonical index names that exist with another definition (columns, order, direction,
    /// collation, uniqueness, partial `WHERE`) or on another table; `migrate` rebuilds them.
    pub changed_indexes: Vec<String>,
    /// Canonical foreign keys a table lacks (it references another table or column, or has
    /// other actions), as declarations: `child(col) REFERENCES parent(col) ON DELETE CASCADE`.
    pub missing_foreign_keys: Vec<String>,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self == &Drift::default()
    }

    /// Everything canonical that is absent, as one list (what verification fails on).
    pub fn missing(&self) -> Vec<String> {
        let mut v = self.missing_tables.clone();
        v.extend(self.missing_columns.iter().cloned());
        v.extend(self.missing_indexes.iter().cloned());
        v.extend(self.missing_foreign_keys.iter().cloned());
        v
    }
}

/// Compare `actual` against `canonical`. SQLite's automatic indexes are compared by their table
/// and position rather than their generated names, since renames do not rename them.
pub fn drift(actual: &Schema, canonical: &Schema) -> Drift {
    let mut d = Drift::default();
    for (name, want) in &canonical.tables {
        let Some(have) = actual.tables.get(name) else {
            d.missing_tables.push(name.clone());
            continue;
        };
        for c in &want.columns {
            match have.columns.iter().find(|h| h.name == c.name) {
                None => d.missing_columns.push(format!("{name}.{}", c.name)),
                Some(h) if h != c => d.changed_columns.push(format!("{name}.{}", c.name)),
                Some(_) => {}
            }
        }
        for c in &have.columns {
            if !want.has_column(&c.name) {
                d.extra_columns.push(format!("{name}.{}", c.name));
            }
        }
        for (i, want_index) in want.indexes.iter().filter(|(i, _)| !is_auto(i)) {
            match have.indexes.get(i) {
                Some(h) if h != want_index => d.changed_indexes.push(i.clone()),
                Some(_) => {}
                // Index names are global: one on another table is the same name, misplaced.
                None if actual.tables.values().any(|t| t.indexes.contains_key(i)) => d.changed_indexes.push(i.clone()),
                None => d.missing_indexes.push(i.clone()),
            }
        }
        for i in have.indexes.keys().filter(|i| !is_auto(i)) {
            if !want.indexes.contains_key(i) && !canonical.tables.values().any(|t| t.indexes.contains_key(i)) {
                d.extra_indexes.push(i.clone());
            }
        }
        d.missing_foreign_keys.extend(missing_foreign_keys(name, &have.foreign_keys, &want.foreign_keys));
    }
    for name in actual.tables.keys() {
        if !canonical.tables.contains_key(name) {
            d.extra_tables.push(name.clone());
        }
    }
    d
}

fn is_auto(index: &str) -> bool {
    index.starts_with("sqlite_autoindex_")
}

/// Row count of every user table, by name.
pub fn row_counts<C: SqlConn + ?Sized>(conn: &C, schema: &Schema) -> Result<NameMap<i64>, StoreError> {
    let mut out = NameMap::new();
    for name in schema.tables.keys() {
        let n = conn.query_i64(&format!("SELECT count(*) FROM \"{}\"", name.replace('"', "\"\"")), &[])?;
        out.insert(name.clone(), n.unwrap_or(0));
    }
    Ok(out)
}

/// Collapse whitespace so SQL can be shown in one line (kept here too for callers of this module).
pub use crate::error::one_line;

// Not inlined: it would be copied into each caller. A byte scan rather than `rfind`, whose
// substring searcher costs 1.8 KB of wasm for this one use.
#[inline(never)]
fn where_clause(sql: &str) -> Option<String> {
    let flat = one_line(sql, usize::MAX);
    let bytes = flat.as_bytes();
    let mut at = bytes.len().checked_sub(7)?;
    while !bytes[at..at + 7].eq_ignore_ascii_case(b" WHERE ") {
        at = at.checked_sub(1)?;
    }
    Some(flat[at + 7..].trim().to_string())
}

fn text(v: &Value) -> String {
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
