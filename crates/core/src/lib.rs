//! The schema logic of `agentmux-schema`, written once against [`SqlConn`]: the DDL, the
//! migrations and repairs, the `user_version` tripwire, the checks. This crate has no SQLite driver
//! and no JS bindings (the compiler keeps it so: it does not depend on `rusqlite` or, without its
//! `js` feature, on `wasm-bindgen`); the `agentmux-schema` crate adds the backend and the front-ends
//! and re-exports the API. Use that crate: its documentation is the API's.
#![deny(unsafe_code)]
// The modules are hidden, and their module docs link the private items they are made of.
#![allow(rustdoc::private_intra_doc_links)]

// The modules are public for the `agentmux-schema` crate (its backend, front-ends and tests) and
// hidden from the documentation: the API is what this root re-exports, and the `agentmux-schema`
// crate re-exports that.
#[doc(hidden)]
pub mod column_ref;
#[doc(hidden)]
pub mod conn;
#[doc(hidden)]
pub mod error;
#[doc(hidden)]
pub mod foreign_keys;
#[doc(hidden)]
pub mod header;
#[doc(hidden)]
pub mod inspect;
#[doc(hidden)]
pub mod legacy;
#[doc(hidden)]
pub mod lock;
#[doc(hidden)]
pub mod migrate;
#[doc(hidden)]
pub mod names;
#[doc(hidden)]
pub mod orphans;
#[doc(hidden)]
pub mod rebuild;
#[doc(hidden)]
pub mod snapshot;
#[doc(hidden)]
pub mod spec;
#[doc(hidden)]
pub mod spelling;
#[doc(hidden)]
pub mod sqltext;
#[doc(hidden)]
pub mod status;
#[doc(hidden)]
pub mod steps;
#[doc(hidden)]
pub mod store;
#[doc(hidden)]
pub mod tripwire;

#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
pub mod plan;

pub use conn::{Row, SqlConn, Value};
pub use error::{codes, ForeignKeyViolation, SchemaGap, StoreError};
pub use inspect::Drift;
pub use legacy::Rename;
pub use lock::LOCK_WAIT_MS;
pub use migrate::{
    migrate, migrate_all, migrate_spec, repair, run_filestore_migrations, run_object_schema, run_saga_log_migrations,
    MigrationReport, Outcome, RebuildReason, RebuiltTable,
};
pub use names::NameMap;
pub use rebuild::RelaxedConstraint;
pub use spec::{Spec, FILESTORE_SCHEMA_VERSION, OBJECT_SCHEMA_VERSION, SAGA_LOG_SCHEMA_VERSION};
pub use status::{status, Integrity, State, StoreStatus, TableSummary};
pub use steps::{AdditiveColumn, Change, Step};
pub use store::Store;
pub use tripwire::{check_schema_compat, read_version, stamp_version};
