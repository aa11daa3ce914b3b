//! Orphan counts (`orphans::orphan_rows`): the same numbers as `PRAGMA foreign_key_check`
//! (`orphans::orphan_rows_by_pragma`) on every file, and no pragma scan of a child table that an
//! index lets a query count. The plain tests run on every runtime, like tests/schema.rs; the
//! property below (proptest is a native dev-dependency) generates parent and child tables of
//! every declared type, collation and key shape, with values of every storage class, and
//! compares the two counts.

mod common;

use std::cell::RefCell;

use agentmux_schema::backend::Db;
use agentmux_schema::orphans::{orphan_rows, orphan_rows_by_pragma, orphans_and_rows_per_table};
use agentmux_schema::{migrate, status, Row, SqlConn, Store, StoreError};
use common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// A connection that records every statement it is given.
struct Recording<'a> {
    inner: &'a Db,
    statements: RefCell<Vec<String>>,
}

impl<'a> Recording<'a> {
    fn new(inner: &'a Db) -> Self {
        Recording { inner, statements: RefCell::new(Vec::new()) }
    }

    /// The `PRAGMA foreign_key_check` statements run (not merely explained).
    fn pragma_checks(&self) -> Vec<String> {
        self.statements.borrow().iter().filter(|s| s.starts_with("PRAGMA main.foreign_key_check")).cloned().collect()
    }
}

impl SqlConn for Recording<'_> {
    fn exec(&self, sql: &str) -> Result<(), StoreError> {
        self.statements.borrow_mut().push(sql.to_string());
        self.inner.exec(sql)
    }
    fn query(&self, sql: &str, params: &[&str]) -> Result<Vec<Row>, StoreError> {
        self.statements.borrow_mut().push(sql.to_string());
        self.inner.query(sql, params)
    }
    fn scratch(&self) -> Result<Box<dyn SqlConn>, StoreError> {
        self.inner.scratch()
    }
}

/// The per-table counts (queries where proven, the pragma elsewhere), whatever the file's size:
/// these fixtures are smaller than the size below which `orphan_rows` runs the whole-file pragma.
fn counts(db: &impl SqlConn) -> Vec<(String, i64)> {
    orphans_and_rows_per_table(db).unwrap().orphans.iter().map(|(t, n)| (t.clone(), *n)).collect()
}

fn counts_by_pragma(db: &impl SqlConn) -> Vec<(String, i64)> {
    orphan_rows_by_pragma(db).unwrap().iter().map(|(t, n)| (t.clone(), *n)).collect()
}

fn owned(expected: &[(&str, i64)]) -> Vec<(String, i64)> {
    expected.iter().map(|(t, n)| (t.to_string(), *n)).collect()
}

/// The canonical objects schema with orphans in four tables of three shapes: the history (one
/// key, an index on it: counted by a query), the skills (one key, no index: the pragma), the
/// identity links (two keys: the pragma, and a row that breaks both counts once).
fn canonical_with_orphans() -> Db {
    let db = mem();
    migrate(&db, Store::Objects).unwrap();
    db.exec(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO db_agent_definitions (id, name, provider) VALUES ('a1', 'Coder', 'claude');
         INSERT INTO db_identity_accounts (id, name, provider, kind, secret_ref)
             VALUES ('acc1', 'main', 'claude', 'api-key', 'vault:1');
         INSERT INTO db_agent_history (agent_id, session_date, entry) VALUES
             ('a1', '2026-01-01', 'kept'), ('gone', '2026-01-01', 'orphan'), ('gone', '2026-01-02', 'orphan'),
             ('A1', '2026-01-03', 'a different key: ids compare with BINARY'), ('a1 ', '2026-01-04', 'and this one');
         INSERT INTO db_agent_skills (id, agent_id, name) VALUES ('s1', 'a1', 'ok'), ('s2', 'ghost', 'orphan');
         INSERT INTO db_agent_identity_links VALUES
             ('a1', 'acc1', 'claude'), ('ghost', 'acc1', 'x'), ('ghost', 'nobody', 'y'), ('a1', 'nobody', 'z');",
    )
    .unwrap();
    db
}

#[test]
fn the_canonical_schema_counts_as_the_pragma_does() {
    let db = canonical_with_orphans();
    let expected = owned(&[("db_agent_history", 4), ("db_agent_identity_links", 3), ("db_agent_skills", 1)]);
    assert_eq!(counts_by_pragma(&db), expected);
    assert_eq!(counts(&db), expected);
    assert_eq!(orphan_rows(&db).unwrap().iter().map(|(t, n)| (t.clone(), *n)).collect::<Vec<_>>(), expected);
    let s = status(&db, Store::Objects);
    assert_eq!(s.error, None);
    assert_eq!(s.orphan_rows.iter().map(|(t, n)| (t.clone(), *n)).collect::<Vec<_>>(), expected);
}

#[test]
fn the_history_is_counted_on_its_index_and_the_others_by_the_pragma() {
    let db = canonical_with_orphans();
    let recording = Recording::new(&db);
    orphans_and_rows_per_table(&recording).unwrap();
    let checks = recording.pragma_checks();
    assert!(!checks.iter().any(|s| s.contains("db_agent_history")), "{checks:?}");
    assert!(!checks.iter().any(|s| s == "PRAGMA main.foreign_key_check"), "no whole-file scan: {checks:?}");
    // The shapes the query is not proven for still go to the pragma.
    for table in ["db_agent_skills", "db_agent_identity_links", "db_identity_bindings"] {
        assert!(checks.iter().any(|s| s.contains(table)), "{table}: {checks:?}");
    }
    let counted: Vec<String> = recording
        .statements
        .borrow()
        .iter()
        .filter(|s| s.starts_with("-- Two numbers from one scan") && s.contains("\"db_agent_history\""))
        .cloned()
        .collect();
    assert_eq!(counted.len(), 1, "one counting query for the history");
}

/// The legacy shape the scale benchmark generates: forge-era names, the parent keyed by a TEXT
/// PRIMARY KEY (its autoindex), the history's index on (agent_id, session_date). Large enough
/// (over 1 MiB) that `orphan_rows` and a status plan per table.
#[test]
fn a_legacy_history_is_counted_on_its_index() {
    let db = db_with(
        "PRAGMA foreign_keys = OFF;
         CREATE TABLE db_forge_agents (id TEXT PRIMARY KEY, name TEXT NOT NULL);
         CREATE TABLE db_forge_history (
             id INTEGER PRIMARY KEY AUTOINCREMENT, agent_id TEXT NOT NULL,
             session_date TEXT NOT NULL, entry TEXT NOT NULL,
             FOREIGN KEY (agent_id) REFERENCES db_forge_agents(id) ON DELETE CASCADE);
         CREATE INDEX idx_forge_history_agent_date ON db_forge_history(agent_id, session_date);
         INSERT INTO db_forge_agents VALUES ('a1', 'Coder'), ('a2', 'Reviewer');
         INSERT INTO db_forge_history (agent_id, session_date, entry) VALUES
             ('a1', 'd', 'e'), ('a2', 'd', 'e'), ('a3', 'd', 'e'), ('a3', 'd', 'e'), ('', 'd', 'e');
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
         INSERT INTO db_forge_history (agent_id, session_date, entry)
             SELECT 'a' || (1 + i % 2), 'd', printf('%.*c', 400, 'x') FROM n;",
    );
    assert!(count(&db, "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size") > 1 << 20);
    let recording = Recording::new(&db);
    assert_eq!(orphan_rows(&recording).unwrap().get("db_forge_history"), Some(&3));
    assert_eq!(recording.pragma_checks(), Vec::<String>::new());
    assert_eq!(counts_by_pragma(&db), owned(&[("db_forge_history", 3)]));
    // A status reads the history's row count in that same scan, and scans it once.
    let recording = Recording::new(&db);
    let s = status(&recording, Store::Objects);
    assert_eq!(s.error, None);
    assert_eq!(s.orphan_rows.get("db_forge_history"), Some(&3));
    assert_eq!(s.tables.iter().find(|t| t.name == "db_forge_history").map(|t| t.row_count), Some(4005));
    assert_eq!(s.tables.iter().find(|t| t.name == "db_forge_agents").map(|t| t.row_count), Some(2));
    let scans: Vec<String> = recording
        .statements
        .borrow()
        .iter()
        .filter(|s| {
            !s.starts_with("EXPLAIN")
                && (s.contains("FROM \"db_forge_history\"") || s.contains("FROM main.\"db_forge_history\""))
        })
        .cloned()
        .collect();
    assert_eq!(scans.len(), 1, "{scans:?}");
}

/// A file of at most 1 MiB is checked by the whole-file pragma (one statement, cheaper there than
/// planning), with the same numbers.
#[test]
fn a_small_file_is_checked_by_the_whole_file_pragma() {
    let db = canonical_with_orphans();
    let recording = Recording::new(&db);
    let found = orphan_rows(&recording).unwrap();
    assert_eq!(recording.pragma_checks(), ["PRAGMA main.foreign_key_check"]);
    assert_eq!(found.iter().map(|(t, n)| (t.clone(), *n)).collect::<Vec<_>>(), counts(&db));
}

/// A parent that does not exist: the pragma reports every row with a key, and so does the count
/// (on the index); a NULL key is no orphan.
#[test]
fn a_missing_parent_makes_every_keyed_row_an_orphan() {
    let db = db_with(
        "PRAGMA foreign_keys = OFF;
         CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id TEXT REFERENCES nowhere(id), note TEXT);
         CREATE INDEX child_parent ON child(parent_id);
         INSERT INTO child (parent_id, note) VALUES ('x', ''), ('y', ''), (NULL, ''), (3, '');",
    );
    let recording = Recording::new(&db);
    assert_eq!(counts(&recording), owned(&[("child", 3)]));
    assert_eq!(recording.pragma_checks(), Vec::<String>::new());
    assert_eq!(counts_by_pragma(&db), owned(&[("child", 3)]));
}

/// A table SQLite cannot check (its parent key has no unique index) is skipped by both, and the
/// others are still counted.
#[test]
fn a_foreign_key_mismatch_skips_that_table_only() {
    let db = db_with(
        "PRAGMA foreign_keys = OFF;
         CREATE TABLE parent (id TEXT PRIMARY KEY, code TEXT);
         CREATE TABLE bad (ref TEXT REFERENCES parent(code));
         CREATE INDEX bad_ref ON bad(ref);
         CREATE TABLE good (ref TEXT REFERENCES parent(id));
         CREATE INDEX good_ref ON good(ref);
         INSERT INTO parent VALUES ('p', 'c');
         INSERT INTO bad VALUES ('nope');
         INSERT INTO good VALUES ('p'), ('nope');",
    );
    assert_eq!(counts_by_pragma(&db), owned(&[("good", 1)]));
    assert_eq!(counts(&db), owned(&[("good", 1)]));
}

/// Keys that compare equal only under the parent's affinity or collation: the count applies the
/// parent column's, as the pragma does, not the child's.
#[test]
fn the_parent_affinity_and_collation_decide() {
    let db = db_with(
        "PRAGMA foreign_keys = OFF;
         CREATE TABLE p_int (id INTEGER PRIMARY KEY);
         CREATE TABLE p_nocase (k TEXT COLLATE NOCASE UNIQUE);
         CREATE TABLE p_text (k TEXT UNIQUE);
         CREATE TABLE c_int (v TEXT REFERENCES p_int(id), note TEXT);
         CREATE INDEX c_int_v ON c_int(v);
         CREATE TABLE c_nocase (v TEXT COLLATE BINARY REFERENCES p_nocase(k), note TEXT);
         CREATE INDEX c_nocase_v ON c_nocase(v);
         CREATE TABLE c_text (v INTEGER COLLATE NOCASE REFERENCES p_text(k), note TEXT);
         CREATE INDEX c_text_v ON c_text(v);
         INSERT INTO p_int VALUES (1), (2);
         INSERT INTO p_nocase VALUES ('Abc');
         INSERT INTO p_text VALUES ('10'), ('abc');
         -- '1' and '2.0' become 1 and 2 under INTEGER affinity; '1.5' and 'x' do not.
         INSERT INTO c_int (v) VALUES ('1'), ('2.0'), ('1.5'), ('x'), (x'31');
         -- NOCASE (the parent's) matches 'ABC', not 'ABC ' .
         INSERT INTO c_nocase (v) VALUES ('ABC'), ('abc'), ('ABC ');
         -- TEXT affinity (the parent's) turns 10 (and 10.0, stored as 10) into '10', and 10.5
         -- into '10.5'; 'ABC' is not 'abc' under BINARY (the parent's).
         INSERT INTO c_text (v) VALUES (10), ('ABC'), (10.0), (10.5);",
    );
    let expected = owned(&[("c_int", 3), ("c_nocase", 1), ("c_text", 2)]);
    assert_eq!(counts_by_pragma(&db), expected);
    let recording = Recording::new(&db);
    assert_eq!(counts(&recording), expected);
    assert_eq!(recording.pragma_checks(), Vec::<String>::new(), "all three are counted on their index");
}

/// A child table whose name is not UTF-8 (a damaged CREATE text): the driver hands the name back
/// with U+FFFD, so no statement can name the table, but the whole-file pragma checks it; the
/// counts are the pragma's, that table's included.
#[test]
fn a_table_whose_name_is_not_utf8_is_still_counted() {
    let db = db_with(
        "PRAGMA foreign_keys = OFF;
         CREATE TABLE parent (id TEXT PRIMARY KEY);
         CREATE TABLE kid (id INTEGER PRIMARY KEY, ref TEXT REFERENCES parent(id), note TEXT);
         CREATE INDEX kid_ref ON kid(ref);
         CREATE TABLE other (id INTEGER PRIMARY KEY, ref TEXT REFERENCES parent(id), note TEXT);
         CREATE INDEX other_ref ON other(ref);
         INSERT INTO parent VALUES ('p');
         INSERT INTO kid (ref) VALUES ('p'), ('gone'), ('gone');
         INSERT INTO other (ref) VALUES ('p'), ('gone');
         PRAGMA writable_schema = ON;
         UPDATE sqlite_master SET sql = replace(sql, 'kid', CAST(X'81' AS TEXT) || 'kid'),
             name = replace(name, 'kid', CAST(X'81' AS TEXT) || 'kid'),
             tbl_name = CAST(X'81' AS TEXT) || 'kid'
         WHERE tbl_name = 'kid';
         PRAGMA writable_schema = OFF;",
    );
    let db = agentmux_schema::backend::from_bytes(&bytes_of(&mut { db })).unwrap();
    let names = db.query_strings("SELECT hex(name) FROM pragma_table_list WHERE name LIKE '%kid'", &[]).unwrap();
    assert_eq!(names, ["816B6964"], "the table is named by a byte that is not UTF-8");
    let expected = owned(&[("other", 1), ("\u{FFFD}kid", 2)]);
    assert_eq!(counts_by_pragma(&db), expected);
    assert_eq!(counts(&db), expected);
}

#[cfg(not(target_arch = "wasm32"))]
mod property {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngSeed, TestRunner};

    use super::*;

    /// Values of every storage class, and texts that look like numbers or differ from another
    /// only in case or trailing spaces, as SQL literals.
    const VALUES: &[&str] = &[
        "NULL",
        "0",
        "1",
        "2",
        "-1",
        "10",
        "1.0",
        "1.5",
        "2.0",
        "-0.0",
        "1e0",
        "1e400",
        "9223372036854775807",
        "-9223372036854775808",
        "9.223372036854775807e18",
        "-9.223372036854775808e18",
        "'0'",
        "'1'",
        "'1.0'",
        "'01'",
        "' 1'",
        "'1 '",
        "'1e0'",
        "'10'",
        "'0x10'",
        "'9223372036854775808'",
        "'a'",
        "'A'",
        "'a '",
        "'A  '",
        "'b'",
        "'abc'",
        "'ABC'",
        "''",
        "' '",
        "x''",
        "x'31'",
        "x'61'",
        "x'41'",
    ];

    const TYPES: &[&str] = &["", "TEXT", "INTEGER", "INT", "BLOB", "NUMERIC", "REAL", "VARCHAR(8)", "FLOAT", "BOOLEAN"];
    const COLLATIONS: &[&str] = &["", " COLLATE BINARY", " COLLATE NOCASE", " COLLATE RTRIM"];

    #[derive(Debug, Clone)]
    enum KeyShape {
        /// `k INTEGER PRIMARY KEY`: the rowid.
        IntegerPrimaryKey,
        /// `k <type> <coll> PRIMARY KEY`, optionally WITHOUT ROWID.
        PrimaryKey { without_rowid: bool },
        /// `k <type> <coll>` and `PRIMARY KEY (k COLLATE <collation>)`: the key's index has a
        /// collation of its own, which a constraint that names no column uses.
        PrimaryKeyConstraint { collation: usize },
        /// `k <type> <coll> UNIQUE`.
        Unique,
        /// `k <type> <coll>` and a unique index on it with the given collation (which may differ
        /// from the column's: the pragma then has no usable index).
        UniqueIndex { collation: usize, partial: bool },
        /// Two unique indexes of different collations on `k`.
        TwoUniqueIndexes { first: usize, second: usize },
        /// No key at all: "foreign key mismatch".
        Plain,
    }

    #[derive(Debug, Clone)]
    enum ChildIndex {
        None,
        On(&'static str),
    }

    #[derive(Debug, Clone)]
    struct Case {
        parent: Option<(KeyShape, usize, usize)>,
        references_column: bool,
        reference_upper_case: bool,
        child_type: usize,
        child_collation: usize,
        child_index: ChildIndex,
        child_without_rowid: bool,
        second_key: bool,
        parent_values: Vec<usize>,
        child_values: Vec<(usize, usize)>,
    }

    impl Case {
        fn sql(&self) -> Vec<String> {
            let mut out = vec!["PRAGMA foreign_keys = OFF".to_string()];
            if let Some((key, ty, coll)) = &self.parent {
                let (ty, coll) = (TYPES[*ty], COLLATIONS[*coll]);
                out.push(match key {
                    KeyShape::IntegerPrimaryKey => "CREATE TABLE p (k INTEGER PRIMARY KEY, n)".into(),
                    KeyShape::PrimaryKey { without_rowid } => format!(
                        "CREATE TABLE p (k {ty}{coll} PRIMARY KEY, n){}",
                        if *without_rowid { " WITHOUT ROWID" } else { "" }
                    ),
                    KeyShape::PrimaryKeyConstraint { collation } => {
                        format!("CREATE TABLE p (k {ty}{coll}, n, PRIMARY KEY (k{}))", COLLATIONS[*collation])
                    }
                    KeyShape::Unique => format!("CREATE TABLE p (k {ty}{coll} UNIQUE, n)"),
                    _ => format!("CREATE TABLE p (k {ty}{coll}, n)"),
                });
                match key {
                    KeyShape::UniqueIndex { collation, partial } => out.push(format!(
                        "CREATE UNIQUE INDEX p_k ON p(k{}){}",
                        COLLATIONS[*collation],
                        if *partial { " WHERE k IS NOT NULL" } else { "" }
                    )),
                    KeyShape::TwoUniqueIndexes { first, second } => {
                        out.push(format!("CREATE UNIQUE INDEX p_k1 ON p(k{})", COLLATIONS[*first]));
                        out.push(format!("CREATE UNIQUE INDEX p_k2 ON p(k{})", COLLATIONS[*second]));
                    }
                    _ => {}
                }
            }
            let target = if self.reference_upper_case { "P" } else { "p" };
            let reference =
                if self.references_column { format!("REFERENCES {target}(k)") } else { format!("REFERENCES {target}") };
            out.push(format!(
                "CREATE TABLE c (id INTEGER PRIMARY KEY, f {}{} {reference}, g {}, note TEXT, body BLOB){}",
                TYPES[self.child_type],
                COLLATIONS[self.child_collation],
                if self.second_key { reference.as_str() } else { "" },
                if self.child_without_rowid { " WITHOUT ROWID" } else { "" },
            ));
            if let ChildIndex::On(columns) = self.child_index {
                out.push(format!("CREATE INDEX c_f ON c({columns})"));
            }
            for v in &self.parent_values {
                out.push(format!("INSERT INTO p (k, n) VALUES ({}, 0)", VALUES[*v]));
            }
            for (i, (f, g)) in self.child_values.iter().enumerate() {
                out.push(format!("INSERT INTO c (id, f, g) VALUES ({i}, {}, {})", VALUES[*f], VALUES[*g]));
            }
            out
        }
    }

    fn value() -> impl Strategy<Value = usize> {
        0..VALUES.len()
    }

    fn key() -> impl Strategy<Value = KeyShape> {
        prop_oneof![
            3 => Just(KeyShape::IntegerPrimaryKey),
            3 => any::<bool>().prop_map(|without_rowid| KeyShape::PrimaryKey { without_rowid }),
            2 => (0..COLLATIONS.len()).prop_map(|collation| KeyShape::PrimaryKeyConstraint { collation }),
            3 => Just(KeyShape::Unique),
            2 => (0..COLLATIONS.len(), any::<bool>()).prop_map(|(collation, partial)| KeyShape::UniqueIndex { collation, partial }),
            1 => (0..COLLATIONS.len(), 0..COLLATIONS.len()).prop_map(|(first, second)| KeyShape::TwoUniqueIndexes { first, second }),
            1 => Just(KeyShape::Plain),
        ]
    }

    fn case() -> impl Strategy<Value = Case> {
        (
            prop::option::weighted(0.9, (key(), 0..TYPES.len(), 0..COLLATIONS.len())),
            prop::bool::weighted(0.7),
            any::<bool>(),
            (0..TYPES.len(), 0..COLLATIONS.len()),
            prop_oneof![
                1 => Just(ChildIndex::None),
                4 => Just(ChildIndex::On("f")),
                2 => Just(ChildIndex::On("f, g")),
                1 => Just(ChildIndex::On("g, f")),
                1 => Just(ChildIndex::On("f COLLATE NOCASE")),
                1 => Just(ChildIndex::On("f DESC")),
            ],
            prop::bool::weighted(0.1),
            prop::bool::weighted(0.15),
            prop::collection::vec(value(), 0..10),
            prop::collection::vec((value(), value()), 0..16),
        )
            .prop_map(
                |(
                    parent,
                    references_column,
                    reference_upper_case,
                    (child_type, child_collation),
                    child_index,
                    child_without_rowid,
                    second_key,
                    parent_values,
                    child_values,
                )| Case {
                    parent,
                    references_column,
                    reference_upper_case,
                    child_type,
                    child_collation,
                    child_index,
                    child_without_rowid,
                    second_key,
                    parent_values,
                    child_values,
                },
            )
    }

    /// For every generated pair of tables, `orphan_rows` gives the pragma's numbers; and enough of
    /// the cases take the counting query (no pragma run) for the property to say something
    /// about it.
    #[test]
    fn orphan_rows_equals_the_pragma_on_generated_tables() {
        let queried = AtomicUsize::new(0);
        let with_orphans = AtomicUsize::new(0);
        let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2000);
        let seed = std::env::var("PROPTEST_RNG_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(27);
        let mut runner = TestRunner::new(Config {
            cases,
            rng_seed: RngSeed::Fixed(seed),
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&case(), |case| {
                let db = mem();
                for statement in case.sql() {
                    // A value the parent's key refuses (a text in an INTEGER PRIMARY KEY, a
                    // duplicate) is simply not there.
                    let _ = db.exec(&statement);
                }
                let expected = counts_by_pragma(&db);
                let recording = Recording::new(&db);
                let counted = orphans_and_rows_per_table(&recording).unwrap();
                let got: Vec<(String, i64)> = counted.orphans.iter().map(|(t, n)| (t.clone(), *n)).collect();
                prop_assert_eq!(&got, &expected, "{}", case.sql().join(";\n"));
                // The row counts read in the same scan are the tables' row counts.
                for (table, rows) in counted.rows.iter() {
                    prop_assert_eq!(*rows, count(&db, &format!("SELECT count(*) FROM \"{table}\"")), "{}", table);
                }
                if recording.pragma_checks().is_empty() && !case.child_values.is_empty() {
                    queried.fetch_add(1, Ordering::Relaxed);
                    if !expected.is_empty() {
                        with_orphans.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Ok(())
            })
            .unwrap();
        let (queried, with_orphans) = (queried.into_inner(), with_orphans.into_inner());
        eprintln!("{cases} cases: {queried} counted by the query, {with_orphans} of them with orphans");
        assert!(queried * 3 > cases as usize, "only {queried} of {cases} cases took the counting query");
        assert!(
            with_orphans * 5 > cases as usize,
            "only {with_orphans} of {cases} cases had orphans the query counted"
        );
    }
}
