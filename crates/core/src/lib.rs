//! The schema logic of `agentmux-schema`, written once against [`SqlConn`]: the DDL, the
//! migrations and repairs, the `user_version` tripwire, the checks. This crate has no SQLite driver
//! and no JS bindings (the compiler keeps it so: it does not depend on `rusqlite` or, without its
//! `js` feature, on `wasm-bindgen`); the `agentmux-schema` crate adds the backend and the front-ends
//! and re-exports the API. Use that crate: its documentation is the API's.
#![deny(unsafe_code)]

pub mod column_ref;
pub mod conn;
pub mod error;
pub mod foreign_keys;
pub mod header;
pub mod inspect;
pub mod legacy;
pub mod lock;
pub mod migrate;
pub mod names;
pub mod rebuild;
pub mod snapshot;
pub mod spec;
pub mod spelling;
pub mod sqltext;
pub mod status;
pub mod steps;
pub mod store;
pub mod tripwire;

#[cfg(not(target_arch = "wasm32"))]
pub mod plan;

pub use conn::{SqlConn, Value};
pub use error::{codes, StoreError};
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
