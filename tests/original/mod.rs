//! The server's original module (`../shared/seed/migrations.rs`), compiled as it is beside a
//! stand-in for the sibling `error.rs` it imports, with the server's start-up sequence for each
//! store: the reference that tests (`tests/properties.rs`) and the `image` fuzz target run on a
//! copy of every file, to hold this crate to "whatever the original migrates, this crate migrates
//! too". The including crate's build script sets `cfg(agentmux_original)` when the file is there.

use agentmux_schema::Store;

// Not ours to format: rustfmt must leave the original exactly as it is.
#[rustfmt::skip]
#[allow(clippy::all, dead_code, unused_imports)]
#[path = "../../../shared/seed/migrations.rs"]
pub mod migrations;

/// The stand-in for the original's sibling `error.rs`: the variant its callers match on, and the
/// conversion from the driver's error it relies on.
pub mod error {
    #[derive(Debug)]
    pub enum StoreError {
        SchemaTooNew {
            #[allow(dead_code)]
            db: String,
            #[allow(dead_code)]
            found: i64,
            #[allow(dead_code)]
            expected: i64,
        },
        Sqlite(#[allow(dead_code)] rusqlite::Error),
    }
    impl From<rusqlite::Error> for StoreError {
        fn from(e: rusqlite::Error) -> Self {
            StoreError::Sqlite(e)
        }
    }
}

use error::StoreError;

/// A store's schema work in the original module.
type Run = fn(&rusqlite::Connection) -> Result<(), StoreError>;

/// The server's start-up sequence for `store` with the original module: refuse a newer file,
/// run the store's schema work, stamp the version.
pub fn start_up(conn: &rusqlite::Connection, store: Store) -> Result<(), StoreError> {
    let (version, name, run): (i64, &str, Run) = match store {
        Store::Objects => (migrations::OBJECT_SCHEMA_VERSION, "objects.db", migrations::run_object_schema),
        Store::Filestore => {
            (migrations::FILESTORE_SCHEMA_VERSION, "filestore.db", migrations::run_filestore_migrations)
        }
        Store::Sagas => (migrations::SAGA_LOG_SCHEMA_VERSION, "sagas.db", migrations::run_saga_log_migrations),
    };
    migrations::check_schema_compat(conn, version, name)?;
    run(conn)?;
    migrations::stamp_version(conn, version)
}
