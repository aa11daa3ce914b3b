//! The one error type every entry point returns.
//!
//! The server's call sites match on `SchemaTooNew` to tell the user to upgrade, so that variant's
//! shape is part of the public contract; everything else is added here rather than hidden in a
//! string, so callers (and the JS wrapper) can branch on the kind.

use std::fmt::Display;
#[cfg(not(target_arch = "wasm32"))]
use std::path::PathBuf;

use crate::sqltext::one_line;

/// Everything that can go wrong while checking or migrating a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file was stamped by a newer build. Nothing was written.
    #[error(
        "{db} is newer than this build: user_version {found}, this build understands up to {expected}; \
         nothing was written and the data is preserved. Run a build whose {db} schema version \
         is {found} or later, or point the server at another data directory"
    )]
    SchemaTooNew { db: String, found: i64, expected: i64 },

    /// SQLite refused a statement (or the file is not a database).
    #[error("SQLite error {code}: {message}{}", sql_suffix(.sql))]
    Sqlite {
        /// The extended result code (its low byte is the primary code, e.g. 26 = SQLITE_NOTADB).
        code: i32,
        message: String,
        /// The statement that failed, when the failure came from running SQL.
        sql: Option<String>,
    },

    /// The bytes are not a usable SQLite database (garbage, empty, or cut short). Nothing was
    /// written.
    #[error("{db} is not a usable SQLite database: {reason}; nothing was written")]
    NotADatabase { db: String, reason: String },

    /// An existing table lacks columns that a canonical index or the blank rows need: filling them
    /// would mean inventing
    /// values something depends on. Nothing was written. (A column nothing else names is added
    /// instead; see `MigrationReport::columns_nullable`.)
    #[error("{db}: table {table} cannot be adopted, it lacks column(s) {}; nothing was written", .missing_columns.join(", "))]
    Unadoptable { db: String, table: String, missing_columns: Vec<String> },

    /// After migrating, the schema still differs from the canonical one; the transaction was
    /// rolled back. One of the two lists is non-empty: the check of tables, columns and foreign
    /// keys comes first, and the one of index definitions runs only once it passes.
    #[error("{db}: schema after migration is missing {}; rolled back", missing_list(.missing, .indexes))]
    VerifyFailed {
        db: String,
        /// Canonical tables, columns, foreign keys and indexes the result lacks, and columns it
        /// declares otherwise.
        missing: Vec<SchemaGap>,
        /// Canonical indexes, by name, that the result defines otherwise than the canonical DDL.
        indexes: Vec<String>,
    },

    /// After a table rebuild, `PRAGMA foreign_key_check` found rows whose parent is missing (each
    /// shown as `table(rowid) → parent`); the transaction was rolled back.
    #[error("{db}: rebuilding tables would leave rows without their parent: {}; rolled back", joined(.violations))]
    ForeignKeyCheck { db: String, violations: Vec<ForeignKeyViolation> },

    /// A table rebuild (an upgrade step's, or the repair of stale foreign keys) met rows that the
    /// new definition refuses under a constraint that cannot be left out for them (SQLite
    /// enforces it whatever the text says, or it cannot be found in the definition). Names the
    /// table, the constraint and the rowids of the rows (none for a WITHOUT ROWID table); the
    /// transaction was rolled back, the file is unchanged.
    #[error(
        "{db}: table {table} cannot be rebuilt keeping every row: {constraint} refuses the rows with rowid {}; rolled back",
        rowid_list(.rowids)
    )]
    RowsRefused { db: String, table: String, constraint: String, rowids: Vec<i64> },

    /// A store name that is not one of `objects`, `filestore`, `sagas`.
    #[error("unknown store \"{0}\": expected \"objects\", \"filestore\" or \"sagas\"")]
    UnknownStore(String),

    /// A path in the data directory is not a regular file (e.g. a directory named `objects.db`).
    /// (Native only, like the data directory: the browser build has no filesystem, and leaving
    /// the variant out keeps `std::io`'s and `Path`'s message code out of the wasm module.)
    #[cfg(not(target_arch = "wasm32"))]
    #[error("{}: not a regular file", .path.display())]
    NotAFile { path: PathBuf },

    /// The filesystem refused (permissions, missing directory, …). Native only.
    #[cfg(not(target_arch = "wasm32"))]
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The driver refused before SQLite ran anything: a NUL byte in the SQL (SQLite would stop
    /// reading there and skip the rest), parameters that do not fit the statement, a second
    /// statement where one is expected, a value it cannot convert. `source` is the driver's own
    /// error, when there is one.
    #[error("{message}{}", sql_suffix(.sql))]
    Driver {
        message: String,
        sql: Option<String>,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },

    /// A schema definition ([`crate::Spec`]) cannot be applied as written, e.g. a
    /// [`crate::Change::RebuildTable`] naming a table its DDL lacks, or a full `SELECT` statement
    /// where the column list is expected. Only a definition under development can get here (the
    /// shipped ones are tested); nothing was written.
    #[error("invalid schema definition for {db}: {reason}")]
    InvalidSpec { db: String, reason: String },

    /// The database handle was already closed.
    #[error("the database is closed")]
    Closed,
}

/// One row `PRAGMA foreign_key_check` reports: a row of `table` whose key finds no row in
/// `parent`. Shown as `table(rowid) → parent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeyViolation {
    /// The child table holding the row.
    pub table: String,
    /// The row's rowid (`None` for a WITHOUT ROWID table).
    pub rowid: Option<i64>,
    /// The table the row's foreign key references.
    pub parent: String,
    /// Which foreign key of `table` the row breaks: the `id` column of
    /// `PRAGMA foreign_key_list(table)`.
    pub fkid: i64,
}

impl std::fmt::Display for ForeignKeyViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.rowid {
            Some(rowid) => write!(f, "{}({rowid}) → {}", self.table, self.parent),
            None => write!(f, "{}(?) → {}", self.table, self.parent),
        }
    }
}

/// One way the schema after a migration falls short of the canonical one
/// ([`StoreError::VerifyFailed`]), shown as the message names it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemaGap {
    /// A canonical table the result lacks: shown as its name.
    Table(String),
    /// A canonical column the result lacks: shown as `table.column`.
    Column { table: String, column: String },
    /// A canonical foreign key of `table` the result lacks: shown as its declaration,
    /// `table(columns) REFERENCES parent(columns)` with any `ON UPDATE`/`ON DELETE` action.
    ForeignKey { table: String, declaration: String },
    /// A canonical index the result lacks: shown as its name.
    Index(String),
    /// A canonical column the result declares otherwise: shown as `table.column declared …
    /// (canonical: …)`, both declarations in `detail`'s words.
    Declaration { table: String, column: String, detail: String },
}

impl std::fmt::Display for SchemaGap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SchemaGap::Table(name) | SchemaGap::Index(name) => f.write_str(name),
            SchemaGap::Column { table, column } => write!(f, "{table}.{column}"),
            SchemaGap::ForeignKey { declaration, .. } => f.write_str(declaration),
            SchemaGap::Declaration { table, column, detail } => write!(f, "{table}.{column} {detail}"),
        }
    }
}

fn joined<T: Display>(items: &[T]) -> String {
    items.iter().map(T::to_string).collect::<Vec<_>>().join(", ")
}

fn missing_list(missing: &[SchemaGap], indexes: &[String]) -> String {
    missing.iter().map(SchemaGap::to_string).chain(indexes.iter().cloned()).collect::<Vec<_>>().join(", ")
}

fn rowid_list(rowids: &[i64]) -> String {
    if rowids.is_empty() {
        return "(unknown)".to_string();
    }
    rowids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

fn sql_suffix(sql: &Option<String>) -> String {
    match sql {
        Some(s) => format!(" (while running: {})", one_line(s, 200)),
        None => String::new(),
    }
}

/// The SQLite result codes this crate and its callers branch on: their one home. (A test checks
/// each against the driver's `ffi` constants.) Codes compare with [`StoreError::sqlite_code`],
/// the primary code.
pub mod codes {
    pub const ERROR: i32 = 1;
    pub const PERM: i32 = 3;
    pub const BUSY: i32 = 5;
    pub const LOCKED: i32 = 6;
    pub const READONLY: i32 = 8;
    pub const CORRUPT: i32 = 11;
    pub const CANTOPEN: i32 = 14;
    pub const CONSTRAINT: i32 = 19;
    pub const MISMATCH: i32 = 20;
    pub const NOTADB: i32 = 26;
}

impl StoreError {
    /// The SQLite primary result code, if this is an SQLite error.
    pub fn sqlite_code(&self) -> Option<i32> {
        match self {
            StoreError::Sqlite { code, .. } => Some(code & 0xff),
            _ => None,
        }
    }

    /// True when the bytes are not an SQLite database at all (garbage, or a damaged header).
    pub fn is_not_a_database(&self) -> bool {
        matches!(self.sqlite_code(), Some(codes::NOTADB) | Some(codes::CORRUPT))
    }

    /// Attach the statement that failed, unless one is already recorded.
    #[doc(hidden)]
    pub fn with_sql(self, statement: &str) -> Self {
        match self {
            StoreError::Sqlite { code, message, sql: None } => {
                StoreError::Sqlite { code, message, sql: Some(statement.to_string()) }
            }
            StoreError::Driver { message, sql: None, source } => {
                StoreError::Driver { message, sql: Some(statement.to_string()), source }
            }
            other => other,
        }
    }
}
