//! Behaviour of the schema, legacy adoption, tripwire and atomicity, written once and run on
//! every runtime: `cargo test` (rusqlite), `wasm-pack test --node` and in headless Chrome and
//! Firefox (sqlite-wasm-rs). Only the backend's in-memory databases and file images are used,
//! so nothing here depends on a filesystem.

mod common;

use agentmux_schema::backend::from_bytes;
use agentmux_schema::inspect;
use agentmux_schema::legacy::{DEAD_TABLE_DROPS, LEGACY_TABLE_RENAMES};
use agentmux_schema::{
    check_schema_compat, migrate, migrate_all, run_filestore_migrations, run_object_schema, run_saga_log_migrations,
    stamp_version, status, Outcome, SqlConn, State, Store, StoreError, Value, OBJECT_SCHEMA_VERSION,
};
use common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

// ---- The reference module's own checks -------------------------------------------------

#[test]
fn fresh_objects_schema_has_every_table_index_and_blank_row() {
    let db = mem();
    db.exec("PRAGMA foreign_keys = ON").unwrap();
    run_object_schema(&db).unwrap();
    for t in OBJECT_TABLES {
        assert!(table_exists(&db, t), "{t} should exist");
    }
    for idx in [
        "idx_agent_definitions_slug",
        "idx_agent_history_agent_date",
        "idx_agent_identity_links_account",
        "idx_identity_accounts_provider",
        "idx_identity_bundles_is_blank",
        "idx_identity_bindings_account",
        "idx_memory_bundles_is_blank",
        "idx_agent_instances_definition",
        "idx_agent_instances_block",
        "idx_agent_instances_status",
        "idx_agent_instances_parent",
        "idx_agent_instances_name_recent",
        "idx_agents_is_template",
        "idx_agents_parent_template_id",
        "idx_agents_is_seeded",
        "idx_drone_definitions_updated",
        "idx_drone_runs_drone_started",
        "idx_drone_runs_status",
    ] {
        assert!(index_exists(&db, idx), "{idx} should exist");
    }
    assert_eq!(count(&db, "SELECT count(*) FROM db_identity_bundles WHERE id='blank' AND is_blank=1"), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM db_memory_bundles WHERE id='blank' AND is_blank=1"), 1);
}

#[test]
fn object_schema_twice_keeps_singletons_unique() {
    let db = mem();
    run_object_schema(&db).unwrap();
    run_object_schema(&db).unwrap();
    assert_eq!(count(&db, "SELECT count(*) FROM db_identity_bundles"), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM db_memory_bundles"), 1);
}

#[test]
fn flat_schema_never_creates_dead_or_legacy_tables() {
    let db = mem();
    run_object_schema(&db).unwrap();
    for t in DEAD_TABLE_DROPS.iter().chain(LEGACY_TABLE_RENAMES.iter().map(|(l, _)| l)) {
        assert!(!table_exists(&db, t), "{t} must not be created");
    }
}

const FORGE_AGENTS: &str = "CREATE TABLE db_forge_agents (
    id TEXT PRIMARY KEY, slug TEXT NOT NULL DEFAULT '', name TEXT NOT NULL,
    icon TEXT NOT NULL DEFAULT '✦', provider TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '', working_directory TEXT NOT NULL DEFAULT '',
    shell TEXT NOT NULL DEFAULT '', provider_flags TEXT NOT NULL DEFAULT '',
    auto_start INTEGER NOT NULL DEFAULT 0, restart_on_crash INTEGER NOT NULL DEFAULT 0,
    idle_timeout_minutes INTEGER NOT NULL DEFAULT 0,
    agent_type TEXT NOT NULL DEFAULT 'standalone', environment TEXT NOT NULL DEFAULT '',
    agent_bus_id TEXT NOT NULL DEFAULT '', is_seeded INTEGER NOT NULL DEFAULT 0,
    accounts TEXT NOT NULL DEFAULT '', parent_id TEXT NOT NULL DEFAULT '',
    branch_label TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL DEFAULT 0);";

#[test]
fn forge_tables_are_renamed_with_their_rows() {
    let db = db_with(&format!(
        "PRAGMA foreign_keys = ON; {FORGE_AGENTS}
         CREATE UNIQUE INDEX idx_forge_agents_slug ON db_forge_agents(slug);
         INSERT INTO db_forge_agents (id, slug, name, provider) VALUES ('a1', 'coder', 'Coder', 'claude');
         CREATE TABLE db_workflow_definitions (id TEXT PRIMARY KEY);"
    ));
    run_object_schema(&db).unwrap();
    assert!(!table_exists(&db, "db_forge_agents"));
    assert_eq!(db.query_strings("SELECT name FROM db_agent_definitions WHERE id='a1'", &[]).unwrap(), ["Coder"]);
    assert!(!index_exists(&db, "idx_forge_agents_slug"));
    assert!(index_exists(&db, "idx_agent_definitions_slug"));
    assert!(!table_exists(&db, "db_workflow_definitions"));
}

#[test]
fn adoption_is_a_no_op_on_a_flat_database() {
    let db = mem();
    run_object_schema(&db).unwrap();
    let before = dump(&db);
    run_object_schema(&db).unwrap();
    assert_eq!(dump(&db), before);
    assert!(!table_exists(&db, "db_forge_agents"));
}

#[test]
fn both_names_present_leaves_the_legacy_table_and_rows_alone() {
    let db = mem();
    run_object_schema(&db).unwrap();
    db.exec(
        "CREATE TABLE db_forge_agents (id TEXT PRIMARY KEY, name TEXT NOT NULL);
         INSERT INTO db_forge_agents (id, name) VALUES ('downgrade-era', 'Recover Me');",
    )
    .unwrap();
    run_object_schema(&db).unwrap();
    assert_eq!(
        db.query_strings("SELECT name FROM db_forge_agents WHERE id='downgrade-era'", &[]).unwrap(),
        ["Recover Me"]
    );
    assert!(table_exists(&db, "db_agent_definitions"));
}

#[test]
fn cascade_survives_the_rename() {
    let db = db_with(&format!(
        "PRAGMA foreign_keys = ON; {FORGE_AGENTS}
         CREATE TABLE db_forge_content (
            agent_id TEXT NOT NULL, content_type TEXT NOT NULL,
            content TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (agent_id, content_type),
            FOREIGN KEY (agent_id) REFERENCES db_forge_agents(id) ON DELETE CASCADE);
         INSERT INTO db_forge_agents (id, name, provider) VALUES ('a1', 'Coder', 'claude');
         INSERT INTO db_forge_content (agent_id, content_type, content) VALUES ('a1', 'soul', 'hello');"
    ));
    run_object_schema(&db).unwrap();
    db.exec("DELETE FROM db_agent_definitions WHERE id='a1'").unwrap();
    assert_eq!(count(&db, "SELECT count(*) FROM db_agent_content WHERE agent_id='a1'"), 0);
}

#[test]
fn user_hidden_defaults_to_visible_on_fresh_and_altered_tables() {
    let fresh = mem();
    run_object_schema(&fresh).unwrap();
    fresh.exec("INSERT INTO db_agent_definitions (id, name, provider) VALUES ('a', 'A', 'claude')").unwrap();
    assert_eq!(count(&fresh, "SELECT user_hidden FROM db_agent_definitions WHERE id='a'"), 0);

    let old = db_with(FLAT_V1);
    run_object_schema(&old).unwrap();
    run_object_schema(&old).unwrap();
    assert_eq!(count(&old, "SELECT user_hidden FROM db_agent_definitions WHERE id='pre-existing'"), 0);
    assert_eq!(count(&old, "SELECT updated_at FROM db_agent_definitions WHERE id='pre-existing'"), 0);
}

#[test]
fn stamp_writes_the_version() {
    let db = mem();
    stamp_version(&db, OBJECT_SCHEMA_VERSION).unwrap();
    assert_eq!(version(&db), OBJECT_SCHEMA_VERSION);
}

#[test]
fn compat_check_refuses_newer_and_writes_nothing() {
    let mut db = db_with("CREATE TABLE t (x); PRAGMA user_version = 99;");
    let before = bytes_of(&mut db);
    match check_schema_compat(&db, OBJECT_SCHEMA_VERSION, "objects.db") {
        Err(StoreError::SchemaTooNew { db: label, found, expected }) => {
            assert_eq!((label.as_str(), found, expected), ("objects.db", 99, OBJECT_SCHEMA_VERSION));
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    assert_eq!(bytes_of(&mut db), before);
}

#[test]
fn compat_check_accepts_equal_or_older_without_stamping() {
    for v in [OBJECT_SCHEMA_VERSION, 1, 0] {
        let db = db_with(&format!("PRAGMA user_version = {v};"));
        check_schema_compat(&db, OBJECT_SCHEMA_VERSION, "objects.db").unwrap();
        assert_eq!(version(&db), v);
    }
}

#[test]
fn filestore_and_saga_schemas_are_idempotent() {
    let fs = mem();
    run_filestore_migrations(&fs).unwrap();
    run_filestore_migrations(&fs).unwrap();
    assert!(table_exists(&fs, "db_wave_file") && table_exists(&fs, "db_file_data"));
    let sg = mem();
    run_saga_log_migrations(&sg).unwrap();
    run_saga_log_migrations(&sg).unwrap();
    assert!(table_exists(&sg, "saga") && table_exists(&sg, "saga_step"));
}

// ---- Parity with the reference DDL ------------------------------------------------------

#[test]
fn migrated_fresh_schema_equals_the_reference_at_pragma_level() {
    for store in Store::ALL {
        let db = mem();
        let report = migrate(&db, store).unwrap();
        assert_eq!(report.outcome, Outcome::Created);
        assert_eq!(version(&db), store.version());
        let (ours, reference) = (dump(&db), reference_schema(store));
        assert!(!reference.tables.is_empty());
        assert_eq!(ours, reference, "{store}: pragma-level schema differs from the reference");
    }
}

#[test]
fn migrated_fresh_schema_equals_the_reference_statement_for_statement() {
    // The pragmas do not show AUTOINCREMENT, CHECK, COLLATE on a column, WITHOUT ROWID or
    // DEFERRABLE, nor SQLite's own sqlite_sequence; the catalogue's CREATE text does.
    for store in Store::ALL {
        let db = mem();
        migrate(&db, store).unwrap();
        let reference = db_with(reference_ddl(store));
        let (ours, theirs) = (catalogue(&db), catalogue(&reference));
        assert!(!theirs.is_empty());
        for (a, b) in ours.iter().zip(&theirs) {
            assert_eq!(a, b, "{store}: catalogue entry differs from the reference");
        }
        assert_eq!(ours.len(), theirs.len(), "{store}: {ours:#?}\nvs reference\n{theirs:#?}");
    }
    // AUTOINCREMENT is what makes SQLite keep sqlite_sequence; both sides must agree on it.
    let db = mem();
    migrate(&db, Store::Objects).unwrap();
    assert!(table_exists(&db, "sqlite_sequence"));
    assert!(table_exists(&db_with(reference_ddl(Store::Objects)), "sqlite_sequence"));
}

#[test]
fn normalised_sql_sees_what_the_pragmas_miss() {
    let base = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)";
    for variant in [
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT)",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT CHECK (name != ''))",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE)",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT) WITHOUT ROWID",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT REFERENCES u(id) DEFERRABLE INITIALLY DEFERRED)",
    ] {
        assert_ne!(catalogue(&db_with(base)), catalogue(&db_with(variant)), "{variant}");
    }
    // …and not layout, quoting or IF NOT EXISTS.
    assert_eq!(
        catalogue(&db_with(base)),
        catalogue(&db_with("CREATE TABLE IF NOT EXISTS \"t\"(\n  id  INTEGER PRIMARY KEY ,\n  name TEXT\n)"))
    );
}

#[test]
fn reference_parity_covers_the_details() {
    // Spot checks that the dump really carries what parity is claimed for.
    let s = reference_schema(Store::Objects);
    let defs = &s.tables["db_agent_definitions"];
    let icon = defs.columns.iter().find(|c| c.name == "icon").unwrap();
    assert_eq!(icon.default.as_deref(), Some("'✦'"));
    assert!(icon.not_null);
    let recent = &s.tables["db_agent_instances"].indexes["idx_agent_instances_name_recent"];
    assert_eq!(recent.partial_where.as_deref(), Some("display_hidden = 0 AND instance_name != ''"));
    assert!(recent.columns[1].desc);
    let fk = &s.tables["db_agent_identity_links"].foreign_keys;
    assert!(fk.iter().any(|f| f.table == "db_identity_accounts" && f.on_delete == "CASCADE"));
    assert!(s.tables["db_agent_definitions"].indexes["idx_agent_definitions_slug"].unique);
}

// ---- Atomic migrate on legacy and stale files ------------------------------------------

#[test]
fn legacy_v11_is_adopted_with_data_and_cascades() {
    let db = db_with(LEGACY_V11);
    let r = migrate(&db, Store::Objects).unwrap();
    assert_eq!((r.outcome, r.from_version, r.to_version), (Outcome::Migrated, 0, OBJECT_SCHEMA_VERSION));
    assert_eq!(r.tables_renamed.len(), 7, "{r:?}");
    assert_eq!(r.indexes_dropped.len(), 5, "{r:?}");
    assert_eq!(r.tables_dropped.len(), 4, "{r:?}");
    assert_eq!(r.tables_created, ["db_agents"]);
    assert_eq!(r.columns_added, ["db_agent_definitions.updated_at", "db_agent_definitions.user_hidden"]);
    assert_eq!(r.rows_seeded, 1, "the v11 file already had the blank identity, only memory is seeded");
    assert_eq!(version(&db), Store::Objects.version());

    assert_eq!(count(&db, "SELECT count(*) FROM db_agent_definitions"), 2);
    assert_eq!(
        db.query_strings("SELECT description FROM db_identity_bundles WHERE id='blank'", &[]).unwrap(),
        ["kept from v11"]
    );
    assert_eq!(count(&db, "SELECT count(*) FROM db_tab WHERE version = 3"), 1);
    // The AUTOINCREMENT counter moves with the renamed table, so ids are never reused.
    assert_eq!(sequences(&db), [("db_agent_history".to_string(), 1)]);

    db.exec("PRAGMA foreign_keys = ON; DELETE FROM db_agent_definitions WHERE id = 'a1'; DELETE FROM db_identity_bundles WHERE id = 'id1';")
        .unwrap();
    for (table, col) in [
        ("db_agent_content", "agent_id"),
        ("db_agent_skills", "agent_id"),
        ("db_agent_history", "agent_id"),
        ("db_agent_identity_links", "agent_id"),
        ("db_agent_instances", "definition_id"),
    ] {
        assert_eq!(
            count(&db, &format!("SELECT count(*) FROM {table} WHERE {col} = 'a1'")),
            0,
            "{table} did not cascade"
        );
    }
    assert_eq!(count(&db, "SELECT count(*) FROM db_agent_content WHERE agent_id = 'a2'"), 1);
    assert_eq!(
        count(&db, "SELECT count(*) FROM db_identity_bindings"),
        0,
        "bindings must cascade from the renamed bundles"
    );
}

#[test]
fn upgraded_files_have_the_same_schema_as_fresh_ones() {
    let fresh = reference_schema(Store::Objects);
    for (name, sql) in [("legacy v11", LEGACY_V11), ("flat v1", FLAT_V1)] {
        let db = db_with(sql);
        migrate(&db, Store::Objects).unwrap();
        let got = dump(&db);
        let drift = agentmux_schema::inspect::drift(&got, &fresh);
        assert!(drift.is_empty(), "{name}: {drift:?}");
        assert_eq!(got, fresh, "{name}: pragma-level schema differs from a fresh one");
        let fresh_db = mem();
        migrate(&fresh_db, Store::Objects).unwrap();
        assert_eq!(catalogue(&db), catalogue(&fresh_db), "{name}: CREATE text differs from a fresh file");
    }
}

#[test]
fn stale_flat_v1_gains_additive_columns_and_db_agents() {
    let db = db_with(FLAT_V1);
    let r = migrate(&db, Store::Objects).unwrap();
    assert_eq!((r.from_version, r.to_version, r.outcome), (1, OBJECT_SCHEMA_VERSION, Outcome::Migrated));
    assert!(r.tables_renamed.is_empty());
    assert!(r.tables_created.contains(&"db_agents".to_string()));
    assert_eq!(r.columns_added, ["db_agent_definitions.updated_at", "db_agent_definitions.user_hidden"]);
    assert_eq!(count(&db, "SELECT is_seeded FROM db_agent_definitions WHERE id = 'pre-existing'"), 1);
}

#[test]
fn both_present_through_migrate_keeps_the_legacy_rows() {
    let db = db_with(FLAT_V1);
    db.exec(
        "CREATE TABLE db_forge_agents (id TEXT PRIMARY KEY, name TEXT NOT NULL);
             INSERT INTO db_forge_agents VALUES ('x', 'Recover Me');",
    )
    .unwrap();
    let r = migrate(&db, Store::Objects).unwrap();
    assert_eq!(r.legacy_tables_kept.len(), 1);
    assert_eq!(r.legacy_tables_kept[0].from, "db_forge_agents");
    assert_eq!(db.query_strings("SELECT name FROM db_forge_agents", &[]).unwrap(), ["Recover Me"]);
    assert_eq!(version(&db), Store::Objects.version());
}

#[test]
fn second_migrate_is_a_no_op_that_writes_nothing() {
    let mut db = db_with(LEGACY_V11);
    migrate(&db, Store::Objects).unwrap();
    let before = bytes_of(&mut db);
    let r = migrate(&db, Store::Objects).unwrap();
    assert_eq!(r.outcome, Outcome::UpToDate);
    assert!(r.is_noop());
    assert_eq!(bytes_of(&mut db), before);
}

#[test]
fn up_to_date_start_reads_only_the_version() {
    let db = mem();
    migrate(&db, Store::Objects).unwrap();
    let spy = FailAt::new(&db, usize::MAX);
    migrate(&spy, Store::Objects).unwrap();
    assert_eq!(*spy.log.borrow(), ["PRAGMA user_version"]);
}

/// `migrate_all` reads each file's version once before touching any (the pre-flight), then only
/// under the write lock of a file that needs work: a warm start is one read per store, and a
/// file that is behind is not read a third time before its lock.
#[test]
fn migrate_all_reads_each_tripwire_once_before_the_lock() {
    let (current, behind) = (mem(), mem());
    migrate(&current, Store::Objects).unwrap();
    let (a, b) = (FailAt::new(&current, usize::MAX), FailAt::new(&behind, usize::MAX));
    let reports = migrate_all(&[(&a, Store::Objects), (&b, Store::Sagas)]).unwrap();
    assert_eq!(reports[0].outcome, Outcome::UpToDate);
    assert_eq!(reports[1].outcome, Outcome::Created);
    assert_eq!(*a.log.borrow(), ["PRAGMA user_version"]);
    let reads = |log: &[String]| log.iter().filter(|s| s.as_str() == "PRAGMA user_version").count();
    let log = b.log.borrow();
    assert_eq!(reads(&log), 2, "{log:?}");
    let begin = log.iter().position(|s| s.starts_with("BEGIN IMMEDIATE")).expect("a transaction");
    assert_eq!(reads(&log[..begin]), 1, "one read before the lock: {log:?}");
}

// ---- Refusals leave the bytes exactly as they were --------------------------------------

#[test]
fn too_new_image_is_refused_byte_identical() {
    for store in Store::ALL {
        let image = image_of(&format!(
            "CREATE TABLE keep (x); INSERT INTO keep VALUES (1); PRAGMA user_version = {};",
            store.version() + 7
        ));
        let mut db = from_bytes(&image).unwrap();
        match migrate(&db, store) {
            Err(StoreError::SchemaTooNew { found, expected, db: label }) => {
                assert_eq!((found, expected), (store.version() + 7, store.version()));
                assert_eq!(label, store.file_name());
            }
            other => panic!("{store}: expected SchemaTooNew, got {other:?}"),
        }
        assert_eq!(bytes_of(&mut db), image, "{store}: refused image was modified");
    }
}

#[test]
fn one_too_new_store_stops_all_of_them_before_any_write() {
    let mut objects = mem();
    let mut filestore = mem();
    let mut sagas = from_bytes(&image_of("PRAGMA user_version = 2;")).unwrap();
    let before = [bytes_of(&mut objects), bytes_of(&mut filestore), bytes_of(&mut sagas)];
    let err =
        migrate_all(&[(&objects, Store::Objects), (&filestore, Store::Filestore), (&sagas, Store::Sagas)]).unwrap_err();
    assert!(matches!(err, StoreError::SchemaTooNew { ref db, found: 2, expected: 1 } if db == "sagas.db"), "{err:?}");
    assert_eq!([bytes_of(&mut objects), bytes_of(&mut filestore), bytes_of(&mut sagas)], before);
    assert!(!table_exists(&objects, "db_client"));
}

#[test]
fn migrate_all_migrates_every_store() {
    let (o, f, s) = (mem(), mem(), mem());
    let reports = migrate_all(&[(&o, Store::Objects), (&f, Store::Filestore), (&s, Store::Sagas)]).unwrap();
    assert_eq!(reports.iter().map(|r| r.to_version).collect::<Vec<_>>(), Store::ALL.map(Store::version));
    assert_eq!([version(&o), version(&f), version(&s)], Store::ALL.map(Store::version));
}

#[test]
fn pre_v11_shape_is_refused_naming_the_table_and_rolled_back() {
    let image = image_of(PRE_V11);
    let mut db = from_bytes(&image).unwrap();
    match migrate(&db, Store::Objects) {
        Err(StoreError::Unadoptable { table, missing_columns, .. }) => {
            assert_eq!(table, "db_agent_instances");
            assert_eq!(missing_columns, ["instance_name", "working_directory", "display_hidden"]);
        }
        other => panic!("expected Unadoptable, got {other:?}"),
    }
    assert_eq!(bytes_of(&mut db), image, "the rename and drop done before the refusal must be rolled back");
    assert!(table_exists(&db, "db_forge_agents"));
}

#[test]
fn an_empty_image_is_an_empty_database() {
    for store in Store::ALL {
        let mut db = from_bytes(&[]).expect("a 0-byte image opens");
        assert_eq!(status(&db, store).state, State::Empty, "{store}");
        assert_eq!(status(&mem(), store).state, State::Empty, "{store}: a fresh in-memory database too");
        let report = migrate(&db, store).unwrap();
        assert_eq!(report.outcome, Outcome::Created, "{store}");
        let mut fresh = mem();
        migrate(&fresh, store).unwrap();
        assert_eq!(inspect::dump(&db).unwrap(), inspect::dump(&fresh).unwrap(), "{store}");
        assert_eq!(bytes_of(&mut db).len(), bytes_of(&mut fresh).len(), "{store}");
    }
}

#[test]
fn garbage_and_truncated_images_are_typed_errors() {
    let good = image_of(LEGACY_V11);
    let mut garbage = b"this is not an sqlite database, just some bytes".repeat(200);
    garbage.truncate(4096);
    for (what, bytes) in
        [("garbage", garbage), ("short", good[..50].to_vec()), ("truncated", good[..good.len() / 2 + 100].to_vec())]
    {
        match from_bytes(&bytes) {
            Err(StoreError::NotADatabase { db, reason }) => assert!(!reason.is_empty() && !db.is_empty(), "{what}"),
            Err(other) => panic!("{what}: expected NotADatabase, got {other:?}"),
            Ok(_) => panic!("{what}: accepted"),
        }
    }
}

#[test]
fn corrupt_pages_give_an_sqlite_error_and_no_change() {
    let mut image = image_of(LEGACY_V11);
    // Keep the 100-byte file header valid but scribble over the catalogue's page header.
    for b in &mut image[100..164] {
        *b = 0xA5;
    }
    let mut db = from_bytes(&image).unwrap();
    let err = migrate(&db, Store::Objects).unwrap_err();
    assert!(err.is_not_a_database(), "expected SQLITE_CORRUPT or SQLITE_NOTADB, got {err:?}");
    assert_eq!(bytes_of(&mut db), image);
}

#[test]
fn bad_sql_carries_the_code_and_the_statement() {
    let db = mem();
    match db.exec("CREATE TABLEX nope") {
        Err(StoreError::Sqlite { code, message, sql }) => {
            assert_eq!(code & 0xff, 1, "SQLITE_ERROR");
            assert!(message.contains("syntax error"), "{message}");
            assert_eq!(sql.as_deref(), Some("CREATE TABLEX nope"));
        }
        other => panic!("expected an SQLite error, got {other:?}"),
    }
}

// ---- Fault injection: a failure at any statement rolls everything back ------------------

/// Fail each statement of a migration in turn — refused before it runs, or (`applied`) run and
/// then reported as failed — and check what the caller is told against what the file holds:
/// an error means the image is exactly as it was and the connection is usable again; success
/// means the file is fully migrated and the report is the one a clean run gives.
fn every_failure_point_is_reported_truthfully(sql: &str, applied: bool) {
    let image = image_of(sql);
    let (total, clean_report, clean_catalogue) = {
        let db = from_bytes(&image).unwrap();
        let spy = FailAt::new(&db, usize::MAX);
        let report = migrate(&spy, Store::Objects).unwrap();
        (spy.calls.get(), report, catalogue(&db))
    };
    // The DDL alone is over forty statements: fewer means batches were not split.
    assert!(total > 50, "the fault injector should see every statement, saw {total}");
    let (mut commit_seen, mut mid_ddl_seen) = (false, false);
    for k in 1..=total {
        let mut db = from_bytes(&image).unwrap();
        let failing = if applied { FailAt::after(&db, k) } else { FailAt::new(&db, k) };
        let result = migrate(&failing, Store::Objects);
        let step = failing.log.borrow().get(k - 1).cloned().unwrap_or_default();
        // SQLite's BEGIN either starts a transaction or fails; it cannot half-succeed.
        if applied && step.starts_with("BEGIN") {
            continue;
        }
        commit_seen |= step == "COMMIT";
        mid_ddl_seen |= step.starts_with("CREATE INDEX IF NOT EXISTS idx_agents_is_template");
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
                assert_eq!(version(&db), Store::Objects.version());
                assert_eq!(catalogue(&db), clean_catalogue, "failure at statement {k} ({step})");
            }
        }
    }
    assert!(commit_seen, "COMMIT was never failed");
    assert!(mid_ddl_seen, "no failure landed inside the DDL batch");
}

#[test]
fn fault_at_every_statement_of_a_legacy_migration_leaves_the_image_unchanged() {
    every_failure_point_is_reported_truthfully(LEGACY_V11, false);
}

#[test]
fn fault_at_every_statement_of_a_fresh_migration_leaves_the_image_unchanged() {
    every_failure_point_is_reported_truthfully("PRAGMA user_version = 0;", false);
}

// A statement that takes effect and then reports an error — including COMMIT: the file is then
// migrated, so the caller gets the report, not an error.
#[test]
fn a_legacy_migration_statement_that_takes_effect_and_then_fails_is_reported_truthfully() {
    every_failure_point_is_reported_truthfully(LEGACY_V11, true);
}

#[test]
fn a_fresh_migration_statement_that_takes_effect_and_then_fails_is_reported_truthfully() {
    every_failure_point_is_reported_truthfully("PRAGMA user_version = 0;", true);
}

// ---- Read-only status ------------------------------------------------------------------

#[test]
fn status_reports_state_and_drift_without_writing() {
    let mut legacy = db_with(LEGACY_V11);
    let before = bytes_of(&mut legacy);
    let s = status(&legacy, Store::Objects);
    assert_eq!(s.state, State::Legacy);
    let d = s.drift.as_ref().unwrap();
    assert!(d.missing_tables.contains(&"db_agents".to_string()));
    assert!(d.extra_tables.contains(&"db_forge_agents".to_string()));
    assert_eq!(s.row_counts()["db_forge_agents"], 2);
    assert_eq!(bytes_of(&mut legacy), before);

    assert_eq!(status(&db_with(FLAT_V1), Store::Objects).state, State::Behind);
    assert_eq!(status(&db_with("PRAGMA user_version = 9;"), Store::Sagas).state, State::TooNew);

    let current = mem();
    migrate(&current, Store::Filestore).unwrap();
    let s = status(&current, Store::Filestore);
    assert_eq!((s.state, s.user_version), (State::Current, Some(1)));
    assert!(s.drift.unwrap().is_empty());
}

#[test]
fn wal_mode_images_open_and_migrate() {
    // A server file in WAL mode carries 2/2 in header bytes 18-19; the image of a checkpointed
    // WAL file is otherwise an ordinary database and must be usable as one.
    let mut image = image_of(LEGACY_V11);
    image[18] = 2;
    image[19] = 2;
    let mut db = from_bytes(&image).unwrap();
    assert_eq!(status(&db, Store::Objects).state, State::Legacy);
    let r = migrate(&db, Store::Objects).unwrap();
    assert_eq!(r.to_version, OBJECT_SCHEMA_VERSION);
    let out = bytes_of(&mut db);
    assert_eq!(&out[18..20], &[2, 2], "the migrated image goes back in WAL mode, as it came");

    // And a refused WAL image comes back byte for byte.
    let mut too_new = image_of("CREATE TABLE keep (x); PRAGMA user_version = 50;");
    too_new[18] = 2;
    too_new[19] = 2;
    let mut db = from_bytes(&too_new).unwrap();
    assert!(matches!(migrate(&db, Store::Objects), Err(StoreError::SchemaTooNew { found: 50, .. })));
    assert_eq!(bytes_of(&mut db), too_new);
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
            Err(StoreError::VerifyFailed { db: label, missing }) => {
                assert_eq!(label, "objects.db");
                assert_eq!(missing, ["idx_agents_is_seeded"]);
            }
            other => panic!("expected VerifyFailed, got {other:?}"),
        }
        assert_eq!(bytes_of(&mut db), image);
    }
}

// ---- Index definitions and foreign keys, not just names --------------------------------

/// FLAT_V1 with its slug index declared another way (same name).
fn flat_v1_with_slug_index(definition: &str) -> String {
    let canonical = "CREATE UNIQUE INDEX idx_agent_definitions_slug ON db_agent_definitions(slug);";
    assert!(FLAT_V1.contains(canonical));
    FLAT_V1.replace(canonical, definition)
}

#[test]
fn a_same_name_index_with_another_definition_is_rebuilt_and_reported() {
    let fresh = mem();
    migrate(&fresh, Store::Objects).unwrap();
    let name_recent =
        "CREATE INDEX idx_agent_instances_name_recent ON db_agent_instances(instance_name, started_at DESC)
    WHERE display_hidden = 0 AND instance_name != '';";
    assert!(LEGACY_V11.contains(name_recent));
    for (what, sql, wrong) in [
        (
            "other column",
            flat_v1_with_slug_index("CREATE UNIQUE INDEX idx_agent_definitions_slug ON db_agent_definitions(name);"),
            "idx_agent_definitions_slug",
        ),
        (
            "not unique",
            flat_v1_with_slug_index("CREATE INDEX idx_agent_definitions_slug ON db_agent_definitions(slug);"),
            "idx_agent_definitions_slug",
        ),
        (
            "collation",
            flat_v1_with_slug_index(
                "CREATE UNIQUE INDEX idx_agent_definitions_slug ON db_agent_definitions(slug COLLATE NOCASE);",
            ),
            "idx_agent_definitions_slug",
        ),
        (
            "other table",
            flat_v1_with_slug_index("CREATE INDEX idx_agent_definitions_slug ON db_client(data);"),
            "idx_agent_definitions_slug",
        ),
        (
            "no WHERE",
            LEGACY_V11.replace(
                name_recent,
                "CREATE INDEX idx_agent_instances_name_recent ON db_agent_instances(instance_name, started_at DESC);",
            ),
            "idx_agent_instances_name_recent",
        ),
        (
            "ascending",
            LEGACY_V11.replace(name_recent, &name_recent.replace(" DESC", "")),
            "idx_agent_instances_name_recent",
        ),
        (
            "column order",
            LEGACY_V11.replace(
                name_recent,
                &name_recent.replace("instance_name, started_at DESC", "started_at DESC, instance_name"),
            ),
            "idx_agent_instances_name_recent",
        ),
    ] {
        let db = db_with(&sql);
        let before = status(&db, Store::Objects).drift.unwrap();
        assert_eq!(before.changed_indexes, [wrong], "{what}: status drift");
        assert!(!before.missing_indexes.contains(&wrong.to_string()), "{what}");
        let r = migrate(&db, Store::Objects).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(r.indexes_rebuilt, [wrong], "{what}");
        assert_eq!(dump(&db), dump(&fresh), "{what}: not rebuilt to the canonical definition");
        assert!(status(&db, Store::Objects).drift.unwrap().is_empty(), "{what}");
    }
    // A file whose indexes are already right rebuilds nothing.
    let r = migrate(&db_with(LEGACY_V11), Store::Objects).unwrap();
    assert!(r.indexes_rebuilt.is_empty(), "{r:?}");
}

#[test]
fn an_index_the_rows_cannot_satisfy_is_kept_as_it_was_and_reported() {
    // Duplicate slugs are allowed by a non-unique index of the canonical name; the canonical
    // UNIQUE one cannot be built over them. The original module kept the index it found; so does
    // this crate, rather than touch a row, and says so.
    let sql = flat_v1_with_slug_index("CREATE INDEX idx_agent_definitions_slug ON db_agent_definitions(slug);")
        + "INSERT INTO db_agent_definitions (id, slug, name, provider) VALUES ('dup', 'old', 'Twin', 'claude');";
    let db = db_with(&sql);
    let agents = count(&db, "SELECT count(*) FROM db_agent_definitions");
    let report = migrate(&db, Store::Objects).unwrap();
    assert_eq!(report.indexes_kept, ["idx_agent_definitions_slug"]);
    assert!(report.indexes_rebuilt.is_empty(), "{report:?}");
    assert_eq!(count(&db, "SELECT count(*) FROM db_agent_definitions"), agents, "no row touched");
    assert_eq!(
        db.query_strings("SELECT sql FROM sqlite_master WHERE name = 'idx_agent_definitions_slug'", &[]).unwrap(),
        ["CREATE INDEX idx_agent_definitions_slug ON db_agent_definitions(slug)"]
    );
    assert_eq!(version(&db), Store::Objects.version());
    // Until the duplicates are resolved, the file shows the index as drift; then a repair fixes it.
    assert_eq!(status(&db, Store::Objects).drift.unwrap().changed_indexes, ["idx_agent_definitions_slug"]);
    db.exec("UPDATE db_agent_definitions SET slug = 'twin' WHERE id = 'dup'").unwrap();
    assert_eq!(agentmux_schema::repair(&db, Store::Objects).unwrap().indexes_rebuilt, ["idx_agent_definitions_slug"]);
    assert!(status(&db, Store::Objects).drift.unwrap().is_empty());
}

#[test]
fn an_adopted_table_with_other_foreign_key_actions_is_rebuilt_to_the_canonical_ones() {
    let content = "CREATE TABLE db_agent_content (
        agent_id TEXT NOT NULL, content_type TEXT NOT NULL,
        content TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (agent_id, content_type),
        FOREIGN KEY (agent_id) REFERENCES db_agent_definitions(id){actions});
        INSERT INTO db_agent_definitions (id, name, provider) VALUES ('a1', 'Coder', 'claude');
        INSERT INTO db_agent_content (agent_id, content_type, content) VALUES ('a1', 'soul', 'kept');";
    let want = "db_agent_content(agent_id) REFERENCES db_agent_definitions(id) ON DELETE CASCADE";
    for actions in ["", " ON DELETE SET NULL", " ON DELETE CASCADE ON UPDATE CASCADE"] {
        let db = db_with(&format!("{FLAT_V1}{}", content.replace("{actions}", actions)));
        assert_eq!(status(&db, Store::Objects).drift.unwrap().missing_foreign_keys, [want], "{actions:?}");
        let report = migrate(&db, Store::Objects).unwrap();
        let rebuilt: Vec<&str> = report.tables_rebuilt.iter().map(|r| r.table.as_str()).collect();
        assert_eq!(rebuilt, ["db_agent_content"], "{actions:?}");
        assert!(status(&db, Store::Objects).drift.unwrap().is_empty(), "{actions:?}");
        assert_eq!(db.query_strings("SELECT content FROM db_agent_content", &[]).unwrap(), ["kept"], "{actions:?}");
        db.exec("PRAGMA foreign_keys = ON; DELETE FROM db_agent_definitions WHERE id = 'a1'").unwrap();
        assert_eq!(count(&db, "SELECT count(*) FROM db_agent_content"), 0, "{actions:?}: the canonical cascade");
    }
    // The canonical declaration needs no rebuild.
    let db = db_with(&format!("{FLAT_V1}{}", content.replace("{actions}", " ON DELETE CASCADE")));
    assert!(migrate(&db, Store::Objects).unwrap().tables_rebuilt.is_empty());
    assert!(status(&db, Store::Objects).drift.unwrap().is_empty());
}

// ---- SQL the migrations rely on, on every backend ---------------------------------------

/// Every `ALTER TABLE` form, on the same statements on every backend. Renames must also carry
/// foreign keys along (legacy adoption depends on it).
#[test]
fn every_alter_table_form_works_and_renames_carry_foreign_keys() {
    let db = db_with(
        "PRAGMA foreign_keys = ON;
         CREATE TABLE p(id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) ON DELETE CASCADE, note TEXT, gone TEXT);
         INSERT INTO p VALUES (1, 'a');
         INSERT INTO c VALUES (10, 1, 'n', 'g');",
    );
    for sql in [
        "ALTER TABLE p RENAME TO parent",
        "ALTER TABLE c ADD COLUMN added INTEGER NOT NULL DEFAULT 7",
        "ALTER TABLE c RENAME COLUMN note TO remark",
        "ALTER TABLE c DROP COLUMN gone",
        "ALTER TABLE c ADD CONSTRAINT positive CHECK (added > 0)",
        "ALTER TABLE c DROP CONSTRAINT positive",
        "ALTER TABLE parent ALTER COLUMN name DROP NOT NULL",
    ] {
        db.exec(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let rows = db.query("SELECT id, p_id, remark, added FROM c", &[]).unwrap();
    assert_eq!(
        rows,
        vec![vec![
            agentmux_schema::Value::Integer(10),
            agentmux_schema::Value::Integer(1),
            agentmux_schema::Value::Text("n".into()),
            agentmux_schema::Value::Integer(7)
        ]]
    );
    let c_sql = db.query_strings("SELECT sql FROM sqlite_master WHERE name = 'c'", &[]).unwrap().concat();
    assert!(c_sql.contains("REFERENCES \"parent\"(id)"), "{c_sql}");
    assert!(!c_sql.contains("gone") && !c_sql.contains("positive"), "{c_sql}");
    db.exec("INSERT INTO parent VALUES (2, NULL)").unwrap();
    db.exec("DELETE FROM parent WHERE id = 1").unwrap();
    assert_eq!(count(&db, "SELECT count(*) FROM c"), 0, "the renamed parent still cascades");
    let err = db.exec("ALTER TABLE c RENAME TO parent").unwrap_err();
    assert_eq!(err.sqlite_code(), Some(1), "{err}");
}

/// `CURRENT_TIMESTAMP`, `CURRENT_DATE` and `CURRENT_TIME` defaults give the current UTC time as
/// SQLite formats it (in the wasm build, through sqlite-wasm-rs's clock).
#[test]
fn current_time_defaults_are_utc_now() {
    let db = db_with(
        "CREATE TABLE t(at TEXT DEFAULT CURRENT_TIMESTAMP, d TEXT DEFAULT CURRENT_DATE, tm TEXT DEFAULT CURRENT_TIME, x);
         INSERT INTO t(x) VALUES (1);",
    );
    let row = db.query("SELECT at, d, tm FROM t", &[]).unwrap().remove(0);
    let text: Vec<&str> = row.iter().map(|v| v.as_str().expect("text")).collect();
    assert_eq!(text[0], format!("{} {}", text[1], text[2]));
    let field = |s: &str, at: usize, len: usize| s[at..at + len].parse::<i64>().unwrap_or_else(|_| panic!("{s}"));
    let ts = text[0];
    assert_eq!((ts.len(), &ts[4..5], &ts[7..8], &ts[10..11], &ts[13..14], &ts[16..17]), (19, "-", "-", " ", ":", ":"));
    let (y, m, d) = (field(ts, 0, 4), field(ts, 5, 2), field(ts, 8, 2));
    // Days from the civil date (proleptic Gregorian), then seconds since the Unix epoch.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let days = 365 * y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400) + (153 * m + 2) / 5 + d - 719_469;
    let secs = days * 86_400 + field(ts, 11, 2) * 3_600 + field(ts, 14, 2) * 60 + field(ts, 17, 2);
    #[cfg(target_arch = "wasm32")]
    let now = (js_sys::Date::now() / 1000.0) as i64;
    #[cfg(not(target_arch = "wasm32"))]
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((secs - now).abs() <= 5, "{ts} is {} s away from now", secs - now);
}

/// What SQLite still asks of the OS layer when no file is involved: randomness (`randomblob`),
/// and temp tables and sorts that stay in memory. On wasm the default VFS keeps its files in
/// memory, and temp storage stays there even when a caller asks for file-backed temp storage.
#[test]
fn randomness_temp_tables_and_sorts_need_no_files() {
    let db = db_with("PRAGMA temp_store = FILE; CREATE TEMP TABLE tt(x BLOB);");
    let blobs = db.query("SELECT randomblob(16), randomblob(16)", &[]).unwrap().remove(0);
    let (a, b) = match (&blobs[0], &blobs[1]) {
        (Value::Blob(a), Value::Blob(b)) => (a.clone(), b.clone()),
        other => panic!("randomblob gave {other:?}"),
    };
    assert_eq!((a.len(), b.len()), (16, 16));
    assert_ne!(a, b);
    assert!(a.iter().any(|&x| x != 0) && b.iter().any(|&x| x != 0));
    // 4,096 rows of 1 KiB (the wasm build has no CTEs, so by doubling), sorted and indexed.
    db.exec("INSERT INTO tt VALUES (randomblob(1024))").unwrap();
    for _ in 0..12 {
        db.exec("INSERT INTO tt SELECT randomblob(1024) FROM tt").unwrap();
    }
    let n = count(&db, "SELECT count(*) FROM tt");
    assert_eq!(n, 4_096);
    assert_eq!(count(&db, "SELECT count(*) FROM (SELECT x FROM tt ORDER BY x)"), n);
    db.exec("CREATE INDEX temp.tt_x ON tt(x)").unwrap();
    assert_eq!(count(&db, "SELECT count(DISTINCT x) FROM tt"), n);
}

/// Found by the `legacy` fuzz target (fuzz/README.md): a child written without a NOT NULL column
/// that has no default, whose foreign key still names a legacy parent, could not be migrated: the
/// column was added nullable, then the foreign-key rebuild copied its NULLs into the canonical
/// NOT NULL column. The rebuilt table declares it as it was added.
#[test]
fn a_stale_child_lacking_a_not_null_column_is_rebuilt_with_it_nullable() {
    let db = common::db_with(common::reference_ddl(Store::Objects));
    db.exec(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO db_agent_definitions (id, name, provider) VALUES ('a1', 'one', 'p');
         DROP TABLE db_agent_history;
         CREATE TABLE db_agent_history (
             id           INTEGER PRIMARY KEY AUTOINCREMENT,
             agent_id     TEXT NOT NULL,
             session_date TEXT NOT NULL,
             timestamp    INTEGER NOT NULL DEFAULT 0,
             FOREIGN KEY (agent_id) REFERENCES db_forge_agents(id) ON DELETE CASCADE
         );
         INSERT INTO db_agent_history (agent_id, session_date, timestamp) VALUES ('a1', 'd1', 7), ('gone', 'd2', 8);",
    )
    .unwrap();
    let report = migrate(&db, Store::Objects).expect("migrates");
    assert!(report.columns_nullable.contains(&"db_agent_history.entry".to_string()), "{report:?}");
    assert!(report.tables_rebuilt.iter().any(|t| t.table == "db_agent_history"), "{report:?}");
    assert_eq!(common::version(&db), OBJECT_SCHEMA_VERSION);
    assert_eq!(
        db.query_strings("SELECT agent_id || '|' || session_date || '|' || timestamp || '|' || quote(entry) FROM db_agent_history ORDER BY id", &[]).unwrap(),
        ["a1|d1|7|NULL", "gone|d2|8|NULL"]
    );
    let fks = agentmux_schema::inspect::foreign_key_list(&db, "db_agent_history").unwrap();
    assert!(fks.iter().all(|fk| fk.table == "db_agent_definitions"), "{fks:?}");
    assert_eq!(report.orphan_rows.get("db_agent_history"), Some(&1));
}

/// A reference `objects.db` whose `db_agent_history` is a stale child (its foreign key still names
/// `db_forge_agents`) declaring `id` as `id_decl`, holding `rows` (`VALUES` of id, agent_id,
/// session_date, entry, timestamp); agent `a1` exists.
fn with_stale_agent_history(id_decl: &str, rows: &str) -> agentmux_schema::backend::Db {
    let db = common::db_with(common::reference_ddl(Store::Objects));
    db.exec(&format!(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO db_agent_definitions (id, name, provider) VALUES ('a1', 'one', 'p');
         DROP TABLE db_agent_history;
         CREATE TABLE db_agent_history (
             id           {id_decl},
             agent_id     TEXT NOT NULL,
             session_date TEXT NOT NULL,
             entry        TEXT NOT NULL,
             timestamp    INTEGER NOT NULL DEFAULT 0,
             FOREIGN KEY (agent_id) REFERENCES db_forge_agents(id) ON DELETE CASCADE
         );
         INSERT INTO db_agent_history VALUES {rows};"
    ))
    .unwrap();
    db
}

/// Finding 20 (fuzz/README.md; met while reading finding 21's input, not by the fuzzer itself): a
/// stale child whose `id` holds text where the canonical table has an INTEGER PRIMARY KEY (a
/// damaged definition). The rebuild that repairs its foreign key cannot copy those rows into the
/// rowid (`datatype mismatch`), and the original module, which never rebuilt, migrated the file.
/// The table is rebuilt to its canonical foreign keys with every row, its key declared `INT` for
/// the rows that need it, and the report says so (`constraints_relaxed`; tests/rebuild_rows.rs).
#[test]
fn a_stale_child_whose_rows_the_canonical_table_refuses_is_rebuilt_keeping_them() {
    let db = with_stale_agent_history("TEXT", "('h-1', 'a1', 'd1', 'e', 7), ('h-2', 'a1', 'd2', 'f', 8)");
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert!(report.foreign_keys_kept.is_empty(), "{report:?}");
    assert!(report.tables_rebuilt.iter().any(|t| t.table == "db_agent_history"), "{report:?}");
    let relaxed: Vec<_> =
        report.constraints_relaxed.iter().map(|r| (r.table.as_str(), r.constraint.as_str(), r.rows)).collect();
    assert_eq!(relaxed, [("db_agent_history", "INTEGER PRIMARY KEY (id)", 2)]);
    assert_eq!(
        db.query_strings("SELECT id || '|' || entry FROM db_agent_history ORDER BY id", &[]).unwrap(),
        ["h-1|e", "h-2|f"]
    );
    let fks = agentmux_schema::inspect::foreign_key_list(&db, "db_agent_history").unwrap();
    assert!(fks.iter().all(|fk| fk.table == "db_agent_definitions"), "{fks:?}");
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// `image` fuzz target (finding 21, the oracle narrowed): a stale child whose `id` is a plain
/// column (a damaged `INTEGER PRIMARY KEY AUTOINCREMENT`) holding NULL. The rebuild to the
/// canonical definition keeps every row and value, but the canonical `id` is the rowid, where
/// SQLite gives a NULL a fresh id: that row gets one.
#[test]
fn a_null_id_gets_a_fresh_one_when_its_table_is_rebuilt_around_a_rowid() {
    let db = with_stale_agent_history("INTEGER", "(5, 'a1', 'd1', 'e', 7), (NULL, 'a1', 'd2', 'f', 8)");
    let report = migrate(&db, Store::Objects).expect("migrates");
    assert!(report.tables_rebuilt.iter().any(|t| t.table == "db_agent_history"), "{report:?}");
    assert_eq!(
        db.query_strings("SELECT id || '|' || entry FROM db_agent_history ORDER BY entry", &[]).unwrap(),
        ["5|e", "6|f"]
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// `image` fuzz target (finding 27, against the original module): an index of a table that the
/// migration rebuilds, whose catalogue text holds NUL bytes after a valid definition (a damaged
/// row). SQLite reads the text up to the first NUL and holds that index; the rebuild re-created
/// the index from the whole text, which the driver refuses ("SQL contains a NUL byte"), where the
/// original module, which never rebuilt, migrated the file. The index is re-created as SQLite
/// held it, and the file migrated.
#[test]
fn an_index_whose_catalogue_text_holds_nul_bytes_survives_its_tables_rebuild() {
    let db = with_stale_agent_history("INTEGER", "(5, 'a1', 'd1', 'e', 7), (6, 'a1', 'd2', '', 8)");
    db.exec(
        "CREATE INDEX history_entries ON db_agent_history(entry) WHERE entry <> '';
         PRAGMA writable_schema = ON;
         UPDATE sqlite_master SET sql = sql || CAST(x'000000' AS TEXT) || 'junk' WHERE name = 'history_entries';
         PRAGMA writable_schema = OFF;",
    )
    .unwrap();
    let db = from_bytes(&bytes_of(&mut { db })).unwrap();
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"], "SQLite finds nothing wrong");
    assert_eq!(
        db.query_i64(
            "SELECT instr(sql, CAST(x'00' AS TEXT)) > 0 FROM sqlite_master WHERE name = 'history_entries'",
            &[]
        )
        .unwrap(),
        Some(1),
        "the row's text holds a NUL"
    );
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert!(report.tables_rebuilt.iter().any(|t| t.table == "db_agent_history"), "{report:?}");
    assert_eq!(
        db.query_strings("SELECT sql FROM sqlite_master WHERE name = 'history_entries'", &[]).unwrap(),
        ["CREATE INDEX history_entries ON db_agent_history(entry) WHERE entry <> ''"]
    );
    assert_eq!(
        db.query_strings("SELECT entry FROM db_agent_history INDEXED BY history_entries WHERE entry <> ''", &[])
            .unwrap(),
        ["e"],
        "the partial index is back, with its rows"
    );
    assert_eq!(db.query_i64("SELECT count(*) FROM db_agent_history", &[]).unwrap(), Some(2));
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// `image` fuzz target (finding 26, against the original module): the row of an automatic index
/// typed `table`. SQLite finds an automatic index's row by its name and never reads its type, so
/// it holds the index, and the original module migrated the file; the catalogue repair looked
/// for a table of that name and refused the file. The row is given the type of what SQLite holds.
#[test]
fn an_automatic_index_row_typed_table_is_repaired() {
    let db = from_bytes(&image_of(FLAT_V1)).unwrap();
    db.exec(
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_master SET type = 'table' WHERE name = 'sqlite_autoindex_db_client_1';
         PRAGMA writable_schema = OFF;",
    )
    .unwrap();
    let db = from_bytes(&bytes_of(&mut { db })).unwrap();
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"], "SQLite finds nothing wrong");
    assert_eq!(
        db.query_strings("SELECT name FROM pragma_index_list('db_client')", &[]).unwrap(),
        ["sqlite_autoindex_db_client_1"],
        "SQLite holds the index"
    );
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert_eq!(report.catalogue_repaired, ["index sqlite_autoindex_db_client_1: type \"table\" → \"index\""]);
    assert!(catalogue_is_consistent(&db));
    assert_eq!(
        db.query_strings("SELECT type FROM sqlite_master WHERE name = 'sqlite_autoindex_db_client_1'", &[]).unwrap(),
        ["index"]
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

// ---- Found by the `image` fuzz target (fuzz/README.md, findings 6 and 7) -------------------

/// The outcome of migrating `image` as `store`: success with the canonical schema (the dump
/// agrees with the migration's own verification), or an error with the image left as it was.
fn migrate_image(image: &[u8], store: Store) -> Result<agentmux_schema::MigrationReport, StoreError> {
    let mut db = from_bytes(image).expect("opens");
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

/// SQLite builds `DESC` index columns descending only in a file whose schema format number
/// (header offset 44) is 4: format 1–3 (old files, `legacy_file_format`) or 0 builds them
/// ascending, and a format word whose low byte is 4 but whose high bytes make it negative opens
/// as format 4 until `ALTER TABLE ADD COLUMN` rewrites it to 3. The migration reported the three
/// canonical `DESC` indexes as canonical while they were built ascending. The original module
/// migrated such a file, so this does too (every row kept), and says which indexes are ascending
/// (`indexes_kept`, and a changed index in `status`) instead of claiming them canonical.
#[test]
fn a_file_whose_schema_format_ignores_desc_is_migrated_saying_so() {
    let desc = ["idx_agent_instances_name_recent", "idx_drone_definitions_updated", "idx_drone_runs_drone_started"];
    let v1 = image_of(FLAT_V1); // lacks two columns: the migration runs ALTER TABLE ADD COLUMN
    assert_eq!(&v1[44..48], &4u32.to_be_bytes(), "a file written by this SQLite is at format 4");
    migrate_image(&v1, Store::Objects).expect("the same file at format 4 migrates");
    for format in [0u32, 1, 3, 0xE800_0004] {
        let mut image = v1.clone();
        image[44..48].copy_from_slice(&format.to_be_bytes());
        let report = migrate_image(&image, Store::Objects).unwrap_or_else(|e| panic!("format {format:#x}: {e}"));
        assert_eq!(report.indexes_kept, desc, "format {format:#x}");
        assert!(report.indexes_rebuilt.iter().all(|i| !desc.contains(&i.as_str())), "format {format:#x}: {report:?}");
        assert_eq!(report.to_version, Store::Objects.version());
    }
}

/// `image` fuzz target (fuzz/README.md, finding 7): an index whose `sqlite_master` row is named
/// `idx_agent_instances_block` over the text `CREATE INDEX idx_agEnt_instances_block`. SQLite
/// knows the index by the text's name; `CREATE INDEX IF NOT EXISTS` finds it (names are
/// case-insensitive), so the original module migrated the file. This crate does too: the row is
/// made to spell the index as SQLite does (`catalogue_repaired`), and the index, a canonical one
/// spelled in another case, is dropped and created as canonical (`indexes_rebuilt`).
#[test]
fn an_index_known_to_sqlite_by_another_spelling_is_repaired_and_rebuilt() {
    let image = image_of(reference_ddl(Store::Objects));
    migrate_image(&image, Store::Objects).expect("the unpatched file migrates");
    let text = b"INDEX idx_agent_instances_block";
    // Every copy (a page can hold a stale one in its free space); same length, so the page
    // layout does not change.
    let hits: Vec<usize> = (0..image.len() - text.len()).filter(|&i| &image[i..i + text.len()] == text).collect();
    assert!(!hits.is_empty(), "the index's CREATE text");
    let mut patched = image.clone();
    for at in hits {
        patched[at + "INDEX idx_ag".len()] = b'E';
    }
    let db = from_bytes(&patched).unwrap();
    let names: Vec<String> = db
        .query("PRAGMA index_list(db_agent_instances)", &[])
        .unwrap()
        .iter()
        .map(|r| r[1].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(names.contains(&"idx_agEnt_instances_block".to_string()), "SQLite's name for it: {names:?}");
    assert!(!catalogue_is_consistent(&db));
    drop(db);
    let report = migrate_image(&patched, Store::Objects).expect("migrated, as the original did");
    assert_eq!(
        report.catalogue_repaired,
        ["index idx_agEnt_instances_block: name \"idx_agent_instances_block\" → \"idx_agEnt_instances_block\""]
    );
    assert_eq!(report.indexes_rebuilt, ["idx_agent_instances_block"]);
    let db = from_bytes(&patched).unwrap();
    migrate(&db, Store::Objects).unwrap();
    assert!(catalogue_is_consistent(&db));
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
    assert!(dump(&db).tables["db_agent_instances"].indexes.contains_key("idx_agent_instances_block"));
}

/// Whether every table and index row of `sqlite_master` names its object (and the object's
/// table) exactly as SQLite holds them.
fn catalogue_is_consistent(db: &agentmux_schema::backend::Db) -> bool {
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

/// The image of `sql` with `column` (declared last, as `, <column> INTEGER NOT NULL DEFAULT 0`)
/// blanked out of its `CREATE TABLE` text, same length: the rows keep the column's field, which
/// the table no longer declares (the old way of dropping a column, by editing the schema).
fn rows_wider_than_their_table(sql: &str, column: &str) -> Vec<u8> {
    let mut image = image_of(sql);
    let text = format!(", {column} INTEGER NOT NULL DEFAULT 0");
    let text = text.as_bytes();
    let hits: Vec<usize> = (0..image.len() - text.len()).filter(|&i| &image[i..i + text.len()] == text).collect();
    assert!(!hits.is_empty(), "{column} in the CREATE text");
    for at in hits {
        image[at..at + text.len()].fill(b' ');
    }
    image
}

/// `image` fuzz target (fuzz/README.md, finding 9): `ALTER TABLE ADD COLUMN` does not rewrite
/// rows, so a row whose record holds more fields than its table declares showed its next field as
/// the added column's value (a stale number in a TEXT column, which `integrity_check`, ok before,
/// then reported). Every existing row must read the added column's default, on both paths that
/// add columns: a canonical column a table lacks, and a versioned additive step.
#[test]
fn a_column_added_to_rows_wider_than_their_table_reads_its_default() {
    let accounts = "CREATE TABLE db_identity_accounts (id TEXT PRIMARY KEY, name TEXT NOT NULL, \
        provider TEXT NOT NULL, kind TEXT NOT NULL, display_name TEXT NOT NULL DEFAULT '', secret_ref TEXT NOT NULL, \
        context TEXT NOT NULL DEFAULT '{}', status TEXT NOT NULL DEFAULT 'unknown', created_at INTEGER NOT NULL DEFAULT 0, \
        updated_at INTEGER NOT NULL DEFAULT 0);
        INSERT INTO db_identity_accounts (id, name, provider, kind, secret_ref, updated_at) VALUES ('a1', 'n', 'p', 'k', 's', 77);";
    let definitions = FLAT_V1.replacen(
        "created_at INTEGER NOT NULL DEFAULT 0\n);",
        "created_at INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL DEFAULT 0\n);",
        1,
    ) + "UPDATE db_agent_definitions SET updated_at = 77;";
    for (sql, table, report_line) in [
        (accounts, "db_identity_accounts", "db_identity_accounts.updated_at"),
        (definitions.as_str(), "db_agent_definitions", "db_agent_definitions.updated_at"),
    ] {
        let image = rows_wider_than_their_table(sql, "updated_at");
        let db = from_bytes(&image).unwrap();
        assert!(!dump(&db).tables.get(table).unwrap().has_column("updated_at"), "{table}: the column is gone");
        let report = migrate(&db, Store::Objects).expect("migrates");
        assert!(report.columns_added.contains(&report_line.to_string()), "{report:?}");
        assert_eq!(
            db.query_strings(&format!("SELECT quote(updated_at) FROM {table}"), &[]).unwrap(),
            ["0"],
            "{table}: the added column reads its default"
        );
        assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
    }
}

/// `image` fuzz target (fuzz/README.md, finding 10): a dead table's `sqlite_master` row named
/// `db_v10_migrated_legacy_runs` over the text `CREATE TABLE db_v10_migrAted_legacy_runs`.
/// SQLite knows the table by the text's name; `DROP TABLE` freed its pages but deleted the rows
/// named after that spelling, compared exactly, so the row survived, pointing at freed pages, and
/// a file that passed `integrity_check` came out malformed. The original module dropped the table
/// that way; this crate first makes the rows spell the table (and its automatic index) as SQLite
/// does (`catalogue_repaired`), then drops it as the original did, reporting it and its rows
/// under the file's spelling, and the file stays intact.
#[test]
fn a_table_known_to_sqlite_by_another_spelling_is_repaired_then_dropped_cleanly() {
    let image = image_of(LEGACY_V11);
    migrate_image(&image, Store::Objects).expect("the unpatched file migrates");
    let text = b"TABLE db_v10_migrated_legacy_runs";
    let hits: Vec<usize> = (0..image.len() - text.len()).filter(|&i| &image[i..i + text.len()] == text).collect();
    assert!(!hits.is_empty(), "the table's CREATE text");
    let mut patched = image.clone();
    for at in hits {
        patched[at + "TABLE db_v10_migr".len()] = b'A';
    }
    let db = from_bytes(&patched).unwrap();
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"], "SQLite finds nothing wrong");
    assert!(!catalogue_is_consistent(&db));
    let rows = db.query_i64("SELECT count(*) FROM db_v10_migrAted_legacy_runs", &[]).unwrap().unwrap();
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert_eq!(
        report.catalogue_repaired,
        [
            "table db_v10_migrAted_legacy_runs: name \"db_v10_migrated_legacy_runs\" → \"db_v10_migrAted_legacy_runs\", \
             tbl_name \"db_v10_migrated_legacy_runs\" → \"db_v10_migrAted_legacy_runs\"",
            // Its automatic index is named after the table, so its row was stale too.
            "index sqlite_autoindex_db_v10_migrAted_legacy_runs_1: name \"sqlite_autoindex_db_v10_migrated_legacy_runs_1\" \
             → \"sqlite_autoindex_db_v10_migrAted_legacy_runs_1\", tbl_name \"db_v10_migrated_legacy_runs\" → \
             \"db_v10_migrAted_legacy_runs\"",
        ]
    );
    assert!(
        report.tables_dropped.contains(&"db_v10_migrAted_legacy_runs".to_string()),
        "the file's own spelling: {report:?}"
    );
    assert_eq!(report.rows_dropped.get("db_v10_migrAted_legacy_runs"), Some(&rows));
    assert!(catalogue_is_consistent(&db));
    assert_eq!(
        db.query_i64("SELECT count(*) FROM sqlite_master WHERE name LIKE '%migrated_legacy_runs%'", &[]).unwrap(),
        Some(0)
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// `image` fuzz target (finding 11, the first of the check against the original module): a
/// `filestore.db` whose automatic index's row names its table `db_\u{9e}ile_data` (one byte
/// flipped; the table is `db_file_data`), migrated as `objects.db`. The migration never touches
/// that table, but the catalogue check refused the whole file, which the original migrated. The
/// row is repaired and the file migrated.
#[test]
fn an_automatic_index_row_naming_another_table_is_repaired_and_the_file_migrated() {
    let db = mem();
    migrate(&db, Store::Filestore).unwrap();
    db.exec("INSERT INTO db_file_data (zoneid, name, partidx, data) VALUES ('z', 'n', 0, x'01')").unwrap();
    let mut image = bytes_of(&mut { db });
    let text = b"sqlite_autoindex_db_file_data_1db_file_data";
    let hits: Vec<usize> = (0..image.len() - text.len()).filter(|&i| &image[i..i + text.len()] == text).collect();
    assert_eq!(hits.len(), 1, "the automatic index's row (name, then tbl_name)");
    image[hits[0] + "sqlite_autoindex_db_file_data_1db_".len()] = 0x9e;
    let db = from_bytes(&image).unwrap();
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"], "SQLite finds nothing wrong");
    assert!(!catalogue_is_consistent(&db));
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert_eq!(report.catalogue_repaired.len(), 1, "{report:?}");
    assert!(report.catalogue_repaired[0].starts_with("index sqlite_autoindex_db_file_data_1: tbl_name "), "{report:?}");
    assert!(report.catalogue_repaired[0].ends_with(" → \"db_file_data\""), "{report:?}");
    assert!(catalogue_is_consistent(&db));
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
    assert_eq!(db.query_i64("SELECT count(*) FROM db_file_data", &[]).unwrap(), Some(1));
}

/// `image` fuzz target (finding 12, against the original module): a catalogue row whose `type`
/// reads `tablE`. SQLite loads the table from its CREATE text all the same, and the original
/// module migrated the file, but every reader of `sqlite_master` compares `type` exactly, so
/// verification missed the table and the migration failed. The row is repaired.
#[test]
fn a_catalogue_row_whose_type_is_spelled_in_another_case_is_repaired() {
    let mut image = image_of(FLAT_V1);
    let text = b"tabledb_clientdb_client";
    let hits: Vec<usize> = (0..image.len() - text.len()).filter(|&i| &image[i..i + text.len()] == text).collect();
    assert_eq!(hits.len(), 1, "db_client's row (type, name, tbl_name)");
    image[hits[0] + 4] = b'E';
    let db = from_bytes(&image).unwrap();
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"], "SQLite finds nothing wrong");
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert_eq!(report.catalogue_repaired, ["table db_client: type \"tablE\" → \"table\""]);
    assert_eq!(db.query_strings("SELECT type FROM sqlite_master WHERE name = 'db_client'", &[]).unwrap(), ["table"]);
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// `image` fuzz target (finding 13, against the original module): an index row whose `name` is
/// stored as a BLOB of the same bytes. SQLite loads the index from its row all the same, and the
/// original module migrated the file; the catalogue check read the name as no name at all and
/// refused it. The row is rewritten with the name as TEXT.
#[test]
fn a_catalogue_name_stored_as_a_blob_is_repaired() {
    let db = from_bytes(&image_of(FLAT_V1)).unwrap();
    db.exec(
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_master SET name = CAST(name AS BLOB) WHERE name = 'sqlite_autoindex_db_client_1';
         PRAGMA writable_schema = OFF;",
    )
    .unwrap();
    let image = bytes_of(&mut { db });
    let db = from_bytes(&image).unwrap();
    assert_eq!(
        db.query_strings("SELECT typeof(name) FROM sqlite_master WHERE tbl_name = 'db_client' AND type = 'index'", &[])
            .unwrap(),
        ["blob"]
    );
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert_eq!(report.catalogue_repaired, ["index sqlite_autoindex_db_client_1: stored as TEXT"]);
    assert_eq!(
        db.query_strings("SELECT typeof(name) FROM sqlite_master WHERE tbl_name = 'db_client' AND type = 'index'", &[])
            .unwrap(),
        ["text"]
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// `image` fuzz target (finding 14, against the original module): a WaveObj table written
/// without its `oid` column. SQLite refuses `ALTER TABLE ADD COLUMN oid` on a table that has no
/// such column (the name means its rowid there), and the original module, which left the table
/// as it was, migrated the file. The table is rebuilt to its canonical definition instead: every
/// row and the table's other columns kept, `oid` added (NULL in the old rows).
#[test]
fn a_table_without_its_oid_column_is_rebuilt_with_it() {
    let db = mem();
    db.exec(
        "CREATE TABLE db_tab (o TEXT, version INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL);
         INSERT INTO db_tab (o, data) VALUES ('x', '{}'), ('y', '{\"a\":1}');
         PRAGMA user_version = 3;",
    )
    .unwrap();
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert!(report.columns_added.contains(&"db_tab.oid".to_string()), "{report:?}");
    assert!(
        report
            .tables_rebuilt
            .iter()
            .any(|t| t.table == "db_tab" && t.reason == agentmux_schema::RebuildReason::MissingColumn),
        "{report:?}"
    );
    assert_eq!(
        db.query_strings("SELECT o || ' ' || data || ' ' || quote(oid) FROM db_tab ORDER BY o", &[]).unwrap(),
        ["x {} NULL", "y {\"a\":1} NULL"]
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// `image` fuzz target (finding 28, against the original module): a WaveObj table written without
/// `oid` and without `data` (NOT NULL, no default), holding rows. The rebuild that adds `oid`
/// gave the table the canonical `data TEXT NOT NULL`, which the rows have no value for, and the
/// copy failed, where the original module, which left the table as it was, migrated the file.
/// Such a column, and one the file declared nullable and holds NULL in, is declared without its
/// NOT NULL, as `ALTER TABLE` adds one (its rows read NULL; `columns_nullable`); a table without
/// rows takes the full definition.
#[test]
fn a_table_without_its_oid_and_a_not_null_column_is_rebuilt_keeping_its_rows() {
    for (columns, rows) in [
        ("o TEXT, version INTEGER NOT NULL DEFAULT 1", "('x', 1), ('y', 2)"),
        // The file's own columns in another order.
        ("version INTEGER NOT NULL DEFAULT 1, o TEXT", "(1, 'x'), (2, 'y')"),
    ] {
        let db = mem();
        db.exec(&format!(
            "CREATE TABLE db_tab ({columns});
             INSERT INTO db_tab VALUES {rows};
             CREATE TABLE db_window ({columns});
             PRAGMA user_version = 3;"
        ))
        .unwrap();
        let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
        for c in ["db_tab.oid", "db_tab.data", "db_window.oid", "db_window.data"] {
            assert!(report.columns_added.contains(&c.to_string()), "{c}: {report:?}");
        }
        assert_eq!(report.columns_nullable, ["db_tab.data"], "{report:?}");
        assert_eq!(
            db.query_strings(
                "SELECT o || ' ' || version || ' ' || quote(oid) || ' ' || quote(data) FROM db_tab ORDER BY o",
                &[]
            )
            .unwrap(),
            ["x 1 NULL NULL", "y 2 NULL NULL"]
        );
        let not_null = |table: &str| {
            db.query_i64(&format!("SELECT \"notnull\" FROM pragma_table_info('{table}') WHERE name = 'data'"), &[])
                .unwrap()
        };
        assert_eq!((not_null("db_tab"), not_null("db_window")), (Some(0), Some(1)));
        assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
    }
    // A file that declared `version` and `data` nullable and holds NULL in them.
    let db = mem();
    db.exec(
        "CREATE TABLE db_tab (version INTEGER, data TEXT);
         INSERT INTO db_tab VALUES (NULL, '{}'), (2, NULL);
         PRAGMA user_version = 3;",
    )
    .unwrap();
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert_eq!(report.columns_nullable, ["db_tab.version", "db_tab.data"], "{report:?}");
    assert_eq!(
        db.query_strings("SELECT quote(version) || ' ' || quote(data) FROM db_tab ORDER BY version", &[]).unwrap(),
        ["NULL '{}'", "2 NULL"]
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// `image` fuzz target (finding 29, against the original module): a header whose text-encoding
/// field reads 256 (bytes 56-59; no SQLite writes that). SQLite opens the file as UTF-8 and
/// `integrity_check` finds nothing wrong, but every `ALTER TABLE` fails, since re-reading the
/// schema compares that field with the connection's encoding ("attached databases must use the
/// same text encoding"). Nothing can rewrite the field through SQL, and the original module got
/// through such a file only by altering nothing. A file that needs no work still starts; one that
/// needs a table changed is refused with a typed error that says what is damaged, and no byte
/// changes.
#[test]
fn a_damaged_header_encoding_is_named_and_a_current_file_still_starts() {
    let damage = |mut image: Vec<u8>| {
        image[56..60].copy_from_slice(&256u32.to_be_bytes());
        image
    };
    // Needs ALTER TABLE ADD COLUMN.
    let image = damage(image_of(FLAT_V1));
    let mut db = from_bytes(&image).unwrap();
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"], "SQLite finds nothing wrong");
    assert_eq!(db.query_strings("PRAGMA encoding", &[]).unwrap(), ["UTF-8"]);
    let before = bytes_of(&mut db);
    match migrate(&db, Store::Objects) {
        Err(StoreError::NotADatabase { db: name, reason }) => {
            assert_eq!(name, "objects.db");
            assert!(reason.contains("text-encoding field of its header (bytes 56-59) is damaged"), "{reason}");
            assert!(reason.contains("ALTER TABLE"), "the statement SQLite refused: {reason}");
        }
        other => panic!("expected NotADatabase, got {other:?}"),
    }
    assert!(bytes_of(&mut db) == before, "nothing written");
    // Current already: nothing to alter, so it starts as the original's did.
    let mut fresh = mem();
    migrate(&fresh, Store::Objects).unwrap();
    let db = from_bytes(&damage(bytes_of(&mut fresh))).unwrap();
    let report = migrate(&db, Store::Objects).expect("a current file starts");
    assert_eq!(report.outcome, agentmux_schema::Outcome::UpToDate);
}

/// `image` fuzz target (findings 30 and 31): files whose `sqlite_master` b-tree is damaged (a row
/// out of rowid order, which `integrity_check` reports). SQLite finds a catalogue row by rowid to
/// rewrite it, and there missed it without an error. In finding 30, a rebuilt table's rename
/// never reached the catalogue, so the table kept its temporary name, the schema step created an
/// empty `db_agent_history` beside the rows, and the migration reported success. In finding 31, a
/// catalogue repair and a respelling left `db_agent_definitions` out of the schema that
/// verification had passed. Such a file is now refused before any change, as the damage it is
/// (`SQLITE_CORRUPT`), nothing written. (The original module never rewrote the catalogue; a
/// damaged image is outside the rule that nothing it migrates is refused: fuzz/README.md.)
#[test]
fn a_file_whose_catalogue_b_tree_is_damaged_is_refused_before_any_change() {
    for (image, store) in [
        (&include_bytes!("../fuzz/corpus/image/seed-finding-30-catalogue-out-of-order")[..], Store::Objects),
        (&include_bytes!("../fuzz/corpus/image/seed-finding-31-catalogue-out-of-order-repair")[..], Store::Objects),
    ] {
        let mut db = from_bytes(image).unwrap();
        assert_ne!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"], "damaged");
        let before = bytes_of(&mut db);
        let error = migrate(&db, store).unwrap_err();
        assert!(error.is_not_a_database(), "{error}");
        assert!(error.to_string().contains("its catalogue (sqlite_master) is damaged"), "{error}");
        assert!(error.to_string().contains("out of order"), "SQLite's own words: {error}");
        assert!(bytes_of(&mut db) == before, "nothing written");
    }
}

/// `image` fuzz target (finding 32, against the original module): `sqlite_sequence(naje,seq)`.
/// SQLite reads that table by position, so AUTOINCREMENT works on, but every `ALTER TABLE …
/// RENAME` updates it by the column `name` and failed ("no such column: name"), where the original
/// module, which renamed nothing in that file, migrated it. The table's text is given its own
/// column names (`catalogue_repaired`), its counters kept.
#[test]
fn a_sequence_table_with_other_column_names_is_repaired_so_renames_work() {
    let db = from_bytes(&image_of(LEGACY_V11)).unwrap();
    let counters = db.query_strings("SELECT name || '=' || seq FROM sqlite_sequence ORDER BY name", &[]).unwrap();
    assert!(!counters.is_empty(), "the fixture has AUTOINCREMENT counters");
    db.exec(
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_master SET sql = 'CREATE TABLE sqlite_sequence(naje,seq)' WHERE name = 'sqlite_sequence';
         PRAGMA writable_schema = OFF;",
    )
    .unwrap();
    let db = from_bytes(&bytes_of(&mut { db })).unwrap();
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"], "SQLite finds nothing wrong");
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert!(
        report.catalogue_repaired.contains(&"table sqlite_sequence: columns (naje, seq) → (name, seq)".to_string()),
        "{report:?}"
    );
    assert!(!report.tables_renamed.is_empty(), "the legacy tables were renamed: {report:?}");
    let renamed = |c: &String| {
        let (name, seq) = c.split_once('=').unwrap();
        let to = report.tables_renamed.iter().find(|r| r.from == name).map_or(name, |r| r.to.as_str());
        format!("{to}={seq}")
    };
    let mut expected: Vec<String> = counters.iter().map(renamed).collect();
    expected.sort();
    assert_eq!(
        db.query_strings("SELECT name || '=' || seq FROM sqlite_sequence ORDER BY name", &[]).unwrap(),
        expected
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// `image` fuzz target (finding 15): a table's catalogue row spelled `db_cLient` over the text
/// `CREATE TABLE db_client`. `status` and the dump name the table as SQLite holds it (as every
/// pragma does), before and after the row is repaired.
#[test]
fn a_table_is_described_by_the_name_sqlite_holds_it_under() {
    let mut image = image_of(FLAT_V1);
    let text = b"tabledb_clientdb_client";
    let hits: Vec<usize> = (0..image.len() - text.len()).filter(|&i| &image[i..i + text.len()] == text).collect();
    assert_eq!(hits.len(), 1, "db_client's row (type, name, tbl_name)");
    image[hits[0] + "tabledb_c".len()] = b'L';
    let db = from_bytes(&image).unwrap();
    assert_eq!(
        db.query_strings("SELECT name FROM sqlite_master WHERE name LIKE 'db_client'", &[]).unwrap(),
        ["db_cLient"]
    );
    assert!(dump(&db).tables.contains_key("db_client"));
    let report = migrate(&db, Store::Objects).expect("migrated");
    assert_eq!(report.catalogue_repaired, ["table db_client: name \"db_cLient\" → \"db_client\""]);
    assert!(dump(&db).tables.contains_key("db_client"));
    assert_eq!(db.query_i64("SELECT count(*) FROM db_client", &[]).unwrap(), Some(1));
}

/// `image` fuzz target (finding 16, against the original module): a canonical column spelled in
/// another case (`saga_step.started_aT`). SQLite compares column names without regard to case,
/// so the original module's DDL found it; this crate looked for `started_at` exactly, tried to add
/// it and failed. The column is renamed to the canonical spelling, its values kept.
#[test]
fn a_canonical_column_spelled_in_another_case_is_renamed_with_its_values() {
    let db = mem();
    migrate(&db, Store::Sagas).unwrap();
    db.exec(
        "INSERT INTO saga (saga_id, name, state, started_at, input_json) VALUES (1, 's', 'running', 1, '{}');
         INSERT INTO saga_step (saga_id, step_index, name, state, cmd_json, started_at) VALUES (1, 0, 'a', 'done', '{}', 42);
         ALTER TABLE saga_step RENAME COLUMN started_at TO tmp_x;
         ALTER TABLE saga_step RENAME COLUMN tmp_x TO started_aT;
         PRAGMA user_version = 0;",
    )
    .unwrap();
    let report = migrate(&db, Store::Sagas).expect("migrated, as the original did");
    assert_eq!(report.catalogue_repaired, ["column saga_step.started_aT → saga_step.started_at"]);
    assert_eq!(db.query_i64("SELECT started_at FROM saga_step", &[]).unwrap(), Some(42));
    assert!(dump(&db).tables["saga_step"].has_column("started_at"));
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// `image` fuzz target (finding 17, against the original module): a table whose foreign key is
/// stale and one of whose columns is named by bytes that are not UTF-8 (a damaged CREATE text).
/// The rebuild that repairs foreign keys copies columns by name, and no SQL this crate writes can
/// name that column, so it refused the file, which the original module migrated. The table keeps
/// its foreign key, as the original left it, every row and column in place, and the report says
/// so (`foreign_keys_kept`).
#[test]
fn a_table_with_a_column_name_that_is_not_utf8_keeps_its_stale_foreign_key() {
    let db = mem();
    migrate(&db, Store::Sagas).unwrap();
    db.exec(
        "INSERT INTO saga (saga_id, name, state, started_at, input_json) VALUES (1, 's', 'running', 1, '{}');
         INSERT INTO saga_step (saga_id, step_index, name, state, cmd_json, started_at) VALUES (1, 0, 'a', 'done', '{}', 42);
         PRAGMA writable_schema = ON;
         UPDATE sqlite_master SET sql = replace(replace(sql, 'saga(saga_id)', 'saga(saea_id)'),
             'output_json TEXT', CAST(X'81' AS TEXT) || ' TEXT')
         WHERE name = 'saga_step';
         PRAGMA writable_schema = OFF;
         PRAGMA user_version = 0;",
    )
    .unwrap();
    let image = bytes_of(&mut { db });
    let db = from_bytes(&image).unwrap();
    assert_eq!(
        db.query_strings("SELECT hex(name) FROM pragma_table_xinfo('saga_step') WHERE cid = 5", &[]).unwrap(),
        ["81"]
    );
    let report = migrate(&db, Store::Sagas).expect("migrated, as the original did");
    assert_eq!(report.foreign_keys_kept, ["saga_step"]);
    assert!(report.tables_rebuilt.is_empty(), "{report:?}");
    assert_eq!(db.query_i64("SELECT started_at FROM saga_step", &[]).unwrap(), Some(42));
    assert_eq!(
        db.query_strings("SELECT \"table\" || '(' || \"to\" || ')' FROM pragma_foreign_key_list('saga_step')", &[])
            .unwrap(),
        ["saga(saea_id)"]
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// `image` fuzz target (finding 18, against the original module): `sqlite_sequence`'s CREATE text
/// naming its columns `(name,suq)`. SQLite reads and writes that table by position, so the
/// original module migrated the file, but the rebuild that repairs a stale foreign key read the
/// AUTOINCREMENT counter as `seq` and failed. It now reads the columns by position: the file
/// migrates and every counter is the one the same file gets undamaged.
#[test]
fn a_sqlite_sequence_with_other_column_names_keeps_the_counters() {
    let image = image_of(STALE_FOREIGN_KEYS);
    let counters = |image: &[u8]| {
        let db = from_bytes(image).unwrap();
        let report = migrate(&db, Store::Objects).expect("migrated");
        assert!(report.tables_rebuilt.iter().any(|t| t.table == "db_agent_history"), "{report:?}");
        db.query("SELECT * FROM sqlite_sequence ORDER BY 1", &[]).unwrap()
    };
    let text = b"sqlite_sequence(name,seq)";
    let hits: Vec<usize> = (0..image.len() - text.len()).filter(|&i| &image[i..i + text.len()] == text).collect();
    assert!(!hits.is_empty(), "sqlite_sequence's CREATE text");
    let mut patched = image.clone();
    for at in hits {
        patched[at + "sqlite_sequence(name,s".len()] = b'u';
    }
    let want = counters(&image);
    assert!(!want.is_empty());
    assert_eq!(counters(&patched), want);
}

/// `image` fuzz target (finding 23, against the original module): a legacy table whose column
/// is a canonical one in another case (`db_forge_skills.Name`). Columns were respelled before
/// adoption gave the table its canonical name, so this crate then tried to add `name` beside
/// `Name`. Columns are now respelled after adoption.
#[test]
fn an_adopted_tables_column_spelled_in_another_case_is_renamed() {
    let db = from_bytes(&image_of(LEGACY_V11)).unwrap();
    db.exec("ALTER TABLE db_forge_skills RENAME COLUMN name TO tmp_x; ALTER TABLE db_forge_skills RENAME COLUMN tmp_x TO Name;")
        .unwrap();
    let rows = db.query_i64("SELECT count(*) FROM db_forge_skills", &[]).unwrap();
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert!(report.tables_renamed.iter().any(|r| r.to == "db_agent_skills"), "{report:?}");
    assert_eq!(report.catalogue_repaired, ["column db_agent_skills.Name → db_agent_skills.name"]);
    assert_eq!(db.query_i64("SELECT count(*) FROM db_agent_skills WHERE name IS NOT NULL", &[]).unwrap(), rows);
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// `image` fuzz target (findings 24 and 25, against the original module): a WaveObj table whose
/// `oid` is spelled `Oid` (SQLite refuses to rename a column named like the rowid), and one that
/// lacks both `oid` and `version` (the rebuild that adds `oid` gave it `version` too, and then
/// `ALTER TABLE` tried to add `version` again). Both migrate, every value kept.
#[test]
fn a_table_with_its_oid_spelled_otherwise_or_missing_beside_another_column_migrates() {
    let db = mem();
    db.exec(
        "CREATE TABLE db_client (Oid TEXT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL);
         INSERT INTO db_client VALUES ('c1', 3, '{}');
         CREATE TABLE db_window (oi TEXT PRIMARY KEY, versioX INTEGER, data TEXT NOT NULL);
         INSERT INTO db_window VALUES ('w1', 4, '{\"w\":1}');
         PRAGMA user_version = 1;",
    )
    .unwrap();
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert_eq!(
        db.query_strings("SELECT oid || '|' || version || '|' || data FROM db_client", &[]).unwrap(),
        ["c1|3|{}"]
    );
    assert!(report.columns_added.contains(&"db_window.version".to_string()), "{report:?}");
    assert_eq!(
        db.query_strings(
            "SELECT oi || '|' || versioX || '|' || data || '|' || quote(oid) || '|' || version FROM db_window",
            &[]
        )
        .unwrap(),
        ["w1|4|{\"w\":1}|NULL|1"]
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// A consistent file that spells a canonical table in another case: `CREATE TABLE IF NOT EXISTS`
/// finds it, so the original module migrated the file. It is renamed to the canonical spelling
/// with its rows (`tables_renamed`), instead of failing verification.
#[test]
fn a_canonical_table_spelled_in_another_case_is_renamed_with_its_rows() {
    let db = mem();
    migrate(&db, Store::Filestore).unwrap();
    db.exec(
        "INSERT INTO db_file_data (zoneid, name, partidx, data) VALUES ('z', 'n', 0, x'01');
         ALTER TABLE db_file_data RENAME TO tmp_x; ALTER TABLE tmp_x RENAME TO DB_File_Data;",
    )
    .unwrap();
    let report = migrate(&db, Store::Filestore);
    // Already current: nothing to do (the original re-ran its DDL, which found the table).
    assert_eq!(report.unwrap().outcome, Outcome::UpToDate);
    db.exec("PRAGMA user_version = 0").unwrap();
    let report = migrate(&db, Store::Filestore).expect("migrated, as the original did");
    assert_eq!(report.tables_renamed.len(), 1, "{report:?}");
    assert_eq!(
        (report.tables_renamed[0].from.as_str(), report.tables_renamed[0].to.as_str()),
        ("DB_File_Data", "db_file_data")
    );
    assert_eq!(db.query_i64("SELECT count(*) FROM db_file_data", &[]).unwrap(), Some(1));
    assert!(dump(&db).tables.contains_key("db_file_data"));
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}
