//! The defences against damaged or hand-edited catalogues, in one module. Each keeps one
//! invariant that the rest of the migration relies on:
//!
//! - [`check_catalogue`]: the catalogue b-tree is sound, so every schema change reaches it;
//! - `spelling::repair_catalogue`: every `sqlite_master` row spells its object (type, name,
//!   table) as SQLite holds it, so a drop or rename leaves no stale row behind; and
//!   `sqlite_sequence` names its columns `(name, seq)`, so SQLite's own renames work;
//! - `spelling::respell_canonical`: a canonical table or index spelled in another case carries
//!   the canonical spelling, so every later check, which compares names exactly, finds it;
//! - [`add_rowid_named_column`]: a canonical column named like the rowid (`oid`, `rowid`,
//!   `_rowid_`) that a table lacks is added, although `ALTER TABLE` refuses that name;
//! - [`only_desc_lost_to_schema_format`]: a canonical `DESC` index that the file's schema format
//!   builds ascending is told apart from a misdefined index, so such a file is migrated, every
//!   row kept, rather than refused;
//! - [`explain_damaged_encoding`]: a header whose text-encoding field is damaged is refused as
//!   such, not as an SQL error.
//!
//! The first three are the stage [`run`], the first of every migration that does work, before
//! any table is renamed, rebuilt or created. The other three cannot run then, because what they
//! look at does not exist yet: the rowid-named column is known to be missing only once legacy
//! tables are adopted and compared with the starting version's canonical shape, so `start_shape`
//! calls it for each such column; the `DESC` case is a property of the indexes SQLite has built,
//! so verification asks it once they are; and the encoding damage shows only as the error of
//! whatever `ALTER TABLE` first re-reads the schema, so `migrate` applies it to the
//! error the migration ends with.

use crate::conn::SqlConn;
use crate::error::codes;
use crate::inspect::{Canonical, Index};
use crate::legacy::Rename;
use crate::names::NameMap;
use crate::rebuild::{self, RelaxedConstraint};
use crate::spelling;
use crate::StoreError;

/// What the defences rewrote.
#[derive(Debug, Default)]
pub(super) struct Defended {
    pub catalogue_repaired: Vec<String>,
    pub tables_respelled: Vec<Rename>,
    pub indexes_respelled: Vec<String>,
}

/// Run every defence, in order, inside the migration's transaction.
pub(super) fn run<C: SqlConn + ?Sized>(conn: &C, db: &str, canonical: &Canonical) -> Result<Defended, StoreError> {
    check_catalogue(conn)?;
    let catalogue_repaired = spelling::repair_catalogue(conn, db)?;
    let respelled = spelling::respell_canonical(conn, canonical)?;
    Ok(Defended { catalogue_repaired, tables_respelled: respelled.tables, indexes_respelled: respelled.indexes })
}

/// Refuse, as `SQLITE_CORRUPT`, a file whose catalogue b-tree (`sqlite_master`) is damaged. Every
/// change to the schema rewrites rows of that b-tree, which SQLite finds by rowid, and in a
/// damaged one (rows out of order) a rewrite can miss its row without an error: a rename that
/// never reached the catalogue, a repaired row left as it was, and a file that comes out with
/// another schema than the one reported (tests/refusals.rs
/// `a_file_whose_catalogue_b_tree_is_damaged_is_refused_before_any_change`). Checked first, on
/// the catalogue alone, which is a few pages. Damage elsewhere (a table's own pages) is not this
/// crate's to judge: such files are migrated (tests/files.rs
/// `damage_inside_a_files_own_table_is_migrated_past_and_still_reported`).
pub(super) fn check_catalogue<C: SqlConn + ?Sized>(conn: &C) -> Result<(), StoreError> {
    const CHECK: &str = "PRAGMA main.integrity_check(sqlite_master)";
    let found = conn.query_strings(CHECK, &[])?;
    if found == ["ok"] {
        return Ok(());
    }
    Err(StoreError::Sqlite {
        code: codes::CORRUPT,
        message: format!(
            "database disk image is malformed: its catalogue (sqlite_master) is damaged, so no change to its \
             schema can be trusted to reach it: {}",
            found.join("; ").replace('\n', " ")
        ),
        sql: Some(CHECK.to_string()),
    })
}

/// SQLite's message when the text encoding in a file's header is not the one it opened the file
/// with.
const ENCODING_MISMATCH: &str = "attached databases must use the same text encoding as main database";

/// A header whose text-encoding field is not 0 but has its two low bits clear is damage (no
/// SQLite writes it): SQLite opens such a file as UTF-8, reads it and finds nothing wrong with
/// it, but refuses the field when it re-reads the schema, as every `ALTER TABLE` does, with a
/// message about attached databases. The file cannot be repaired through SQL (nothing rewrites
/// that field), so such a migration is refused as what it is: a damaged header, nothing written.
/// A file that needs no work is never altered, so it still starts (tests/refusals.rs
/// `a_damaged_header_encoding_is_named_and_a_current_file_still_starts`).
pub(super) fn explain_damaged_encoding(e: StoreError, db: &str) -> StoreError {
    match &e {
        StoreError::Sqlite { message, sql, .. } if message.contains(ENCODING_MISMATCH) => StoreError::NotADatabase {
            db: db.to_string(),
            reason: format!(
                "the text-encoding field of its header (bytes 56-59) is damaged: SQLite opens the file as UTF-8 \
                 but refuses to re-read its schema, which changing a table needs (SQLite: {message}{})",
                sql.as_deref().map(|s| format!(", while running: {s}")).unwrap_or_default()
            ),
        },
        _ => e,
    }
}

/// Whether `column` is one of the names SQLite gives the rowid of a table that has no column so
/// named: `ALTER TABLE … ADD COLUMN` refuses those names.
pub(super) fn is_rowid_name(column: &str) -> bool {
    ["oid", "rowid", "_rowid_"].iter().any(|r| column.eq_ignore_ascii_case(r))
}

/// What [`add_rowid_named_column`] did to its table.
pub(super) struct RowidRebuild {
    pub constraints_relaxed: Vec<RelaxedConstraint>,
    /// Canonical NOT NULL columns declared without it: rows hold NULL there.
    pub columns_nullable: Vec<String>,
}

/// The invariant: a table the file holds ends with every canonical column, even one named like the
/// rowid, which `ALTER TABLE` cannot add (it names the rowid there; tests/missing_columns.rs
/// `a_table_without_its_oid_column_is_rebuilt_with_it`). The table is rebuilt to its canonical
/// definition instead, every row and every other column kept. A canonical NOT NULL column that rows
/// would hold NULL in (the file was written without it, or declared it nullable) is declared
/// without its constraints, as `ALTER TABLE` adds one, rather than refusing the rows.
pub(super) fn add_rowid_named_column<C: SqlConn + ?Sized>(
    conn: &C,
    db: &str,
    canonical: &Canonical,
    table: &str,
) -> Result<RowidRebuild, StoreError> {
    let create = canonical.table_sql.get(table).ok_or_else(|| StoreError::InvalidSpec {
        db: db.to_string(),
        reason: format!("the canonical schema has no CREATE TABLE for {table}"),
    })?;
    let nullable = super::start_shape::columns_without_values(conn, &canonical.schema, table)?;
    let create = rebuild::relax_columns(create, &nullable.iter().map(String::as_str).collect::<Vec<_>>())
        .ok_or_else(|| rebuild::unreadable(db, create))?;
    let constraints_relaxed = rebuild::rebuild_table(conn, db, table, &create, rebuild::Fill::ByName)?;
    Ok(RowidRebuild { constraints_relaxed, columns_nullable: nullable })
}

/// The invariant: a file is never refused for its schema format. SQLite honours `DESC` in `CREATE
/// INDEX` only in a file whose schema format number (header offset 44) is 4. A file at format 0–3,
/// or one whose format word SQLite reads as 4 when it opens the file (the low byte) but `ALTER
/// TABLE ADD COLUMN` reads as negative and rewrites to 3, gets every canonical `DESC` index built
/// ascending, rebuilt or not. Whether index `name` (as SQLite holds it, in `have`) differs from its
/// canonical definition only so: then it is kept as built and reported in `indexes_kept`
/// (tests/indexes.rs `a_file_whose_schema_format_ignores_desc_is_migrated_saying_so`).
pub(super) fn only_desc_lost_to_schema_format(
    canonical: &Canonical,
    have: &NameMap<(String, Index)>,
    name: &str,
) -> bool {
    have.get(name).is_some_and(|(on, got)| {
        canonical.schema.tables.get(on).and_then(|t| t.indexes.get(name)).is_some_and(|want| {
            got.unique == want.unique
                && got.origin == want.origin
                && got.partial_where == want.partial_where
                && got.columns.len() == want.columns.len()
                && got.columns.iter().zip(&want.columns).all(|(g, w)| {
                    g.name == w.name && g.collation == w.collation && (g.desc == w.desc || (w.desc && !g.desc))
                })
        })
    })
}
