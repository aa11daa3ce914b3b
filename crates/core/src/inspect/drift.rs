//! How a file's schema differs from the canonical one: the full comparison `status` shows, and
//! the narrower checks a migration makes inside its transaction.

use serde::Serialize;

use super::catalog::{foreign_keys, object_names, Column, ForeignKey, Schema};
use crate::conn::SqlConn;
use crate::names::NameMap;
use crate::{SchemaGap, StoreError};

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

/// Every canonical table, column, foreign key and (named) index that `conn` lacks; used to verify
/// a migration inside its transaction.
///
/// Columns are checked only for tables `check_columns` names. A migration passes the tables
/// that existed before it: a table it created came from the canonical DDL itself, so its columns
/// are canonical by construction, and skipping them keeps a fresh start to one catalogue query.
/// `declared` is the file's [`super::declared_columns`], read by the caller when `check_columns` names a
/// canonical table (verification compares the same read with the canonical declarations, in
/// [`columns_not_canonical`]); its hidden and generated columns do not count, as `PRAGMA
/// table_info` leaves them out.
pub fn missing_from_canonical<C: SqlConn + ?Sized>(
    conn: &C,
    canonical: &Schema,
    check_columns: impl Fn(&str) -> bool,
    declared: &NameMap<Vec<Column>>,
) -> Result<Vec<SchemaGap>, StoreError> {
    let (tables, indexes) = object_names(conn)?;
    let existed = canonical.tables.keys().any(|t| check_columns(t));
    let fks = if existed { foreign_keys(conn)? } else { NameMap::new() };
    let mut missing = Vec::new();
    for (name, want) in &canonical.tables {
        if !tables.contains(name) {
            missing.push(SchemaGap::Table(name.clone()));
            continue;
        }
        if check_columns(name) {
            let have = declared.get(name);
            for c in &want.columns {
                if !have.is_some_and(|h| h.iter().any(|h| h.hidden == 0 && h.name == c.name)) {
                    missing.push(SchemaGap::Column { table: name.clone(), column: c.name.clone() });
                }
            }
            // An adopted table keeps the constraints it was created with; one whose foreign key
            // points elsewhere (or is gone) would silently stop cascading.
            let have_fks = fks.get(name).map(Vec::as_slice).unwrap_or_default();
            missing.extend(
                missing_foreign_keys(name, have_fks, &want.foreign_keys)
                    .into_iter()
                    .map(|declaration| SchemaGap::ForeignKey { table: name.clone(), declaration }),
            );
        }
        for i in want.indexes.keys().filter(|i| !is_auto(i)) {
            if !indexes.contains(i) {
                missing.push(SchemaGap::Index(i.clone()));
            }
        }
    }
    Ok(missing)
}

/// One column as it would be declared, for messages: `INTEGER NOT NULL DEFAULT 0 COLLATE NOCASE`.
pub fn describe_column(c: &Column) -> String {
    let mut s = if c.decl_type.is_empty() { "(no type)".to_string() } else { c.decl_type.clone() };
    if c.pk > 0 {
        s.push_str(" PRIMARY KEY");
    }
    if c.not_null {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    if let Some(coll) = &c.collation {
        s.push_str(&format!(" COLLATE {coll}"));
    }
    match c.hidden {
        0 => {}
        1 => s.push_str(" (hidden)"),
        2 => s.push_str(" (generated, virtual)"),
        _ => s.push_str(" (generated, stored)"),
    }
    s
}

/// Whether `have` is declared as `want`: the same declared type (compared as SQLite reads type
/// names, without regard to case), NOT NULL, default (as written), primary-key position,
/// collation and hidden/generated kind. With `relaxed`, a column that was declared without its
/// NOT NULL, PRIMARY KEY or default because existing rows have no value for it (a migration
/// reports it in `columns_nullable`) also matches; nothing else about it may differ.
pub fn same_definition(have: &Column, want: &Column, relaxed: bool) -> bool {
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_uppercase();
    let loose = relaxed && !have.not_null && have.pk == 0;
    words(&have.decl_type) == words(&want.decl_type)
        && (have.not_null == want.not_null || (loose && want.not_null))
        && (have.pk == want.pk || (loose && want.pk > 0))
        && (have.default == want.default || (loose && have.default.is_none()))
        && have.collation == want.collation
        && have.hidden == want.hidden
}

/// The canonical columns of the tables `check(table)` names whose declaration differs from the
/// canonical one, each shown as `table.column declared … (canonical: …)`. Two differences are not the
/// migration's doing and pass:
/// - `as_found(table, column)`: the file declared the column exactly so before the migration
///   (a legacy or hand-made declaration, kept as found; `status` shows it as a changed column);
/// - `relaxed(table, column)`: the migration reported declaring it without its NOT NULL, PRIMARY
///   KEY or default because existing rows have no value for it (`columns_nullable`); it may lack
///   exactly that, and nothing else.
///
/// Without this, a wrong step (an `AddColumn` whose definition is not the DDL's, a data step that
/// redefines a column) would be stamped with the version: a second shape of one version, which no
/// later step could assume.
///
/// `declared` is the file's [`super::declared_columns`] (read when `check` names a canonical table).
pub fn columns_not_canonical(
    declared: &NameMap<Vec<Column>>,
    canonical: &Schema,
    check: impl Fn(&str) -> bool,
    as_found: impl Fn(&str, &Column) -> bool,
    relaxed: impl Fn(&str, &str) -> bool,
) -> Result<Vec<SchemaGap>, StoreError> {
    let mut out = Vec::new();
    for (table, want) in canonical.tables.iter().filter(|(t, _)| check(t)) {
        let have = declared.get(table).map(Vec::as_slice).unwrap_or_default();
        for w in &want.columns {
            // A column that is missing altogether is reported by `missing_from_canonical`.
            let Some(h) = have.iter().find(|h| h.name.eq_ignore_ascii_case(&w.name)) else { continue };
            if !same_definition(h, w, relaxed(table, &w.name)) && !as_found(table, h) {
                out.push(SchemaGap::Declaration {
                    table: table.clone(),
                    column: w.name.clone(),
                    detail: format!("declared {} (canonical: {})", describe_column(h), describe_column(w)),
                });
            }
        }
    }
    Ok(out)
}

/// How a schema differs from the canonical one. Names are `table`, `table.column` or `index`.
#[cfg_attr(all(target_arch = "wasm32", feature = "js"), derive(tsify::Tsify))]
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

pub(crate) fn is_auto(index: &str) -> bool {
    index.starts_with("sqlite_autoindex_")
}
