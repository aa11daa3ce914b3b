//! Stage: canonical indexes. `CREATE INDEX IF NOT EXISTS` keeps an index that merely has the
//! canonical name, so those defined otherwise are rebuilt here, and verification then checks
//! that SQLite holds every canonical index as defined.

use crate::conn::SqlConn;
use crate::error::codes;
use crate::inspect::{self, Canonical};
use crate::sqltext::quote_name;
use crate::StoreError;

/// What the index stage did.
#[derive(Debug, Default)]
pub(super) struct Indexes {
    pub rebuilt: Vec<String>,
    /// Left as found: the rows break the canonical definition.
    pub kept: Vec<String>,
}

/// `CREATE INDEX IF NOT EXISTS` keeps an index that merely has the canonical name; drop each
/// such index and create the canonical one, inside the migration transaction. One the rows cannot
/// satisfy (duplicates under a UNIQUE definition) is put back as it was and reported in
/// `indexes_kept`; any other failure rolls everything back.
pub(super) fn rebuild_misdefined<C: SqlConn + ?Sized>(conn: &C, canonical: &Canonical) -> Result<Indexes, StoreError> {
    let mut out = Indexes::default();
    for (name, create) in canonical.misdefined_indexes(&inspect::index_definitions(conn)?) {
        let name = name.to_string();
        // A savepoint, so an index the rows cannot satisfy can be put back as it was.
        conn.exec("SAVEPOINT agentmux_index")?;
        let rebuilt = conn.exec(&format!("DROP INDEX {}", quote_name(&name))).and_then(|()| conn.exec(create));
        match rebuilt {
            Ok(()) => out.rebuilt.push(name),
            // The rows break the canonical definition (duplicates under a UNIQUE index): no row is
            // touched; the index stays as found and is reported (tests/indexes.rs
            // `an_index_the_rows_cannot_satisfy_is_kept_as_it_was_and_reported`).
            Err(e) if e.sqlite_code() == Some(codes::CONSTRAINT) => {
                conn.exec("ROLLBACK TO agentmux_index")?;
                out.kept.push(name);
            }
            Err(e) => return Err(e),
        }
        conn.exec("RELEASE agentmux_index")?;
    }
    Ok(out)
}

/// The canonical indexes SQLite does not hold as defined once the migration has run (`kept`
/// aside): checked on every file, fresh ones included, because the file can make SQLite build a
/// canonical index other than as written (tests/catalogue_repair.rs
/// `an_index_known_to_sqlite_by_another_spelling_is_repaired_and_rebuilt`): a `sqlite_master`
/// row whose name differs in case from the name in its `CREATE INDEX` text is found by
/// `CREATE INDEX IF NOT EXISTS` (names are case-insensitive) and by a look at `sqlite_master`,
/// but SQLite (and [`inspect::dump`]) know the index under the other name. That is not the
/// canonical schema, so the migration fails and rolls back rather than report success.
///
/// An index whose only difference is a `DESC` built ascending is the file's schema format, not
/// its contents ([`super::defences::only_desc_lost_to_schema_format`]): returned apart (the
/// second list), kept as SQLite built it and reported in `indexes_kept`.
pub(super) fn not_canonical<C: SqlConn + ?Sized>(
    conn: &C,
    canonical: &Canonical,
    kept: &[String],
) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let have = inspect::index_definitions(conn)?;
    let mut out: Vec<String> = canonical.index_sql.keys().filter(|i| !have.contains_key(i)).cloned().collect();
    let mut ascending = Vec::new();
    for (name, _) in canonical.misdefined_indexes(&have) {
        if kept.iter().any(|k| k == name) {
            continue;
        }
        // A defence that runs at verification, not in the first stage: it judges the indexes
        // SQLite has built, which exist only now.
        if super::defences::only_desc_lost_to_schema_format(canonical, &have, name) {
            ascending.push(name.to_string());
        } else {
            out.push(name.to_string());
        }
    }
    Ok((out, ascending))
}
