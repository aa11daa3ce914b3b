//! The data that describes each store's schema: its version, canonical DDL, blank rows and the
//! upgrade steps that carry older files there.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::conn::SqlConn;
use crate::inspect::Canonical;
use crate::steps::{AdditiveColumn, Change, Step};
use crate::{Store, StoreError};

/// `objects.db` schema version: v1 flat baseline, v2 adds `db_agent_definitions.updated_at`,
/// v3 adds `db_agent_definitions.user_hidden`, v4 adds the `db_agents` table.
pub const OBJECT_SCHEMA_VERSION: i64 = 4;
/// `filestore.db` schema version.
pub const FILESTORE_SCHEMA_VERSION: i64 = 1;
/// `sagas.db` schema version.
pub const SAGA_LOG_SCHEMA_VERSION: i64 = 1;

/// Everything a migration needs to know about one version of one store's schema: the canonical
/// DDL fresh files are made from, the blank rows, and the steps that carry older files there.
///
/// The shipped definitions are [`Store::spec`]; a maintainer tries the next version by building a
/// `Spec` with the new DDL and steps and running [`crate::migrate_spec`] on it (see the README's
/// "Changing the schema").
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub store: Store,
    /// The `user_version` stamped after a successful migration.
    pub version: i64,
    /// `CREATE … IF NOT EXISTS` for every table and index.
    pub ddl: &'static str,
    /// Rows every database of this kind must contain (idempotent inserts).
    pub seed: Option<&'static str>,
    /// Upgrade steps, oldest first.
    pub steps: &'static [Step],
    /// Whether pre-flatten legacy tables are adopted first (renames, index and dead-table drops;
    /// see [`crate::legacy`]).
    pub adopts_legacy_tables: bool,
}

const OBJECT_STEPS: &[Step] = &[
    Step {
        since: 2,
        change: Change::AddColumn(AdditiveColumn {
            table: "db_agent_definitions",
            column: "updated_at",
            definition: "INTEGER NOT NULL DEFAULT 0",
        }),
    },
    // Default 0 = visible: an upgrade must never hide a template the user could see.
    Step {
        since: 3,
        change: Change::AddColumn(AdditiveColumn {
            table: "db_agent_definitions",
            column: "user_hidden",
            definition: "INTEGER NOT NULL DEFAULT 0",
        }),
    },
    // v4 only adds the db_agents table, which the DDL creates.
];

static SPECS: [Spec; 3] = [
    Spec {
        store: Store::Objects,
        version: OBJECT_SCHEMA_VERSION,
        ddl: include_str!("sql/objects.sql"),
        seed: Some(include_str!("sql/objects_seed.sql")),
        steps: OBJECT_STEPS,
        adopts_legacy_tables: true,
    },
    Spec {
        store: Store::Filestore,
        version: FILESTORE_SCHEMA_VERSION,
        ddl: include_str!("sql/filestore.sql"),
        seed: None,
        steps: &[],
        adopts_legacy_tables: false,
    },
    Spec {
        store: Store::Sagas,
        version: SAGA_LOG_SCHEMA_VERSION,
        ddl: include_str!("sql/sagas.sql"),
        seed: None,
        steps: &[],
        adopts_legacy_tables: false,
    },
];

impl Spec {
    /// The columns added by [`Change::AddColumn`] steps, oldest first (ALTER appends, so this is
    /// also their canonical order).
    pub fn additive_columns(&self) -> impl Iterator<Item = &'static AdditiveColumn> {
        self.steps.iter().filter_map(|s| match &s.change {
            Change::AddColumn(add) => Some(add),
            _ => None,
        })
    }

    /// True for the definition this build ships for its store.
    pub fn is_shipped(&self) -> bool {
        std::ptr::eq(self, self.store.spec())
    }

    /// The canonical schema of this definition, built on a scratch database of `conn`'s engine:
    /// once per process for a shipped definition, on each call for any other (a version under
    /// development).
    pub fn canonical<C: SqlConn + ?Sized>(&self, conn: &C) -> Result<Cow<'static, Canonical>, StoreError> {
        if !self.is_shipped() {
            return Canonical::build(conn, self.ddl).map(Cow::Owned);
        }
        static CACHE: [OnceLock<Canonical>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let slot = &CACHE[self.store as usize];
        if let Some(done) = slot.get() {
            return Ok(Cow::Borrowed(done));
        }
        let built = Canonical::build(conn, self.ddl)?;
        Ok(Cow::Borrowed(slot.get_or_init(|| built)))
    }
}

impl Store {
    /// The schema definition this build ships for the store.
    pub fn spec(self) -> &'static Spec {
        &SPECS[self as usize]
    }

    /// The `user_version` this build stamps after a successful migration.
    pub fn version(self) -> i64 {
        self.spec().version
    }

    /// The canonical DDL: `CREATE … IF NOT EXISTS` for every table and index.
    pub fn ddl(self) -> &'static str {
        self.spec().ddl
    }

    /// Rows every database of this kind must contain (idempotent inserts).
    pub fn seed(self) -> Option<&'static str> {
        self.spec().seed
    }

    /// Columns added after a table first shipped, oldest first.
    pub fn additive_columns(self) -> impl Iterator<Item = &'static AdditiveColumn> {
        self.spec().additive_columns()
    }
}
