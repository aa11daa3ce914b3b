//! `datadir`: a short sequence of file operations on a scratch data directory (write one of the
//! three files from a set of images, truncate it, flip a byte, remove it, put a directory in its
//! place, chmod it, leave a temp file of a crashed build or a journal), then the dry-run plan,
//! `migrate_data_dir_report`, a second migration, and the status `check` is built on.
//!
//! Invariants (the documented contract of `src/datadir.rs` and README "CLI"):
//! - nothing panics; errors are the documented `StoreError` variants, and an `Io`/`NotAFile`
//!   error names a path in the directory, never a temp file;
//! - vetting is read-only: `preflight` and `status` change nothing; when a file fails vetting,
//!   the migration returns that same error and the directory is left exactly as it was;
//! - the dry-run plan writes nothing and predicts the migration (same reports, or an error of the
//!   same kind);
//! - after a successful migration every store is current (`check` would answer 0 or 5), a second
//!   migration is a no-op that changes no byte, and the stale temps are exactly the ones the rules
//!   say: an orphan journal, a temp whose pid is not running, or one older than 10 minutes, never
//!   a live build's (this process's pid, recent); what was removed is what is reported;
//! - nothing outside the directory is touched (a sibling directory and the parent's entries).
//!
//! The scratch directory lives on /dev/shm when it exists: SQLite's fsyncs on a disk would make
//! every execution cost milliseconds. (This runs as whatever user fuzzes; as root, permission
//! bits do not stop reads or writes, so chmod explores modes rather than refusals.)
#![no_main]

#[allow(dead_code)]
#[path = "../../tests/common/mod.rs"]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use agentmux_schema::{datadir, migrate, SqlConn, State, Store, StoreError};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Pid {
    /// This process: a live build (unless the temp is old).
    Own,
    /// No such process.
    Dead,
}

#[derive(Debug, Arbitrary)]
enum Op {
    Write {
        store: u8,
        image: u8,
    },
    Truncate {
        store: u8,
        len: u16,
    },
    Flip {
        store: u8,
        at: u16,
        byte: u8,
    },
    Remove {
        store: u8,
    },
    Directory {
        store: u8,
    },
    Chmod {
        store: u8,
        mode: u16,
    },
    /// A temp file of a build that crashed (`.objects.db.<pid>.<nanos>.tmp`), with or without
    /// its `-journal` and the temp itself, possibly older than any build takes.
    Temp {
        store: u8,
        pid: Pid,
        nanos: u16,
        old: bool,
        temp: bool,
        journal: bool,
    },
    /// A `-journal` or `-wal` beside a store file, holding these bytes.
    Companion {
        store: u8,
        wal: bool,
        bytes: Vec<u8>,
    },
}

fn store(i: u8) -> Store {
    Store::ALL[i as usize % 3]
}

/// The images a file can be written from: every kind of file the vetting tells apart.
fn images() -> &'static [Vec<u8>] {
    static IMAGES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    IMAGES.get_or_init(|| {
        let current = |store: Store| {
            let mut db = common::mem();
            migrate(&db, store).unwrap();
            common::bytes_of(&mut db)
        };
        let stamped = |sql: &str, version: i64| {
            let mut db = common::db_with(sql);
            db.exec(&format!("PRAGMA user_version = {version}")).unwrap();
            common::bytes_of(&mut db)
        };
        let mut wal = current(Store::Objects);
        agentmux_schema::header::set_wal_marker(&mut wal, true);
        vec![
            vec![],
            current(Store::Objects),
            current(Store::Filestore),
            current(Store::Sagas),
            common::image_of(common::LEGACY_V11),
            common::image_of(common::FLAT_V1),
            common::image_of(common::PRE_V11),
            common::image_of(common::STALE_FOREIGN_KEYS),
            stamped(common::reference_ddl(Store::Objects), 9),
            stamped("CREATE TABLE t (x)", 0),
            wal,
            b"not a database, just some text that is long enough to have a header's worth of bytes in it ....."
                .repeat(41),
        ]
    })
}

/// Every entry under `dir`: relative path → (mode, bytes; `None` for a directory).
type Snapshot = BTreeMap<PathBuf, (u32, Option<Vec<u8>>)>;

fn snapshot(dir: &Path) -> Snapshot {
    let mut out = Snapshot::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(dir).unwrap().to_path_buf();
            // A `-shm` is the wal-index every reader of a WAL database with a `-wal` records its
            // read mark in, by SQLite's design (as in tests/files.rs): not part of the contract.
            if rel.to_string_lossy().ends_with("-shm") {
                continue;
            }
            if meta.is_dir() {
                stack.push(path);
                out.insert(rel, (meta.permissions().mode(), None));
            } else {
                out.insert(rel, (meta.permissions().mode(), Some(fs::read(&path).unwrap_or_default())));
            }
        }
    }
    out
}

/// What differs between two snapshots, for the failure message.
fn diff(before: &Snapshot, after: &Snapshot) -> String {
    let mut out = Vec::new();
    for p in before.keys().chain(after.keys()).collect::<BTreeSet<_>>() {
        let show = |e: Option<&(u32, Option<Vec<u8>>)>| match e {
            None => "absent".to_string(),
            Some((mode, None)) => format!("dir {mode:o}"),
            Some((mode, Some(b))) => format!("file {mode:o} {} bytes", b.len()),
        };
        if before.get(p) != after.get(p) {
            out.push(format!("{}: {} -> {}", p.display(), show(before.get(p)), show(after.get(p))));
        }
    }
    out.join("; ")
}

fn is_temp_name(name: &str) -> bool {
    name.contains(".tmp")
}

fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        tempfile::Builder::new().prefix("agentmux-fuzz-").tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    }
}

fn apply(dir: &Path, op: &Op, planted: &mut BTreeMap<PathBuf, bool>) {
    let path = |s: u8| datadir::path_of(dir, store(s));
    match op {
        Op::Write { store: s, image } => {
            let images = images();
            if path(*s).is_dir() {
                return;
            }
            let _ = fs::write(path(*s), &images[*image as usize % images.len()]);
        }
        Op::Truncate { store: s, len } => {
            if let Ok(f) = fs::OpenOptions::new().write(true).open(path(*s)) {
                let now = f.metadata().map(|m| m.len()).unwrap_or(0);
                let _ = f.set_len(now.min(*len as u64));
            }
        }
        Op::Flip { store: s, at, byte } => {
            if let Ok(mut bytes) = fs::read(path(*s)) {
                if !bytes.is_empty() {
                    let i = *at as usize % bytes.len();
                    bytes[i] ^= byte | 1;
                    let _ = fs::write(path(*s), bytes);
                }
            }
        }
        Op::Remove { store: s } => {
            let p = path(*s);
            let _ = if p.is_dir() { fs::remove_dir_all(p) } else { fs::remove_file(p) };
        }
        Op::Directory { store: s } => {
            if !path(*s).exists() {
                let _ = fs::create_dir(path(*s));
            }
        }
        Op::Chmod { store: s, mode } => {
            // Keep the owner's read/write bits: a fuzzer run as an ordinary user would otherwise
            // only ever see "permission denied" once it found chmod.
            let _ = fs::set_permissions(path(*s), fs::Permissions::from_mode((*mode as u32 & 0o777) | 0o600));
        }
        Op::Temp { store: s, pid, nanos, old, temp, journal } => {
            let (pid, dead) = match pid {
                Pid::Own => (std::process::id(), false),
                Pid::Dead => (2_000_000_000, true),
            };
            let name = format!(".{}.{pid}.{nanos}.tmp", store(*s).file_name());
            let t = dir.join(&name);
            let j = dir.join(format!("{name}-journal"));
            let age = if *old { Duration::from_secs(3600) } else { Duration::ZERO };
            let plant = |p: &Path, planted: &mut BTreeMap<PathBuf, bool>| {
                if fs::write(p, b"half-built").is_ok() {
                    let f = fs::File::options().write(true).open(p).unwrap();
                    f.set_modified(SystemTime::now() - age).unwrap();
                    planted.insert(p.to_path_buf(), *old || dead);
                }
            };
            if *temp {
                plant(&t, planted);
            }
            if *journal {
                plant(&j, planted);
            }
        }
        Op::Companion { store: s, wal, bytes } => {
            let mut name = path(*s).into_os_string();
            name.push(if *wal { "-wal" } else { "-journal" });
            let _ = fs::write(name, bytes);
        }
    }
}

/// Which planted temps the documented rules remove: an orphan journal (its temp is gone), and a
/// temp (with its journal) whose pid is not running or that is older than any build takes.
fn expected_removed(planted: &BTreeMap<PathBuf, bool>) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    for (p, stale) in planted {
        if !p.exists() {
            continue;
        }
        let name = p.to_string_lossy();
        if let Some(temp) = name.strip_suffix("-journal") {
            let temp = PathBuf::from(temp);
            if !temp.exists() || planted.get(&temp) == Some(&true) {
                out.insert(p.clone());
            }
        } else if *stale {
            out.insert(p.clone());
        }
    }
    out
}

fn assert_documented(e: &StoreError, dir: &Path) {
    match e {
        StoreError::SchemaTooNew { db, .. } | StoreError::NotADatabase { db, .. } => {
            assert!(Store::ALL.iter().any(|s| s.file_name() == db), "{e}: names no store");
        }
        StoreError::NotAFile { path } | StoreError::Io { path, .. } => {
            assert!(path.starts_with(dir), "{e}: a path outside the directory");
            assert!(!is_temp_name(&path.to_string_lossy()), "{e}: names a temp file");
        }
        StoreError::Sqlite { .. }
        | StoreError::Unadoptable { .. }
        | StoreError::VerifyFailed { .. }
        | StoreError::ForeignKeyCheck { .. } => {}
        other => panic!("an undocumented error from a data directory: {other:?}"),
    }
    assert!(!e.to_string().is_empty());
}

fuzz_target!(|ops: Vec<Op>| {
    if ops.len() > 12 {
        return;
    }
    let root = scratch();
    let dir = root.path().join("data");
    let outside = root.path().join("outside");
    fs::create_dir(&dir).unwrap();
    fs::create_dir(&outside).unwrap();
    fs::write(outside.join("objects.db"), &images()[4]).unwrap();
    let mut planted = BTreeMap::new();
    for op in &ops {
        apply(&dir, op, &mut planted);
    }
    let around = snapshot(&outside);
    let parent_entries = fs::read_dir(root.path()).unwrap().count();
    let before = snapshot(&dir);

    // Vetting and status are read-only.
    let vetted: Vec<Result<bool, StoreError>> = Store::ALL.iter().map(|s| datadir::preflight(&dir, *s)).collect();
    let statuses = datadir::status_data_dir_checked(&dir, true);
    for s in &statuses {
        match s.state {
            State::Unreadable => assert!(s.error.is_some(), "{s:?}"),
            _ => assert!(s.error.is_none(), "{s:?}"),
        }
    }
    let plan = datadir::plan_data_dir(&dir);
    let now = snapshot(&dir);
    assert!(now == before, "vetting, status or the dry run wrote to the directory: {}", diff(&before, &now));
    let vetting_error = vetted.iter().find_map(|r| r.as_ref().err());

    let removable = expected_removed(&planted);
    let result = datadir::migrate_data_dir_report(&dir);
    match (&result, vetting_error) {
        (Err(e), Some(v)) => {
            assert_eq!(e.to_string(), v.to_string(), "the migration's error is not the vetting's");
            assert_documented(e, &dir);
            let now = snapshot(&dir);
            assert!(now == before, "a refused directory was changed ({e}): {}", diff(&before, &now));
            assert_eq!(plan.as_ref().map_err(|p| p.to_string()).err(), Some(e.to_string()), "the plan");
        }
        (Ok(_), Some(v)) => panic!("vetting refused ({v}) but the migration went ahead"),
        (Err(e), None) => {
            assert_documented(e, &dir);
            assert!(
                !matches!(
                    e,
                    StoreError::SchemaTooNew { .. } | StoreError::NotADatabase { .. } | StoreError::NotAFile { .. }
                ),
                "vetting passed, then the migration refused: {e}"
            );
            // Stale temps go once every tripwire has passed, whatever happens after.
            for p in &removable {
                assert!(!p.exists(), "stale {} survived a migration that passed vetting", p.display());
            }
        }
        (Ok(report), None) => {
            let removed: BTreeSet<PathBuf> = report.stale_temps.iter().cloned().collect();
            assert_eq!(removed, removable, "stale temps removed vs the documented rules");
            for p in planted.keys().filter(|p| !removable.contains(*p)) {
                if before.contains_key(p.strip_prefix(&dir).unwrap()) {
                    assert!(p.exists(), "{} (a live build's) was removed", p.display());
                }
            }
            if let Ok(plan) = &plan {
                assert_eq!(plan.reports, report.reports, "the dry run's reports differ from the migration's");
            } else {
                panic!("the plan failed ({:?}) where the migration succeeded", plan.err());
            }
            for s in datadir::status_data_dir(&dir) {
                // A file whose damage lies outside its schema (a page of one of its own tables,
                // which no migration reads, as the original module did not) migrates, and is
                // still damaged after: its status then says so, as it did before.
                let was_damaged = statuses.iter().any(|b| b.store == s.store && b.state == State::Unreadable);
                if s.state == State::Unreadable && was_damaged {
                    assert!(s.error.is_some(), "{s:?}");
                    continue;
                }
                assert_eq!(s.state, State::Current, "after a successful migration: {s:?}");
                assert_eq!(s.user_version, Some(s.expected_version));
            }
            // No temp of this run is left behind.
            for name in fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()) {
                if is_temp_name(&name.to_string_lossy()) {
                    assert!(planted.contains_key(&name), "{} left behind", name.display());
                }
            }
            let settled = snapshot(&dir);
            let again = datadir::migrate_data_dir_report(&dir).expect("a second migration");
            assert!(again.reports.iter().all(|r| r.is_noop()), "{:?}", again.reports);
            assert!(again.stale_temps.is_empty(), "{:?}", again.stale_temps);
            let now = snapshot(&dir);
            assert!(now == settled, "a second migration changed the directory: {}", diff(&settled, &now));
        }
    }
    assert!(snapshot(&outside) == around, "something outside the data directory changed");
    assert_eq!(fs::read_dir(root.path()).unwrap().count(), parent_entries, "an entry appeared beside the directory");
});
