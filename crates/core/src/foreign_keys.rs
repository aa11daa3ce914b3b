//! Foreign keys of adopted tables, and the rows whose parent row does not exist.
//!
//! Renaming a legacy parent table makes SQLite rewrite the references to it, but two shapes of old
//! file escape that: the parent was kept under its legacy name beside its replacement (a downgrade
//! round trip), or the file never had the parent at all. An adopted child then still names the
//! legacy table, and with enforcement on every later insert into it fails. Refusing such files
//! would stop a server that started yesterday (tests/foreign_keys.rs). Instead such a table is
//! rebuilt to its canonical definition with every row, and rows left without a parent (orphans) are
//! counted and reported, never deleted.

use crate::conn::SqlConn;
use crate::error::{codes, ForeignKeyViolation};
use crate::inspect::{self, Canonical, Columns, ForeignKey};
use crate::rebuild::{rebuild_table, relax_columns, unreadable, Fill};
use crate::sqltext::quote_name;
use crate::StoreError;

/// Whether two foreign-key lists declare different constraints (as sets: SQLite numbers them by
/// declaration order, which says nothing about what they enforce).
pub fn differ(have: &[ForeignKey], want: &[ForeignKey]) -> bool {
    let have = inspect::foreign_key_signature(have);
    let want = inspect::foreign_key_signature(want);
    have.len() != want.len() || want.iter().any(|fk| !have.contains(fk))
}

/// Rebuild every canonical table in `existed` whose foreign keys differ from the canonical ones, to
/// its canonical definition, keeping all rows (and any columns the definition lacks). Runs inside
/// the migration's transaction with enforcement paused. `nullable` names the columns the migration
/// had to add without their NOT NULL / UNIQUE: the rebuilt table keeps them that way, since its
/// rows hold NULL there. Returns the tables rebuilt, and the tables left with the foreign keys they
/// had (the report says so; tests/rebuild.rs
/// `a_table_with_a_column_name_that_is_not_utf8_keeps_its_stale_foreign_key`): one with a column
/// name that is not valid UTF-8 (every name in the SQL this crate writes is UTF-8 text, so such a
/// column cannot be copied under its own name), and one whose rows the canonical definition
/// refuses.
pub(crate) fn repair<C: SqlConn + ?Sized>(
    conn: &C,
    db: &str,
    canonical: &Canonical,
    existed: &Columns,
    nullable: &[crate::column_ref::ColumnRef],
) -> Result<Repaired, StoreError> {
    let mut out = Repaired::default();
    let (rebuilt, kept) = (&mut out.rebuilt, &mut out.kept);
    for (name, want) in canonical.schema.tables.iter().filter(|(t, _)| existed.contains_key(t)) {
        // Both views come from one scratch database, so a canonical table always has its text.
        let Some(create) = canonical.table_sql.get(name) else { continue };
        if !differ(&inspect::foreign_key_list(conn, name)?, &want.foreign_keys) {
            continue;
        }
        // The driver hands back a name that is not UTF-8 with U+FFFD in place of its bytes.
        if existed.get(name).is_some_and(|columns| columns.iter().any(|c| c.contains('\u{FFFD}'))) {
            kept.push(name.clone());
            continue;
        }
        let relaxed: Vec<&str> = nullable.iter().filter(|c| c.table == *name).map(|c| c.column.as_str()).collect();
        let create = relax_columns(create, &relaxed).ok_or_else(|| unreadable(db, create))?;
        // A savepoint, so a table whose rows the canonical definition cannot take (a damaged
        // definition: TEXT where the canonical one has an INTEGER PRIMARY KEY, say) is put back
        // as it was and kept (reported in `foreign_keys_kept`) rather than refusing the file.
        conn.exec("SAVEPOINT agentmux_foreign_keys")?;
        match rebuild_table(conn, db, name, &create, Fill::ByName) {
            Ok(relaxed) => {
                rebuilt.push(name.clone());
                out.relaxed.extend(relaxed);
            }
            Err(StoreError::RowsRefused { .. }) => {
                conn.exec("ROLLBACK TO agentmux_foreign_keys")?;
                kept.push(name.clone());
            }
            Err(e) if matches!(e.sqlite_code(), Some(codes::ERROR | codes::CONSTRAINT | codes::MISMATCH)) => {
                conn.exec("ROLLBACK TO agentmux_foreign_keys")?;
                kept.push(name.clone());
            }
            Err(e) => return Err(e),
        }
        conn.exec("RELEASE agentmux_foreign_keys")?;
    }
    Ok(out)
}

/// What [`repair`] did.
#[derive(Debug, Default)]
pub(crate) struct Repaired {
    /// Tables rebuilt to the canonical foreign keys.
    pub rebuilt: Vec<String>,
    /// Tables left with the foreign keys they had.
    pub kept: Vec<String>,
    /// Constraints a rebuilt table was declared without because its rows break them.
    pub relaxed: Vec<crate::rebuild::RelaxedConstraint>,
}

/// The orphans of one table, as `PRAGMA foreign_key_check` reports them.
pub(crate) fn violations<C: SqlConn + ?Sized>(conn: &C, table: &str) -> Result<Vec<ForeignKeyViolation>, StoreError> {
    let sql = format!("PRAGMA main.foreign_key_check({})", quote_name(table));
    Ok(conn
        .query(&sql, &[])?
        .iter()
        .map(|r| {
            let text = |i: usize| r.get(i).and_then(|v| v.as_str()).unwrap_or("?").to_string();
            ForeignKeyViolation {
                table: text(0),
                rowid: r.get(1).and_then(|v| v.as_i64()),
                parent: text(2),
                // The pragma always reports it; -1 only if a driver handed back something else.
                fkid: r.get(3).and_then(|v| v.as_i64()).unwrap_or(-1),
            }
        })
        .collect())
}
