//! The scale benchmark's generator (`benches/scale/generate.rs`) at a CI size: its files are
//! deterministic, have the shapes the benchmark claims (history rows; 64 KiB parts), and the
//! native build migrates a data directory of them with every row kept. The large sizes are
//! `scripts/bench-scale.sh` (README "Files of any size").
#![cfg(not(target_arch = "wasm32"))]

#[path = "../benches/scale/generate.rs"]
mod generate;

use agentmux_schema::datadir::migrate_data_dir;
use generate::{generate, Kind, PART};
use rusqlite::Connection;
use sha2::{Digest, Sha256};

fn sha(path: &std::path::Path) -> Vec<u8> {
    Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn the_same_arguments_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for kind in [Kind::Objects, Kind::Filestore] {
        let (a, b, c) = (
            dir.path().join(format!("{kind:?}-a")),
            dir.path().join(format!("{kind:?}-b")),
            dir.path().join(format!("{kind:?}-c")),
        );
        generate(kind, 2 << 20, 27, &a).unwrap();
        generate(kind, 2 << 20, 27, &b).unwrap();
        generate(kind, 2 << 20, 28, &c).unwrap();
        assert_eq!(sha(&a), sha(&b), "{kind:?}: same seed, same bytes");
        assert_ne!(sha(&a), sha(&c), "{kind:?}: the seed matters");
        // It never overwrites a file.
        assert!(generate(kind, 1 << 20, 27, &a).is_err());
    }
}

#[test]
fn a_generated_data_directory_migrates_with_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let objects = dir.path().join("objects.db");
    let filestore = dir.path().join("filestore.db");
    let history = generate(Kind::Objects, 10 << 20, 27, &objects).unwrap();
    let parts = generate(Kind::Filestore, 10 << 20, 27, &filestore).unwrap();
    for path in [&objects, &filestore] {
        let len = std::fs::metadata(path).unwrap().len();
        assert!((10 << 20..(10 << 20) + (1 << 20)).contains(&len), "{}: {len} bytes", path.display());
        // Left in WAL mode, as the server leaves its files.
        assert_eq!(&std::fs::read(path).unwrap()[18..20], &[2, 2]);
    }
    {
        let c = Connection::open(&objects).unwrap();
        assert_eq!(
            count(&c, "SELECT count(*) FROM db_forge_history"),
            history as i64 + 1,
            "the fixture's row and the generated ones"
        );
        assert!(count(&c, "SELECT min(length(entry)) FROM db_forge_history WHERE agent_id LIKE 'gen-%'") >= 900);
        let f = Connection::open(&filestore).unwrap();
        assert_eq!(count(&f, "SELECT count(*) FROM db_file_data"), parts as i64);
        assert_eq!(count(&f, "SELECT min(length(data)) FROM db_file_data"), PART as i64);
        assert_eq!(count(&f, "PRAGMA user_version"), 0);
    }

    let reports = migrate_data_dir(dir.path()).unwrap();
    assert!(reports.iter().all(|r| r.to_version >= 1), "{reports:?}");
    let c = Connection::open(&objects).unwrap();
    assert_eq!(count(&c, "SELECT count(*) FROM db_agent_history"), history as i64 + 1);
    assert_eq!(c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap(), "ok");
    let f = Connection::open(&filestore).unwrap();
    assert_eq!(count(&f, "SELECT count(*) FROM db_file_data"), parts as i64);
    assert_eq!(count(&f, "PRAGMA user_version"), 1);
}
