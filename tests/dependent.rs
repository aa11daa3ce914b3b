//! This crate as a dependency: scratch crates outside this checkout (so this checkout's
//! `.cargo/config.toml` does not apply to them) with a path dependency on this one.
//!
//! Built for wasm32 and run under Node, a dependent must get the native build's engine: the same
//! SQLite version, a migration with the native report, a view, `json_extract`, foreign keys on.
//! sqlite-wasm-rs 0.6 takes SQLite's compile options only from an environment variable, which a
//! dependency cannot set, so README ("As a dependency") tells a dependent to copy one entry into
//! its own `.cargo/config.toml`, and build.rs warns a dependent that has not. Both are tested:
//! - without the entry, the build warns, and the dependent gets sqlite-wasm-rs's own build,
//!   asserted here so README's account of it stays true: FTS5 and R-tree (the package leaves them
//!   out) and the math functions, but no STAT4 (ANALYZE writes no sqlite_stat4) and no soundex();
//! - with it, the whole differential suite (tests/differential.rs) passes in the dependent.
//!
//! Needs `wasm-bindgen-test-runner` (scripts/setup.sh) and clang-19.
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;
use std::process::Command;

use agentmux_schema::{migrate, AsSqlConn as _, SqlConn, Store};

const TEST: &str = r#"
use agentmux_schema::{backend, migrate, SqlConn, Store, Value};
use wasm_bindgen_test::wasm_bindgen_test;

fn one(db: &backend::Db, sql: &str) -> Value {
    db.query(sql, &[]).unwrap().remove(0).remove(0)
}

#[wasm_bindgen_test]
fn a_dependent_gets_the_same_engine() {
    let db = backend::memory().unwrap();
    assert_eq!(one(&db, "SELECT sqlite_version()"), Value::Text(NATIVE_VERSION.into()));
    let report = migrate(&db, Store::Objects).unwrap();
    assert_eq!(format!("{report:?}"), NATIVE_REPORT);
    db.exec("CREATE VIEW named AS SELECT id, name FROM db_agents WHERE name <> '';
             INSERT INTO db_agents(id, name, provider, icon) VALUES ('a', 'Ada', '{\"kind\":\"cli\"}', 'x')").unwrap();
    assert_eq!(one(&db, "SELECT name FROM named"), Value::Text("Ada".into()));
    assert_eq!(one(&db, "SELECT json_extract(provider, '$.kind') FROM db_agents"), Value::Text("cli".into()));
    assert_eq!(one(&db, "PRAGMA foreign_keys"), Value::Integer(1));
    assert_eq!(one(&db, "PRAGMA page_size"), Value::Integer(4096));
    // sqlite-wasm-rs's own build: more than the package ...
    db.exec("CREATE VIRTUAL TABLE f USING fts5(x); CREATE VIRTUAL TABLE r USING rtree(id, a, b)").unwrap();
    assert_eq!(one(&db, "SELECT sin(0)"), Value::Real(0.0));
    // ... and without two native options (README: "As a dependency").
    assert_eq!(one(&db, "SELECT sqlite_compileoption_used('ENABLE_STAT4')"), Value::Integer(0));
    assert!(db.exec("SELECT soundex('x')").is_err());
}
"#;

/// Builds a scratch wasm32 crate outside this checkout that depends on this one, with the given
/// test files and, if given, a `.cargo/config.toml`, runs its tests under Node and returns the log.
fn run_wasm_dependent(name: &str, config: Option<&str>, tests: &[(&str, String)]) -> String {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = tempfile::Builder::new().prefix(&format!("agentmux-{name}")).tempdir().unwrap();
    assert!(!scratch.path().starts_with(here), "the scratch crate must be outside this checkout");
    let dir = scratch.path();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\n\
             agentmux-schema = {{ path = {:?} }}\n\n[dev-dependencies]\nwasm-bindgen-test = \"0.3\"\n",
            here.display().to_string()
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    for (file, text) in tests {
        std::fs::write(dir.join("tests").join(file), text).unwrap();
    }
    if let Some(config) = config {
        std::fs::create_dir_all(dir.join(".cargo")).unwrap();
        std::fs::write(dir.join(".cargo/config.toml"), config).unwrap();
    }
    // The same crate versions as this checkout's lockfile (the root package differs).
    std::fs::copy(here.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();

    let out = Command::new(env!("CARGO"))
        .current_dir(dir)
        .args(["test", "--target", "wasm32-unknown-unknown"])
        // Only the C compiler's name (SQLite's C needs a clang that targets wasm32); nothing that
        // changes SQL. Each dependent keeps its build cache beside this checkout's (its own, as
        // sqlite-wasm-rs rebuilds whenever its options change), so reruns are quick.
        .env("CC_wasm32_unknown_unknown", "clang-19")
        .env("AR_wasm32_unknown_unknown", "llvm-ar-19")
        .env("CARGO_TARGET_DIR", here.join("target").join(name))
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
        .env_remove("SQLITE_WASM_RS_FLAGS")
        .env_remove("SQLITE_WASM_RS_SOURCE_DIR")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the dependent's wasm32 tests failed:\n{log}");
    log
}

/// The `SQLITE_WASM_RS_FLAGS = """…"""` entry of this checkout's .cargo/config.toml, verbatim.
fn package_flags_entry() -> String {
    let config = include_str!("../.cargo/config.toml");
    let start = config.find("SQLITE_WASM_RS_FLAGS = \"\"\"").expect("the entry");
    let len = config[start + 25..].find("\"\"\"").expect("its end") + 25 + 3;
    config[start..start + len].to_string()
}

#[test]
fn a_crate_depending_on_this_one_gets_the_same_engine_on_wasm32() {
    let native = rusqlite::Connection::open_in_memory().unwrap();
    let version: String = native.query_row("SELECT sqlite_version()", [], |r| r.get(0)).unwrap();
    let report = migrate(&native, Store::Objects).unwrap();
    assert!(native.as_sql_conn().query("PRAGMA foreign_keys", &[]).unwrap()[0][0].as_i64() == Some(1));
    let test = format!(
        "const NATIVE_VERSION: &str = {version:?};\nconst NATIVE_REPORT: &str = {:?};\n{TEST}",
        format!("{report:?}")
    );
    let log = run_wasm_dependent("dependent", None, &[("engine.rs", test)]);
    assert!(log.contains("1 passed"), "the dependent's test did not run:\n{log}");
    // build.rs says where the difference comes from, and what to do about it.
    assert!(
        log.contains("warning: agentmux-schema@") && log.contains("SQLITE_WASM_RS_FLAGS lacks"),
        "the dependent's build did not warn that its SQL differs:\n{log}"
    );
    assert!(log.contains("copy the SQLITE_WASM_RS_FLAGS entry"), "{log}");
}

/// A dependent that copies the package's `SQLITE_WASM_RS_FLAGS` entry into its own
/// .cargo/config.toml (README, "As a dependency") gets exactly the package's engine: the whole
/// differential suite (corpus, files, compile options) passes in it, and its build does not warn.
#[test]
fn a_dependent_with_the_package_options_passes_the_differential_suite() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = format!("[env]\n{}\n", package_flags_entry());
    let suite =
        format!("#[path = {:?}]\nmod differential;\n", here.join("tests/differential.rs").display().to_string());
    let log = run_wasm_dependent("dependent-configured", Some(&config), &[("differential.rs", suite)]);
    assert!(log.contains("test result: ok. 3 passed"), "the differential suite did not run in the dependent:\n{log}");
    assert!(!log.contains("SQLITE_WASM_RS_FLAGS lacks"), "the configured dependent was warned:\n{log}");
}

/// The server's line: `default-features = false` links the library without the CLI's
/// dependencies, and the schema works through it.
#[test]
fn a_server_style_dependent_builds_without_the_cli() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = tempfile::Builder::new().prefix("agentmux-server").tempdir().unwrap();
    let dir = scratch.path();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"server\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\n\
             agentmux-schema = {{ path = {:?}, default-features = false }}\n\
             rusqlite = {{ version = \"0.43\", features = [\"bundled\"] }}\n",
            here.display().to_string()
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        "fn main() {\n    let conn = rusqlite::Connection::open_in_memory().unwrap();\n    \
         let reports = agentmux_schema::migrate_all(&[(&conn, agentmux_schema::Store::Objects)]).unwrap();\n    \
         println!(\"{:?} v{}\", reports[0].outcome, reports[0].to_version);\n}\n",
    )
    .unwrap();
    std::fs::copy(here.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let cargo = |args: &[&str]| {
        let out = Command::new(env!("CARGO"))
            .current_dir(dir)
            .args(args)
            .env("CARGO_TARGET_DIR", here.join("target/dependent"))
            .output()
            .expect("cargo runs");
        let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "cargo {args:?} failed in the server-style dependent:\n{log}");
        log
    };
    let tree = cargo(&["tree", "-e", "normal", "--prefix", "none"]);
    for cli_only in ["clap ", "clap_complete ", "serde_json "] {
        assert!(!tree.lines().any(|l| l.starts_with(cli_only)), "{cli_only}is linked into the server:\n{tree}");
    }
    assert!(tree.lines().any(|l| l.starts_with("agentmux-schema ")), "the tree lists no agentmux-schema:\n{tree}");
    let run = cargo(&["run", "--quiet"]);
    assert!(run.contains(&format!("Created v{}", Store::Objects.version())), "{run}");
}

/// The names a WebAssembly module exports (its export section), read from the binary.
fn wasm_exports(wasm: &[u8]) -> Vec<String> {
    fn leb(b: &[u8], i: &mut usize) -> usize {
        let (mut n, mut shift) = (0, 0);
        loop {
            let byte = b[*i];
            *i += 1;
            n |= ((byte & 0x7f) as usize) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                return n;
            }
        }
    }
    assert_eq!(&wasm[..4], b"\0asm", "not a wasm module");
    let mut i = 8;
    while i < wasm.len() {
        let id = wasm[i];
        i += 1;
        let size = leb(wasm, &mut i);
        let end = i + size;
        if id == 7 {
            let mut names = Vec::new();
            for _ in 0..leb(wasm, &mut i) {
                let len = leb(wasm, &mut i);
                names.push(String::from_utf8_lossy(&wasm[i..i + len]).into_owned());
                i += len + 1; // the name, then the export's kind byte
                leb(wasm, &mut i); // its index
            }
            return names;
        }
        i = end;
    }
    Vec::new()
}

/// The JS API's exports: the functions the npm package's module exports (`pkg/`'s declarations
/// of its `.wasm`), less wasm-bindgen's own runtime (`__wbindgen_*`, `__externref_*`: any crate
/// that uses wasm-bindgen links them, sqlite-wasm-rs among them) and the memory.
fn js_api_exports() -> Vec<String> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let decls = std::fs::read_to_string(here.join("pkg/agentmux_schema_bg.wasm.d.ts")).unwrap();
    let names: Vec<String> = decls
        .lines()
        .filter_map(|l| l.strip_prefix("export const ")?.split(':').next())
        .filter(|n| *n != "memory" && !n.starts_with("__wbindgen_") && !n.starts_with("__externref_"))
        // A closure's invoke shim is named by a hash: not an entry point.
        .filter(|n| !n.starts_with("wasm_bindgen__convert__closures"))
        .map(str::to_string)
        .collect();
    assert!(names.iter().any(|n| n == "database_migrate") && names.len() > 20, "{names:?}");
    names
}

/// An export's name as the package's module has it: the module cargo builds names each
/// wasm-bindgen export with a `_<16 hex digits>` suffix (per crate), which `wasm-bindgen` removes.
fn unsuffixed(name: &str) -> &str {
    match name.rsplit_once('_') {
        Some((stem, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => stem,
        _ => name,
    }
}

/// Builds a scratch wasm32 cdylib that depends on this crate without its default features (and
/// with `features`), and returns its module's exports (without wasm-bindgen's suffixes).
fn wasm_dependent_exports(features: &[&str]) -> Vec<String> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = tempfile::Builder::new().prefix("agentmux-exports").tempdir().unwrap();
    let dir = scratch.path();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"exports\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[lib]\ncrate-type = [\"cdylib\"]\n\n\
             [dependencies]\nagentmux-schema = {{ path = {:?}, default-features = false, features = {features:?} }}\n",
            here.display().to_string()
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    // A dependent that uses the library (so it is linked), as a Rust app in the browser would.
    std::fs::write(
        dir.join("src/lib.rs"),
        "#[no_mangle]\npub extern \"C\" fn objects_version() -> i64 {\n    \
         let db = agentmux_schema::backend::memory().unwrap();\n    \
         agentmux_schema::migrate(&db, agentmux_schema::Store::Objects).unwrap().to_version\n}\n",
    )
    .unwrap();
    std::fs::copy(here.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let out = Command::new(env!("CARGO"))
        .current_dir(dir)
        .args(["build", "--target", "wasm32-unknown-unknown"])
        // The build cache of the wasm32 dependent above (same settings, so SQLite's C is reused).
        .env("CC_wasm32_unknown_unknown", "clang-19")
        .env("AR_wasm32_unknown_unknown", "llvm-ar-19")
        .env("CARGO_TARGET_DIR", here.join("target").join("dependent"))
        .env_remove("SQLITE_WASM_RS_FLAGS")
        .env_remove("SQLITE_WASM_RS_SOURCE_DIR")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the wasm32 cdylib dependent did not build:\n{log}");
    let wasm = here.join("target/dependent/wasm32-unknown-unknown/debug/exports.wasm");
    wasm_exports(&std::fs::read(wasm).unwrap()).iter().map(|e| unsuffixed(e).to_string()).collect()
}

/// A Rust crate on wasm32 gets the schema without the JS API: no wasm-bindgen export of it is
/// linked into its module unless it turns on the `js` feature, and then all of them are.
#[test]
fn a_wasm32_dependent_gets_the_js_exports_only_with_the_js_feature() {
    let api = js_api_exports();
    let without = wasm_dependent_exports(&[]);
    assert!(without.iter().any(|e| e == "objects_version"), "the dependent's own export is missing: {without:?}");
    let leaked: Vec<_> = without.iter().filter(|e| api.contains(e)).collect();
    assert!(leaked.is_empty(), "without the js feature the dependent exports the JS API's {leaked:?}");
    let with = wasm_dependent_exports(&["js"]);
    let absent: Vec<_> = api.iter().filter(|e| !with.contains(e)).collect();
    assert!(absent.is_empty(), "with the js feature the dependent lacks the JS API's {absent:?}");
}
