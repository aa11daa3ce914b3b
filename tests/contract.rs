//! The contract a schema definition and a file must meet is checked, not assumed: verification
//! compares every column's declaration, a step's `since` and an `AddColumn`'s definition are
//! validated before anything is written, a negative `user_version` is refused as damage, and SQL
//! text is read with SQLite's own quoting rules. Runs natively, under Node and in browsers.

mod common;

use agentmux_schema::backend::from_bytes;
use agentmux_schema::sqltext::{self, quote_literal, quote_name};
use agentmux_schema::{
    check_schema_compat, migrate, migrate_all, migrate_spec, status, AdditiveColumn, Change, SchemaGap, Spec, SqlConn,
    State, Step, Store, StoreError,
};
use common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const OBJECTS_V4: &str = include_str!("../crates/core/src/sql/snapshots/objects_v4.sql");

/// A file as this build leaves objects.db, with a row in the table the tests redefine.
fn current_objects() -> Vec<u8> {
    let db = db_with(&format!("{OBJECTS_V4}\nPRAGMA user_version = {};", Store::Objects.version()));
    db.exec("INSERT INTO db_agent_definitions (id, name, provider) VALUES ('a1', 'agent', 'p')").unwrap();
    bytes_of(&mut { db })
}

/// The next objects.db version with the current DDL and these extra steps.
fn next_objects(extra: &[Step]) -> &'static Spec {
    let current = Store::Objects.spec();
    let steps: Vec<Step> = current.steps.iter().copied().chain(extra.iter().copied()).collect();
    Box::leak(Box::new(Spec { version: current.version + 1, steps: Box::leak(steps.into_boxed_slice()), ..*current }))
}

/// `spec`'s migration of `image` fails, and leaves the image byte for byte as it was.
fn refused(image: &[u8], spec: &Spec) -> StoreError {
    let mut db = from_bytes(image).unwrap();
    let err = migrate_spec(&db, spec).expect_err("the migration must be refused");
    assert!(bytes_of(&mut db) == image, "a refused migration ({err}) changed the file");
    err
}

// ---- Verification compares every column's declaration ---------------------------------

#[test]
fn a_data_step_that_redeclares_a_column_fails_verification_and_writes_nothing() {
    // The column comes back with another type, no NOT NULL and another default: without the
    // comparison this was stamped as the next version, a second shape of it.
    let spec = next_objects(&[Step {
        since: Store::Objects.version() + 1,
        change: Change::Sql {
            name: "redeclare user_hidden",
            sql: "ALTER TABLE db_agent_definitions DROP COLUMN user_hidden; \
                  ALTER TABLE db_agent_definitions ADD COLUMN user_hidden TEXT DEFAULT 'x'",
        },
    }]);
    match refused(&current_objects(), spec) {
        StoreError::VerifyFailed { missing, .. } => {
            assert_eq!(missing.len(), 1, "{missing:?}");
            assert!(
                matches!(&missing[0], SchemaGap::Declaration { table, column, .. }
                    if table == "db_agent_definitions" && column == "user_hidden"),
                "{missing:?}"
            );
            let shown = missing[0].to_string();
            assert!(shown.starts_with("db_agent_definitions.user_hidden declared TEXT DEFAULT 'x'"), "{missing:?}");
            assert!(shown.contains("canonical: INTEGER NOT NULL DEFAULT 0"), "{missing:?}");
        }
        other => panic!("expected VerifyFailed, got {other}"),
    }
}

#[test]
fn a_collation_or_generated_kind_written_otherwise_fails_verification() {
    for (sql, column) in [
        (
            "ALTER TABLE db_agent_definitions DROP COLUMN user_hidden; \
             ALTER TABLE db_agent_definitions ADD COLUMN user_hidden INTEGER NOT NULL DEFAULT 0 COLLATE NOCASE",
            "user_hidden",
        ),
        (
            "ALTER TABLE db_agent_definitions DROP COLUMN user_hidden; \
             ALTER TABLE db_agent_definitions ADD COLUMN user_hidden INTEGER NOT NULL \
             GENERATED ALWAYS AS (0) VIRTUAL",
            "user_hidden",
        ),
    ] {
        let spec = next_objects(&[Step {
            since: Store::Objects.version() + 1,
            change: Change::Sql { name: "redeclare", sql: Box::leak(sql.to_string().into_boxed_str()) },
        }]);
        match refused(&current_objects(), spec) {
            StoreError::VerifyFailed { missing, .. } => {
                assert!(
                    missing.iter().any(|m| m.to_string().starts_with(&format!("db_agent_definitions.{column} "))),
                    "{missing:?}"
                )
            }
            other => panic!("{sql}: expected VerifyFailed, got {other}"),
        }
    }
}

#[test]
fn a_declaration_the_file_already_had_is_kept_and_a_reported_relaxation_accepted() {
    // A v1 file whose updated_at was declared by hand without NOT NULL (a shape the original
    // module migrated) keeps it; `provider`, missing from a table with a row and declared NOT NULL
    // without a default, is added nullable and reported in `columns_nullable`. Both verify.
    let v1 = include_str!("../crates/core/src/sql/snapshots/objects_v1.sql");
    let without_provider = "    provider             TEXT NOT NULL,\n";
    assert!(v1.contains(without_provider));
    let db = db_with(&format!("{}\nPRAGMA user_version = 1;", v1.replacen(without_provider, "", 1)));
    db.exec(
        "ALTER TABLE db_agent_definitions ADD COLUMN updated_at INTEGER DEFAULT 0; \
         INSERT INTO db_agent_definitions (id, name) VALUES ('a1', 'agent');",
    )
    .unwrap();
    let report = migrate(&db, Store::Objects).unwrap();
    assert_eq!(version(&db), Store::Objects.version());
    assert!(!report.columns_added.contains(&"db_agent_definitions.updated_at".to_string()), "{report:?}");
    assert_eq!(report.columns_nullable, ["db_agent_definitions.provider"], "{report:?}");
    let after = dump(&db);
    let column = |name: &str| after.tables["db_agent_definitions"].columns.iter().find(|c| c.name == name).cloned();
    assert!(!column("updated_at").unwrap().not_null, "the file's own declaration is kept");
    let provider = column("provider").unwrap();
    assert!(!provider.not_null && provider.decl_type == "TEXT", "{provider:?}");
}

#[test]
fn an_add_column_declared_otherwise_than_the_ddl_is_an_invalid_spec_before_any_write() {
    for definition in [
        "TEXT DEFAULT 'x'",
        "INTEGER DEFAULT 0",
        "INTEGER NOT NULL DEFAULT 1",
        "INTEGER NOT NULL DEFAULT 0 COLLATE NOCASE",
    ] {
        let spec = Box::leak(Box::new(Spec {
            steps: Box::leak(
                Store::Objects
                    .spec()
                    .steps
                    .iter()
                    .map(|s| match s.change {
                        Change::AddColumn(a) if a.column == "user_hidden" => {
                            Step { change: Change::AddColumn(AdditiveColumn { definition, ..a }), ..*s }
                        }
                        _ => *s,
                    })
                    .collect::<Vec<_>>()
                    .into_boxed_slice(),
            ),
            ..*Store::Objects.spec()
        }));
        let image = image_of(FLAT_V1);
        match refused(&image, spec) {
            StoreError::InvalidSpec { reason, .. } => {
                assert!(reason.contains("db_agent_definitions.user_hidden"), "{reason}");
                assert!(reason.contains(definition) && reason.contains("INTEGER NOT NULL DEFAULT 0"), "{reason}");
            }
            other => panic!("{definition}: expected InvalidSpec, got {other}"),
        }
        // Refused on an empty file too: the definition is wrong whatever the file.
        assert!(matches!(migrate_spec(&mem(), spec), Err(StoreError::InvalidSpec { .. })));
    }
}

#[test]
fn an_add_column_naming_a_column_the_ddl_lacks_is_an_invalid_spec() {
    let spec = next_objects(&[Step {
        since: Store::Objects.version() + 1,
        change: Change::AddColumn(AdditiveColumn { table: "db_agents", column: "no_such_column", definition: "TEXT" }),
    }]);
    match refused(&current_objects(), spec) {
        StoreError::InvalidSpec { reason, .. } => assert!(reason.contains("no_such_column"), "{reason}"),
        other => panic!("expected InvalidSpec, got {other}"),
    }
}

// ---- A step's `since` ----------------------------------------------------------------

#[test]
fn a_step_since_outside_the_versions_or_out_of_order_is_an_invalid_spec() {
    let add = |since| Step {
        since,
        change: Change::AddColumn(AdditiveColumn {
            table: "db_agent_definitions",
            column: "updated_at",
            definition: "INTEGER NOT NULL DEFAULT 0",
        }),
    };
    let sql = |since| Step { since, change: Change::Sql { name: "noop", sql: "SELECT 1" } };
    let cases: Vec<(i64, Vec<Step>)> =
        vec![(2, vec![add(99)]), (2, vec![add(0)]), (2, vec![add(-1)]), (3, vec![add(3), sql(2)])];
    for (version, steps) in cases {
        let spec =
            Box::leak(Box::new(Spec { version, steps: Box::leak(steps.into_boxed_slice()), ..*Store::Objects.spec() }));
        match refused(&image_of(FLAT_V1), spec) {
            StoreError::InvalidSpec { reason, .. } => assert!(reason.contains("since"), "{reason}"),
            other => panic!("v{version}: expected InvalidSpec, got {other}"),
        }
    }
    // In range and non-decreasing (equal `since`s included) is fine.
    let spec = Box::leak(Box::new(Spec {
        version: 3,
        steps: Box::leak(vec![add(2), sql(2), sql(3)].into_boxed_slice()),
        ..*Store::Objects.spec()
    }));
    let db = db_with(FLAT_V1);
    // (The DDL is v4's, so verification may still refuse; the steps themselves pass the check.)
    if let Err(StoreError::InvalidSpec { reason, .. }) = migrate_spec(&db, spec) {
        panic!("valid steps refused: {reason}");
    }
}

// ---- A negative user_version ---------------------------------------------------------

#[test]
fn a_negative_user_version_is_refused_as_damage_and_nothing_is_written() {
    for sql in [format!("{FLAT_V1}\nPRAGMA user_version = -7;"), "PRAGMA user_version = -7;".to_string()] {
        let image = image_of(&sql);
        for store in Store::ALL {
            let mut db = from_bytes(&image).unwrap();
            match migrate(&db, store) {
                Err(StoreError::NotADatabase { reason, .. }) => assert!(reason.contains("-7"), "{reason}"),
                other => panic!("{store:?}: expected NotADatabase, got {other:?}"),
            }
            assert!(matches!(check_schema_compat(&db, store.version(), "x.db"), Err(StoreError::NotADatabase { .. })));
            let s = status(&db, store);
            assert_eq!(s.state, State::Unreadable, "{s:?}");
            assert!(s.error.as_deref().is_some_and(|e| e.contains("-7")), "{s:?}");
            assert!(bytes_of(&mut db) == image, "{store:?}: a refused file was changed");
        }
        let db = from_bytes(&image).unwrap();
        let all: Vec<(&dyn SqlConn, Store)> = vec![(&db as &dyn SqlConn, Store::Objects)];
        assert!(matches!(migrate_all(&all), Err(StoreError::NotADatabase { .. })));
    }
}

// ---- SQL text, read as SQLite reads it -----------------------------------------------

/// Names that need quoting, or look like what they are not.
const TRICKY_NAMES: &[&str] =
    &["a\"b", "[x]", "`y`", "select", "where", "a b", "it's", "from", "fromage", "-- c", "/* d */", "é", "a,b", "(z)"];

#[test]
fn quoted_names_and_literals_round_trip_through_sqlite() {
    let db = mem();
    for (i, name) in TRICKY_NAMES.iter().enumerate() {
        let column = format!("{name}{i}");
        db.exec(&format!("CREATE TABLE {} ({} TEXT)", quote_name(name), quote_name(&column))).unwrap();
        let listed = db.query_strings("SELECT name FROM pragma_table_list WHERE name = ?1", &[name]).unwrap();
        assert_eq!(listed, [name.to_string()], "{name}");
        let cols =
            db.query_strings(&format!("SELECT name FROM pragma_table_info({})", quote_literal(name)), &[]).unwrap();
        assert_eq!(cols, [column]);
        let back = db.query_strings(&format!("SELECT {}", quote_literal(name)), &[]).unwrap();
        assert_eq!(back, [name.to_string()]);
    }
}

#[test]
fn column_names_and_collations_are_read_as_sqlite_reads_them() {
    // SQLite's own reading of each column (`PRAGMA table_info`, and the collation an index on the
    // column takes by default, `PRAGMA index_xinfo`) is the oracle for `sqltext::table_columns`.
    let create =
        "CREATE TABLE t (\"a\"\"b\" TEXT, [c d] INT COLLATE RTRIM COLLATE NOCASE, `e``f` TEXT CHECK (`e``f` <> ')' \
                  COLLATE RTRIM) COLLATE rtrim, 'g' TEXT DEFAULT 'x, y', \"select\" TEXT DEFAULT \"m\", \
                  h /* , j INT */ INT, -- k INT,\n fromage TEXT COLLATE \"NoCase\", whereabouts TEXT \
                  GENERATED ALWAYS AS (upper(fromage) COLLATE rtrim) VIRTUAL, [x\"y] TEXT, \
                  CONSTRAINT pk PRIMARY KEY (\"a\"\"b\"), UNIQUE (h), CHECK (h > 0), \
                  FOREIGN KEY (h) REFERENCES t(h))";
    let db = db_with(create);
    let stored = db.query_strings("SELECT sql FROM sqlite_master WHERE name = 't'", &[]).unwrap().remove(0);
    let ours = sqltext::table_columns(&stored).expect("a CREATE TABLE");
    let theirs = db.query_strings("SELECT name FROM pragma_table_xinfo('t') ORDER BY cid", &[]).unwrap();
    assert_eq!(ours.iter().map(|c| c.name.clone()).collect::<Vec<_>>(), theirs);
    for (i, c) in ours.iter().enumerate() {
        if c.name == "whereabouts" {
            continue; // a generated column cannot be indexed by name alone here; its own COLLATE is inside ( )
        }
        db.exec(&format!("CREATE INDEX ix{i} ON t({})", quote_name(&c.name))).unwrap();
        let sqlite = db.query_strings(&format!("SELECT coll FROM pragma_index_xinfo('ix{i}') WHERE key"), &[]).unwrap();
        let sqlite = sqlite[0].to_ascii_uppercase();
        let want = if sqlite == "BINARY" { None } else { Some(sqlite) };
        assert_eq!(c.collation, want, "column {}", c.name);
    }
    // And `inspect::dump` reports them so.
    let schema = dump(&db);
    let by_name = |n: &str| schema.tables["t"].columns.iter().find(|c| c.name == n).unwrap().collation.clone();
    assert_eq!(by_name("c d").as_deref(), Some("NOCASE"));
    assert_eq!(by_name("e`f").as_deref(), Some("RTRIM"));
    assert_eq!(by_name("fromage").as_deref(), Some("NOCASE"));
    assert_eq!(by_name("whereabouts"), None);
}

#[test]
fn a_partial_index_condition_is_what_sqlite_evaluates() {
    let db = db_with(
        "CREATE TABLE t (b TEXT, \"where\" INT, c INT);\
         INSERT INTO t VALUES (' WHERE c', 1, 1), ('x', NULL, 2), ('y', -1, 3);",
    );
    let cases = [
        ("CREATE INDEX i1 ON t(b) WHERE b != ' WHERE c'", Some("b != ' WHERE c'")),
        ("CREATE INDEX i2 ON t(\"where\") WHERE \"where\" IS NOT NULL", Some("\"where\" IS NOT NULL")),
        ("CREATE INDEX i3 ON t(b) /* WHERE c = 1 */ WHERE [where] > 0 -- WHERE c = 2", Some("[where] > 0")),
        ("CREATE INDEX i4 ON t(b COLLATE nocase, `where`)", None),
        ("CREATE INDEX i5 ON t(b) WHERE c IN (SELECT 1 WHERE 1) = 0", None),
        ("CREATE INDEX i6 ON t(b)\n   WHERE  c   >\n 1", Some("c > 1")),
    ];
    for (create, want) in cases {
        // (SQLite refuses a subquery in a partial index: the case only shows the scan is not fooled.)
        if db.exec(create).is_err() {
            assert_eq!(sqltext::where_clause(create).as_deref(), Some("c IN (SELECT 1 WHERE 1) = 0"));
            continue;
        }
        let schema = dump(&db);
        let name = &create[13..15];
        let got = schema.tables["t"].indexes[name].partial_where.clone();
        assert_eq!(got.as_deref(), want, "{create}");
        if let Some(cond) = got {
            // SQLite evaluates the text as the same condition: the index holds the rows it selects.
            let selected = count(&db, &format!("SELECT count(*) FROM t WHERE {cond}"));
            let indexed = count(&db, &format!("SELECT count(*) FROM t INDEXED BY {name} WHERE {cond}"));
            assert_eq!(selected, indexed, "{create}");
            assert!(selected > 0 && selected < 3, "{create}: {selected}");
        }
    }
}

#[test]
fn statements_split_where_sqlite_splits_them() {
    // SQLite runs the whole batch on one database; the pieces the tokeniser cuts at top-level
    // `;` run one by one on another. Any cut inside a string, a quoted name or a comment would
    // leave a piece SQLite cannot parse, or rows that differ.
    let batch = "CREATE TABLE s (v TEXT); CREATE TABLE \"c;d\" (v TEXT); INSERT INTO s VALUES ('a;b'); \
                 INSERT INTO [c;d] VALUES ('it''s;'); INSERT INTO `c;d` VALUES (\"v\" || ';') /* ; */; \
                 -- INSERT INTO s VALUES ('e');\n INSERT INTO s VALUES (x'3b'); INSERT INTO s VALUES (';' -- ;\n)";
    let whole = db_with(batch);
    let pieces = mem();
    let toks = sqltext::tokens(batch);
    let parts: Vec<_> = sqltext::split_top_level(&toks, ";").unwrap().into_iter().filter(|p| !p.is_empty()).collect();
    assert_eq!(parts.len(), 7);
    for part in parts {
        let text = &batch[part[0].start..part.last().unwrap().end()];
        pieces.exec(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
    for table in ["s", "c;d"] {
        let sql =
            format!("SELECT group_concat(quote(v), ' ') FROM (SELECT v FROM {} ORDER BY rowid)", quote_name(table));
        assert_eq!(whole.query_strings(&sql, &[]).unwrap(), pieces.query_strings(&sql, &[]).unwrap(), "{table}");
    }
    assert_eq!(count(&pieces, "SELECT count(*) FROM s"), 3);
    assert_eq!(count(&pieces, "SELECT count(*) FROM \"c;d\""), 2);
}

/// SQLite's own answer to "does this text end with a complete statement?" (`sqlite3_complete`,
/// which runs SQLite's tokeniser over it).
fn sqlite_says_complete(sql: &str) -> bool {
    let _ = mem(); // SQLite initialised
    let text = std::ffi::CString::new(sql).unwrap();
    // SAFETY: a NUL-terminated string that outlives the call; the function only reads it.
    unsafe { rusqlite::ffi::sqlite3_complete(text.as_ptr()) != 0 }
}

#[test]
fn the_tokeniser_ends_statements_where_sqlite_does() {
    // Complete means: the last token is a `;` that no string, quoted name or comment swallowed.
    let ours = |sql: &str| {
        let toks = sqltext::tokens(sql);
        let unterminated = toks.iter().any(|t| {
            let close = match t.text.as_bytes()[0] {
                b'\'' => b'\'',
                b'"' => b'"',
                b'`' => b'`',
                b'[' => b']',
                _ => return false,
            };
            t.text.len() < 2 || *t.text.as_bytes().last().unwrap() != close
        });
        !unterminated && toks.last().is_some_and(|t| t.is_symbol(";"))
    };
    for sql in [
        "SELECT 'a;'",
        "SELECT 'a;';",
        "SELECT 'it''s;'",
        "SELECT 'it''s;';",
        "SELECT \"x;\";",
        "SELECT \"x\"\";",
        "SELECT \"x\"\";\";",
        "SELECT [a;b",
        "SELECT [a;b];",
        "SELECT [a\"b;]",
        "SELECT `a``;`;",
        "SELECT `a``;",
        // (A line comment the text ends inside, newline missing, makes sqlite3_complete say
        // "incomplete" whatever precedes it: a rule for interactive input, not tokenisation.)
        "SELECT 1; -- c\n",
        "SELECT 1 -- ;",
        "SELECT 1 -- ;\n;",
        "SELECT /* ; */ 1",
        "SELECT /* ; */ 1;",
        "SELECT x'3b'",
        "SELECT x'3b';",
        "CREATE TABLE wherefrom(selected, \"from\" TEXT DEFAULT ';');",
        "CREATE INDEX i ON t(b) WHERE b != ' WHERE c'",
        "CREATE INDEX i ON t(b) WHERE b != ' WHERE c';",
        "SELECT 1;;",
        "SELECT 'é;' || \"ü\";",
    ] {
        assert_eq!(ours(sql), sqlite_says_complete(sql), "{sql}");
    }
}
