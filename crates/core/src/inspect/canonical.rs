//! The canonical schema of a store: what SQLite itself makes of the DDL that migrations run, read
//! back from a scratch database of the caller's engine. One scratch database gives all three
//! views the core compares with and rebuilds from, so they cannot disagree. (Each shipped
//! definition keeps its own: [`crate::Spec::canonical`].)

use super::catalog::{dump, index_sql, text, Index, IndexSql, Schema};
use super::drift::is_auto;
use crate::conn::SqlConn;
use crate::names::NameMap;
use crate::StoreError;

/// A schema definition as SQLite stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Canonical {
    /// Tables, columns, indexes and foreign keys, as the pragmas report them.
    pub schema: Schema,
    /// `CREATE INDEX` by index name (explicit indexes only), as SQLite stored it (without
    /// `IF NOT EXISTS`): what a wrongly defined index is rebuilt from.
    pub index_sql: IndexSql,
    /// `CREATE TABLE` by table name, as SQLite stored it: what a table is rebuilt to.
    pub table_sql: NameMap<String>,
}

impl Canonical {
    /// Build it from `ddl` on a scratch database of `conn`'s engine.
    pub fn build<C: SqlConn + ?Sized>(conn: &C, ddl: &str) -> Result<Canonical, StoreError> {
        let scratch = conn.scratch()?;
        scratch.exec(ddl)?;
        let tables =
            scratch.query("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL", &[])?;
        Ok(Canonical {
            schema: dump(&*scratch)?,
            index_sql: index_sql(&*scratch)?,
            table_sql: tables.into_iter().map(|r| (text(&r[0]), text(&r[1]))).collect(),
        })
    }

    /// The canonical indexes that exist under their canonical name with another definition
    /// (other columns, order, direction, collation, uniqueness or partial `WHERE`, or on another
    /// table), each with the `CREATE INDEX` to rebuild it from: `CREATE INDEX IF NOT EXISTS`
    /// skips them. `actual` is [`super::index_definitions`] of the file.
    pub fn misdefined_indexes<'a>(&'a self, actual: &NameMap<(String, Index)>) -> Vec<(&'a str, &'a str)> {
        let mut out = Vec::new();
        for (table, want_table) in &self.schema.tables {
            for (name, want) in want_table.indexes.iter().filter(|(i, _)| !is_auto(i)) {
                let (Some((on, have)), Some(create)) = (actual.get(name), self.index_sql.get(name)) else {
                    continue;
                };
                if on != table || have != want {
                    out.push((name.as_str(), create.as_str()));
                }
            }
        }
        out
    }
}
