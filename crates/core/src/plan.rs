//! Deriving a version's upgrade steps from its DDL: the last shipped schema (a snapshot in
//! `src/sql/snapshots/`) and the edited DDL are both laid down on scratch databases and compared
//! as SQLite reports them, table by table, and the difference is written as the [`crate::Step`]s
//! to paste into `src/spec.rs`:
//!
//! - [`Change::AddColumn`](crate::Change::AddColumn) for a column appended to a table, when
//!   SQLite's `ALTER TABLE ADD COLUMN` takes its definition (tried on the old table in a scratch
//!   database): a constant default existing rows can take, or none on a nullable column;
//! - [`Change::RebuildTable`](crate::Change::RebuildTable), with the explicit column list, for
//!   anything else: a changed type, constraint, default, collation, foreign key or column order,
//!   or an added column `ALTER TABLE` refuses (PRIMARY KEY, UNIQUE, a non-constant default);
//! - a `Change::Sql` step dropping an index the DDL no longer has;
//! - a "needs a decision" line where no step follows from the DDL alone, saying what to write:
//!   a dropped column, a renamed table or column, a NOT NULL column without a default.
//!
//! Run by `cargo run --example plan -- <store>`; the result is reviewed code, and the pipeline's
//! verification still proves that the steps reach the DDL.

use crate::conn::SqlConn;
use crate::inspect::{Canonical, Column, Table};
use crate::sqltext::{self, quote_name, Kind};
use crate::{Store, StoreError};

/// One step of a plan, with owned text (a [`crate::Step`] holds `'static` strings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlannedStep {
    AddColumn { table: String, column: String, definition: String },
    RebuildTable { table: String, column_exprs: String },
    Sql { name: String, sql: String },
}

/// A change the DDL alone does not say how to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub table: String,
    /// What changed.
    pub what: String,
    /// What to write, for each reading of the change.
    pub write: String,
}

/// The steps from one version's schema to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub store: Store,
    /// The `since` of every step: the version after the shipped one.
    pub since: i64,
    pub steps: Vec<PlannedStep>,
    pub decisions: Vec<Decision>,
    /// What needs no step (tables and indexes the DDL creates, indexes every migration rebuilds).
    pub notes: Vec<String>,
}

/// The plan from `shipped` (the snapshot of version `since - 1`) to `ddl`, both laid down on
/// scratch databases of `conn`'s engine.
pub fn plan<C: SqlConn + ?Sized>(
    conn: &C,
    store: Store,
    since: i64,
    shipped: &str,
    ddl: &str,
) -> Result<Plan, StoreError> {
    let old = Canonical::build(conn, shipped)?;
    let new = Canonical::build(conn, ddl)?;
    let mut plan = Plan { store, since, steps: vec![], decisions: vec![], notes: vec![] };
    let user = |t: &&String| !t.starts_with("sqlite_");

    // Tables gone from the DDL, and tables new to it: a pair with the same columns may be a rename.
    let gone: Vec<&String> =
        old.schema.tables.keys().filter(user).filter(|t| !new.schema.tables.contains_key(t)).collect();
    let mut fresh: Vec<&String> =
        new.schema.tables.keys().filter(user).filter(|t| !old.schema.tables.contains_key(t)).collect();
    for table in gone {
        let names = column_names(&old.schema.tables[table.as_str()]);
        let twin = fresh.iter().position(|t| column_names(&new.schema.tables[t.as_str()]) == names);
        let list = names.iter().map(|n| ident(conn, n)).collect::<Result<Vec<_>, _>>()?.join(", ");
        let drop = format!("DROP TABLE IF EXISTS {}", quote_name(table));
        match twin {
            Some(i) => {
                let to = fresh.remove(i);
                plan.decisions.push(Decision {
                    table: table.clone(),
                    what: format!("table {table} is gone and {to} is new with the same columns: renamed?"),
                    write: format!(
                        "if {to} is {table} renamed, a data step moving the rows (the DDL creates {to} empty, \
                         before data steps run): {}; if {table} is dropped, a data step `{drop}` (its rows are lost: \
                         say so in the release notes)",
                        rust_sql_step(
                            since,
                            &format!("move {table} to {to}"),
                            &format!(
                                "INSERT INTO {} ({list}) SELECT {list} FROM {}; {drop}",
                                quote_name(to),
                                quote_name(table)
                            )
                        )
                    ),
                });
            }
            None => plan.decisions.push(Decision {
                table: table.clone(),
                what: format!("table {table} is gone from the DDL"),
                write: format!(
                    "to drop it from old files, a data step `{drop}` (its rows are lost: copy what is still needed \
                     first, in the same step); to keep old files' rows, nothing (status lists it as an extra table)"
                ),
            }),
        }
    }
    for table in fresh {
        plan.notes.push(format!("table {table} is new: the DDL creates it"));
    }

    for (table, want) in new.schema.tables.iter().filter(|(t, _)| user(t)) {
        let Some(have) = old.schema.tables.get(table) else { continue };
        table_plan(conn, &mut plan, table, have, want, &old, &new)?;
    }

    for (table, t) in old.schema.tables.iter().filter(|(t, _)| user(t)) {
        for name in t.indexes.keys().filter(|i| old.index_sql.contains_key(i)) {
            if !new.index_sql.contains_key(name) && new.schema.tables.contains_key(table) {
                plan.steps.push(PlannedStep::Sql {
                    name: format!("drop index {name}"),
                    sql: format!("DROP INDEX IF EXISTS {}", quote_name(name)),
                });
            }
        }
    }
    for (name, sql) in &new.index_sql {
        match old.index_sql.get(name) {
            None => plan.notes.push(format!("index {name} is new: the DDL creates it")),
            Some(before) if words(before) != words(sql) => plan.notes.push(format!(
                "index {name} is defined otherwise: every migration rebuilds a canonical index found with another \
                 definition, no step needed"
            )),
            Some(_) => {}
        }
    }
    Ok(plan)
}

/// The steps or decisions for one table present in both schemas.
fn table_plan<C: SqlConn + ?Sized>(
    conn: &C,
    plan: &mut Plan,
    table: &str,
    have: &Table,
    want: &Table,
    old: &Canonical,
    new: &Canonical,
) -> Result<(), StoreError> {
    let since = plan.since;
    let old_names = column_names(have);
    let new_names = column_names(want);
    let dropped: Vec<&String> = old_names.iter().filter(|n| !new_names.contains(n)).collect();
    let added: Vec<&Column> = want.columns.iter().filter(|c| !old_names.contains(&c.name)).collect();
    let old_text = parts(&old.table_sql[table]);
    let new_text = parts(&new.table_sql[table]);

    // What each new column is filled from in a rebuild: itself, or a value for a new one.
    let mut renamed_from: Vec<(String, String)> = Vec::new();
    if !dropped.is_empty() {
        for d in &dropped {
            let old_col = have.columns.iter().find(|c| &&c.name == d).expect("a column of the table");
            let twin = added.iter().find(|a| {
                a.decl_type.eq_ignore_ascii_case(&old_col.decl_type) && !renamed_from.iter().any(|(n, _)| *n == a.name)
            });
            if let Some(a) = twin {
                renamed_from.push((a.name.clone(), d.to_string()));
            }
        }
        let renames = renamed_from.clone();
        let exprs_renamed = rebuild_exprs(conn, want, |c| {
            if old_names.contains(&c.name) {
                Some(c.name.clone())
            } else {
                renames.iter().find(|(n, _)| *n == c.name).map(|(_, from)| from.clone())
            }
        })?;
        let exprs_dropped = rebuild_exprs(conn, want, |c| old_names.contains(&c.name).then(|| c.name.clone()))?;
        for d in &dropped {
            let what = match renames.iter().find(|(_, from)| from == *d) {
                Some((to, _)) => format!("column {table}.{d} is gone and {table}.{to} is new with its type: renamed?"),
                None => format!("column {table}.{d} is gone from the DDL: dropped?"),
            };
            let write = match renames.iter().find(|(_, from)| from == *d) {
                Some((to, _)) => format!(
                    "if {to} is {d} renamed: {}; if {d} is dropped (its values are lost): {}",
                    rust_rebuild(since, table, &exprs_renamed),
                    rust_rebuild(since, table, &exprs_dropped)
                ),
                None => format!(
                    "if {d} is dropped (its values are lost): {}; if it was renamed, put its old name in \
                     `column_exprs` where the new column stands",
                    rust_rebuild(since, table, &exprs_dropped)
                ),
            };
            plan.decisions.push(Decision { table: table.to_string(), what, write });
        }
        return Ok(());
    }

    // A column the rows have no value for: NOT NULL, no default, not the rowid.
    let valueless: Vec<&&Column> = added
        .iter()
        .filter(|c| c.not_null && c.default.is_none() && c.hidden == 0 && !is_rowid_alias(want, c))
        .collect();
    let common_old: Vec<&String> = old_names.iter().filter(|n| new_names.contains(n)).collect();
    let common_new: Vec<&String> = new_names.iter().filter(|n| old_names.contains(n)).collect();
    let appended = new_names.starts_with(&old_names);
    let same_text = match (&old_text, &new_text) {
        (Some(o), Some(n)) => {
            o.constraints == n.constraints
                && o.tail == n.tail
                && o.columns.iter().all(|(name, def)| n.columns.iter().all(|(m, d)| m != name || d == def))
        }
        _ => false,
    };
    let same_columns = have.columns.iter().all(|h| want.columns.iter().all(|w| w.name != h.name || w == h))
        && have.foreign_keys == want.foreign_keys;
    let unchanged = common_old == common_new && appended && same_text && same_columns;
    if unchanged && added.is_empty() {
        return Ok(());
    }
    if !valueless.is_empty() {
        for c in valueless {
            let exprs = rebuild_exprs(conn, want, |w| {
                if old_names.contains(&w.name) {
                    Some(w.name.clone())
                } else if w.name == c.name {
                    Some(format!("<an expression over the old columns giving {}>", w.name))
                } else {
                    None
                }
            })?;
            plan.decisions.push(Decision {
                table: table.to_string(),
                what: format!(
                    "column {table}.{} is NOT NULL without a default: existing rows have no value for it",
                    c.name
                ),
                write: format!(
                    "either give it a DEFAULT in the DDL that existing rows can take (the plan is then an \
                     AddColumn), or compute it from the old columns: {}",
                    rust_rebuild(since, table, &exprs)
                ),
            });
        }
        return Ok(());
    }
    if unchanged {
        // Only appended columns: `ALTER TABLE ADD COLUMN`, if SQLite takes each definition.
        let written = sqltext::table_columns(&new.table_sql[table]).unwrap_or_default();
        let definitions: Option<Vec<(String, String)>> = added
            .iter()
            .map(|c| written.iter().find(|w| w.name == c.name).map(|w| (c.name.clone(), w.definition.clone())))
            .collect();
        if let Some(definitions) = definitions {
            if alter_takes(conn, &old_names, table, &definitions)? {
                for (column, definition) in definitions {
                    plan.steps.push(PlannedStep::AddColumn { table: table.to_string(), column, definition });
                }
                return Ok(());
            }
        }
    }
    let exprs = rebuild_exprs(conn, want, |c| old_names.contains(&c.name).then(|| c.name.clone()))?;
    plan.steps.push(PlannedStep::RebuildTable { table: table.to_string(), column_exprs: exprs });
    Ok(())
}

/// Whether SQLite adds every `(column, definition)` to a table holding rows by `ALTER TABLE ADD
/// COLUMN`, tried on a scratch database. SQLite refuses some definitions only when the table has
/// rows (NOT NULL without a default, a non-constant default), and old files do: the scratch table
/// has the old columns, untyped, and one row.
fn alter_takes<C: SqlConn + ?Sized>(
    conn: &C,
    old_columns: &[String],
    table: &str,
    definitions: &[(String, String)],
) -> Result<bool, StoreError> {
    let scratch = conn.scratch()?;
    // Foreign keys on, as the server runs: SQLite then refuses a REFERENCES column with a
    // non-NULL default.
    scratch.exec("PRAGMA foreign_keys = ON")?;
    let list = old_columns.iter().map(|c| quote_name(c)).collect::<Vec<_>>().join(", ");
    scratch.exec(&format!("CREATE TABLE {} ({list}); INSERT INTO {0} DEFAULT VALUES", quote_name(table)))?;
    for (column, definition) in definitions {
        if scratch
            .exec(&format!("ALTER TABLE {} ADD COLUMN {} {definition}", quote_name(table), quote_name(column)))
            .is_err()
        {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The `column_exprs` of a rebuild to `want`: for each stored column, in order, what `source`
/// gives (a name of the old table, or an expression), else the column's default, else NULL.
fn rebuild_exprs<C: SqlConn + ?Sized>(
    conn: &C,
    want: &Table,
    source: impl Fn(&Column) -> Option<String>,
) -> Result<String, StoreError> {
    let mut out = Vec::new();
    for c in want.columns.iter().filter(|c| c.hidden == 0) {
        out.push(match source(c) {
            Some(expr) if expr.starts_with('<') => expr,
            Some(name) => ident(conn, &name)?,
            None => c.default.clone().unwrap_or_else(|| "NULL".to_string()),
        });
    }
    Ok(out.join(", "))
}

/// `name` as it can stand in a select list: bare where SQLite reads it so, quoted otherwise.
fn ident<C: SqlConn + ?Sized>(conn: &C, name: &str) -> Result<String, StoreError> {
    let plain = name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !plain {
        return Ok(quote_name(name));
    }
    // A keyword is plain text too; SQLite's parser says which names stand bare.
    let scratch = conn.scratch()?;
    let bare = scratch.exec(&format!("SELECT {name} FROM (SELECT 1 AS {})", quote_name(name))).is_ok();
    Ok(if bare { name.to_string() } else { quote_name(name) })
}

fn column_names(t: &Table) -> Vec<String> {
    t.columns.iter().map(|c| c.name.clone()).collect()
}

/// Whether `c` is the table's INTEGER PRIMARY KEY (the rowid: it always has a value).
fn is_rowid_alias(t: &Table, c: &Column) -> bool {
    c.pk == 1 && t.columns.iter().filter(|x| x.pk > 0).count() == 1 && c.decl_type.eq_ignore_ascii_case("INTEGER")
}

/// A `CREATE TABLE` text taken apart for comparison: each column's definition and each table
/// constraint as normalised token text (keywords and names upper-cased, quoting undone, layout
/// and comments gone), and what follows the column list (`WITHOUT ROWID`, `STRICT`).
#[derive(Debug, PartialEq)]
struct Parts {
    columns: Vec<(String, String)>,
    constraints: Vec<String>,
    tail: String,
}

fn parts(create: &str) -> Option<Parts> {
    let toks = sqltext::tokens(create);
    let open = toks.iter().position(|t| t.is_symbol("("))?;
    let close = sqltext::matching_close(&toks, open)?;
    let norm = |ts: &[sqltext::Token<'_>]| {
        ts.iter()
            .map(|t| match t.kind {
                Kind::Word | Kind::QuotedName => t.name().unwrap_or_default().to_ascii_uppercase(),
                _ => t.text.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = Parts { columns: vec![], constraints: vec![], tail: norm(&toks[close + 1..]) };
    for part in sqltext::split_top_level(&toks[open + 1..close], ",")? {
        let first = part.first()?;
        if ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"].iter().any(|k| first.is(k)) {
            out.constraints.push(norm(part));
        } else {
            let name = match first.kind {
                Kind::String => sqltext::unquote(first.text),
                _ => first.name()?,
            };
            out.columns.push((name, norm(&part[1..])));
        }
    }
    Some(out)
}

fn words(sql: &str) -> String {
    sqltext::tokens(sql).iter().map(|t| t.text.to_ascii_uppercase()).collect::<Vec<_>>().join(" ")
}

fn rust_rebuild(since: i64, table: &str, exprs: &str) -> String {
    format!("`Step {{ since: {since}, change: Change::RebuildTable {{ table: {table:?}, column_exprs: {exprs:?} }} }}`")
}

fn rust_sql_step(since: i64, name: &str, sql: &str) -> String {
    format!("`Step {{ since: {since}, change: Change::Sql {{ name: {name:?}, sql: {sql:?} }} }}`")
}

impl Plan {
    /// The plan as Rust to paste into `src/spec.rs`: the steps, then each decision as a comment.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.steps.is_empty() && self.decisions.is_empty() {
            out.push_str(&format!("// {}: no change to the schema needs a step.\n", self.store.file_name()));
        }
        for step in &self.steps {
            let change = match step {
                PlannedStep::AddColumn { table, column, definition } => format!(
                    "Change::AddColumn(AdditiveColumn {{\n        table: {table:?},\n        column: {column:?},\n        \
                     definition: {definition:?},\n    }})"
                ),
                PlannedStep::RebuildTable { table, column_exprs } => format!(
                    "Change::RebuildTable {{\n        table: {table:?},\n        column_exprs: {column_exprs:?},\n    }}"
                ),
                PlannedStep::Sql { name, sql } => {
                    format!("Change::Sql {{\n        name: {name:?},\n        sql: {sql:?},\n    }}")
                }
            };
            out.push_str(&format!("Step {{\n    since: {},\n    change: {change},\n}},\n", self.since));
        }
        for d in &self.decisions {
            out.push_str(&format!("// needs a decision: {}\n//   write: {}\n", d.what, d.write));
        }
        for n in &self.notes {
            out.push_str(&format!("// {n}\n"));
        }
        out
    }
}
