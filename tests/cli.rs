//! The `agentmux-schema` binary, run as a real process: output, JSON and exit codes as the
//! README documents them, and every read-only claim checked by SHA-256 of the whole directory.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use agentmux_schema::datadir::{path_of, status_file};
use agentmux_schema::{State, Store, FILESTORE_SCHEMA_VERSION, OBJECT_SCHEMA_VERSION, SAGA_LOG_SCHEMA_VERSION};
use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_agentmux-schema");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run the CLI")
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o).0))
}

fn write_db(path: &Path, sql: &str) {
    rusqlite::Connection::open(path).unwrap().execute_batch(sql).unwrap();
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every entry of `dir` with the SHA-256 of its bytes (directories as empty strings).
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let hash = if p.is_dir() { String::new() } else { format!("{:x}", Sha256::digest(fs::read(&p).unwrap())) };
            (name, hash)
        })
        .collect()
}

/// The entries of `dir`, sorted (names only: safe while another process adds and removes files).
fn names(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

const DBS: [&str; 3] = ["filestore.db", "objects.db", "sagas.db"];

fn quick_check(path: &Path) -> String {
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row("PRAGMA quick_check", [], |r| r.get(0)).unwrap()
}

// ---- migrate ------------------------------------------------------------------------------

#[test]
fn migrate_creates_and_reports_then_status_says_current() {
    let dir = tempfile::tempdir().unwrap();
    write_db(&dir.path().join("objects.db"), common::LEGACY_V11);
    let d = s(dir.path());

    let o = run(&["migrate", d]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains(&format!("objects.db: migrated v0 → v{OBJECT_SCHEMA_VERSION}")), "{out}");
    assert!(out.contains("db_forge_agents → db_agent_definitions"), "{out}");
    assert!(out.contains("columns added: db_agent_definitions.updated_at, db_agent_definitions.user_hidden"), "{out}");
    assert!(out.contains("dead tables dropped: db_workflow_definitions (1 row), db_workflow_runs (0 rows)"), "{out}");
    assert!(out.contains(&format!("filestore.db: created at v{FILESTORE_SCHEMA_VERSION}")), "{out}");
    assert!(
        err.contains("warning: objects.db: dropped dead legacy table db_workflow_definitions holding 1 row"),
        "{err}"
    );

    let again = run(&["migrate", d]);
    let (out, _) = text(&again);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        out.contains(&format!("objects.db: already current (v{OBJECT_SCHEMA_VERSION})"))
            && out.contains(&format!("sagas.db: already current (v{SAGA_LOG_SCHEMA_VERSION})")),
        "{out}"
    );

    let o = run(&["status", d, "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    let states: Vec<_> = v.as_array().unwrap().iter().map(|s| s["state"].as_str().unwrap().to_string()).collect();
    assert_eq!(states, ["current", "current", "current"]);
    assert_eq!(v[0]["userVersion"], OBJECT_SCHEMA_VERSION);
    assert_eq!(v[0]["expectedVersion"], OBJECT_SCHEMA_VERSION);
    let agents = v[0]["tables"].as_array().unwrap().iter().find(|t| t["name"] == "db_agent_definitions").unwrap();
    assert_eq!(agents["rowCount"], 2);
    assert_eq!(v[0]["drift"]["missingTables"].as_array().unwrap().len(), 0);
    assert!(v[0].get("integrity").is_none(), "integrity is reported only when asked for");
}

#[test]
fn dry_run_prints_the_plan_writes_nothing_and_matches_the_real_run() {
    let dir = tempfile::tempdir().unwrap();
    write_db(&dir.path().join("objects.db"), common::LEGACY_V11);
    fs::write(dir.path().join("sagas.db"), b"").unwrap(); // 0 bytes: an empty database
    let d = s(dir.path());
    let before = snapshot(dir.path());

    let o = run(&["migrate", d, "--dry-run"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    for want in [
        format!("objects.db: would migrate v0 → v{OBJECT_SCHEMA_VERSION}").as_str(),
        "db_memories → db_memory_bundles",
        "dead tables dropped: db_workflow_definitions (1 row), db_workflow_runs (0 rows), \
         db_v10_migrated_legacy_defs (0 rows), db_v10_migrated_legacy_runs (0 rows)",
        "tables created: db_agents",
        "columns added: db_agent_definitions.updated_at",
        "rows seeded: 1",
        format!("filestore.db: would be created at v{FILESTORE_SCHEMA_VERSION}").as_str(),
        format!("sagas.db: would be created at v{SAGA_LOG_SCHEMA_VERSION}").as_str(),
        "dry run: nothing was written",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    assert!(err.contains("would drop dead legacy table db_workflow_definitions holding 1 row"), "{err}");
    assert_eq!(snapshot(dir.path()), before, "--dry-run wrote something");

    let planned = run(&["migrate", d, "--dry-run", "--json"]);
    assert_eq!(planned.status.code(), Some(0));
    assert_eq!(snapshot(dir.path()), before, "--dry-run --json wrote something");
    let real = run(&["migrate", d, "--json"]);
    assert_eq!(real.status.code(), Some(0));
    assert_ne!(snapshot(dir.path()), before);
    let (planned, real) = (json(&planned), json(&real));
    assert_eq!(planned, real, "the plan is exactly what the migration then did");
    // The MigrationReport shape of the npm package, plus rowsDropped.
    assert_eq!(real[0]["rowsDropped"]["db_workflow_definitions"], 1);
    assert_eq!(real[0]["tablesDropped"].as_array().unwrap().len(), 4);
    assert_eq!(real[0]["rowsSeeded"], 1);
    assert_eq!(real[2]["outcome"], "created");
    assert_eq!(real[2]["fromVersion"], 0);
    for key in ["store", "db", "fromVersion", "toVersion", "outcome", "tablesRenamed", "legacyTablesKept"] {
        assert!(real[0].get(key).is_some(), "{key} missing from {}", real[0]);
    }
    assert_eq!(run(&["check", d]).status.code(), Some(0));
}

#[test]
fn a_missing_directory_needs_create_and_dry_run_never_creates_it() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("typo");

    let o = run(&["migrate", s(&dir)]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("no such directory") && err.contains("--create") && err.contains(s(&dir)), "{err}");
    assert!(!dir.exists(), "created without --create");

    let o = run(&["migrate", s(&dir), "--dry-run", "--create"]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    assert!(out.contains("does not exist; would be created") && out.contains("objects.db: would be created"), "{out}");
    assert!(!dir.exists(), "--dry-run created the directory");

    let o = run(&["migrate", s(&dir), "--create"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert_eq!(names(&dir), DBS);
}

#[test]
fn zero_byte_files_are_empty_databases_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    for db in DBS {
        fs::write(dir.path().join(db), b"").unwrap();
    }
    let d = s(dir.path());
    let before = snapshot(dir.path());

    let o = run(&["status", d, "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    for st in v.as_array().unwrap() {
        assert_eq!((st["state"].as_str(), st["userVersion"].as_i64()), (Some("empty"), Some(0)), "{st}");
    }
    assert_eq!(run(&["check", d]).status.code(), Some(4), "an empty database needs migrate");
    assert_eq!(snapshot(dir.path()), before);

    let o = run(&["migrate", d]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(
        out.contains(&format!("objects.db: created at v{OBJECT_SCHEMA_VERSION}"))
            && out.contains(&format!("sagas.db: created at v{SAGA_LOG_SCHEMA_VERSION}")),
        "{out}"
    );
    assert_eq!(names(dir.path()), DBS);
    assert_eq!(run(&["check", d]).status.code(), Some(0));
}

#[test]
fn too_new_exits_3_with_guidance_and_status_shows_no_drift() {
    let dir = tempfile::tempdir().unwrap();
    write_db(&dir.path().join("sagas.db"), "PRAGMA user_version = 7;");
    write_db(&dir.path().join("objects.db"), "CREATE TABLE from_the_future (x); PRAGMA user_version = 9;");
    fs::remove_file(dir.path().join("sagas.db")).unwrap();
    write_db(&dir.path().join("sagas.db"), "PRAGMA user_version = 7;");
    let before = snapshot(dir.path());
    let o = run(&["migrate", s(dir.path())]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("objects.db is newer than this build: user_version 9"), "{err}");
    for want in ["nothing was written", "preserved", "version is 9 or later", "another data directory"] {
        assert!(err.contains(want), "missing {want:?}: {err}");
    }
    assert_eq!(run(&["migrate", s(dir.path()), "--dry-run"]).status.code(), Some(3));
    assert_eq!(snapshot(dir.path()), before, "nothing may be written");

    let o = run(&["status", s(dir.path())]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    let too_new = |store: Store, found: i64| {
        format!("{store}.db: too-new (user_version {found}, this build {})", store.version())
    };
    assert!(out.contains(&too_new(Store::Objects, 9)), "{out}");
    assert!(out.contains(&too_new(Store::Sagas, 7)), "{out}");
    assert!(out.contains("filestore.db: missing"), "{out}");
    assert!(!out.contains("missing tables"), "a newer schema measured against ours is noise:\n{out}");
    let v = json(&run(&["status", s(dir.path()), "--json"]));
    assert!(v[0]["drift"].is_null(), "{}", v[0]);
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn other_errors_exit_1_and_usage_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("objects.db"), b"not a database").unwrap();
    let o = run(&["migrate", s(dir.path())]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("objects.db is not a usable SQLite database"), "{err}");
    assert_eq!(fs::read(dir.path().join("objects.db")).unwrap(), b"not a database");

    assert_eq!(run(&["migrate"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate", "x"]).status.code(), Some(2));
    assert_eq!(run(&["check"]).status.code(), Some(2));
    assert_eq!(run(&["completions", "tcsh-ish"]).status.code(), Some(2));
}

// ---- status and check ----------------------------------------------------------------------

#[test]
fn status_of_a_missing_path_or_a_file_exits_1() {
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("nope");
    let file = root.path().join("objects.db");
    fs::write(&file, b"").unwrap();
    for (path, why) in [(&missing, "no such directory"), (&file, "not a directory")] {
        for cmd in ["status", "migrate", "check"] {
            let o = run(&[cmd, s(path)]);
            let (out, err) = text(&o);
            assert_eq!(o.status.code(), Some(1), "{cmd} {why}: {out}{err}");
            assert!(err.contains(s(path)) && err.contains(why), "{cmd}: {err}");
        }
        let v = json(&run(&["check", s(path), "--json"]));
        assert_eq!((v["result"].as_str(), v["exitCode"].as_i64()), (Some("error"), Some(1)), "{v}");
        assert!(v["error"].as_str().unwrap().contains(why), "{v}");
    }
    assert!(!missing.exists());
    assert_eq!(fs::read(&file).unwrap(), b"");
}

/// One directory per verdict, built with this build's own CLI where it needs current files.
fn dir_with(setup: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    dir
}

fn migrated(p: &Path) {
    assert_eq!(run(&["migrate", s(p)]).status.code(), Some(0));
}

#[test]
fn check_exit_codes_are_distinct_and_the_most_serious_wins() {
    type Setup = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Setup, i32, &str)> = vec![
        ("all current", Box::new(migrated), 0, "ok"),
        ("fresh directory", Box::new(|_| {}), 4, "needs-migrate"),
        ("legacy objects.db", Box::new(|p| write_db(&p.join("objects.db"), common::LEGACY_V11)), 4, "needs-migrate"),
        (
            "behind (flat v1)",
            Box::new(|p| {
                migrated(p);
                fs::remove_file(p.join("objects.db")).unwrap();
                write_db(&p.join("objects.db"), common::FLAT_V1);
            }),
            4,
            "needs-migrate",
        ),
        (
            "drift",
            Box::new(|p| {
                migrated(p);
                write_db(&p.join("filestore.db"), "CREATE TABLE hand_made (x);");
            }),
            5,
            "drift",
        ),
        (
            "too new",
            Box::new(|p| {
                migrated(p);
                write_db(&p.join("sagas.db"), "PRAGMA user_version = 2;");
            }),
            3,
            "too-new",
        ),
        (
            "too new beats drift and needs-migrate",
            Box::new(|p| {
                write_db(&p.join("filestore.db"), "PRAGMA user_version = 1; CREATE TABLE hand_made (x);");
                write_db(&p.join("sagas.db"), "PRAGMA user_version = 2;");
            }),
            3,
            "too-new",
        ),
        (
            "unreadable beats too new",
            Box::new(|p| {
                write_db(&p.join("sagas.db"), "PRAGMA user_version = 2;");
                fs::write(p.join("objects.db"), b"garbage, not SQLite").unwrap();
            }),
            1,
            "error",
        ),
        ("a directory named objects.db", Box::new(|p| fs::create_dir(p.join("objects.db")).unwrap()), 1, "error"),
    ];
    for (what, setup, code, result) in cases {
        let dir = dir_with(setup);
        let before = snapshot(dir.path());
        let o = run(&["check", s(dir.path())]);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(code), "{what}: {out}{err}");
        assert!(out.contains(&format!("check: {result} (exit {code})")), "{what}: {out}");
        let v = json(&run(&["check", s(dir.path()), "--json"]));
        assert_eq!((v["result"].as_str(), v["exitCode"].as_i64()), (Some(result), Some(code as i64)), "{what}: {v}");
        assert_eq!(v["stores"].as_array().unwrap().len(), 3, "{what}");
        assert_eq!(snapshot(dir.path()), before, "{what}: check wrote something");
    }
}

/// A current objects.db whose freelist is damaged: nothing the schema check or the row counts
/// read, so only `quick_check` sees it.
fn corrupt_freelist(dir: &Path) {
    let path = dir.join("objects.db");
    write_db(
        &path,
        "CREATE TABLE scratch (b BLOB); \
         INSERT INTO scratch SELECT randomblob(3000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 50) SELECT i FROM n); \
         DROP TABLE scratch;",
    );
    let mut bytes = fs::read(&path).unwrap();
    let page_size = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    let trunk = u32::from_be_bytes(bytes[32..36].try_into().unwrap()) as usize;
    assert!(trunk > 0, "the dropped table's pages are on the freelist");
    let at = (trunk - 1) * page_size;
    bytes[at + 4..at + 8].copy_from_slice(&4000u32.to_be_bytes()); // leaf count far past what fits
    fs::write(&path, bytes).unwrap();
}

#[test]
fn integrity_is_checked_only_when_asked_and_read_only() {
    let dir = dir_with(|p| {
        migrated(p);
        corrupt_freelist(p);
    });
    let d = s(dir.path());
    let before = snapshot(dir.path());
    assert_eq!(run(&["check", d]).status.code(), Some(0), "the schema itself is fine");

    let o = run(&["check", d, "--integrity"]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("objects.db: integrity check failed") && out.contains("filestore.db: ok"), "{out}");

    let o = run(&["status", d, "--integrity"]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(0), "status reports, it does not judge");
    assert!(out.contains("integrity: FAILED") && out.contains("integrity: ok"), "{out}");
    let v = json(&run(&["status", d, "--integrity", "--json"]));
    assert_eq!(v[0]["integrity"]["ok"], false, "{}", v[0]);
    assert!(!v[0]["integrity"]["problems"].as_array().unwrap().is_empty());
    assert_eq!(v[1]["integrity"], serde_json::json!({"ok": true, "problems": []}));
    assert_eq!(snapshot(dir.path()), before, "--integrity wrote something");
}

// ---- help, version, completions -------------------------------------------------------------

#[test]
fn version_names_the_schema_versions_written() {
    let (out, _) = text(&run(&["--version"]));
    assert!(out.starts_with(&format!("agentmux-schema {}", env!("CARGO_PKG_VERSION"))), "{out}");
    let want = format!(
        "objects.db v{OBJECT_SCHEMA_VERSION}, filestore.db v{FILESTORE_SCHEMA_VERSION}, sagas.db v{SAGA_LOG_SCHEMA_VERSION}"
    );
    assert!(out.contains(&want), "{out}");
}

#[test]
fn help_describes_the_tool_states_and_exit_codes() {
    let (out, _) = text(&run(&["--help"]));
    assert!(out.contains("Create, migrate, check or inspect the AgentMux server's SQLite databases"), "{out}");
    assert!(!out.contains("for the native server and for the browser"), "the crate description leaked in:\n{out}");
    for cmd in ["status", "check"] {
        let (out, _) = text(&run(&[cmd, "--help"]));
        for state in ["missing", "empty", "legacy", "behind", "current", "too-new", "unreadable"] {
            assert!(out.contains(&format!("\n  {state} ")), "{cmd} --help lacks state {state}:\n{out}");
        }
        assert!(out.contains("Exit codes") && out.contains("The server's data directory"), "{cmd}:\n{out}");
    }
    let (out, _) = text(&run(&["check", "--help"]));
    for code in [
        "0  all three",
        "1  a database is unreadable",
        "3  a database is newer",
        "4  a database is missing",
        "5  a current",
    ] {
        assert!(out.contains(code), "check --help lacks {code:?}:\n{out}");
    }
    let (out, _) = text(&run(&["migrate", "--help"]));
    for arg in ["--dry-run", "--json", "--create", "<DIR>", "Exit codes"] {
        assert!(out.contains(arg), "migrate --help lacks {arg}:\n{out}");
    }
}

#[test]
fn completions_are_generated_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = run(&["completions", shell]);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(0), "{shell}: {err}");
        assert!(out.contains("agentmux-schema") && out.contains("dry-run") && out.contains("integrity"), "{shell}");
    }
}

// ---- permissions ----------------------------------------------------------------------------

/// Run the CLI as a user who does not own the test's files: `nobody` via setpriv when the
/// tests run as root (root ignores file modes), or the current user otherwise.
fn run_unprivileged(args: &[&str]) -> Output {
    let uid = Command::new("id").arg("-u").output().expect("id -u");
    if String::from_utf8_lossy(&uid.stdout).trim() == "0" {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN])
            .args(args)
            .output()
            .expect("setpriv (util-linux) is needed to test permissions when running as root")
    } else {
        Command::new(BIN).args(args).output().unwrap()
    }
}

fn chmod(p: &Path, mode: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn permission_errors_name_the_real_path_and_say_permission_denied() {
    let root = tempfile::tempdir().unwrap();
    chmod(root.path(), 0o755);
    let legacy = {
        let p = root.path().join("legacy.db");
        write_db(&p, common::LEGACY_V11);
        let bytes = fs::read(&p).unwrap();
        fs::remove_file(p).unwrap();
        bytes
    };
    let case = |name: &str, file_mode: Option<u32>| -> (PathBuf, Output, BTreeMap<String, String>) {
        let dir = root.path().join(name);
        fs::create_dir(&dir).unwrap();
        if let Some(mode) = file_mode {
            fs::write(dir.join("objects.db"), &legacy).unwrap();
            chmod(&dir.join("objects.db"), mode);
        }
        chmod(&dir, 0o555);
        let before = snapshot(&dir);
        let o = run_unprivileged(&["migrate", s(&dir)]);
        let after = snapshot(&dir);
        chmod(&dir, 0o755);
        assert_eq!(after, before, "{name}: a refused migration changed the directory");
        (dir, o, before)
    };

    let (dir, o, _) = case("empty", None);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("{}: permission denied", dir.display())), "{err}");
    assert!(err.contains("not writable") && !err.contains(".objects.db."), "no temp name: {err}");

    let (dir, o, _) = case("readonly-file", Some(0o444));
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("{}: permission denied", dir.join("objects.db").display())), "{err}");
    assert!(err.contains("file is not writable"), "{err}");

    let (dir, o, _) = case("readonly-dir", Some(0o666));
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("{}: permission denied", dir.display())), "{err}");
    assert!(err.contains("directory is not writable") && err.contains("objects.db-journal"), "{err}");
}

// ---- crash recovery -------------------------------------------------------------------------

fn sha(p: &Path) -> String {
    format!("{:x}", Sha256::digest(fs::read(p).unwrap()))
}

/// The logical content of a database file as SQLite would present it: a copy with its hot
/// journal (if any) is opened read-write, which rolls the journal back.
fn settled_image(path: &Path) -> Vec<u8> {
    let scratch = tempfile::tempdir().unwrap();
    let copy = scratch.path().join("x.db");
    fs::copy(path, &copy).unwrap();
    let journal = PathBuf::from(format!("{}-journal", path.display()));
    if journal.exists() {
        fs::copy(&journal, scratch.path().join("x.db-journal")).unwrap();
    }
    let c = rusqlite::Connection::open(&copy).unwrap();
    let _: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    drop(c);
    fs::read(&copy).unwrap()
}

fn assert_current(path: &Path, store: Store, what: &str) {
    let st = status_file(path, store);
    assert_eq!(st.state, State::Current, "{what}: {st:?}");
    assert!(st.drift.as_ref().unwrap().is_empty(), "{what}: {st:?}");
    assert_eq!(quick_check(path), "ok", "{what}");
}

#[test]
fn a_migrate_killed_mid_build_leaves_old_or_new_files_and_the_next_run_cleans_up() {
    let seed = tempfile::tempdir().unwrap();
    let legacy = seed.path().join("objects.db");
    write_db(&legacy, common::LEGACY_V11);
    let old = sha(&legacy);

    let (mut strays_seen, mut objects_old, mut objects_new) = (0, 0, 0);
    for attempt in 0..80u64 {
        let dir = tempfile::tempdir().unwrap();
        fs::copy(&legacy, dir.path().join("objects.db")).unwrap();
        let mut child = Command::new(BIN)
            .args(["migrate", s(dir.path())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if attempt % 2 == 0 {
            // Kill the moment a temp file shows up: mid-build of filestore.db or sagas.db.
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline && child.try_wait().unwrap().is_none() {
                if names(dir.path()).iter().any(|n| n.ends_with(".tmp")) {
                    break;
                }
            }
        } else {
            // Kill at a moment that walks through start-up and objects.db's own migration.
            std::thread::sleep(Duration::from_micros(attempt * 150));
        }
        let _ = child.kill();
        child.wait().unwrap();
        let what = format!("attempt {attempt}");

        // Whatever the moment: objects.db is exactly old or exactly new, the others absent or new.
        let settled = settled_image(&dir.path().join("objects.db"));
        if format!("{:x}", Sha256::digest(&settled)) == old {
            objects_old += 1;
        } else {
            objects_new += 1;
            let scratch = tempfile::tempdir().unwrap();
            fs::write(scratch.path().join("objects.db"), &settled).unwrap();
            assert_current(&scratch.path().join("objects.db"), Store::Objects, &what);
        }
        for store in [Store::Filestore, Store::Sagas] {
            let p = path_of(dir.path(), store);
            if p.exists() {
                assert_current(&p, store, &what);
            }
        }
        if names(dir.path()).iter().any(|n| !DBS.contains(&n.as_str())) {
            strays_seen += 1;
        }

        let o = run(&["migrate", s(dir.path())]);
        assert_eq!(o.status.code(), Some(0), "{what}: {:?}", text(&o));
        assert_eq!(names(dir.path()), DBS, "{what}: the rerun left strays");
        for store in Store::ALL {
            assert_current(&path_of(dir.path(), store), store, &what);
        }
        let c = rusqlite::Connection::open(dir.path().join("objects.db")).unwrap();
        let agents: i64 = c.query_row("SELECT count(*) FROM db_agent_definitions", [], |r| r.get(0)).unwrap();
        assert_eq!(agents, 2, "{what}: data lost");
        if strays_seen >= 5 && objects_old > 0 && objects_new > 0 {
            break;
        }
    }
    eprintln!("kills: {strays_seen} left strays; objects.db old {objects_old}, new {objects_new}");
    assert!(strays_seen > 0, "no kill landed while a temp file existed");
    assert!(objects_old > 0 && objects_new > 0, "kills never landed on both sides of objects.db's commit");
}

/// A current objects.db whose agent content still references the pre-flatten agent table (an
/// earlier build adopted it without repairing), with one row whose agent exists and one orphan.
fn stale_current_objects(dir: &Path) {
    migrated(dir);
    write_db(
        &path_of(dir, Store::Objects),
        "PRAGMA foreign_keys = OFF;
         DROP TABLE db_agent_content;
         CREATE TABLE db_agent_content (
             agent_id TEXT NOT NULL, content_type TEXT NOT NULL,
             content TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL DEFAULT 0,
             PRIMARY KEY (agent_id, content_type),
             FOREIGN KEY (agent_id) REFERENCES db_forge_agents(id) ON DELETE CASCADE);
         INSERT INTO db_agent_definitions (id, name, provider) VALUES ('a1', 'Coder', 'claude');
         INSERT INTO db_agent_content (agent_id, content_type) VALUES ('a1', 'soul'), ('gone', 'soul');",
    );
}

#[test]
fn stale_foreign_keys_are_drift_until_migrate_repair_which_keeps_every_row_and_warns_of_orphans() {
    let dir = dir_with(stale_current_objects);
    let d = s(dir.path());
    let before = snapshot(dir.path());

    let check = run(&["check", d]);
    assert_eq!(check.status.code(), Some(5), "{:?}", text(&check));
    let (_, err) = text(&check);
    assert!(
        err.contains("warning: objects.db: db_agent_content holds 2 rows whose parent row does not exist"),
        "{err}"
    );
    // A plain migrate leaves a current file alone; a dry run of the repair writes nothing either.
    assert_eq!(run(&["migrate", d]).status.code(), Some(0));
    let plan = run(&["migrate", "--repair", "--dry-run", d]);
    assert_eq!(plan.status.code(), Some(0));
    let repaired = format!("objects.db: would be repaired (v{OBJECT_SCHEMA_VERSION})");
    assert!(text(&plan).0.contains(&repaired), "{}", text(&plan).0);
    assert!(
        text(&plan).0.contains("tables rebuilt, every row kept: db_agent_content (foreign keys)"),
        "{}",
        text(&plan).0
    );
    assert_eq!(snapshot(dir.path()), before, "nothing written before --repair");

    let repaired = run(&["migrate", "--repair", "--json", d]);
    assert_eq!(repaired.status.code(), Some(0), "{:?}", text(&repaired));
    let reports = json(&repaired);
    assert_eq!(
        reports[0]["tablesRebuilt"],
        serde_json::json!([{"table": "db_agent_content", "reason": "foreign-keys"}])
    );
    // Only the row whose agent exists under the canonical name has a parent now.
    assert_eq!(reports[0]["orphanRows"], serde_json::json!({"db_agent_content": 1}));
    assert!(text(&repaired).1.contains("db_agent_content holds 1 row whose parent row does not exist"));

    let after = run(&["check", "--json", "--integrity", d]);
    assert_eq!(after.status.code(), Some(0), "{:?}", text(&after));
    assert_eq!(json(&after)["stores"][0]["orphanRows"], serde_json::json!({"db_agent_content": 1}));
    let conn = rusqlite::Connection::open(path_of(dir.path(), Store::Objects)).unwrap();
    let n: i64 = conn.query_row("SELECT count(*) FROM db_agent_content", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 2, "every row kept");
}
