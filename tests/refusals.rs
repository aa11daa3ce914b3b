//! Files this crate refuses (too new, pre-v11, not a database, damaged header or catalogue) get a
//! typed error and come back byte for byte as they were. Runs on every runtime, like
//! tests/schema.rs.

mod common;

use agentmux_schema::backend::from_bytes;
use agentmux_schema::inspect;
use agentmux_schema::{migrate, migrate_all, status, Outcome, SqlConn, State, Store, StoreError};
use common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

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

/// The corpus seed `fuzz/corpus/image/seed-finding-29-header-encoding`: a header whose
/// text-encoding field reads 256 (bytes 56-59; no SQLite writes that). SQLite opens the file as
/// UTF-8 and `integrity_check` finds nothing wrong, but every `ALTER TABLE` fails, since re-reading
/// the schema compares that field with the connection's encoding ("attached databases must use the
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

/// The corpus seeds `fuzz/corpus/image/seed-finding-30-catalogue-out-of-order` and `…-31-…-repair`:
/// files whose `sqlite_master` b-tree is damaged (a row out of rowid order, which `integrity_check`
/// reports). SQLite finds a catalogue row by rowid to rewrite it, and there missed it without an
/// error. In the first, a rebuilt table's rename never reached the catalogue, so the table kept its
/// temporary name, the schema step created an empty `db_agent_history` beside the rows, and the
/// migration reported success. In the second, a catalogue repair and a respelling left
/// `db_agent_definitions` out of the schema that verification had passed. Such a file is now
/// refused before any change, as the damage it is (`SQLITE_CORRUPT`), nothing written. (The
/// original module never rewrote the catalogue; a damaged image is outside the rule that nothing it
/// migrates is refused: fuzz/README.md.)
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
