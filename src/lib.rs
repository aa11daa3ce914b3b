//! The AgentMux server's SQLite schema (`objects.db`, `filestore.db`, `sagas.db`) and its
//! `user_version` tripwire, written once against [`SqlConn`] and run by one backend, `rusqlite`,
//! on both targets (natively over its bundled SQLite, in the browser over the same SQLite release
//! compiled by `sqlite-wasm-rs`).
//!
//! Natively the rest of this page is the README, whose Rust examples run as doctests; they open
//! files with rusqlite, so they are left out of the wasm32 docs.
#![cfg_attr(not(target_arch = "wasm32"), doc = include_str!("../README.md"))]
// No unsafe code: the drivers hold all of it, except the one call that registers the read-only
// VFS with SQLite (src/backend/readonly_vfs.rs, `register`), which has no safe form.
#![deny(unsafe_code)]

// Everything written against `SqlConn` lives in the core crate (crates/core), which has no SQLite
// driver: the compiler keeps driver code out of it. This crate adds the backend and the
// front-ends, and re-exports the API under the paths the server uses. The core's modules are
// reachable here for this crate's front-ends, examples and tests, and hidden from the
// documentation: the API is the items re-exported at this root.
#[doc(hidden)]
pub use agentmux_schema_core::{conn, foreign_keys, header, inspect, legacy, names, orphans, snapshot, sqltext, steps};
#[doc(hidden)]
pub mod status {
    pub use agentmux_schema_core::status::*;
}

pub mod backend;

#[cfg(not(target_arch = "wasm32"))]
pub mod datadir;
#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
pub use agentmux_schema_core::plan;

/// The JS API of the npm package (its documentation is the package's README): only with the
/// `js` feature, so a wasm32 Rust dependent links no wasm-bindgen exports unless it asks for them.
#[cfg(all(target_arch = "wasm32", feature = "js"))]
#[doc(hidden)]
pub mod js;

mod api;

/// The three stores of the server's data directory, by name.
///
/// ```
/// use agentmux_schema::{Store, OBJECT_SCHEMA_VERSION};
/// let store: Store = "objects".parse().unwrap();
/// assert_eq!(store, Store::Objects);
/// assert_eq!((store.file_name(), store.version()), ("objects.db", OBJECT_SCHEMA_VERSION));
/// assert!("nope".parse::<Store>().is_err());
/// ```
pub use agentmux_schema_core::Store;

/// The one error type of every entry point; match on its variants (README, "Server start-up").
///
/// ```
/// use agentmux_schema::{backend, codes, SqlConn, StoreError};
/// let db = backend::memory().unwrap();
/// match db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (1)") {
///     Err(err @ StoreError::Sqlite { .. }) => assert_eq!(err.sqlite_code(), Some(codes::CONSTRAINT)),
///     other => panic!("{other:?}"),
/// }
/// ```
pub use agentmux_schema_core::StoreError;

/// SQLite's primary result codes that callers branch on ([`StoreError::sqlite_code`]).
///
/// ```
/// use agentmux_schema::{backend, codes};
/// let err = backend::from_bytes(b"not a database at all, just text").unwrap_err();
/// assert!(matches!(err, agentmux_schema::StoreError::NotADatabase { .. }));
/// assert_eq!(codes::NOTADB, 26);
/// ```
pub use agentmux_schema_core::codes;

/// What [`migrate`] did to one file.
///
/// ```
/// use agentmux_schema::{backend, migrate, Outcome, Store};
/// let db = backend::memory().unwrap();
/// let report = migrate(&db, Store::Objects).unwrap();
/// assert_eq!((report.db, report.from_version, report.outcome), ("objects.db", 0, Outcome::Created));
/// assert!(report.tables_created.len() > 1 && report.orphan_rows.is_empty());
/// ```
pub use agentmux_schema_core::MigrationReport;

/// How a migration ended ([`MigrationReport::outcome`]).
///
/// ```
/// use agentmux_schema::{backend, migrate, Outcome, SqlConn, Store};
/// let db = backend::memory().unwrap();
/// assert_eq!(migrate(&db, Store::Sagas).unwrap().outcome, Outcome::Created);
/// assert_eq!(migrate(&db, Store::Sagas).unwrap().outcome, Outcome::UpToDate);
/// db.exec("PRAGMA user_version = 0").unwrap(); // tables present, version unstamped
/// assert_eq!(migrate(&db, Store::Sagas).unwrap().outcome, Outcome::Migrated);
/// ```
pub use agentmux_schema_core::Outcome;

/// What [`status`] found: a file's version and state against the canonical schema, read-only.
///
/// ```
/// use agentmux_schema::{backend, migrate, status, State, Store};
/// let db = backend::memory().unwrap();
/// migrate(&db, Store::Filestore).unwrap();
/// let st = status(&db, Store::Filestore);
/// assert_eq!((st.state, st.user_version), (State::Current, Some(Store::Filestore.version())));
/// assert!(st.error.is_none() && st.tables.iter().any(|t| t.name == "db_wave_file"));
/// ```
pub use agentmux_schema_core::StoreStatus;

/// A store's state ([`StoreStatus::state`]).
///
/// ```
/// use agentmux_schema::{backend, status, State, Store, SqlConn};
/// let db = backend::memory().unwrap();
/// db.exec("PRAGMA user_version = 99").unwrap();
/// assert_eq!(status(&db, Store::Sagas).state, State::TooNew);
/// ```
pub use agentmux_schema_core::State;

/// One version of one store's schema: a shipped one ([`Store::spec`]) or the next one under
/// development, run with [`migrate_spec`] (README, "Changing the schema").
///
/// ```
/// use agentmux_schema::{backend, migrate, migrate_spec, AdditiveColumn, Change, Spec, SqlConn, Step, Store};
/// let shipped = Store::Sagas.spec();
/// const DDL: &str = concat!(include_str!("../crates/core/src/sql/sagas.sql"), "\nCREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT);");
/// static STEPS: [Step; 1] = [Step {
///     since: 2,
///     change: Change::Sql { name: "first note", sql: "INSERT INTO notes (body) VALUES ('hello')" },
/// }];
/// let next = Spec { version: shipped.version + 1, ddl: DDL, steps: &STEPS, ..*shipped };
///
/// let db = backend::memory().unwrap();
/// migrate(&db, Store::Sagas).unwrap(); // a file of the shipped version
/// let report = migrate_spec(&db, &next).unwrap();
/// assert_eq!((report.from_version, report.to_version), (shipped.version, shipped.version + 1));
/// assert_eq!(db.query_i64("SELECT count(*) FROM notes", &[]).unwrap(), Some(1));
/// # let _ = AdditiveColumn { table: "notes", column: "at", definition: "INTEGER NOT NULL DEFAULT 0" };
/// ```
pub use agentmux_schema_core::Spec;

/// One upgrade step of a [`Spec`], tagged with the version that introduced it.
///
/// ```
/// use agentmux_schema::{AdditiveColumn, Change, Step, Store};
/// // The shipped objects.db steps: columns later versions added.
/// let added: Vec<_> = Store::Objects.spec().steps.iter().filter_map(|s| match s.change {
///     Change::AddColumn(AdditiveColumn { table, column, .. }) => Some((s.since, table, column)),
///     _ => None,
/// }).collect();
/// assert!(added.contains(&(2, "db_agent_definitions", "updated_at")));
/// ```
pub use agentmux_schema_core::{AdditiveColumn, Change, Step};

/// The connection the core drives: run a batch, query rows, an empty scratch database on the
/// same engine. [`backend::Db`] implements it; wrap anything else that can run SQLite's SQL.
///
/// ```
/// use agentmux_schema::{backend, SqlConn, Value};
/// let db = backend::memory().unwrap();
/// db.exec("CREATE TABLE t (a, b); INSERT INTO t VALUES (1, 'x')").unwrap();
/// let rows = db.query("SELECT a, b FROM t WHERE b = ?1", &["x"]).unwrap();
/// assert_eq!(rows, vec![vec![Value::Integer(1), Value::Text("x".into())]]);
/// assert_eq!(db.query_strings("SELECT b FROM t", &[]).unwrap(), ["x"]);
/// ```
pub use agentmux_schema_core::SqlConn;

/// A value SQLite returned.
///
/// ```
/// use agentmux_schema::Value;
/// assert_eq!(Value::Integer(7).as_i64(), Some(7));
/// assert_eq!(Value::Text("a".into()).as_str(), Some("a"));
/// assert_eq!(Value::Null.as_i64(), None);
/// ```
pub use agentmux_schema_core::Value;

/// One row that breaks a foreign key, as `PRAGMA foreign_key_check` names it
/// ([`StoreError::ForeignKeyCheck`]).
///
/// ```
/// use agentmux_schema::ForeignKeyViolation;
/// let v = ForeignKeyViolation { table: "child".into(), rowid: Some(7), parent: "parent".into(), fkid: 0 };
/// assert_eq!((v.table.as_str(), v.rowid, v.parent.as_str()), ("child", Some(7), "parent"));
/// ```
pub use agentmux_schema_core::ForeignKeyViolation;

/// What verification found missing or misdefined ([`StoreError::VerifyFailed`]).
pub use agentmux_schema_core::SchemaGap;

pub use agentmux_schema_core::{
    Drift, Integrity, NameMap, RebuildReason, RebuiltTable, RelaxedConstraint, Rename, Row, TableSummary,
    FILESTORE_SCHEMA_VERSION, LOCK_WAIT_MS, OBJECT_SCHEMA_VERSION, SAGA_LOG_SCHEMA_VERSION,
};
pub use api::{
    check_schema_compat, migrate, migrate_all, migrate_spec, read_version, repair, run_filestore_migrations,
    run_object_schema, run_saga_log_migrations, stamp_version, status, AnySqlConn, AsSqlConn, Rusqlite,
};
