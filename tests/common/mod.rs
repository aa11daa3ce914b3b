//! Helpers shared by the behavioural tests. Everything here compiles for both targets: the
//! database under test is always `agentmux_schema::backend::Db`, so the same test bodies run on
//! rusqlite natively and on sqlite-wasm-rs under Node and in browsers.
#![allow(dead_code)]

use std::cell::Cell;

use agentmux_schema::backend::{self, Db};
use agentmux_schema::conn::Row;
use agentmux_schema::inspect::{self, Schema};
use agentmux_schema::{migrate, MigrationReport, SqlConn, Store, StoreError};

pub const LEGACY_V11: &str = include_str!("../fixtures/legacy_v11.sql");
pub const FLAT_V1: &str = include_str!("../fixtures/flat_v1.sql");
pub const PRE_V11: &str = include_str!("../fixtures/pre_v11.sql");
pub const STALE_FOREIGN_KEYS: &str = include_str!("../fixtures/stale_foreign_keys.sql");

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

/// One `sqlite_master` entry: type, name, table, and the `CREATE` text with layout, identifier
/// quoting and `IF NOT EXISTS` normalised away. The text is what carries what the pragmas do
/// not show (AUTOINCREMENT, CHECK, COLLATE, WITHOUT ROWID, DEFERRABLE, constraint order).
pub type CatalogueEntry = (String, String, String, String);

/// The whole catalogue, SQLite's own tables (`sqlite_sequence`, `sqlite_autoindex_*`) included,
/// sorted by type and name. Automatic indexes have no SQL, so they count by name only.
pub fn catalogue(db: &impl SqlConn) -> Vec<CatalogueEntry> {
    let rows = db
        .query("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name", &[])
        .expect("catalogue");
    rows.into_iter()
        .map(|r| {
            let t = |i: usize| r[i].as_str().unwrap_or_default().to_string();
            (t(0), t(1), t(2), normalise_sql(&t(3)))
        })
        .collect()
}

/// Layout-insensitive form of a `CREATE` statement: one space between tokens, none inside
/// parentheses or before commas, identifier quotes dropped (a rename writes `"name"`), and
/// `IF NOT EXISTS` removed. Keyword case and everything else are kept as written.
pub fn normalise_sql(sql: &str) -> String {
    let flat = sql.replace('"', "").split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = flat.replace(" IF NOT EXISTS", "");
    let mut out = String::with_capacity(flat.len());
    let chars: Vec<char> = flat.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = out.chars().last();
            let next = chars.get(i + 1).copied();
            if matches!(prev, Some('(')) || matches!(next, Some(')') | Some(',')) {
                continue;
            }
            // `t (a)` and `t(a)` are the same statement.
            if next == Some('(') && !matches!(prev, Some(',')) {
                continue;
            }
        }
        out.push(c);
        if c == ',' && chars.get(i + 1) != Some(&' ') {
            out.push(' ');
        }
    }
    out
}

/// `sqlite_sequence` as (table, seq) pairs, sorted; empty when the file has no AUTOINCREMENT.
pub fn sequences(db: &impl SqlConn) -> Vec<(String, i64)> {
    if !table_exists(db, "sqlite_sequence") {
        return vec![];
    }
    let rows = db.query("SELECT name, seq FROM sqlite_sequence ORDER BY name", &[]).expect("sqlite_sequence");
    rows.into_iter().map(|r| (r[0].as_str().unwrap_or_default().to_string(), r[1].as_i64().unwrap_or(-1))).collect()
}

/// A fresh database built from the server's original DDL (the seed's statement order).
pub fn reference_schema(store: Store) -> Schema {
    dump(&db_with(reference_ddl(store)))
}

/// Wraps a connection and injects one failure at the `fail_at`-th statement (1-based), letting
/// every other statement through. Batches are split into their statements first, so the failure
/// can land between any two statements of the DDL, not only between calls.
///
/// Two kinds of failure, both reported as an I/O error (`SQLITE_IOERR`):
/// * [`FailAt::new`]: the statement is refused before it runs, as SQLite refuses one on a disk
///   error, a full disk or a lock timeout;
/// * [`FailAt::after`]: the statement runs and takes effect, then the call reports an error —
///   what a COMMIT that reached the disk but failed afterwards (e.g. while removing its journal)
///   looks like to the caller.
///
/// It does not simulate a crash (a lost process, unsynced pages): the connection and its
/// in-memory state survive every injected failure.
pub struct FailAt<'a> {
    pub inner: &'a Db,
    pub fail_at: usize,
    /// Run the failing statement before reporting the error.
    pub applied: bool,
    pub calls: Cell<usize>,
    pub log: std::cell::RefCell<Vec<String>>,
}

impl<'a> FailAt<'a> {
    pub fn new(inner: &'a Db, fail_at: usize) -> Self {
        FailAt { inner, fail_at, applied: false, calls: Cell::new(0), log: Default::default() }
    }

    pub fn after(inner: &'a Db, fail_at: usize) -> Self {
        FailAt { applied: true, ..Self::new(inner, fail_at) }
    }

    /// Counts one statement; true when this is the one to fail.
    fn tick(&self, sql: &str) -> bool {
        let n = self.calls.get() + 1;
        self.calls.set(n);
        self.log.borrow_mut().push(agentmux_schema::sqltext::one_line(sql, 60));
        n == self.fail_at
    }

    fn injected(sql: &str) -> StoreError {
        StoreError::Sqlite { code: 10, message: "injected I/O failure".into(), sql: Some(sql.into()) }
    }
}

impl SqlConn for FailAt<'_> {
    fn exec(&self, sql: &str) -> Result<(), StoreError> {
        for stmt in split_statements(sql) {
            let fail = self.tick(stmt);
            if fail && !self.applied {
                return Err(Self::injected(stmt));
            }
            self.inner.exec(stmt)?;
            if fail {
                return Err(Self::injected(stmt));
            }
        }
        Ok(())
    }
    fn query(&self, sql: &str, params: &[&str]) -> Result<Vec<Row>, StoreError> {
        let fail = self.tick(sql);
        if fail && !self.applied {
            return Err(Self::injected(sql));
        }
        let rows = self.inner.query(sql, params)?;
        if fail {
            return Err(Self::injected(sql));
        }
        Ok(rows)
    }
    fn scratch(&self) -> Result<Box<dyn SqlConn>, StoreError> {
        self.inner.scratch()
    }
}

/// The statements of a batch, each with its `;`, skipping blanks and comments between them.
/// A lexical split (quotes and comments respected) is enough: the schema has no triggers, so
/// no statement contains a `;` of its own outside a literal.
pub fn split_statements<'s>(sql: &'s str) -> Vec<&'s str> {
    let bytes = sql.as_bytes();
    let (mut out, mut start, mut i) = (Vec::new(), 0, 0);
    let push = |from: usize, to: usize, out: &mut Vec<&'s str>| {
        let stmt = sql[from..to].trim();
        let meaningful = stmt.lines().any(|l| {
            let l = l.trim();
            !l.is_empty() && !l.starts_with("--") && l != ";"
        });
        if meaningful {
            out.push(stmt);
        }
    };
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    i += 1;
                }
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b';' => {
                push(start, i + 1, &mut out);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    push(start, bytes.len(), &mut out);
    out
}

/// The one fault-injection harness. Fails each statement of a migration in turn (refused before
/// it runs, [`FailAt::new`], or with `applied` run and then reported as failed, [`FailAt::after`])
/// and checks what the caller is told against what the file holds: an error means the image is
/// byte-identical and no transaction is left open; success is allowed only for a failure once the
/// commit is on disk (the restore of the caller's busy timeout or foreign-key setting, which is
/// only logged, or with `applied` a COMMIT that took effect), and then the report, `user_version`
/// and catalogue are those of a clean run. Returns the statements of the clean run, in order.
pub fn every_failure_point_is_reported_truthfully<T: PartialEq + std::fmt::Debug>(
    image: &[u8],
    applied: bool,
    migrate_fn: impl Fn(&FailAt) -> Result<T, StoreError>,
) -> Vec<String> {
    let (statements, clean_report, clean_version, clean_catalogue) = {
        let db = backend::from_bytes(image).unwrap();
        let spy = FailAt::new(&db, usize::MAX);
        let report = migrate_fn(&spy).expect("the migration succeeds without faults");
        let statements = spy.log.borrow().clone();
        (statements, report, version(&db), catalogue(&db))
    };
    let total = statements.len();
    assert!(total > 8, "a migration should take more than a handful of calls, took {total}");
    for k in 1..=total {
        let mut db = backend::from_bytes(image).unwrap();
        let failing = if applied { FailAt::after(&db, k) } else { FailAt::new(&db, k) };
        let result = migrate_fn(&failing);
        let step = failing.log.borrow().get(k - 1).cloned().unwrap_or_default();
        // SQLite's BEGIN either starts a transaction or fails; it cannot half-succeed.
        if applied && step.starts_with("BEGIN") {
            continue;
        }
        match result {
            Err(e) => {
                assert!(bytes_of(&mut db) == image, "failure at statement {k} ({step}) left changes behind: {e}");
                // No transaction left open: a new one can begin (and is ended again).
                let fresh = db.exec("BEGIN; ROLLBACK");
                assert!(
                    fresh.is_ok(),
                    "after a failure at statement {k} ({step}) a transaction is still open: {fresh:?}"
                );
            }
            Ok(report) => {
                // Only failures once the commit is on disk may be absorbed: the restore of the
                // caller's busy timeout or foreign-key setting, or a COMMIT that took effect and
                // then reported an error.
                let after_commit = step.starts_with("PRAGMA busy_timeout")
                    || step.starts_with("PRAGMA foreign_keys =")
                    || (applied && step == "COMMIT");
                assert!(after_commit, "failure at statement {k} ({step}) was swallowed");
                assert_eq!(report, clean_report, "failure at statement {k} ({step}): the report differs");
                assert_eq!(version(&db), clean_version, "failure at statement {k} ({step})");
                assert_eq!(catalogue(&db), clean_catalogue, "failure at statement {k} ({step})");
            }
        }
    }
    statements
}

/// The outcome of migrating `image` as `store`: success with the canonical schema (the dump
/// agrees with the migration's own verification), or an error with the image left as it was.
pub fn migrate_image(image: &[u8], store: Store) -> Result<MigrationReport, StoreError> {
    let mut db = backend::from_bytes(image).expect("opens");
    let before = bytes_of(&mut db);
    let result = migrate(&db, store);
    match &result {
        Ok(report) => {
            let drift = inspect::drift(&dump(&db), &store.spec().canonical(&db).unwrap().schema);
            let missing =
                [&drift.missing_tables, &drift.missing_columns, &drift.missing_indexes, &drift.missing_foreign_keys];
            assert!(missing.iter().all(|m| m.is_empty()), "{drift:?}");
            // Every index that differs is one the report owns up to.
            assert_eq!(drift.changed_indexes, report.indexes_kept, "{drift:?}");
        }
        Err(e) => assert!(bytes_of(&mut db) == before, "a failed migration ({e}) changed the image"),
    }
    result
}

/// Whether every table and index row of `sqlite_master` names its object (and the object's
/// table) exactly as SQLite holds them.
pub fn catalogue_is_consistent(db: &Db) -> bool {
    let mut held = Vec::new();
    for table in db.query_strings("SELECT name FROM pragma_table_list WHERE schema = 'main'", &[]).unwrap() {
        for index in db.query_strings("SELECT name FROM pragma_index_list(?1)", &[&table]).unwrap() {
            held.push((index, table.clone()));
        }
        held.push((table.clone(), table));
    }
    db.query("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')", &[]).unwrap().iter().all(
        |r| {
            let pair = (r[0].as_str().unwrap_or_default().to_string(), r[1].as_str().unwrap_or_default().to_string());
            held.contains(&pair)
        },
    )
}
