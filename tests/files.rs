//! Native, file-level guarantees: what is on disk before and after, checked by SHA-256 of every
//! file in the directory (so a stray `-journal`, `-wal` or half-made database also shows up).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::{Arc, Barrier};

use agentmux_schema::datadir::{
    migrate_data_dir, migrate_data_dir_report, migrate_file, path_of, plan_data_dir, status_data_dir,
};
use agentmux_schema::{migrate, Outcome, State, Store, StoreError};
use rusqlite::Connection;
use sha2::{Digest, Sha256};

/// Every file in `dir` (recursively) with its SHA-256.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.insert(p.strip_prefix(dir).unwrap().display().to_string() + "/", String::new());
                stack.push(p);
            } else {
                let digest = Sha256::digest(fs::read(&p).unwrap());
                out.insert(p.strip_prefix(dir).unwrap().display().to_string(), format!("{digest:x}"));
            }
        }
    }
    out
}

fn write_db(path: &Path, sql: &str) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(sql).unwrap();
}

fn version_of(path: &Path) -> i64 {
    Connection::open(path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap()
}

#[test]
fn too_new_file_is_refused_with_identical_bytes_and_no_sidecars() {
    let dir = tempfile::tempdir().unwrap();
    let path = path_of(dir.path(), Store::Objects);
    write_db(&path, "CREATE TABLE future (x); INSERT INTO future VALUES (42); PRAGMA user_version = 99;");
    let before = snapshot(dir.path());

    // Through every entry point a caller might use.
    let conn = Connection::open(&path).unwrap();
    assert!(
        matches!(migrate(&conn, Store::Objects), Err(StoreError::SchemaTooNew { found: 99, expected, .. }) if expected == Store::Objects.version())
    );
    drop(conn);
    assert!(matches!(migrate_file(&path, Store::Objects), Err(StoreError::SchemaTooNew { .. })));
    assert!(matches!(migrate_data_dir(dir.path()), Err(StoreError::SchemaTooNew { .. })));

    assert_eq!(snapshot(dir.path()), before, "a refused file (or its directory) changed");
}

#[test]
fn too_new_sagas_db_means_objects_db_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    write_db(&path_of(dir.path(), Store::Filestore), "CREATE TABLE db_wave_file (zoneid TEXT);");
    write_db(&path_of(dir.path(), Store::Sagas), "PRAGMA user_version = 2;");
    let before = snapshot(dir.path());
    match migrate_data_dir(dir.path()) {
        Err(StoreError::SchemaTooNew { db, found, expected }) => {
            assert_eq!((db.as_str(), found, expected), ("sagas.db", 2, 1))
        }
        other => panic!("expected SchemaTooNew for sagas.db, got {other:?}"),
    }
    assert_eq!(snapshot(dir.path()), before);
    assert!(!path_of(dir.path(), Store::Objects).exists());
}

#[test]
fn data_dir_is_created_then_a_second_run_changes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    let reports = migrate_data_dir(&dir).unwrap();
    assert!(reports.iter().all(|r| r.outcome == Outcome::Created));
    assert_eq!(Store::ALL.map(|s| version_of(&path_of(&dir, s))), Store::ALL.map(Store::version));
    let names: Vec<_> = snapshot(&dir).into_keys().collect();
    assert_eq!(names, ["filestore.db", "objects.db", "sagas.db"], "no temp or journal files left");

    let before = snapshot(&dir);
    let again = migrate_data_dir(&dir).unwrap();
    assert!(again.iter().all(|r| r.outcome == Outcome::UpToDate));
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn legacy_file_is_migrated_in_place() {
    let dir = tempfile::tempdir().unwrap();
    write_db(&path_of(dir.path(), Store::Objects), common::LEGACY_V11);
    let reports = migrate_data_dir(dir.path()).unwrap();
    assert_eq!(reports[0].tables_renamed.len(), 7);
    assert_eq!(version_of(&path_of(dir.path(), Store::Objects)), Store::Objects.version());
    let conn = Connection::open(path_of(dir.path(), Store::Objects)).unwrap();
    let n: i64 = conn.query_row("SELECT count(*) FROM db_agent_definitions", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 2);
}

#[test]
fn unadoptable_file_fails_cleanly_with_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    write_db(&path_of(dir.path(), Store::Objects), common::PRE_V11);
    let before = snapshot(dir.path());
    match migrate_data_dir(dir.path()) {
        Err(StoreError::Unadoptable { table, .. }) => assert_eq!(table, "db_agent_instances"),
        other => panic!("expected Unadoptable, got {other:?}"),
    }
    // objects.db is migrated first and refused; filestore.db and sagas.db come after it and are
    // never reached.
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn bad_files_are_typed_errors_and_nothing_is_written() {
    let valid = {
        let db = tempfile::tempdir().unwrap();
        let p = db.path().join("v.db");
        write_db(&p, common::LEGACY_V11);
        fs::read(p).unwrap()
    };
    type MakeBadFile = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, MakeBadFile)> = vec![
        ("garbage", Box::new(|p| fs::write(p, b"GIF89a not a database at all, really".repeat(100)).unwrap())),
        ("truncated", Box::new(move |p| fs::write(p, &valid[..valid.len() / 2 + 7]).unwrap())),
        ("directory", Box::new(|p| fs::create_dir(p).unwrap())),
    ];
    for (what, make) in cases {
        for store in Store::ALL {
            let dir = tempfile::tempdir().unwrap();
            make(&path_of(dir.path(), store));
            let before = snapshot(dir.path());
            let err = migrate_data_dir(dir.path()).expect_err(what);
            match (&err, what) {
                (StoreError::NotAFile { .. }, "directory") => {}
                (StoreError::NotADatabase { db, .. }, _) if what != "directory" => assert_eq!(db, store.file_name()),
                _ => panic!("{what} {store}: unexpected {err:?}"),
            }
            assert_eq!(snapshot(dir.path()), before, "{what} {store}: something was written");
            let st = &status_data_dir(dir.path())[Store::ALL.iter().position(|s| *s == store).unwrap()];
            assert_eq!(st.state, State::Unreadable, "{what} {store}");
            assert_eq!(snapshot(dir.path()), before, "{what} {store}: status wrote something");
        }
    }
}

#[test]
fn status_is_read_only_even_on_a_too_new_directory() {
    let dir = tempfile::tempdir().unwrap();
    write_db(&path_of(dir.path(), Store::Objects), common::LEGACY_V11);
    write_db(
        &path_of(dir.path(), Store::Sagas),
        "CREATE TABLE saga (saga_id INTEGER PRIMARY KEY); PRAGMA user_version = 5;",
    );
    let before = snapshot(dir.path());
    let all = status_data_dir(dir.path());
    assert_eq!(all.iter().map(|s| s.state).collect::<Vec<_>>(), [State::Legacy, State::Missing, State::TooNew]);
    assert_eq!(all[2].user_version, Some(5));
    assert!(all[2].drift.is_none(), "a newer schema measured against this build's is noise");
    assert!(all[0].drift.is_some());
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn eight_connections_migrating_one_fresh_file_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let path = Arc::new(dir.path().join("objects.db"));
    let gate = Arc::new(Barrier::new(8));
    let outcomes: Vec<Outcome> = (0..8)
        .map(|_| {
            let (path, gate) = (path.clone(), gate.clone());
            std::thread::spawn(move || {
                let conn = Connection::open(&*path).unwrap();
                gate.wait();
                migrate(&conn, Store::Objects).map(|r| r.outcome)
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap().expect("every concurrent migration succeeds"))
        .collect();
    assert_eq!(outcomes.iter().filter(|o| **o == Outcome::Created).count(), 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| **o == Outcome::UpToDate).count(), 7, "{outcomes:?}");
    let conn = Connection::open(&*path).unwrap();
    let s = agentmux_schema::status(&conn, Store::Objects);
    assert_eq!(s.state, State::Current);
    assert!(s.drift.as_ref().unwrap().is_empty());
    assert_eq!(s.row_counts()["db_identity_bundles"], 1);
}

#[test]
fn eight_servers_starting_on_one_empty_data_dir_all_succeed() {
    let root = tempfile::tempdir().unwrap();
    let dir = Arc::new(root.path().join("data"));
    let gate = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (dir, gate) = (dir.clone(), gate.clone());
            std::thread::spawn(move || {
                gate.wait();
                migrate_data_dir(&dir)
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap().expect("every concurrent start succeeds");
    }
    assert_eq!(Store::ALL.map(|s| version_of(&path_of(&dir, s))), Store::ALL.map(Store::version));
    let names: Vec<_> = snapshot(&dir).into_keys().collect();
    assert_eq!(names, ["filestore.db", "objects.db", "sagas.db"]);
}

#[test]
fn wal_mode_files_are_inspected_read_only_and_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = path_of(dir.path(), Store::Objects);
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
        c.execute_batch(common::LEGACY_V11).unwrap();
    } // closing checkpoints and removes -wal/-shm, as a cleanly stopped server leaves them
    let before = snapshot(dir.path());
    assert_eq!(before.len(), 1, "{before:?}");
    assert_eq!(status_data_dir(dir.path())[0].state, State::Legacy);
    assert_eq!(snapshot(dir.path()), before, "status must not create -wal/-shm files");

    migrate_data_dir(dir.path()).unwrap();
    let c = Connection::open(&path).unwrap();
    let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal", "migration keeps the file's journal mode");
    assert_eq!(version_of(&path), Store::Objects.version());
}

#[test]
fn too_new_wal_file_in_an_awkward_path_is_refused_without_companions() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("my data #1 ?%");
    fs::create_dir(&dir).unwrap();
    {
        let c = Connection::open(path_of(&dir, Store::Sagas)).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE saga (saga_id INTEGER PRIMARY KEY); PRAGMA user_version = 3;",
        )
        .unwrap();
    }
    let before = snapshot(&dir);
    assert!(matches!(migrate_data_dir(&dir), Err(StoreError::SchemaTooNew { found: 3, .. })));
    assert_eq!(status_data_dir(&dir)[2].state, State::TooNew);
    assert_eq!(snapshot(&dir), before);
}

// ---- 0-byte files, dry runs, dropped rows ---------------------------------------------------

#[test]
fn zero_byte_files_are_empty_then_get_the_schema_in_place() {
    let dir = tempfile::tempdir().unwrap();
    for store in Store::ALL {
        fs::write(path_of(dir.path(), store), b"").unwrap();
    }
    let before = snapshot(dir.path());
    let all = status_data_dir(dir.path());
    assert!(all.iter().all(|s| s.state == State::Empty && s.exists && s.user_version == Some(0)), "{all:?}");
    let plan = plan_data_dir(dir.path()).unwrap();
    assert!(plan.reports.iter().all(|r| r.outcome == Outcome::Created), "{plan:?}");
    assert_eq!(snapshot(dir.path()), before, "status and plan are read-only");

    let run = migrate_data_dir_report(dir.path()).unwrap();
    assert_eq!(run.reports, plan.reports);
    assert_eq!(Store::ALL.map(|s| version_of(&path_of(dir.path(), s))), Store::ALL.map(Store::version));
    assert!(status_data_dir(dir.path())
        .iter()
        .all(|s| s.state == State::Current && s.drift.as_ref().unwrap().is_empty()));
}

#[test]
fn plan_migrates_copies_and_predicts_the_real_run_exactly() {
    let dir = tempfile::tempdir().unwrap();
    write_db(&path_of(dir.path(), Store::Objects), common::LEGACY_V11);
    {
        // A WAL-mode filestore.db with its latest commit still in the -wal, as a running (or
        // crashed) server leaves it: the plan must see that commit and create nothing beside it.
        let c = Connection::open(path_of(dir.path(), Store::Filestore)).unwrap();
        c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;").unwrap();
        let keep_wal = Connection::open(path_of(dir.path(), Store::Filestore)).unwrap();
        let _: i64 = keep_wal.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).unwrap();
        c.execute_batch("CREATE TABLE from_the_wal (x);").unwrap();
        std::mem::forget(keep_wal); // never closed, so the -wal is not checkpointed away
    }
    // The -shm is the wal-index the live server's connections share: every reader records its
    // read mark there, by SQLite's design. The database and its -wal must be byte-identical.
    let persistent = |dir: &Path| {
        let mut s = snapshot(dir);
        s.retain(|name, _| !name.ends_with("-shm"));
        s
    };
    let before = persistent(dir.path());
    let plan = plan_data_dir(dir.path()).unwrap();
    assert_eq!(persistent(dir.path()), before, "planning wrote something");
    assert_eq!(plan.reports[0].rows_dropped.get("db_workflow_definitions"), Some(&1));
    assert_eq!(plan.reports[1].outcome, Outcome::Migrated, "the -wal's tables were seen");
    assert_eq!(plan.reports[2].outcome, Outcome::Created);
    assert!(plan.stale_temps.is_empty());
    assert!(path_of(dir.path(), Store::Filestore).with_extension("db-wal").exists(), "the -wal was kept for the test");
}

#[test]
fn dropping_a_dead_table_with_rows_is_counted_and_logged() {
    let log = Captured::default();
    let sink = log.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || sink.clone()).with_ansi(false).finish();
    let dir = tempfile::tempdir().unwrap();
    write_db(&path_of(dir.path(), Store::Objects), common::LEGACY_V11);
    write_db(
        &path_of(dir.path(), Store::Objects),
        "INSERT INTO db_workflow_runs (id, workflow_id) VALUES ('r1', 'w1'), ('r2', 'w1');",
    );
    let reports = tracing::subscriber::with_default(subscriber, || migrate_data_dir(dir.path()).unwrap());
    let dropped: Vec<_> = reports[0].rows_dropped.iter().map(|(t, n)| (t.as_str(), *n)).collect();
    assert_eq!(
        dropped,
        [
            ("db_v10_migrated_legacy_defs", 0),
            ("db_v10_migrated_legacy_runs", 0),
            ("db_workflow_definitions", 1),
            ("db_workflow_runs", 2)
        ]
    );
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let warns: Vec<_> = text.lines().filter(|l| l.contains("WARN") && l.contains("still holds rows")).collect();
    assert_eq!(warns.len(), 2, "{text}");
    assert!(warns.iter().any(|l| l.contains("db_workflow_runs") && l.contains("rows=2")), "{text}");
    assert!(!text.contains("db_v10_migrated_legacy_defs"), "an empty dead table is no warning: {text}");
}

#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// ---- stale temporary files ------------------------------------------------------------------

/// Far above Linux's largest possible pid (2^22), so never a running process.
const DEAD_PID: u32 = 4_000_000_000;

#[test]
fn stale_temps_are_removed_but_never_one_a_live_process_may_be_building() {
    let dir = tempfile::tempdir().unwrap();
    migrate_data_dir(dir.path()).unwrap();
    let put = |name: &str| {
        fs::write(dir.path().join(name), b"half a database").unwrap();
        name.to_string()
    };
    let me = std::process::id();
    // Left by a crashed run: its temp and the journal of its open transaction.
    let dead = put(&format!(".objects.db.{DEAD_PID}.1795856825772707508.tmp"));
    let dead_journal = put(&format!("{dead}-journal"));
    // A journal whose temp is already gone: nothing can be building it.
    let orphan = put(&format!(".sagas.db.{}.17.tmp-journal", DEAD_PID + 1));
    // A live builder in another namespace (its pid means nothing here) holds the lock.
    let locked = put(&format!(".sagas.db.{}.42.tmp", DEAD_PID + 2));
    let lock = fs::File::open(dir.path().join(&locked)).unwrap();
    lock.lock().unwrap();
    // An unlocked temp of a process that is alive (this one): e.g. a build from before the lock.
    let live_pid = put(&format!(".filestore.db.{me}.99.tmp"));
    // An unlocked, live-pid temp older than any build can take: its pid was reused.
    let ancient = put(&format!(".filestore.db.{me}.98.tmp"));
    let day_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(86_400);
    fs::File::options().write(true).open(dir.path().join(&ancient)).unwrap().set_modified(day_ago).unwrap();
    // Names that are not ours.
    let unrelated =
        [put(".objects.db.x.1.tmp"), put("notes.tmp"), put("objects.db.bak"), put(".objects.db.1.2.tmp.old")];

    let before = snapshot(dir.path());
    let plan = plan_data_dir(dir.path()).unwrap();
    assert_eq!(snapshot(dir.path()), before, "a dry run removes nothing");
    let name_of = |p: &std::path::PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
    let mut expected = vec![dead.clone(), dead_journal.clone(), orphan.clone(), ancient.clone()];
    expected.sort();
    assert_eq!(plan.stale_temps.iter().map(name_of).collect::<Vec<_>>(), expected);

    let run = migrate_data_dir_report(dir.path()).unwrap();
    let mut removed: Vec<_> = run.stale_temps.iter().map(name_of).collect();
    removed.sort();
    assert_eq!(removed, expected);
    let mut left: Vec<String> = snapshot(dir.path()).into_keys().collect();
    let mut want: Vec<String> = ["filestore.db", "objects.db", "sagas.db"]
        .map(String::from)
        .into_iter()
        .chain([locked.clone(), live_pid.clone()])
        .chain(unrelated)
        .collect();
    left.sort();
    want.sort();
    assert_eq!(left, want);

    // Once the builder is gone (its lock released), the next run removes its temp.
    drop(lock);
    let run = migrate_data_dir_report(dir.path()).unwrap();
    assert_eq!(run.stale_temps.iter().map(name_of).collect::<Vec<_>>(), [locked]);
    assert!(dir.path().join(&live_pid).exists(), "a live pid's young temp is never removed");
}

#[test]
fn concurrent_starts_never_remove_each_others_temps() {
    // Eight threads (one pid, so only the lock tells their temps apart) each migrate a fresh
    // directory while also sweeping it; every one must succeed and nothing may be left over.
    for _ in 0..5 {
        let root = tempfile::tempdir().unwrap();
        let dir = Arc::new(root.path().join("data"));
        fs::create_dir(&*dir).unwrap();
        let gate = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (dir, gate) = (dir.clone(), gate.clone());
                std::thread::spawn(move || {
                    gate.wait();
                    if i % 2 == 0 {
                        migrate_data_dir(&dir).map(drop)
                    } else {
                        agentmux_schema::datadir::remove_stale_temps(&dir);
                        migrate_data_dir(&dir).map(drop)
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap().expect("no start fails because its temp was swept away");
        }
        let names: Vec<_> = snapshot(&dir).into_keys().collect();
        assert_eq!(names, ["filestore.db", "objects.db", "sagas.db"]);
    }
}

// ---- Found by fuzzing (fuzz/README.md) -------------------------------------------------------

/// `datadir` fuzz target: SQLite deletes a `-wal` beside a database with no pages on any open,
/// read-only ones included, so `status`, vetting and the dry run deleted a stray one beside a
/// 0-byte file. They must not write anything.
#[test]
fn read_only_paths_leave_a_stray_wal_beside_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(path_of(dir.path(), Store::Objects), b"").unwrap();
    fs::write(dir.path().join("objects.db-wal"), [255u8, 35]).unwrap();
    let before = snapshot(dir.path());
    assert_eq!(status_data_dir(dir.path())[0].state, State::Empty);
    assert_eq!(plan_data_dir(dir.path()).unwrap().reports[0].outcome, Outcome::Created);
    assert!(agentmux_schema::datadir::preflight(dir.path(), Store::Objects).unwrap());
    assert_eq!(snapshot(dir.path()), before, "a read-only path changed the directory");
}

/// `datadir` fuzz target: a `-wal` left beside a database that no longer exists outlived the
/// migration that created the file. SQLite does not tie a `-wal` to its database, so a valid one
/// is applied to the new file on its next open: here it would replace the fresh schema with the
/// old database's pages.
#[test]
fn a_stale_wal_beside_a_missing_database_is_not_applied_to_the_new_one() {
    let old = tempfile::tempdir().unwrap();
    let old_db = old.path().join("objects.db");
    let c = Connection::open(&old_db).unwrap();
    c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;").unwrap();
    let keep_wal = Connection::open(&old_db).unwrap();
    let _: i64 = keep_wal.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).unwrap();
    c.execute_batch("CREATE TABLE ghost (x); INSERT INTO ghost VALUES (1);").unwrap();
    let stale_wal = fs::read(old.path().join("objects.db-wal")).unwrap();
    assert!(stale_wal.len() > 32, "the -wal holds the commit");
    drop((c, keep_wal));

    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("objects.db-wal"), &stale_wal).unwrap();
    let run = migrate_data_dir_report(dir.path()).unwrap();
    assert_eq!(run.reports[0].outcome, Outcome::Created);
    let status = &status_data_dir(dir.path())[0];
    assert_eq!(status.state, State::Current, "{status:?}");
    assert!(status.drift.as_ref().unwrap().is_empty(), "{status:?}");
    assert!(!dir.path().join("objects.db-wal").exists(), "the stale -wal is gone");
    assert!(migrate_data_dir_report(dir.path()).unwrap().reports.iter().all(|r| r.is_noop()));
}

/// The corpus seed `fuzz/corpus/datadir/seed-finding-8-malformed-schema`: a current file whose
/// schema SQLite cannot parse passed vetting, and `migrate` reported it up to date (it reads only
/// the version of a current file) while `status` called it unreadable and the dry run failed on it.
/// Vetting now parses the schema: the file is refused as not a usable database and nothing is
/// written.
#[test]
fn a_current_file_whose_schema_does_not_parse_is_refused_by_vetting() {
    let mut db = common::mem();
    migrate(&db, Store::Filestore).unwrap();
    let mut image = common::bytes_of(&mut db);
    // Every copy of the table's CREATE text (a page can hold a stale one), same length.
    let text = b"CREATE TABLE db_file_data";
    let hits: Vec<usize> = (0..image.len() - text.len()).filter(|&i| &image[i..i + text.len()] == text).collect();
    assert!(!hits.is_empty());
    for at in hits {
        image[at + "CREATE TABL".len()] = b'F';
    }
    let dir = tempfile::tempdir().unwrap();
    fs::write(path_of(dir.path(), Store::Filestore), &image).unwrap();
    let before = snapshot(dir.path());
    let refused = |e: StoreError| match e {
        StoreError::NotADatabase { db, reason } => {
            assert_eq!(db, "filestore.db");
            assert!(reason.contains("malformed database schema"), "{reason}");
        }
        other => panic!("{other:?}"),
    };
    refused(agentmux_schema::datadir::preflight(dir.path(), Store::Filestore).unwrap_err());
    refused(plan_data_dir(dir.path()).unwrap_err());
    refused(migrate_data_dir_report(dir.path()).unwrap_err());
    assert_eq!(status_data_dir(dir.path())[1].state, State::Unreadable);
    assert_eq!(snapshot(dir.path()), before, "a refused directory was changed");
}

/// The corpus seed `fuzz/corpus/datadir/seed-finding-19-damaged-own-table`: a file damaged inside
/// one of its own tables (a page of a table no store defines) migrates, as it did with the original
/// module, since no migration reads that table's rows; `status` reports the damage before and
/// after, with SQLite's message, rather than calling the file current.
#[test]
fn damage_inside_a_files_own_table_is_migrated_past_and_still_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let path = dir.join("sagas.db");
    write_db(
        &path,
        "PRAGMA page_size = 4096;
         CREATE TABLE t (x TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
         INSERT INTO t SELECT printf('%0100d', i) FROM n;",
    );
    // Page 4 is one of t's leaf pages (page 1 the catalogue, page 2 t's root, then its leaves).
    let mut bytes = fs::read(&path).unwrap();
    assert!(bytes.len() > 5 * 4096);
    for b in &mut bytes[3 * 4096..3 * 4096 + 16] {
        *b = 0x41;
    }
    fs::write(&path, &bytes).unwrap();
    let status = |dir: &Path| status_data_dir(dir).into_iter().find(|s| s.store == Store::Sagas).unwrap();
    let before = status(dir);
    assert_eq!(before.state, State::Unreadable, "{before:?}");
    let reports = migrate_data_dir(dir).expect("migrated past the damage, as the original did");
    assert_eq!(reports.iter().find(|r| r.store == Store::Sagas).unwrap().to_version, Store::Sagas.version());
    assert_eq!(version_of(&path), Store::Sagas.version());
    let after = status(dir);
    assert_eq!(after.state, State::Unreadable, "{after:?}");
    assert!(after.error.as_deref().is_some_and(|e| e.contains("malformed")), "{after:?}");
}
