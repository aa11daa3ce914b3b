//! The CLI and the package agree on every file of the differential suite
//! (tests/differential/files/*.db): the native CLI's `status --json --integrity` and
//! `migrate --json` against the package's `statusOfBytes`, `quick_check`, `migrate` and `status`
//! under Node (tests/node/status-with-wasm.mjs, over the committed pkg/), and the same SQLite
//! version. Needs `node` and a built `pkg/`.
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_agentmux-schema");

/// (file, store) for every image in tests/differential/files, as tests/differential/files.txt
/// lists them.
fn files() -> Vec<(String, String)> {
    include_str!("differential/files.txt")
        .lines()
        .filter_map(|l| l.strip_prefix("== "))
        .map(|h| {
            let (name, store) = h.split_once(' ').unwrap();
            (name.to_string(), store.to_string())
        })
        .collect()
}

fn json(out: std::process::Output, what: &str) -> Value {
    assert!(out.status.success() || !out.stdout.is_empty(), "{what} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{what}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// The CLI's entry for `db` in an array of per-store objects.
fn entry<'a>(all: &'a Value, db: &str) -> &'a Value {
    all.as_array().unwrap().iter().find(|s| s["db"] == db).unwrap_or_else(|| panic!("no {db} in {all}"))
}

#[test]
fn the_cli_and_the_package_agree_on_every_differential_file() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let native_version: String =
        rusqlite::Connection::open_in_memory().unwrap().query_row("SELECT sqlite_version()", [], |r| r.get(0)).unwrap();
    for (name, store) in files() {
        let image = here.join(format!("tests/differential/files/{name}.db"));
        let db = format!("{}.db", store);
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(&image, dir.path().join(&db)).unwrap();
        let dir_arg = dir.path().to_str().unwrap();

        let package = json(
            Command::new("node")
                .arg(here.join("tests/node/status-with-wasm.mjs"))
                .args([store.as_str(), image.to_str().unwrap()])
                .output()
                .expect("node is installed (scripts/setup.sh)"),
            "node",
        );
        assert_eq!(package["version"], native_version.as_str(), "{name}: SQLite versions differ");

        let cli_status =
            json(Command::new(BIN).args(["status", dir_arg, "--json", "--integrity"]).output().unwrap(), "status");
        let mut cli = entry(&cli_status, &db).clone();
        let integrity = cli.as_object_mut().unwrap().remove("integrity").expect("--integrity adds it");
        assert_eq!(cli, package["status"], "{name}: status differs between the CLI and the package");
        let problems: Vec<String> = if integrity["ok"] == true {
            vec!["ok".into()]
        } else {
            serde_json::from_value(integrity["problems"].clone()).unwrap()
        };
        assert_eq!(serde_json::to_value(problems).unwrap(), package["quickCheck"], "{name}: quick_check differs");

        let cli_migrate = json(Command::new(BIN).args(["migrate", dir_arg, "--json"]).output().unwrap(), "migrate");
        assert_eq!(
            *entry(&cli_migrate, &db),
            package["migrate"],
            "{name}: migration reports differ between the CLI and the package"
        );

        let after = json(Command::new(BIN).args(["status", dir_arg, "--json"]).output().unwrap(), "status");
        assert_eq!(*entry(&after, &db), package["statusAfter"], "{name}: status after migrating differs");
    }
}
