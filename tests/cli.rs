//! The `agentmux-schema` binary: output and exit codes as documented in the README.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agentmux-schema")).args(args).output().expect("run the CLI")
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn write_db(path: &Path, sql: &str) {
    rusqlite::Connection::open(path).unwrap().execute_batch(sql).unwrap();
}

#[test]
fn migrate_creates_and_reports_then_status_says_current() {
    let dir = tempfile::tempdir().unwrap();
    write_db(&dir.path().join("objects.db"), common::LEGACY_V11);
    let d = dir.path().to_str().unwrap();

    let o = run(&["migrate", d]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("objects.db: migrated v0 → v4"), "{out}");
    assert!(out.contains("db_forge_agents → db_agent_definitions"), "{out}");
    assert!(out.contains("columns added: db_agent_definitions.updated_at, db_agent_definitions.user_hidden"), "{out}");
    assert!(out.contains("filestore.db: created at v1"), "{out}");

    let again = run(&["migrate", d]);
    let (out, _) = text(&again);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        out.contains("objects.db: already current (v4)") && out.contains("sagas.db: already current (v1)"),
        "{out}"
    );

    let o = run(&["status", d, "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("status --json is JSON");
    let states: Vec<_> = v.as_array().unwrap().iter().map(|s| s["state"].as_str().unwrap().to_string()).collect();
    assert_eq!(states, ["current", "current", "current"]);
    assert_eq!(v[0]["userVersion"], 4);
    assert_eq!(v[0]["expectedVersion"], 4);
    let agents = v[0]["tables"].as_array().unwrap().iter().find(|t| t["name"] == "db_agent_definitions").unwrap();
    assert_eq!(agents["rowCount"], 2);
    assert_eq!(v[0]["drift"]["missingTables"].as_array().unwrap().len(), 0);
}

#[test]
fn too_new_exits_3_naming_file_and_versions() {
    let dir = tempfile::tempdir().unwrap();
    write_db(&dir.path().join("sagas.db"), "PRAGMA user_version = 7;");
    let o = run(&["migrate", dir.path().to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("sagas.db") && err.contains("newer") && err.contains('7') && err.contains('1'), "{err}");
    assert!(!dir.path().join("objects.db").exists(), "nothing may be written");

    let o = run(&["status", dir.path().to_str().unwrap()]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    assert!(out.contains("sagas.db: too-new (user_version 7, this build 1)"), "{out}");
    assert!(out.contains("objects.db: missing"), "{out}");
}

#[test]
fn other_errors_exit_1_and_usage_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("objects.db"), b"not a database").unwrap();
    let o = run(&["migrate", dir.path().to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("objects.db is not a usable SQLite database"), "{err}");
    assert_eq!(std::fs::read(dir.path().join("objects.db")).unwrap(), b"not a database");

    assert_eq!(run(&["migrate"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate", "x"]).status.code(), Some(2));
}
