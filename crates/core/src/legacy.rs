//! Carrying a pre-flatten `objects.db` forward: the old `forge`/bundle table names, the indexes
//! that rode along with them, and tables kept only for a downgrade path that no longer exists.
//!
//! Renames rely on SQLite (≥ 3.26, bundled here) rewriting foreign-key references in child
//! tables, so the agent and identity cascades keep working under the new names.

use serde::Serialize;
use tracing::warn;

use crate::conn::SqlConn;
use crate::inspect::object_names;
use crate::sqltext::quote_name;
use crate::StoreError;

/// Old table name → its current name.
pub const LEGACY_TABLE_RENAMES: &[(&str, &str)] = &[
    ("db_forge_agents", "db_agent_definitions"),
    ("db_forge_content", "db_agent_content"),
    ("db_forge_skills", "db_agent_skills"),
    ("db_forge_history", "db_agent_history"),
    ("db_forge_agent_identities", "db_agent_identity_links"),
    ("db_identities", "db_identity_bundles"),
    ("db_memories", "db_memory_bundles"),
];

/// A rename keeps a table's indexes under their old names; these would then shadow the
/// canonical ones, so they go and the canonical DDL builds them again under the new names.
pub const LEGACY_INDEX_DROPS: &[&str] = &[
    "idx_forge_agents_slug",
    "idx_forge_history_agent_date",
    "idx_forge_agent_identities_account",
    "idx_identities_is_blank",
    "idx_memories_is_blank",
];

/// Tables that only existed for the abandoned downgrade path; their data was copied into the
/// drone tables long ago, so dropping them should lose nothing. Real files still sometimes hold
/// rows there, so each drop is counted and a non-empty one is logged as a warning.
pub const DEAD_TABLE_DROPS: &[&str] =
    &["db_workflow_definitions", "db_workflow_runs", "db_v10_migrated_legacy_defs", "db_v10_migrated_legacy_runs"];

/// A legacy table name paired with its current one.
#[cfg_attr(all(target_arch = "wasm32", feature = "js"), derive(tsify::Tsify))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rename {
    pub from: String,
    pub to: String,
}

/// What adoption changed (or, for `kept`, deliberately did not).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Adoption {
    pub renamed: Vec<Rename>,
    /// Both names existed: the legacy table (and its rows) were left as they are.
    pub kept: Vec<Rename>,
    pub indexes_dropped: Vec<String>,
    pub tables_dropped: Vec<String>,
    /// Rows each dropped table held at the moment it was dropped.
    pub rows_dropped: crate::names::NameMap<i64>,
}

/// Rename, drop and keep as described above. Reads the catalogue once and issues a statement
/// only for what is actually there, so a current database costs one query.
///
/// Names are matched without regard to ASCII case, as SQLite's `DROP … IF EXISTS` and
/// `ALTER TABLE` match them; the migration has by then made the catalogue spell every object as
/// SQLite holds it (`crate::spelling`), so the drops leave no row behind (tests/catalogue_repair.rs
/// `a_table_known_to_sqlite_by_another_spelling_is_repaired_then_dropped_cleanly`).
pub fn adopt_legacy_tables<C: SqlConn + ?Sized>(conn: &C) -> Result<Adoption, StoreError> {
    let (mut tables, indexes) = object_names(conn)?;
    let mut out = Adoption::default();

    // The file's own spelling of a name (reports name what the file held).
    let found = |names: &[String], name: &str| names.iter().find(|n| n.eq_ignore_ascii_case(name)).cloned();

    for (legacy, current) in LEGACY_TABLE_RENAMES {
        let Some(legacy_found) = found(&tables, legacy) else {
            continue;
        };
        let pair = Rename { from: legacy_found, to: current.to_string() };
        if found(&tables, current).is_some() {
            // Only a downgrade round trip gets here, and the old build may have written rows
            // to the legacy table. Dropping it would lose them; leave both and say so.
            warn!(
                legacy_table = *legacy,
                current_table = *current,
                "both a legacy table and its replacement exist; the legacy one is left untouched \
                 for manual recovery and is not read"
            );
            out.kept.push(pair);
        } else {
            crate::rebuild::rename_table(conn, &pair.from, current)?;
            tables.push(current.to_string());
            out.renamed.push(pair);
        }
    }

    for idx in LEGACY_INDEX_DROPS {
        // An index whose table was kept (both-present case) goes too: the kept table is
        // unused, and its old-named index would otherwise block nothing but confuse drift.
        if let Some(idx_found) = found(&indexes, idx) {
            conn.exec(&format!("DROP INDEX IF EXISTS {}", quote_name(idx)))?;
            out.indexes_dropped.push(idx_found);
        }
    }

    for table in DEAD_TABLE_DROPS {
        if let Some(table_found) = found(&tables, table) {
            let rows = conn.query_i64(&format!("SELECT count(*) FROM {}", quote_name(table)), &[])?.unwrap_or(0);
            if rows > 0 {
                warn!(table = *table, rows, "dropping a dead legacy table that still holds rows");
            }
            conn.exec(&format!("DROP TABLE IF EXISTS {}", quote_name(table)))?;
            out.tables_dropped.push(table_found.clone());
            out.rows_dropped.insert(table_found, rows);
        }
    }
    Ok(out)
}
