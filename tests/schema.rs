//! Behaviour of the schema, legacy adoption and the tripwire, written once and run on every
//! runtime: `cargo test` (rusqlite), `wasm-pack test --node` and in headless Chrome and Firefox
//! (sqlite-wasm-rs). Only the backend's in-memory databases and file images are used, so nothing
//! here depends on a filesystem. The other behavioural files follow the same pattern.

mod common;

use agentmux_schema::backend::from_bytes;
use agentmux_schema::legacy::{DEAD_TABLE_DROPS, LEGACY_TABLE_RENAMES};
use agentmux_schema::{
    check_schema_compat, migrate, migrate_all, run_filestore_migrations, run_object_schema, run_saga_log_migrations,
    stamp_version, status, Outcome, SqlConn, State, Store, StoreError, OBJECT_SCHEMA_VERSION,
};
use common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

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

// ---- Parity with the reference DDL -------------------------------------------------------

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

// ---- Atomic migrate on legacy and stale files --------------------------------------------

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

#[test]
fn migrate_all_migrates_every_store() {
    let (o, f, s) = (mem(), mem(), mem());
    let reports = migrate_all(&[(&o, Store::Objects), (&f, Store::Filestore), (&s, Store::Sagas)]).unwrap();
    assert_eq!(reports.iter().map(|r| r.to_version).collect::<Vec<_>>(), Store::ALL.map(Store::version));
    assert_eq!([version(&o), version(&f), version(&s)], Store::ALL.map(Store::version));
}

// ---- Read-only status --------------------------------------------------------------------

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
