//! The JS-facing API (`Database`, `migrateAll`, `statusOfBytes`, `stores`) as JavaScript sees it:
//! values, thrown error classes and their fields, argument type checks. wasm32 only; runs under
//! Node and in headless browsers:
//!
//! ```sh
//! wasm-pack test --node --mode no-install
//! wasm-pack test --headless --chrome --firefox --mode no-install
//! ```
//!
//! What only the package entry adds (init guard, `free()`/`using`) is tested on the packed
//! tarball by `tests/npm/` instead.
#![cfg(target_arch = "wasm32")]

use agentmux_schema::js::{migrate_all, package_version, status_of_bytes, stores, Database, SqlParams};
use agentmux_schema::{OBJECT_SCHEMA_VERSION, SAGA_LOG_SCHEMA_VERSION};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    #[wasm_bindgen(extends = js_sys::Error)]
    type SchemaError;
    #[wasm_bindgen(extends = SchemaError)]
    type SchemaTooNewError;
    #[wasm_bindgen(extends = SchemaError)]
    type SqliteError;
    #[wasm_bindgen(extends = SchemaError)]
    type DriverError;
    #[wasm_bindgen(extends = SchemaError)]
    type NotADatabaseError;
    #[wasm_bindgen(extends = SchemaError)]
    type UnadoptableError;
    #[wasm_bindgen(extends = SchemaError)]
    type UnknownStoreError;
    #[wasm_bindgen(extends = SchemaError)]
    type ClosedError;
}

fn s(text: &str) -> JsValue {
    JsValue::from_str(text)
}

/// A `params` argument of `query`.
fn p(v: impl Into<JsValue>) -> Option<SqlParams> {
    Some(v.into().unchecked_into())
}

fn b(bytes: &[u8]) -> JsValue {
    Uint8Array::from(bytes).into()
}

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

fn text(v: &JsValue, key: &str) -> Option<String> {
    get(v, key).as_string()
}

fn err_of<T>(r: Result<T, JsValue>) -> JsValue {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

fn mem() -> Database {
    Database::memory().unwrap()
}

fn image_of(sql: &str) -> Vec<u8> {
    let db = mem();
    db.exec(s(sql)).unwrap();
    db.to_bytes().unwrap()
}

/// An image whose user_version is newer than this build understands.
fn too_new_image() -> Vec<u8> {
    image_of(&format!("CREATE TABLE future_only(x); PRAGMA user_version = {};", OBJECT_SCHEMA_VERSION + 7))
}

#[wasm_bindgen_test]
fn memory_migrate_report_and_status() {
    let db = mem();
    let report = db.migrate(s("objects")).unwrap();
    assert_eq!(text(&report, "store").as_deref(), Some("objects"));
    assert_eq!(text(&report, "db").as_deref(), Some("objects.db"));
    assert_eq!(text(&report, "outcome").as_deref(), Some("created"));
    assert_eq!(num(&report, "fromVersion"), 0.0);
    assert_eq!(num(&report, "toVersion"), OBJECT_SCHEMA_VERSION as f64);
    assert!(Array::from(&get(&report, "tablesCreated")).length() > 0);
    assert_eq!(db.user_version().unwrap(), OBJECT_SCHEMA_VERSION as f64);

    let again = db.migrate(s("objects")).unwrap();
    assert_eq!(text(&again, "outcome").as_deref(), Some("up-to-date"));

    let status = db.status(s("objects")).unwrap();
    // A plain object (not a Map), camelCase keys, null for absent values.
    assert_eq!(Object::get_prototype_of(&status), Object::get_prototype_of(&Object::new()));
    assert_eq!(text(&status, "state").as_deref(), Some("current"));
    assert_eq!(num(&status, "userVersion"), OBJECT_SCHEMA_VERSION as f64);
    assert_eq!(num(&status, "expectedVersion"), OBJECT_SCHEMA_VERSION as f64);
    assert!(get(&status, "error").is_null());
    assert!(get(&status, "drift").is_object());
}

#[wasm_bindgen_test]
fn query_rows_are_plain_objects() {
    let db = mem();
    db.exec(s("CREATE TABLE t(i INTEGER, r REAL, s TEXT, b BLOB, n); INSERT INTO t VALUES (42, 1.5, 'hé', x'0102', NULL), (9007199254740993, 0, '', x'', NULL);")).unwrap();
    let params: JsValue = Array::of1(&s("%")).into();
    let rows = db.query(s("SELECT i, r, s, b, n FROM t WHERE s LIKE ?1 OR ?1 = '%'"), p(params)).unwrap();
    assert_eq!(rows.length(), 2);
    let first = rows.get(0);
    assert_eq!(num(&first, "i"), 42.0);
    assert_eq!(num(&first, "r"), 1.5);
    assert_eq!(text(&first, "s").as_deref(), Some("hé"));
    assert_eq!(Uint8Array::new(&get(&first, "b")).to_vec(), vec![1, 2]);
    assert!(get(&first, "n").is_null());
    // Beyond 2^53: a BigInt, not a rounded number.
    assert!(get(&rows.get(1), "i").is_bigint());

    let names = db.query(s("SELECT name FROM sqlite_master"), None).unwrap();
    assert_eq!(text(&names.get(0), "name").as_deref(), Some("t"));
    // No statement: no rows. Two statements: refused, not silently half-run.
    assert_eq!(db.query(s("-- nothing"), p(JsValue::NULL)).unwrap().length(), 0);
    let e = err_of(db.query(s("SELECT 1; SELECT 2"), None));
    assert_eq!(name_of(&e), "DriverError");
}

#[wasm_bindgen_test]
fn query_binds_parameters_with_sqlite_types() {
    let db = mem();
    let params = Array::new();
    for p in [
        s("text"),
        JsValue::from_f64(7.0),
        JsValue::from_f64(2.5),
        js_sys::BigInt::from(i64::MAX).into(),
        JsValue::TRUE,
        JsValue::NULL,
        b(&[0, 255]),
    ] {
        params.push(&p);
    }
    let rows = db
        .query(
            s("SELECT typeof(?1) a, typeof(?2) b, typeof(?3) c, typeof(?4) d, typeof(?5) e, typeof(?6) f, typeof(?7) g, \
               ?2 + 1 two, ?4 big, ?5 yes, hex(?7) blob"),
            p(params),
        )
        .unwrap();
    let row = rows.get(0);
    let types: Vec<String> = ["a", "b", "c", "d", "e", "f", "g"].iter().map(|k| text(&row, k).unwrap()).collect();
    assert_eq!(types, ["text", "integer", "real", "integer", "integer", "null", "blob"]);
    assert_eq!(num(&row, "two"), 8.0);
    assert_eq!(get(&row, "big"), JsValue::from(js_sys::BigInt::from(i64::MAX)));
    assert_eq!(num(&row, "yes"), 1.0);
    assert_eq!(text(&row, "blob").as_deref(), Some("00FF"));

    // Anything else is a TypeError naming the parameter, and nothing runs.
    for (bad, position) in [
        (Object::new().into(), "?1"),
        (JsValue::UNDEFINED, "?1"),
        (js_sys::BigInt::from(u64::MAX).into(), "?1"),
        (Array::of2(&JsValue::from(1), &JsValue::from(2)).into(), "?1"),
    ] {
        let e = err_of(db.query(s("SELECT ?1"), p(Array::of1(&bad))));
        assert!(e.is_instance_of::<js_sys::TypeError>(), "{bad:?}: {e:?}");
        assert!(text(&e, "message").unwrap().contains(position), "{e:?}");
    }
    let e = err_of(db.query(s("SELECT ?1"), p(s("not an array"))));
    assert!(e.is_instance_of::<js_sys::TypeError>());
}

#[wasm_bindgen_test]
fn arguments_of_the_wrong_type_are_type_errors() {
    let db = mem();
    let bad_calls = [
        err_of(db.exec(JsValue::from(1))),
        err_of(db.query(JsValue::NULL, None)),
        err_of(db.migrate(JsValue::from(3))),
        err_of(db.status(JsValue::UNDEFINED)),
        err_of(Database::from_bytes(s("SQLite format 3"))),
        err_of(Database::from_bytes(Array::of1(&JsValue::from(1)).into())),
        err_of(status_of_bytes(JsValue::NULL, s("objects"))),
    ];
    for e in bad_calls {
        assert!(e.is_instance_of::<js_sys::TypeError>(), "{e:?}");
    }
    assert_eq!(db.user_version().unwrap(), 0.0, "nothing ran");
}

#[wasm_bindgen_test]
fn from_bytes_to_bytes_round_trip_leaves_the_input_alone() {
    let db = mem();
    db.migrate(s("sagas")).unwrap();
    let bytes = db.to_bytes().unwrap();
    assert_eq!(&bytes[..16], b"SQLite format 3\0");
    let input = Uint8Array::from(&bytes[..]);
    let copy = Database::from_bytes(input.clone().into()).unwrap();
    assert_eq!(copy.user_version().unwrap(), SAGA_LOG_SCHEMA_VERSION as f64);
    assert_eq!(copy.to_bytes().unwrap(), bytes);
    copy.exec(s("INSERT INTO saga_log DEFAULT VALUES")).unwrap_or(());
    assert_eq!(input.to_vec(), bytes, "the caller's array is never written");
}

#[wasm_bindgen_test]
fn an_empty_image_is_an_empty_database() {
    let db = Database::from_bytes(b(&[])).unwrap();
    assert_eq!(text(&db.status(s("objects")).unwrap(), "state").as_deref(), Some("empty"));
    assert_eq!(text(&db.migrate(s("objects")).unwrap(), "outcome").as_deref(), Some("created"));
    assert_eq!(db.user_version().unwrap(), OBJECT_SCHEMA_VERSION as f64);
    let status = status_of_bytes(b(&[]), s("sagas")).unwrap();
    assert_eq!(text(&status, "state").as_deref(), Some("empty"));
}

#[wasm_bindgen_test]
fn utf16_images_migrate_like_utf8_ones() {
    for encoding in ["UTF-16le", "UTF-16be"] {
        let image =
            image_of(&format!("PRAGMA encoding = '{encoding}'; CREATE TABLE keep(x); INSERT INTO keep VALUES ('hé');"));
        let db = Database::from_bytes(b(&image)).unwrap();
        assert_eq!(text(&db.status(s("objects")).unwrap(), "state").as_deref(), Some("legacy"), "{encoding}");
        assert_eq!(text(&db.migrate(s("objects")).unwrap(), "outcome").as_deref(), Some("migrated"), "{encoding}");
        let rows = db.query(s("SELECT x FROM keep"), None).unwrap();
        assert_eq!(text(&rows.get(0), "x").as_deref(), Some("hé"), "{encoding}");
        let enc = db.query(s("PRAGMA encoding"), None).unwrap();
        assert_eq!(text(&enc.get(0), "encoding").as_deref(), Some(encoding), "{encoding}");
    }
}

#[wasm_bindgen_test]
fn too_new_image_is_refused_and_left_byte_identical() {
    let image = too_new_image();
    let db = Database::from_bytes(b(&image)).unwrap();
    let e = err_of(db.migrate(s("objects")));
    assert!(e.is_instance_of::<SchemaTooNewError>() && e.is_instance_of::<SchemaError>());
    assert_eq!(name_of(&e), "SchemaTooNewError");
    assert_eq!(text(&e, "db").as_deref(), Some("objects.db"));
    assert_eq!(num(&e, "found"), (OBJECT_SCHEMA_VERSION + 7) as f64);
    assert_eq!(num(&e, "expected"), OBJECT_SCHEMA_VERSION as f64);
    assert_eq!(db.to_bytes().unwrap(), image, "a refused file must not be written");

    let status = db.status(s("objects")).unwrap();
    assert_eq!(text(&status, "state").as_deref(), Some("too-new"));
}

#[wasm_bindgen_test]
fn migrate_all_checks_every_tripwire_first() {
    let objects = mem();
    let filestore = mem();
    let sagas = Database::from_bytes(b(&image_of("CREATE TABLE x(y); PRAGMA user_version = 99;"))).unwrap();
    let e = err_of(migrate_all(&objects, &filestore, &sagas));
    assert!(e.is_instance_of::<SchemaTooNewError>());
    assert_eq!(text(&e, "db").as_deref(), Some("sagas.db"));
    // objects.db came first but was not touched.
    assert_eq!(objects.to_bytes().unwrap(), mem().to_bytes().unwrap());
    assert_eq!(objects.user_version().unwrap(), 0.0);

    let sagas = mem();
    let reports = Array::from(&migrate_all(&objects, &filestore, &sagas).unwrap());
    let order: Vec<String> = reports.iter().map(|r| text(&r, "store").unwrap()).collect();
    assert_eq!(order, ["objects", "filestore", "sagas"]);

    let e = err_of(migrate_all(&objects, &objects, &sagas));
    assert!(e.is_instance_of::<js_sys::TypeError>());
}

#[wasm_bindgen_test]
fn status_of_bytes_never_throws_for_bad_bytes() {
    let status = status_of_bytes(b(b"definitely not sqlite, but long enough to have a header........................................................"), s("objects")).unwrap();
    assert_eq!(text(&status, "state").as_deref(), Some("unreadable"));
    assert!(text(&status, "error").unwrap().contains("not a usable SQLite database"));
    let image = too_new_image();
    let input = Uint8Array::from(&image[..]);
    let status = status_of_bytes(input.clone().into(), s("objects")).unwrap();
    assert_eq!(text(&status, "state").as_deref(), Some("too-new"));
    assert_eq!(input.to_vec(), image);
    assert!(err_of(status_of_bytes(b(&image), s("nope"))).is_instance_of::<UnknownStoreError>());
}

#[wasm_bindgen_test]
fn stores_and_version_describe_this_build() {
    let all = Array::from(&stores().unwrap());
    let described: Vec<(String, String, f64)> =
        all.iter().map(|s| (text(&s, "store").unwrap(), text(&s, "fileName").unwrap(), num(&s, "version"))).collect();
    assert_eq!(
        described,
        [
            ("objects".into(), "objects.db".into(), OBJECT_SCHEMA_VERSION as f64),
            ("filestore".into(), "filestore.db".into(), agentmux_schema::FILESTORE_SCHEMA_VERSION as f64),
            ("sagas".into(), "sagas.db".into(), SAGA_LOG_SCHEMA_VERSION as f64),
        ]
    );
    assert_eq!(package_version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn bad_bytes_are_not_a_database() {
    let good = {
        let d = mem();
        d.migrate(s("filestore")).unwrap();
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
        let e = err_of(Database::from_bytes(b(bytes)));
        assert!(e.is_instance_of::<NotADatabaseError>(), "{what}");
        assert_eq!(name_of(&e), "NotADatabaseError", "{what}");
        assert!(text(&e, "reason").is_some(), "{what}");
    }
}

#[wasm_bindgen_test]
fn sqlite_errors_carry_code_and_sql() {
    let db = mem();
    let e = err_of(db.exec(s("CREATE TABLE t(x); INSERT INTO nope VALUES (1)")));
    assert!(e.is_instance_of::<SqliteError>());
    assert_eq!(num(&e, "code") as i32 & 0xff, 1); // SQLITE_ERROR
    assert!(text(&e, "sql").unwrap().contains("INSERT INTO nope"));
    assert!(text(&e, "sqliteMessage").unwrap().contains("no such table"));

    db.exec(s("CREATE TABLE u(x UNIQUE); INSERT INTO u VALUES (1)")).unwrap();
    let e = err_of(db.exec(s("INSERT INTO u VALUES (1)")));
    assert_eq!(num(&e, "code") as i32, 2067); // SQLITE_CONSTRAINT_UNIQUE (extended)

    // Refused before SQLite runs anything: a NUL would end the SQL early, and two parameters do
    // not fit one placeholder.
    let e = err_of(db.exec(s("SELECT 1\0; DROP TABLE u")));
    assert!(e.is_instance_of::<DriverError>() && e.is_instance_of::<SchemaError>());
    assert!(text(&e, "sql").unwrap().contains("DROP TABLE u"));
    let e = err_of(db.query(s("SELECT ?1"), p(Array::of2(&s("a"), &s("b")))));
    assert_eq!(name_of(&e), "DriverError");
    assert!(text(&e, "message").unwrap().contains("Wrong number of parameters"), "{e:?}");
    assert_eq!(db.query(s("SELECT count(*) AS n FROM u"), None).unwrap().length(), 1, "u is still there");

    let e = err_of(db.migrate(s("bogus")));
    assert!(e.is_instance_of::<UnknownStoreError>());
    assert_eq!(text(&e, "store").as_deref(), Some("bogus"));
}

#[wasm_bindgen_test]
fn unadoptable_table_is_named_and_nothing_is_written() {
    // A canonical table with none of its columns, which a canonical CREATE INDEX names: the
    // original module's start-up failed on it too (a table missing only columns nothing names is
    // given them instead).
    let db = Database::from_bytes(b(&image_of("CREATE TABLE db_agent_instances(zzz_not_canonical)"))).unwrap();
    let before = db.to_bytes().unwrap();
    let e = err_of(db.migrate(s("objects")));
    assert!(e.is_instance_of::<UnadoptableError>());
    assert_eq!(text(&e, "table").as_deref(), Some("db_agent_instances"));
    assert!(Array::from(&get(&e, "missingColumns")).length() > 0);
    assert_eq!(db.to_bytes().unwrap(), before, "rolled back: the image is byte-identical");
}

/// A canonical table missing only columns that no canonical `CREATE INDEX` or seed row names
/// (here every column of `filestore.db`'s table, whose only index comes with its PRIMARY KEY):
/// the original module started on it, so it is migrated, the columns added without the
/// constraints their rows cannot meet.
#[wasm_bindgen_test]
fn a_table_missing_columns_nothing_names_is_given_them() {
    let db = Database::from_bytes(b(&image_of("CREATE TABLE db_file_data(zzz_not_canonical)"))).unwrap();
    let report = db.migrate(s("filestore")).unwrap();
    assert!(Array::from(&get(&report, "columnsNullable")).length() > 0);
    assert!(Array::from(&get(&report, "columnsAdded")).length() > 0);
}

#[wasm_bindgen_test]
fn closed_database_throws_closed_error() {
    let db = mem();
    db.migrate(s("objects")).unwrap();
    assert!(!db.is_closed());
    db.close().unwrap();
    db.close().unwrap(); // idempotent
    assert!(db.is_closed());
    for e in [
        err_of(db.exec(s("SELECT 1"))),
        err_of(db.query(s("SELECT 1"), None)),
        err_of(db.migrate(s("objects"))),
        err_of(db.status(s("objects"))),
        err_of(db.user_version()),
        err_of(db.to_bytes()),
        err_of(migrate_all(&db, &mem(), &mem())),
    ] {
        assert!(e.is_instance_of::<ClosedError>(), "{e:?}");
        assert_eq!(name_of(&e), "ClosedError");
    }
}

/// What js/README.md's "SQL features not in this build" says, checked against the build: each
/// omitted feature fails as described there, and what it says survives still works.
#[wasm_bindgen_test]
fn sql_features_the_package_readme_lists_as_left_out_fail_as_it_says() {
    let db = mem();
    db.exec(s("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); INSERT INTO t VALUES (1, 'x')")).unwrap();
    // The one difference from the native build: the full-text and R-tree modules.
    for (sql, module) in [
        ("CREATE VIRTUAL TABLE v5 USING fts5(x)", "fts5"),
        ("CREATE VIRTUAL TABLE v4 USING fts4(x)", "fts4"),
        ("CREATE VIRTUAL TABLE v3 USING fts3(x)", "fts3"),
        ("CREATE VIRTUAL TABLE r USING rtree(id, x0, x1)", "rtree"),
    ] {
        let e = err_of(db.exec(s(sql)));
        assert!(e.is_instance_of::<SqliteError>(), "{sql}");
        assert_eq!(num(&e, "code") as i32, 1, "{sql}");
        let message = text(&e, "sqliteMessage").unwrap();
        assert!(message.starts_with(&format!("no such module: {module} (")), "{sql}: {message}");
        assert!(message.contains("the browser build of agentmux-schema leaves"), "{sql}: {message}");
    }
    let e = err_of(db.query(s("SELECT load_extension('x')"), None));
    assert_eq!(
        text(&e, "sqliteMessage").as_deref(),
        Some("no such function: load_extension (a browser cannot load SQLite extensions)")
    );
    // Everything else the native build has is here, e.g. what the previous build left out.
    for sql in [
        "SELECT date('now'), datetime('now'), strftime('%s', 'now'), julianday('now'), unixepoch()",
        "SELECT * FROM pragma_table_info('t')",
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 5) SELECT sum(n) OVER () FROM c",
        "SELECT json_extract('{\"a\":[1,2]}', '$.a[1]')",
        "SELECT count(*) FROM dbstat",
        "PRAGMA integrity_check",
        "SELECT * FROM pragma_compile_options",
    ] {
        db.query(s(sql), None).unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }
    for sql in ["CREATE VIEW w AS SELECT a FROM t", "VACUUM", "ANALYZE", "REINDEX"] {
        db.exec(s(sql)).unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }
    // No file system outside the OPFS pool: a named file attaches a database that lives in this
    // page's memory only (sqlite-wasm-rs's default VFS), and temp storage is memory.
    db.exec(s("ATTACH 'elsewhere.db' AS other; CREATE TABLE other.z(q); DETACH other")).unwrap();
    db.exec(s("PRAGMA temp_store = FILE; CREATE TEMP TABLE tt(x); INSERT INTO tt VALUES (1)")).unwrap();
}

#[wasm_bindgen_test]
fn an_image_beyond_the_wasm_memory_is_a_file_error_naming_the_limit() {
    // 2 GiB: one byte more than a wasm32 module can allocate in one block. (The JS array is
    // zero-filled lazily by the engine; nothing of it is copied.)
    let size = 1u32 << 31;
    let huge: JsValue = Uint8Array::new_with_length(size).into();
    let failures = [
        ("fromBytes", Database::from_bytes(huge.clone()).map(|_| ()).expect_err("fromBytes")),
        ("statusOfBytes", status_of_bytes(huge.clone(), s("objects")).map(|_| ()).expect_err("statusOfBytes")),
    ];
    for (what, e) in failures {
        assert_eq!(name_of(&e), "FileError", "{what}: {e:?}");
        assert_eq!(get(&e, "kind").as_string().as_deref(), Some("too-large"), "{what}");
        assert_eq!(get(&e, "size").as_f64(), Some(size as f64), "{what}");
        assert_eq!(get(&e, "limit").as_f64(), Some(i32::MAX as f64), "{what}");
        let message = get(&e, "message").as_string().unwrap();
        assert!(message.contains("2147483648 bytes (2.00 GiB)") && message.contains("WebAssembly memory"), "{message}");
        assert!(!message.contains("permission"), "{message}");
    }
    // The module still works afterwards (nothing was half-allocated).
    assert_eq!(Database::memory().unwrap().user_version().unwrap(), 0.0);
}
