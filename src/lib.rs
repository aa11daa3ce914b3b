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
pub use agentmux_schema_core::{conn, foreign_keys, header, inspect, legacy, names, snapshot, sqltext, steps};
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

pub use agentmux_schema_core::{
    codes, AdditiveColumn, Change, MigrationReport, Outcome, RebuildReason, RebuiltTable, RelaxedConstraint, Spec,
    SqlConn, State, Step, Store, StoreError, StoreStatus, Value, FILESTORE_SCHEMA_VERSION, LOCK_WAIT_MS,
    OBJECT_SCHEMA_VERSION, SAGA_LOG_SCHEMA_VERSION,
};
pub use api::{
    check_schema_compat, migrate, migrate_all, migrate_spec, read_version, repair, run_filestore_migrations,
    run_object_schema, run_saga_log_migrations, stamp_version, status, AnySqlConn, AsSqlConn, Rusqlite,
};
