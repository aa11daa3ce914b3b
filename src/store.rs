//! The three databases the server keeps, and the data that describes each one's schema.

use serde::Serialize;

use crate::StoreError;

/// `objects.db` schema version: v1 flat baseline, v2 adds `db_agent_definitions.updated_at`,
/// v3 adds `db_agent_definitions.user_hidden`, v4 adds the `db_agents` table.
pub const OBJECT_SCHEMA_VERSION: i64 = 4;
/// `filestore.db` schema version.
pub const FILESTORE_SCHEMA_VERSION: i64 = 1;
/// `sagas.db` schema version.
pub const SAGA_LOG_SCHEMA_VERSION: i64 = 1;

/// One of the server's three SQLite files.
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Store {
    Objects,
    Filestore,
    Sagas,
}

/// A column that older files may lack and that can be added without inventing data, because
/// its default is what every existing row would have held.
#[derive(Debug, Clone, Copy)]
pub struct AdditiveColumn {
    pub since: i64,
    pub table: &'static str,
    pub column: &'static str,
    pub definition: &'static str,
}

impl Store {
    /// All stores, in the order the data directory is checked and migrated.
    pub const ALL: [Store; 3] = [Store::Objects, Store::Filestore, Store::Sagas];

    /// The short name used by the CLI and the JS API.
    pub fn name(self) -> &'static str {
        match self {
            Store::Objects => "objects",
            Store::Filestore => "filestore",
            Store::Sagas => "sagas",
        }
    }

    /// The file name inside a data directory; also the label used in errors.
    pub fn file_name(self) -> &'static str {
        match self {
            Store::Objects => "objects.db",
            Store::Filestore => "filestore.db",
            Store::Sagas => "sagas.db",
        }
    }

    /// The `user_version` this build stamps after a successful migration.
    pub fn version(self) -> i64 {
        match self {
            Store::Objects => OBJECT_SCHEMA_VERSION,
            Store::Filestore => FILESTORE_SCHEMA_VERSION,
            Store::Sagas => SAGA_LOG_SCHEMA_VERSION,
        }
    }

    /// The canonical DDL: `CREATE … IF NOT EXISTS` for every table and index.
    pub fn ddl(self) -> &'static str {
        match self {
            Store::Objects => include_str!("sql/objects.sql"),
            Store::Filestore => include_str!("sql/filestore.sql"),
            Store::Sagas => include_str!("sql/sagas.sql"),
        }
    }

    /// Rows every database of this kind must contain (idempotent inserts).
    pub fn seed(self) -> Option<&'static str> {
        match self {
            Store::Objects => Some(include_str!("sql/objects_seed.sql")),
            Store::Filestore | Store::Sagas => None,
        }
    }

    /// Columns added after a table first shipped, oldest first (ALTER appends, so this order
    /// is also the canonical column order).
    pub fn additive_columns(self) -> &'static [AdditiveColumn] {
        match self {
            Store::Objects => &[
                AdditiveColumn {
                    since: 2,
                    table: "db_agent_definitions",
                    column: "updated_at",
                    definition: "INTEGER NOT NULL DEFAULT 0",
                },
                // Default 0 = visible: an upgrade must never hide a template the user could see.
                AdditiveColumn {
                    since: 3,
                    table: "db_agent_definitions",
                    column: "user_hidden",
                    definition: "INTEGER NOT NULL DEFAULT 0",
                },
            ],
            Store::Filestore | Store::Sagas => &[],
        }
    }
}

impl std::fmt::Display for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Store {
    type Err = StoreError;

    /// Accepts the short name (`objects`) or the file name (`objects.db`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Store::ALL
            .into_iter()
            .find(|st| s == st.name() || s == st.file_name())
            .ok_or_else(|| StoreError::UnknownStore(s.to_string()))
    }
}
