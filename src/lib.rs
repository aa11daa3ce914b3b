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

pub mod backend;
mod column_ref;
pub mod conn;
mod error;
pub mod foreign_keys;
pub mod header;
pub mod inspect;
pub mod legacy;
mod lock;
mod migrate;
pub mod names;
mod rebuild;
pub mod snapshot;
mod spec;
mod spelling;
pub mod sqltext;
pub mod status;
pub mod steps;
mod store;
mod tripwire;

#[cfg(not(target_arch = "wasm32"))]
pub mod datadir;
#[cfg(not(target_arch = "wasm32"))]
pub mod plan;

#[cfg(target_arch = "wasm32")]
pub mod js;

pub use conn::{SqlConn, Value};
pub use error::{codes, ForeignKeyViolation, SchemaGap, StoreError};
pub use lock::LOCK_WAIT_MS;
pub use migrate::{
    migrate, migrate_all, migrate_spec, repair, run_filestore_migrations, run_object_schema, run_saga_log_migrations,
    MigrationReport, Outcome, RebuildReason, RebuiltTable,
};
pub use rebuild::RelaxedConstraint;
pub use spec::{Spec, FILESTORE_SCHEMA_VERSION, OBJECT_SCHEMA_VERSION, SAGA_LOG_SCHEMA_VERSION};
pub use status::{status, State, StoreStatus};
pub use steps::{AdditiveColumn, Change, Step};
pub use store::Store;
pub use tripwire::{check_schema_compat, read_version, stamp_version};
