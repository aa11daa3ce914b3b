//! The defences against damaged or hand-edited catalogues: the first stage of every migration
//! that does work, before any table is renamed, rebuilt or created. Each keeps one invariant that
//! the later stages rely on:
//!
//! - [`check_catalogue`]: the catalogue b-tree is sound, so every schema change reaches it;
//! - `spelling::repair_catalogue`: every `sqlite_master` row spells its object (type, name,
//!   table) as SQLite holds it, so a drop or rename leaves no stale row behind; and
//!   `sqlite_sequence` names its columns `(name, seq)`, so SQLite's own renames work;
//! - `spelling::respell_canonical`: a canonical table or index spelled in another case carries
//!   the canonical spelling, so every later check, which compares names exactly, finds it;
//! - [`explain_damaged_encoding`]: a header whose text-encoding field is damaged is refused as
//!   such, not as an SQL error (applied to whatever error the migration ends with).
//!
//! Two defences live where their damage shows: a canonical `DESC` index that the file's schema
//! format builds ascending (`indexes::not_canonical`), and a missing column named like the rowid,
//! which `ALTER TABLE` cannot add (`start_shape`).

use crate::conn::SqlConn;
use crate::error::codes;
use crate::inspect::Canonical;
use crate::legacy::Rename;
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
/// another schema than the one reported (found by the `image` fuzz target). Checked first, on
/// the catalogue alone, which is a few pages. Damage elsewhere (a table's own pages) is not this
/// crate's to judge: such files are migrated, as the original module migrated them.
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
/// (The original module got through such a file only where it altered nothing; so does this
/// crate, since a file that needs no work is never altered.)
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
