//! A version's schema as plain SQL text: every `CREATE` statement SQLite keeps for the canonical
//! DDL, tables then indexes, each sorted by name, plus the upgrade steps that lead there.
//!
//! One file per shipped version lives in `src/sql/snapshots/` ([`SHIPPED`]; written by
//! `cargo run --example snapshot -- <store>` when a version is bumped, then never edited; the tests read
//! the same files). A migration brings a file to the
//! canonical schema of the version it is stamped with, built from that version's snapshot, before
//! the steps of each later version run ([`canonical_at`]). The tests build a file from each
//! snapshot and migrate it, and compare the current version's snapshot with this build's DDL, so
//! a schema edit without a version bump fails the tests.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::conn::SqlConn;
use crate::inspect::Canonical;
use crate::sqltext::{self, one_line};
use crate::steps::Change;
use crate::{Spec, Store, StoreError};

/// Every shipped version of every store: its canonical schema as SQLite stored it. A version bump
/// adds a line here and its file.
pub const SHIPPED: &[(Store, i64, &str)] = &[
    (Store::Objects, 1, include_str!("sql/snapshots/objects_v1.sql")),
    (Store::Objects, 2, include_str!("sql/snapshots/objects_v2.sql")),
    (Store::Objects, 3, include_str!("sql/snapshots/objects_v3.sql")),
    (Store::Objects, 4, include_str!("sql/snapshots/objects_v4.sql")),
    (Store::Filestore, 1, include_str!("sql/snapshots/filestore_v1.sql")),
    (Store::Sagas, 1, include_str!("sql/snapshots/sagas_v1.sql")),
];

/// The version whose canonical shape a file stamped `found` is brought to before any step runs:
/// `found` itself, or, for an unstamped file (0, from before versions were stamped), the first
/// shipped version of the store, or `spec`'s own version when none older is known.
pub(crate) fn starting_version(spec: &Spec, found: i64) -> i64 {
    let first = SHIPPED.iter().filter(|(s, _, _)| *s == spec.store).map(|(_, v, _)| *v).min();
    let start = if found > 0 { found } else { first.unwrap_or(spec.version) };
    start.min(spec.version)
}

/// The canonical schema of `spec`'s store at `version`: `spec`'s own at its version, else the
/// shipped snapshot's (built once per process on a scratch database of `conn`'s engine). A version
/// with no snapshot (a definition under development that skips one) falls back to `spec`'s own.
pub(crate) fn canonical_at<C: SqlConn + ?Sized>(
    conn: &C,
    spec: &Spec,
    version: i64,
) -> Result<Cow<'static, Canonical>, StoreError> {
    let found = SHIPPED.iter().position(|(s, v, _)| *s == spec.store && *v == version);
    let Some(at) = found.filter(|_| version != spec.version) else { return spec.canonical(conn) };
    static CACHE: [OnceLock<Canonical>; SHIPPED.len()] = [const { OnceLock::new() }; SHIPPED.len()];
    if let Some(done) = CACHE[at].get() {
        return Ok(Cow::Borrowed(done));
    }
    let built = Canonical::build(conn, SHIPPED[at].2)?;
    Ok(Cow::Borrowed(CACHE[at].get_or_init(|| built)))
}

/// The names of the tables `spec`'s store defines at `version`, read from the shipped snapshot's
/// text (far cheaper than [`canonical_at`], which builds the schema on a scratch database), as
/// SQLite names them: every statement is a plain `CREATE TABLE <name> (…)` or `CREATE [UNIQUE]
/// INDEX`. `None` where [`canonical_at`] is `spec`'s own schema (its version, or no snapshot)
/// or a statement has another form (the caller then asks [`canonical_at`]).
pub(crate) fn table_names_at(spec: &Spec, version: i64) -> Option<&'static [String]> {
    if version == spec.version {
        return None;
    }
    let at = SHIPPED.iter().position(|(s, v, _)| *s == spec.store && *v == version)?;
    // Read once per process: the snapshots are `'static` text.
    static CACHE: [OnceLock<Option<Vec<String>>>; SHIPPED.len()] = [const { OnceLock::new() }; SHIPPED.len()];
    CACHE[at].get_or_init(|| table_names(SHIPPED[at].2)).as_deref()
}

/// The names of the tables a snapshot's text creates, as SQLite names them, or `None` when a
/// statement is not a plain `CREATE TABLE <name> (…)` or `CREATE [UNIQUE] INDEX` (the names
/// are then only known from the schema built from it).
pub fn table_names(text: &str) -> Option<Vec<String>> {
    let toks = sqltext::tokens(text);
    let mut names = Vec::new();
    for statement in sqltext::split_top_level(&toks, ";")? {
        match statement {
            [] => {}
            [create, table, name, open, ..] if create.is("CREATE") && table.is("TABLE") && open.is_symbol("(") => {
                names.push(name.name()?);
            }
            [create, index, ..] if create.is("CREATE") && index.is("INDEX") => {}
            [create, unique, index, ..] if create.is("CREATE") && unique.is("UNIQUE") && index.is("INDEX") => {}
            _ => return None,
        }
    }
    Some(names)
}

/// The snapshot text of `spec`: a header, the canonical schema (built on a scratch database of
/// `conn`'s engine), and its steps as comments.
pub fn render<C: SqlConn + ?Sized>(conn: &C, spec: &Spec) -> Result<String, StoreError> {
    let canonical = spec.canonical(conn)?;
    let mut out = format!(
        "-- {} v{}: the canonical schema of this version (generated by `cargo run --example snapshot`; never edit)\n",
        spec.store.file_name(),
        spec.version
    );
    for step in spec.steps {
        let what = match step.change {
            Change::AddColumn(a) => format!("add column {}.{} {}", a.table, a.column, a.definition),
            Change::Sql { name, sql } => format!("sql {name}: {}", one_line(sql, usize::MAX)),
            Change::RebuildTable { table, column_exprs } => {
                format!("rebuild {table} from: SELECT {}", one_line(column_exprs, usize::MAX))
            }
        };
        out += &format!("-- step v{}: {what}\n", step.since);
    }
    // Tables, then indexes, each in name order (SQLite's own tables left out).
    let statements = canonical.table_sql.iter().chain(canonical.index_sql.iter());
    for (_, statement) in statements.filter(|(name, _)| !name.starts_with("sqlite_")) {
        out += statement;
        out += ";\n";
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::table_names;

    #[test]
    fn table_names_only_from_plain_create_statements() {
        let names = table_names("CREATE TABLE \"a b\" (x);\nCREATE UNIQUE INDEX i ON \"a b\" (x);\nCREATE TABLE c(y);");
        assert_eq!(names, Some(vec!["a b".to_string(), "c".to_string()]));
        for other in
            ["CREATE VIRTUAL TABLE v USING fts5(x);", "CREATE TABLE IF NOT EXISTS t (x);", "CREATE VIEW v AS SELECT 1;"]
        {
            assert_eq!(table_names(other), None, "{other}");
        }
    }
}
