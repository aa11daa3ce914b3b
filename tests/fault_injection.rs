//! Atomicity: a failure injected at any statement of a migration (refused before it runs, or run
//! and then reported as failed) leaves the image exactly as it was, or, once the commit is on
//! disk, yields the report a clean run gives; and verification rolls back a schema that came out
//! incomplete. Runs on every runtime, like tests/schema.rs.

mod common;

use agentmux_schema::backend::from_bytes;
use agentmux_schema::{migrate, SchemaGap, SqlConn, Store, StoreError};
use common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Common's harness over an objects.db migration of `sql`, and that its failures landed where
/// they matter: inside the DDL batch and on COMMIT.
fn every_failure_point_of_an_objects_migration(sql: &str, applied: bool) {
    let statements =
        every_failure_point_is_reported_truthfully(&image_of(sql), applied, |conn| migrate(conn, Store::Objects));
    // The DDL alone is over forty statements: fewer means batches were not split.
    assert!(statements.len() > 50, "the fault injector should see every statement, saw {}", statements.len());
    assert!(statements.iter().any(|s| s == "COMMIT"), "COMMIT was never failed");
    assert!(
        statements.iter().any(|s| s.starts_with("CREATE INDEX IF NOT EXISTS idx_agents_is_template")),
        "no failure landed inside the DDL batch"
    );
}

#[test]
fn fault_at_every_statement_of_a_legacy_migration_leaves_the_image_unchanged() {
    every_failure_point_of_an_objects_migration(LEGACY_V11, false);
}

#[test]
fn fault_at_every_statement_of_a_fresh_migration_leaves_the_image_unchanged() {
    every_failure_point_of_an_objects_migration("PRAGMA user_version = 0;", false);
}

// A statement that takes effect and then reports an error — including COMMIT: the file is then
// migrated, so the caller gets the report, not an error.
#[test]
fn a_legacy_migration_statement_that_takes_effect_and_then_fails_is_reported_truthfully() {
    every_failure_point_of_an_objects_migration(LEGACY_V11, true);
}

#[test]
fn a_fresh_migration_statement_that_takes_effect_and_then_fails_is_reported_truthfully() {
    every_failure_point_of_an_objects_migration("PRAGMA user_version = 0;", true);
}

/// Passes everything through except that the canonical DDL loses one index on the way, as a
/// buggy or tampered build might: verification must catch it and roll the migration back.
struct DropsAnIndex<'a>(&'a agentmux_schema::backend::Db);

impl SqlConn for DropsAnIndex<'_> {
    fn exec(&self, sql: &str) -> Result<(), StoreError> {
        self.0.exec(&sql.replace("CREATE INDEX IF NOT EXISTS idx_agents_is_seeded\n    ON db_agents(is_seeded);", ""))
    }
    fn query(&self, sql: &str, params: &[&str]) -> Result<Vec<agentmux_schema::conn::Row>, StoreError> {
        self.0.query(sql, params)
    }
    fn scratch(&self) -> Result<Box<dyn SqlConn>, StoreError> {
        self.0.scratch()
    }
}

#[test]
fn verification_catches_an_incomplete_schema_and_rolls_back() {
    for sql in [LEGACY_V11, "PRAGMA user_version = 0;"] {
        let image = image_of(sql);
        let mut db = from_bytes(&image).unwrap();
        match migrate(&DropsAnIndex(&db), Store::Objects) {
            Err(StoreError::VerifyFailed { db: label, missing, indexes }) => {
                assert_eq!(label, "objects.db");
                assert_eq!(missing, [SchemaGap::Index("idx_agents_is_seeded".into())]);
                assert!(indexes.is_empty(), "a lacking index is missing, not defined otherwise: {indexes:?}");
            }
            other => panic!("expected VerifyFailed, got {other:?}"),
        }
        assert_eq!(bytes_of(&mut db), image);
    }
}
