//! Helpers shared by the behavioural tests. Everything here compiles for both targets: the
//! database under test is always `agentmux_schema::backend::Db`, so the same test bodies run on
//! rusqlite natively and on sqlite-wasm-rs under Node and in browsers.
#![allow(dead_code)]

use std::cell::Cell;

use agentmux_schema::backend::{self, Db};
use agentmux_schema::conn::Row;
use agentmux_schema::inspect::{self, Schema};
use agentmux_schema::{SqlConn, Store, StoreError};

pub const LEGACY_V11: &str = include_str!("../fixtures/legacy_v11.sql");
pub const FLAT_V1: &str = include_str!("../fixtures/flat_v1.sql");
pub const PRE_V11: &str = include_str!("../fixtures/pre_v11.sql");

/// The server's original DDL, per store.
pub fn reference_ddl(store: Store) -> &'static str {
    match store {
        Store::Objects => include_str!("../fixtures/reference_objects.sql"),
        Store::Filestore => include_str!("../fixtures/reference_filestore.sql"),
        Store::Sagas => include_str!("../fixtures/reference_sagas.sql"),
    }
}

/// Every table the objects.db schema must contain.
pub const OBJECT_TABLES: &[&str] = &[
    "db_client",
    "db_window",
    "db_workspace",
    "db_tab",
    "db_layout",
    "db_block",
    "db_temp",
    "db_agent_definitions",
    "db_agent_content",
    "db_agent_skills",
    "db_agent_history",
    "db_identity_accounts",
    "db_agent_identity_links",
    "db_identity_bundles",
    "db_identity_bindings",
    "db_memory_bundles",
    "db_agent_instances",
    "db_agents",
    "db_drone_definitions",
    "db_drone_runs",
];

pub fn mem() -> Db {
    backend::memory().expect("in-memory database")
}

/// A database built by running `sql` on an empty one.
pub fn db_with(sql: &str) -> Db {
    let db = mem();
    db.exec(sql).expect("fixture SQL");
    db
}

pub fn bytes_of(db: &mut Db) -> Vec<u8> {
    backend::to_bytes(db).expect("serialize")
}

/// A fixture as a file image, the form a real `.db` file arrives in.
pub fn image_of(sql: &str) -> Vec<u8> {
    bytes_of(&mut db_with(sql))
}

pub fn count(db: &impl SqlConn, sql: &str) -> i64 {
    db.query_i64(sql, &[]).expect(sql).expect("a row")
}

pub fn table_exists(db: &impl SqlConn, name: &str) -> bool {
    count_where(db, "table", name) == 1
}

pub fn index_exists(db: &impl SqlConn, name: &str) -> bool {
    count_where(db, "index", name) == 1
}

fn count_where(db: &impl SqlConn, kind: &str, name: &str) -> i64 {
    db.query_i64("SELECT count(*) FROM sqlite_master WHERE type = ?1 AND name = ?2", &[kind, name]).unwrap().unwrap()
}

pub fn version(db: &impl SqlConn) -> i64 {
    count(db, "PRAGMA user_version")
}

pub fn dump(db: &impl SqlConn) -> Schema {
    inspect::dump(db).expect("dump")
}

/// A fresh database built from the server's original DDL (the seed's statement order).
pub fn reference_schema(store: Store) -> Schema {
    dump(&db_with(reference_ddl(store)))
}

/// Wraps a connection and fails the `fail_at`-th call (1-based) with an I/O error, letting all
/// others through: a stand-in for a disk error, a crash or a lock timeout at that exact point.
pub struct FailAt<'a> {
    pub inner: &'a Db,
    pub fail_at: usize,
    pub calls: Cell<usize>,
    pub log: std::cell::RefCell<Vec<String>>,
}

impl<'a> FailAt<'a> {
    pub fn new(inner: &'a Db, fail_at: usize) -> Self {
        FailAt { inner, fail_at, calls: Cell::new(0), log: Default::default() }
    }

    fn tick(&self, sql: &str) -> Result<(), StoreError> {
        let n = self.calls.get() + 1;
        self.calls.set(n);
        self.log.borrow_mut().push(inspect::one_line(sql, 60));
        if n == self.fail_at {
            return Err(StoreError::Sqlite { code: 10, message: "injected I/O failure".into(), sql: Some(sql.into()) });
        }
        Ok(())
    }
}

impl SqlConn for FailAt<'_> {
    fn exec(&self, sql: &str) -> Result<(), StoreError> {
        self.tick(sql)?;
        self.inner.exec(sql)
    }
    fn query(&self, sql: &str, params: &[&str]) -> Result<Vec<Row>, StoreError> {
        self.tick(sql)?;
        self.inner.query(sql, params)
    }
}

/// Run `migrate_fn` on a copy of `image` once to count its calls, then once per call with a
/// failure injected there: every failure must leave the image byte-identical. (A migration that
/// reports success must not have lost the failure, except the last restore of a caller's setting,
/// which happens after the commit and is only logged.)
pub fn every_failure_point_rolls_back<T>(image: &[u8], migrate_fn: impl Fn(&FailAt) -> Result<T, StoreError>) {
    let total = {
        let db = backend::from_bytes(image).unwrap();
        let spy = FailAt::new(&db, usize::MAX);
        migrate_fn(&spy).expect("the migration succeeds without faults");
        spy.calls.get()
    };
    assert!(total > 8, "a migration should take more than a handful of calls, took {total}");
    for k in 1..=total {
        let mut db = backend::from_bytes(image).unwrap();
        let failing = FailAt::new(&db, k);
        let result = migrate_fn(&failing);
        let step = failing.log.borrow().get(k - 1).cloned().unwrap_or_default();
        match result {
            Err(_) => assert!(bytes_of(&mut db) == image, "failure at call {k} ({step}) left changes behind"),
            Ok(_) => assert!(
                step.starts_with("PRAGMA busy_timeout") || step.starts_with("PRAGMA foreign_keys = ON"),
                "failure at call {k} ({step}) was swallowed"
            ),
        }
    }
}
