//! The JS-facing API (`Database`, `migrateAll`) as JavaScript sees it: values, thrown error
//! names and fields. wasm32 only; runs under Node and in headless browsers:
//!
//! ```sh
//! wasm-pack test --node --mode no-install
//! wasm-pack test --headless --chrome --firefox --mode no-install
//! ```
#![cfg(target_arch = "wasm32")]

use agentmux_schema::js::{migrate_all, Database};
use agentmux_schema::{OBJECT_SCHEMA_VERSION, SAGA_LOG_SCHEMA_VERSION};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).expect("property read")
}

fn name_of(err: &JsValue) -> String {
    assert!(err.is_instance_of::<js_sys::Error>(), "thrown value is not an Error: {err:?}");
    get(err, "name").as_string().unwrap_or_default()
}

fn num(v: &JsValue, key: &str) -> f64 {
    get(v, key).as_f64().unwrap_or_else(|| panic!("{key} is not a number: {:?}", get(v, key)))
}

fn err_of<T>(r: Result<T, JsValue>) -> JsValue {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

/// An image whose user_version is newer than this build understands.
fn too_new_image() -> Vec<u8> {
    let db = Database::memory().unwrap();
    db.exec(&format!("CREATE TABLE future_only(x); PRAGMA user_version = {};", OBJECT_SCHEMA_VERSION + 7)).unwrap();
    db.to_bytes().unwrap()
}

#[wasm_bindgen_test]
fn memory_migrate_report_and_status() {
    let db = Database::memory().unwrap();
    let report = db.migrate("objects").unwrap();
    assert_eq!(get(&report, "store").as_string().as_deref(), Some("objects"));
    assert_eq!(get(&report, "db").as_string().as_deref(), Some("objects.db"));
    assert_eq!(get(&report, "outcome").as_string().as_deref(), Some("created"));
    assert_eq!(num(&report, "fromVersion"), 0.0);
    assert_eq!(num(&report, "toVersion"), OBJECT_SCHEMA_VERSION as f64);
    assert!(Array::is_array(&get(&report, "tablesCreated")));
    assert!(Array::from(&get(&report, "tablesCreated")).length() > 0);
    assert_eq!(db.user_version().unwrap(), OBJECT_SCHEMA_VERSION as f64);

    let again = db.migrate("objects").unwrap();
    assert_eq!(get(&again, "outcome").as_string().as_deref(), Some("up-to-date"));

    let status = db.status("objects").unwrap();
    // A plain object (not a Map), camelCase keys, null for absent values.
    assert_eq!(Object::get_prototype_of(&status), Object::get_prototype_of(&Object::new()));
    assert_eq!(get(&status, "state").as_string().as_deref(), Some("current"));
    assert_eq!(num(&status, "userVersion"), OBJECT_SCHEMA_VERSION as f64);
    assert_eq!(num(&status, "expectedVersion"), OBJECT_SCHEMA_VERSION as f64);
    assert!(get(&status, "error").is_null());
    assert!(get(&status, "drift").is_object());
}

#[wasm_bindgen_test]
fn query_rows_are_plain_objects() {
    let db = Database::memory().unwrap();
    db.exec("CREATE TABLE t(i INTEGER, r REAL, s TEXT, b BLOB, n); INSERT INTO t VALUES (42, 1.5, 'hé', x'0102', NULL), (9007199254740993, 0, '', x'', NULL);").unwrap();
    let rows = db.query("SELECT i, r, s, b, n FROM t WHERE s LIKE ?1 OR ?1 = '%'", Some(vec!["%".into()])).unwrap();
    assert_eq!(rows.length(), 2);
    let first = rows.get(0);
    assert_eq!(num(&first, "i"), 42.0);
    assert_eq!(num(&first, "r"), 1.5);
    assert_eq!(get(&first, "s").as_string().as_deref(), Some("hé"));
    assert_eq!(js_sys::Uint8Array::new(&get(&first, "b")).to_vec(), vec![1, 2]);
    assert!(get(&first, "n").is_null());
    // Beyond 2^53: a BigInt, not a rounded number.
    assert!(get(&rows.get(1), "i").is_bigint());

    let names = db.query("SELECT name FROM sqlite_master", None).unwrap();
    assert_eq!(get(&names.get(0), "name").as_string().as_deref(), Some("t"));
    // No statement: no rows. Two statements: refused, not silently half-run.
    assert_eq!(db.query("-- nothing", None).unwrap().length(), 0);
    let e = err_of(db.query("SELECT 1; SELECT 2", None));
    assert_eq!(name_of(&e), "SqliteError");
}

#[wasm_bindgen_test]
fn from_bytes_to_bytes_round_trip() {
    let db = Database::memory().unwrap();
    db.migrate("sagas").unwrap();
    let bytes = db.to_bytes().unwrap();
    assert_eq!(&bytes[..16], b"SQLite format 3\0");
    let copy = Database::from_bytes(&bytes).unwrap();
    assert_eq!(copy.user_version().unwrap(), SAGA_LOG_SCHEMA_VERSION as f64);
    assert_eq!(copy.to_bytes().unwrap(), bytes);
    assert_eq!(get(&copy.migrate("sagas").unwrap(), "outcome").as_string().as_deref(), Some("up-to-date"));
}

#[wasm_bindgen_test]
fn too_new_image_is_refused_and_left_byte_identical() {
    let image = too_new_image();
    let db = Database::from_bytes(&image).unwrap();
    let e = err_of(db.migrate("objects"));
    assert_eq!(name_of(&e), "SchemaTooNewError");
    assert_eq!(get(&e, "db").as_string().as_deref(), Some("objects.db"));
    assert_eq!(num(&e, "found"), (OBJECT_SCHEMA_VERSION + 7) as f64);
    assert_eq!(num(&e, "expected"), OBJECT_SCHEMA_VERSION as f64);
    assert_eq!(db.to_bytes().unwrap(), image, "a refused file must not be written");

    let status = db.status("objects").unwrap();
    assert_eq!(get(&status, "state").as_string().as_deref(), Some("too-new"));
}

#[wasm_bindgen_test]
fn migrate_all_checks_every_tripwire_first() {
    let objects = Database::memory().unwrap();
    let sagas = Database::from_bytes(&{
        let d = Database::memory().unwrap();
        d.exec("CREATE TABLE x(y); PRAGMA user_version = 99;").unwrap();
        d.to_bytes().unwrap()
    })
    .unwrap();
    let set = Object::new();
    Reflect::set(&set, &"objects".into(), &JsValue::from(objects)).unwrap();
    Reflect::set(&set, &"sagas".into(), &JsValue::from(sagas)).unwrap();
    let e = err_of(migrate_all(set.clone().into()));
    assert_eq!(name_of(&e), "SchemaTooNewError");
    assert_eq!(get(&e, "db").as_string().as_deref(), Some("sagas.db"));
    // objects.db came first but was not touched.
    let objects_js = get(&set, "objects");
    let user_version: js_sys::Function = get(&objects_js, "userVersion").dyn_into().unwrap();
    assert_eq!(user_version.call0(&objects_js).unwrap().as_f64(), Some(0.0));

    // Without the too-new file, both are migrated and reported in order.
    let set2 = Object::new();
    Reflect::set(&set2, &"objects".into(), &objects_js).unwrap();
    Reflect::set(&set2, &"filestore".into(), &JsValue::from(Database::memory().unwrap())).unwrap();
    let reports = Array::from(&migrate_all(set2.into()).unwrap());
    assert_eq!(reports.length(), 2);
    assert_eq!(get(&reports.get(0), "store").as_string().as_deref(), Some("objects"));
    assert_eq!(get(&reports.get(1), "store").as_string().as_deref(), Some("filestore"));

    // Not a Database: a TypeError, not a trap.
    let bogus = Object::new();
    Reflect::set(&bogus, &"objects".into(), &JsValue::from(3)).unwrap();
    let e = err_of(migrate_all(bogus.into()));
    assert!(e.is_instance_of::<js_sys::TypeError>());
    assert!(migrate_all(JsValue::from(1)).is_err());
}

#[wasm_bindgen_test]
fn bad_bytes_are_not_a_database() {
    let good = {
        let d = Database::memory().unwrap();
        d.migrate("filestore").unwrap();
        d.to_bytes().unwrap()
    };
    let mut garbage = vec![0x5a; 4096];
    garbage[..5].copy_from_slice(b"hello");
    let mut bad_magic = good.clone();
    bad_magic[0] = b'X';
    for (what, bytes) in [
        ("one byte", &[0u8][..]),
        ("garbage", &garbage[..]),
        ("header only", &good[..100]),
        ("truncated", &good[..good.len() - 1]),
        ("half", &good[..good.len() / 2]),
        ("bad magic", &bad_magic[..]),
    ] {
        let e = err_of(Database::from_bytes(bytes));
        assert_eq!(name_of(&e), "NotADatabaseError", "{what}");
        assert!(get(&e, "reason").as_string().is_some(), "{what}");
    }
}

#[wasm_bindgen_test]
fn sqlite_errors_carry_code_and_sql() {
    let db = Database::memory().unwrap();
    let e = err_of(db.exec("CREATE TABLE t(x); INSERT INTO nope VALUES (1)"));
    assert_eq!(name_of(&e), "SqliteError");
    assert_eq!(num(&e, "code") as i32 & 0xff, 1); // SQLITE_ERROR
    assert!(get(&e, "sql").as_string().unwrap().contains("INSERT INTO nope"));

    db.exec("CREATE TABLE u(x UNIQUE); INSERT INTO u VALUES (1)").unwrap();
    let e = err_of(db.exec("INSERT INTO u VALUES (1)"));
    assert_eq!(num(&e, "code") as i32, 2067); // SQLITE_CONSTRAINT_UNIQUE (extended)

    let e = err_of(db.exec("SELECT 1\0; DROP TABLE u"));
    assert_eq!(name_of(&e), "SqliteError");
    let e = err_of(db.query("SELECT ?1", Some(vec!["a".into(), "b".into()])));
    assert_eq!(name_of(&e), "SqliteError");
    assert_eq!(num(&e, "code") as i32 & 0xff, 25); // SQLITE_RANGE

    let e = err_of(db.migrate("bogus"));
    assert_eq!(name_of(&e), "UnknownStoreError");
    assert_eq!(get(&e, "store").as_string().as_deref(), Some("bogus"));
}

#[wasm_bindgen_test]
fn unadoptable_table_is_named() {
    let db = Database::memory().unwrap();
    // A canonical table name with only some of its columns, none of them additive.
    let tables = {
        let fresh = Database::memory().unwrap();
        fresh.migrate("filestore").unwrap();
        fresh
            .query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                None,
            )
            .unwrap()
    };
    let table = get(&tables.get(0), "name").as_string().unwrap();
    db.exec(&format!("CREATE TABLE \"{table}\"(zzz_not_canonical)")).unwrap();
    let before = db.to_bytes().unwrap();
    let e = err_of(db.migrate("filestore"));
    assert_eq!(name_of(&e), "UnadoptableError");
    assert_eq!(get(&e, "table").as_string(), Some(table));
    assert!(Array::from(&get(&e, "missingColumns")).length() > 0);
    assert!(db.to_bytes().unwrap() == before, "the refused image must come back byte for byte");
}

#[wasm_bindgen_test]
fn closed_database_throws_closed_error() {
    let db = Database::memory().unwrap();
    db.migrate("objects").unwrap();
    assert!(!db.is_closed());
    db.close().unwrap();
    db.close().unwrap(); // idempotent
    assert!(db.is_closed());
    for e in [
        err_of(db.exec("SELECT 1")),
        err_of(db.query("SELECT 1", None)),
        err_of(db.migrate("objects")),
        err_of(db.status("objects")),
        err_of(db.user_version()),
        err_of(db.to_bytes()),
    ] {
        assert_eq!(name_of(&e), "ClosedError");
    }
    let set = Object::new();
    Reflect::set(&set, &"objects".into(), &JsValue::from(db)).unwrap();
    assert_eq!(name_of(&err_of(migrate_all(set.into()))), "ClosedError");
}
