//! The differential proof that the browser build runs the native build's SQL: a corpus of
//! statements (tests/differential/corpus.sql) and a set of files (tests/differential/files.txt)
//! give exactly the native results (values with their types, error codes and messages, status,
//! migration reports, integrity checks) on every runtime: `cargo test` natively, `wasm-pack test`
//! under Node and in headless Chrome and Firefox.
//!
//! The expected results are written by the native build (`BLESS=1 cargo test --test
//! differential`) into tests/differential/expected.txt, files/*.db and compile_options.txt,
//! and every native run checks that it still produces them, so they cannot drift from native.
//! The one allowed difference is spelled out here: tables of the FTS3/FTS4, FTS5 and R-tree
//! modules, which the browser build leaves out, fail there with SQLite's `no such module`
//! plus a sentence saying so.

use agentmux_schema::backend::{self, Db, NamedRows};
use agentmux_schema::{migrate, status, SqlConn, Store, StoreError};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const CORPUS: &str = include_str!("differential/corpus.sql");
const FILES: &str = include_str!("differential/files.txt");
const EXPECTED: &str = include_str!("differential/expected.txt");
const EXPECTED_FILES: &str = include_str!("differential/expected_files.txt");
const COMPILE_OPTIONS: &str = include_str!("differential/compile_options.txt");

/// One value with its storage class, exactly (a REAL by its bits too).
fn value(v: &agentmux_schema::Value) -> String {
    use agentmux_schema::Value::*;
    match v {
        Null => "null".into(),
        Integer(i) => format!("int {i}"),
        Real(f) => format!("real {f:?} ({:#018x})", f.to_bits()),
        Text(t) => format!("text {t:?}"),
        Blob(b) => format!("blob x'{}'", b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
    }
}

fn error(e: &StoreError) -> String {
    match e {
        StoreError::Sqlite { code, message, .. } => format!("error {code}: {message}"),
        StoreError::Driver { message, .. } => format!("driver error: {message}"),
        other => format!("error: {other}"),
    }
}

fn result(r: Result<NamedRows, StoreError>) -> String {
    match r {
        Ok(named) => {
            let mut out = format!("columns: {}\n", named.columns.join(" | "));
            for row in named.rows {
                out += &format!("  ({})\n", row.iter().map(value).collect::<Vec<_>>().join(", "));
            }
            out
        }
        Err(e) => error(&e) + "\n",
    }
}

/// The corpus's statements in order; `None` = start a fresh database.
fn corpus() -> Vec<Option<&'static str>> {
    CORPUS
        .lines()
        .filter_map(|l| match l.trim() {
            "-- reset" => Some(None),
            "" => None,
            l if l.starts_with("--") => None,
            l => Some(Some(l)),
        })
        .collect()
}

/// Every corpus statement and its result, as the expected file has them.
fn run_corpus() -> Vec<(String, String)> {
    let mut db = backend::memory().unwrap();
    let mut out = Vec::new();
    for item in corpus() {
        match item {
            None => db = backend::memory().unwrap(),
            Some(sql) => out.push((sql.to_string(), result(db.query_named(sql, &[])))),
        }
    }
    out
}

fn render(results: &[(String, String)]) -> String {
    results.iter().map(|(sql, r)| format!("> {sql}\n{r}")).collect()
}

/// `text` split back into (statement, result) pairs.
fn parse(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        match line.strip_prefix("> ") {
            Some(sql) => out.push((sql.to_string(), String::new())),
            None => {
                let last = out.last_mut().expect("the expected file starts with a statement");
                last.1 += line;
                last.1.push('\n');
            }
        }
    }
    out
}

fn compare(what: &str, got: &[(String, String)], expected_text: &str) {
    let expected = parse(expected_text);
    for ((sql, r), (esql, er)) in got.iter().zip(&expected) {
        assert_eq!(sql, esql, "{what}: the statements differ from the expected file's (re-bless natively)");
        assert_eq!(r, er, "{what}: `{sql}` gives a different result than the native build");
    }
    assert_eq!(got.len(), expected.len(), "{what}: a different number of statements than the expected file");
}

#[cfg(not(target_arch = "wasm32"))]
fn bless(path: &str, text: &str) -> bool {
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path), text).unwrap();
        return true;
    }
    false
}

#[test]
fn the_sql_corpus_gives_the_native_results() {
    let got = run_corpus();
    assert!(got.len() >= 300, "the corpus has {} statements", got.len());
    #[cfg(not(target_arch = "wasm32"))]
    if bless("tests/differential/expected.txt", &render(&got)) {
        return;
    }
    compare("corpus", &got, EXPECTED);
}

// ---- compile options ----------------------------------------------------------------------

/// How the browser build's `PRAGMA compile_options` differs from the native build's, each with
/// its reason (.cargo/config.toml and sqlite-wasm-rs's build.rs): none of them changes the result
/// of any SQL outside the left-out modules.
#[cfg(target_arch = "wasm32")]
const NATIVE_ONLY_OPTIONS: &[(&str, &str)] = &[
    ("ENABLE_FTS3", "the FTS3/FTS4 module is left out"),
    ("ENABLE_FTS3_PARENTHESIS", "the FTS3/FTS4 module is left out"),
    ("ENABLE_FTS5", "the FTS5 module is left out"),
    ("ENABLE_RTREE", "the R-tree module is left out"),
    ("ENABLE_LOAD_EXTENSION", "a browser cannot load native extensions"),
    ("ENABLE_COLUMN_METADATA", "C API only (sqlite3_column_table_name), unused"),
    ("THREADSAFE=1", "one thread in wasm32: THREADSAFE=0"),
    ("MUTEX_PTHREADS", "one thread in wasm32: no mutexes"),
    ("MAX_WORKER_THREADS=8", "one thread in wasm32: no sorter threads"),
    ("MAX_MMAP_SIZE=0x7fff0000", "a browser has no memory-mapped files"),
    ("TEMP_STORE=1", "temp tables live in memory in the browser (TEMP_STORE=2)"),
    ("HAVE_ISNAN", "libc detail of the native build"),
];
#[cfg(target_arch = "wasm32")]
const BROWSER_ONLY_OPTIONS: &[(&str, &str)] = &[
    ("THREADSAFE=0", "one thread in wasm32"),
    ("MUTEX_OMIT", "one thread in wasm32"),
    ("MAX_WORKER_THREADS=0", "one thread in wasm32"),
    ("MAX_MMAP_SIZE=0", "a browser has no memory-mapped files"),
    ("TEMP_STORE=2", "temp tables live in memory (no files outside the OPFS pool)"),
    ("OMIT_DEPRECATED", "deprecated C APIs and pragmas"),
    ("OMIT_LOAD_EXTENSION", "a browser cannot load native extensions"),
    ("OMIT_SHARED_CACHE", "no shared cache between connections (C API)"),
    ("DEFAULT_MEMSTATUS=0", "no memory-usage accounting (C API only)"),
    ("UNTESTABLE", "no sqlite3_test_control() hooks"),
];

/// `PRAGMA compile_options` without the compiler's name (gcc natively, clang for wasm32).
fn compile_options(db: &Db) -> Vec<String> {
    db.query_strings("PRAGMA compile_options", &[])
        .unwrap()
        .into_iter()
        .filter(|o| !o.starts_with("COMPILER="))
        .collect()
}

#[test]
fn compile_options_differ_from_native_only_as_listed() {
    let db = backend::memory().unwrap();
    let got = compile_options(&db);
    #[cfg(not(target_arch = "wasm32"))]
    {
        if bless("tests/differential/compile_options.txt", &(got.join("\n") + "\n")) {
            return;
        }
        assert_eq!(got, COMPILE_OPTIONS.lines().collect::<Vec<_>>());
    }
    #[cfg(target_arch = "wasm32")]
    {
        let native: Vec<&str> = COMPILE_OPTIONS.lines().collect();
        let mut want: Vec<String> = native
            .iter()
            .filter(|o| !NATIVE_ONLY_OPTIONS.iter().any(|(n, _)| n == *o))
            .map(|o| o.to_string())
            .chain(BROWSER_ONLY_OPTIONS.iter().map(|(o, _)| o.to_string()))
            .collect();
        want.sort();
        let mut got = got;
        got.sort();
        assert_eq!(got, want, "compile options beyond the listed differences");
        for (o, _) in NATIVE_ONLY_OPTIONS {
            assert!(native.contains(o), "{o} is not a native option");
        }
    }
}

// ---- files --------------------------------------------------------------------------------

struct FileCase {
    name: &'static str,
    store: Store,
    wal: bool,
    build: Vec<&'static str>,
    queries: Vec<(&'static str, bool)>,
}

fn file_cases() -> Vec<FileCase> {
    let mut cases: Vec<FileCase> = Vec::new();
    for line in FILES.lines() {
        if line.starts_with('#') && line != "#wal" || line.trim().is_empty() {
            continue;
        }
        if let Some(head) = line.strip_prefix("== ") {
            let (name, store) = head.split_once(' ').unwrap();
            cases.push(FileCase { name, store: store.parse().unwrap(), wal: false, build: vec![], queries: vec![] });
            continue;
        }
        let case = cases.last_mut().unwrap();
        if line == "#wal" {
            case.wal = true;
        } else if let Some(q) = line.strip_prefix("?! ") {
            case.queries.push((q, true));
        } else if let Some(q) = line.strip_prefix("? ") {
            case.queries.push((q, false));
        } else {
            case.build.push(line);
        }
    }
    cases
}

/// The sentence every query on a left-out module's table must end in, in the browser.
#[cfg(target_arch = "wasm32")]
const LEFT_OUT: &str = "(the browser build of agentmux-schema leaves the FTS3/FTS4, FTS5 and R-tree modules out; \
                        the native build has them)";

/// Status, migration, the file's queries and the integrity check, on a copy of the image.
fn run_file(case: &FileCase, image: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut db = backend::from_bytes(image).unwrap();
    out.push(("sqlite_version()".into(), result(db.query_named("SELECT sqlite_version()", &[]))));
    out.push(("status".into(), format!("{:#?}\n", status(&db, case.store))));
    out.push((
        "migrate".into(),
        match migrate(&db, case.store) {
            Ok(r) => format!("{r:#?}\n"),
            Err(e) => error(&e) + "\n",
        },
    ));
    out.push(("status after".into(), format!("{:#?}\n", status(&db, case.store))));
    for (sql, on_left_out_module) in &case.queries {
        let r = result(db.query_named(sql, &[]));
        #[cfg(target_arch = "wasm32")]
        if *on_left_out_module {
            assert!(r.starts_with("error 1: no such module: ") && r.trim_end().ends_with(LEFT_OUT), "{sql}: {r}");
            // Compared with the native result below only as "native has rows here".
            out.push((sql.to_string(), "(left-out module)\n".into()));
            continue;
        }
        let _ = on_left_out_module;
        out.push((sql.to_string(), r));
    }
    out.push(("PRAGMA integrity_check".into(), result(db.query_named("PRAGMA integrity_check", &[]))));
    let bytes = backend::to_bytes(&mut db).unwrap();
    out.push((
        "image after".into(),
        format!("wal marker {}, {} bytes\n", agentmux_schema::header::is_wal_image(&bytes), bytes.len()),
    ));
    out
}

#[cfg(not(target_arch = "wasm32"))]
fn file_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/differential/files/{name}.db"))
}

/// Natively with BLESS set: make each file with the native build, from its SQL.
#[cfg(not(target_arch = "wasm32"))]
fn make_file(case: &FileCase) {
    let path = file_path(case.name);
    let _ = std::fs::remove_file(&path);
    let conn = rusqlite::Connection::open(&path).unwrap();
    if case.wal {
        conn.execute_batch("PRAGMA journal_mode = WAL").unwrap();
    }
    let mut sql = String::new();
    for line in &case.build {
        match *line {
            "LEGACY_V11" => sql += include_str!("fixtures/legacy_v11.sql"),
            "FRESH_V4" => {
                conn.execute_batch(&sql).unwrap();
                sql.clear();
                migrate(&conn, Store::Objects).unwrap();
            }
            l => sql += l,
        }
        sql.push('\n');
    }
    conn.execute_batch(&sql).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    drop(conn);
}

/// The images, as committed (files/*.db): the wasm build reads them with include_bytes!.
fn image(name: &str) -> &'static [u8] {
    macro_rules! files {
        ($($n:literal),*) => {
            match name {
                $($n => include_bytes!(concat!("differential/files/", $n, ".db")),)*
                other => panic!("no image for {other}: add it to the list in tests/differential.rs"),
            }
        };
    }
    files!(
        "view",
        "view-legacy",
        "generated",
        "fts5",
        "fts4",
        "rtree",
        "json-checks",
        "datetime-defaults",
        "wal",
        "utf16"
    )
}

#[test]
fn every_file_gives_the_native_status_migration_queries_and_integrity_check() {
    let cases = file_cases();
    assert!(cases.len() >= 10);
    #[cfg(not(target_arch = "wasm32"))]
    let blessing = std::env::var_os("BLESS").is_some();
    #[cfg(not(target_arch = "wasm32"))]
    if blessing {
        std::fs::create_dir_all(file_path("x").parent().unwrap()).unwrap();
        for case in &cases {
            make_file(case);
        }
    }
    let mut all = Vec::new();
    for case in &cases {
        #[cfg(not(target_arch = "wasm32"))]
        if blessing {
            let bytes = std::fs::read(file_path(case.name)).unwrap();
            all.push((format!("== {}", case.name), String::new()));
            all.extend(run_file(case, &bytes));
            continue;
        }
        all.push((format!("== {}", case.name), String::new()));
        all.extend(run_file(case, image(case.name)));
    }
    #[cfg(not(target_arch = "wasm32"))]
    if bless("tests/differential/expected_files.txt", &render(&all)) {
        return;
    }
    // In the browser, a query on a left-out module's table was checked above; natively it has
    // rows, so only that the native expectation is not an error is compared.
    #[cfg(target_arch = "wasm32")]
    let expected = {
        let mut expected = parse(EXPECTED_FILES);
        for case in &cases {
            for (sql, left_out) in &case.queries {
                if *left_out {
                    let e = expected.iter_mut().find(|(s, _)| s == sql).unwrap();
                    assert!(!e.1.starts_with("error"), "natively `{sql}` must have rows: {}", e.1);
                    e.1 = "(left-out module)\n".into();
                }
            }
        }
        render(&expected)
    };
    #[cfg(not(target_arch = "wasm32"))]
    let expected = EXPECTED_FILES.to_string();
    compare("files", &all, &expected);
}
