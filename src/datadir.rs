//! The server's data directory: `objects.db`, `filestore.db` and `sagas.db` side by side.
//!
//! All three files are vetted read-only (regular file, sane header, tripwire) before any of them
//! is written, so a too-new `sagas.db` leaves `objects.db` untouched, or uncreated. A missing
//! file is built under a temporary name and linked into place only once complete, so no reader
//! (or a second server starting at the same moment) ever sees a half-made database; what a
//! crashed build leaves behind is removed by the next migration. A 0-byte file is an empty
//! database, as it is to SQLite: it is reported as empty and migrated in place.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags, MAIN_DB};
use tracing::{info, warn};

use crate::api::AsSqlConn as _;
use crate::backend::Sqlite as _;
use crate::conn::SqlConn;
use crate::header::check_image;
use crate::status::{quick_check, Integrity};
use crate::{check_schema_compat, codes, migrate, status, MigrationReport, Store, StoreError, StoreStatus};

/// Where each store lives inside `dir`.
#[doc(hidden)]
pub fn path_of(dir: &Path, store: Store) -> PathBuf {
    dir.join(store.file_name())
}

/// Open an existing database without the ability to write to it — or to anything beside it.
///
/// A WAL-mode file normally needs `-wal`/`-shm` companions even to be read, and a read-only
/// connection would create them and leave them behind. When the file is WAL-mode and has no
/// `-wal` (the server shut down cleanly, so every commit is in the file itself) it is opened as
/// immutable instead, which reads the file alone. With a `-wal` present its contents matter, so
/// the ordinary read-only open is used and the existing companions are read.
///
/// A 0-byte file is opened as immutable too, whatever lies beside it: it is an empty database,
/// and SQLite *deletes* a `-wal` beside a database with no pages on any open, read-only ones
/// included: reading never removes a file (tests/files.rs
/// `read_only_paths_leave_a_stray_wal_beside_an_empty_file`).
#[doc(hidden)]
pub fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut wal_companion = path.as_os_str().to_owned();
    wal_companion.push("-wal");
    let empty = fs::metadata(path).is_ok_and(|m| m.len() == 0);
    if empty || (is_wal_file(path) && !Path::new(&wal_companion).exists()) {
        let uri = format!("file:{}?immutable=1", uri_path(path));
        return Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI).or_store();
    }
    Connection::open_with_flags(path, flags).or_store()
}

fn is_wal_file(path: &Path) -> bool {
    let mut head = Vec::with_capacity(20);
    fs::File::open(path).and_then(|f| f.take(20).read_to_end(&mut head)).is_ok() && crate::header::is_wal_image(&head)
}

/// Percent-encode a path for an SQLite `file:` URI.
fn uri_path(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for b in abs.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Open an existing store file read-only after checking that it is a regular file with a sane
/// SQLite header; `Ok(None)` if it does not exist. Shared by the migration's preflight and by
/// `status`, so both judge a file the same way.
fn open_vetted(path: &Path, store: Store) -> Result<Option<Connection>, StoreError> {
    let io = |source| StoreError::Io { path: path.to_path_buf(), source };
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    if !meta.is_file() {
        return Err(StoreError::NotAFile { path: path.to_path_buf() });
    }
    let mut head = Vec::with_capacity(100);
    fs::File::open(path).map_err(io)?.take(100).read_to_end(&mut head).map_err(io)?;
    check_image(store.file_name(), &head, meta.len())?;
    let conn = open_read_only(path)?;
    // Its schema must parse: `migrate` reads only the version of a current file, and must not call
    // up to date what `status` calls unreadable (tests/files.rs
    // `a_current_file_whose_schema_does_not_parse_is_refused_by_vetting`).
    match conn.as_sql_conn().query_i64("SELECT count(*) FROM sqlite_master", &[]) {
        Err(StoreError::Sqlite { code, message, .. }) if matches!(code & 0xff, codes::CORRUPT | codes::NOTADB) => {
            Err(StoreError::NotADatabase { db: store.file_name().to_string(), reason: message })
        }
        Err(e) => Err(e),
        Ok(_) => Ok(Some(conn)),
    }
}

/// Vet one file without writing: `Ok(false)` if it does not exist, `Ok(true)` if it may be
/// migrated, an error if it must not be touched.
#[doc(hidden)]
pub fn preflight(dir: &Path, store: Store) -> Result<bool, StoreError> {
    let Some(conn) = open_vetted(&path_of(dir, store), store)? else { return Ok(false) };
    check_schema_compat(&conn, store.version(), store.file_name())?;
    Ok(true)
}

/// Whether `dir` is an existing directory (`Ok(false)`: nothing there). Anything else at that
/// path — a regular file, a dangling link — is an error, so a typo is never mistaken for a
/// fresh install.
#[doc(hidden)]
pub fn vet_dir(dir: &Path) -> Result<bool, StoreError> {
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(true),
        Ok(_) => Err(StoreError::Io {
            path: dir.to_path_buf(),
            source: io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(StoreError::Io { path: dir.to_path_buf(), source }),
    }
}

/// The outcome of [`migrate_data_dir_report`] or [`plan_data_dir`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirReport {
    /// One report per store, in [`Store::ALL`] order.
    pub reports: Vec<MigrationReport>,
    /// Temporary files a crashed run left behind: removed by a migration, or (for a plan) the
    /// ones a migration would remove now.
    pub stale_temps: Vec<PathBuf>,
}

/// Check every store's tripwire, then migrate each one atomically. Returns one report per
/// store, in [`Store::ALL`] order. The directory is created if it does not exist.
///
/// If a later store fails after an earlier one was migrated, the earlier one stays migrated:
/// each file's migration is atomic on its own, and every one of them is a valid database for
/// this build.
///
/// # Errors
///
/// Nothing is written when vetting fails:
/// - [`StoreError::SchemaTooNew`]: a file was stamped by a newer build;
/// - [`StoreError::NotADatabase`]: a file is garbage or truncated, or its schema does not parse
///   (a 0-byte file is fine: it is an empty database);
/// - [`StoreError::NotAFile`]: a store's path is a directory or another non-file;
/// - [`StoreError::Io`]: the directory or a file cannot be read (permissions, …).
///
/// After vetting, any error of [`crate::migrate`] for one store leaves that file unchanged.
///
/// ```
/// use agentmux_schema::{datadir::migrate_data_dir, Outcome};
/// let dir = tempfile::tempdir().unwrap();
/// let reports = migrate_data_dir(dir.path()).unwrap();
/// assert!(reports.iter().all(|r| r.outcome == Outcome::Created));
/// assert!(dir.path().join("objects.db").is_file() && dir.path().join("sagas.db").is_file());
/// assert!(migrate_data_dir(dir.path()).unwrap().iter().all(|r| r.outcome == Outcome::UpToDate));
/// ```
pub fn migrate_data_dir(dir: &Path) -> Result<Vec<MigrationReport>, StoreError> {
    migrate_data_dir_report(dir).map(|r| r.reports)
}

/// [`migrate_data_dir`], also saying which stale temporary files it removed (see
/// [`remove_stale_temps`]). They are removed only once every tripwire has passed, so a refused
/// directory is left exactly as it was.
#[doc(hidden)]
pub fn migrate_data_dir_report(dir: &Path) -> Result<DirReport, StoreError> {
    run_data_dir(dir, migrate)
}

/// [`migrate_data_dir_report`] with [`crate::repair`] for the files that exist: a current file's
/// schema work runs again too (tables whose foreign keys are stale are rebuilt, missing indexes
/// and blank rows added), every row kept. The CLI's `migrate --repair`.
#[doc(hidden)]
pub fn repair_data_dir_report(dir: &Path) -> Result<DirReport, StoreError> {
    run_data_dir(dir, crate::repair)
}

/// How one existing file is brought forward: [`migrate`] or [`crate::repair`].
type Job = fn(&Connection, Store) -> Result<MigrationReport, StoreError>;

fn run_data_dir(dir: &Path, job: Job) -> Result<DirReport, StoreError> {
    let mut exists = [false; 3];
    for (i, store) in Store::ALL.into_iter().enumerate() {
        exists[i] = preflight(dir, store)?;
    }
    if !exists.iter().all(|e| *e) {
        fs::create_dir_all(dir).map_err(|source| StoreError::Io { path: dir.to_path_buf(), source })?;
    }
    let stale_temps = remove_stale_temps(dir);
    let reports = Store::ALL
        .into_iter()
        .zip(exists)
        .map(|(store, existed)| if existed { migrate_in_dir(dir, store, job) } else { create_file(dir, store) })
        .collect::<Result<_, _>>()?;
    Ok(DirReport { reports, stale_temps })
}

/// What [`migrate_data_dir_report`] would do, without writing anything: each file is vetted
/// exactly as a migration vets it, copied into memory (through a read-only connection, so
/// a `-wal` is honoured and nothing is created beside the file) and the copy is migrated.
/// A missing file (or directory) is planned as created. Errors are the ones the migration
/// would return.
///
/// ```
/// use agentmux_schema::{datadir::plan_data_dir, Outcome};
/// let dir = tempfile::tempdir().unwrap();
/// let plan = plan_data_dir(dir.path()).unwrap();
/// assert!(plan.reports.iter().all(|r| r.outcome == Outcome::Created));
/// assert!(!dir.path().join("objects.db").exists(), "a plan writes nothing");
/// ```
pub fn plan_data_dir(dir: &Path) -> Result<DirReport, StoreError> {
    plan(dir, crate::migrate::<_, crate::backend::Db>)
}

/// What [`repair_data_dir_report`] would do, without writing anything (see [`plan_data_dir`]).
#[doc(hidden)]
pub fn plan_repair_data_dir(dir: &Path) -> Result<DirReport, StoreError> {
    plan(dir, crate::repair::<_, crate::backend::Db>)
}

fn plan(
    dir: &Path,
    job: fn(&crate::backend::Db, Store) -> Result<MigrationReport, StoreError>,
) -> Result<DirReport, StoreError> {
    let mut copies = Vec::with_capacity(3);
    for store in Store::ALL {
        let copy = match open_vetted(&path_of(dir, store), store)? {
            Some(mut conn) => {
                check_schema_compat(&conn, store.version(), store.file_name())?;
                // SQLite cannot serialize a database with no pages (a 0-byte file): that one is
                // simply an empty database.
                if conn.as_sql_conn().query_i64("PRAGMA page_count", &[])?.unwrap_or(0) == 0 {
                    crate::backend::memory()?
                } else {
                    crate::backend::from_bytes(&conn.serialize(MAIN_DB).or_store()?)?
                }
            }
            None => crate::backend::memory()?,
        };
        copies.push((store, copy));
    }
    let reports = copies.iter().map(|(store, copy)| job(copy, *store)).collect::<Result<_, _>>()?;
    let mut stale_temps = Vec::new();
    for temp in find_temps(dir) {
        match temp.orphan_journal {
            Some(true) => stale_temps.push(temp.path),
            Some(false) => {} // listed with its temp file, if that is stale
            None if temp.is_stale() => {
                let journal = journal_of(&temp.path);
                stale_temps.push(temp.path);
                if journal.exists() {
                    stale_temps.push(journal);
                }
            }
            None => {}
        }
    }
    stale_temps.sort();
    Ok(DirReport { reports, stale_temps })
}

/// Migrate one existing file.
#[doc(hidden)]
pub fn migrate_file(path: &Path, store: Store) -> Result<MigrationReport, StoreError> {
    run_file(path, store, migrate)
}

fn run_file(path: &Path, store: Store, job: Job) -> Result<MigrationReport, StoreError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .or_store()?;
    job(&conn, store)
}

fn migrate_in_dir(dir: &Path, store: Store, job: Job) -> Result<MigrationReport, StoreError> {
    let path = path_of(dir, store);
    run_file(&path, store, job).map_err(|e| explain_write_failure(e, &path, dir))
}

/// SQLite reports an unwritable file as "attempt to write a readonly database" and an
/// unwritable directory (no room for the journal) as "unable to open database file"; neither
/// says *permission*, nor which path. Turn them into an error naming the file or directory.
fn explain_write_failure(err: StoreError, path: &Path, dir: &Path) -> StoreError {
    if !matches!(err.sqlite_code(), Some(codes::READONLY | codes::CANTOPEN | codes::PERM)) {
        return err;
    }
    // Opening for writing without truncating or creating changes nothing on disk.
    match fs::OpenOptions::new().write(true).open(path) {
        Err(e) if is_refusal(&e) => denied(path, &e, "the file is not writable by this user"),
        Ok(_) => {
            let journal = format!("{}-journal", path.file_name().unwrap_or_default().to_string_lossy());
            let why = format!("the directory is not writable by this user (SQLite must create {journal} in it)");
            denied(dir, &io::Error::from(io::ErrorKind::PermissionDenied), &why)
        }
        Err(_) => err,
    }
}

fn is_refusal(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem)
}

fn denied(path: &Path, cause: &io::Error, why: &str) -> StoreError {
    let what =
        if cause.kind() == io::ErrorKind::ReadOnlyFilesystem { "read-only file system" } else { "permission denied" };
    StoreError::Io { path: path.to_path_buf(), source: io::Error::new(cause.kind(), format!("{what}: {why}")) }
}

/// Build a new database beside its final name and link it into place without replacing
/// anything. If another process got there first, migrate (i.e. re-check) theirs instead.
fn create_file(dir: &Path, store: Store) -> Result<MigrationReport, StoreError> {
    let target = path_of(dir, store);
    let (temp, claim) = claim_temp(dir, store)?;
    let built = (|| {
        let conn = Connection::open(&temp).or_store()?;
        let report = migrate(&conn, store)?;
        conn.close().map_err(|(_, e)| crate::backend::store_error(e))?;
        Ok::<_, StoreError>(report)
    })()
    // Failures here would otherwise name the temporary file; the user knows the directory.
    .map_err(|e| explain_write_failure(e, &temp, dir));
    // A `-wal` or `-journal` left beside a database that no longer exists would be applied to the
    // new one on its next open (SQLite matches neither to the file it came from): remove them
    // before linking, while there is still no database they could belong to (tests/files.rs
    // `a_stale_wal_beside_a_missing_database_is_not_applied_to_the_new_one`).
    let built = built.inspect(|_| {
        if !target.exists() {
            for companion in ["-wal", "-journal", "-shm"] {
                let mut name = target.as_os_str().to_owned();
                name.push(companion);
                let _ = fs::remove_file(PathBuf::from(name));
            }
        }
    });
    let linked = built.and_then(|report| match fs::hard_link(&temp, &target) {
        Ok(()) => Ok(Some(report)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(None),
        Err(e) if is_refusal(&e) => Err(denied(dir, &e, "the directory is not writable by this user")),
        Err(source) => Err(StoreError::Io { path: target.clone(), source }),
    });
    let _ = fs::remove_file(&temp);
    let _ = fs::remove_file(journal_of(&temp));
    drop(claim);
    match linked? {
        Some(report) => {
            // Make the new directory entry durable, as SQLite does for the file's contents.
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(report)
        }
        None => {
            preflight(dir, store)?;
            migrate_in_dir(dir, store, migrate)
        }
    }
}

// ---- Temporary files ------------------------------------------------------------------------
//
// A new database is built as `.<name>.<pid>.<nanos>.tmp` (plus SQLite's `-journal` while a
// transaction is open) and linked into place once complete. A process killed mid-build leaves
// both behind. The builder holds an exclusive advisory lock (`flock` on Unix, `LockFileEx` on
// Windows) on the temp file for its whole life; the kernel drops that lock the moment the
// process dies, however it dies, whichever PID namespace it ran in. So a temp is removed only
// when that lock can be taken. As a second guard (a build of this crate from before the lock
// existed, or a file system without working locks), a temp whose PID is still a running
// process on this machine is left alone unless it is older than any build could take.

/// No build of a fresh database takes anywhere near this long (it is milliseconds, plus at
/// most the lock wait); a temp this old belongs to no live build even if its PID was reused.
const STALE_AFTER: Duration = Duration::from_secs(600);

fn temp_name(store: Store, pid: u32, nanos: u128) -> String {
    format!(".{}.{pid}.{nanos}.tmp", store.file_name())
}

fn journal_of(temp: &Path) -> PathBuf {
    let mut name = temp.as_os_str().to_owned();
    name.push("-journal");
    PathBuf::from(name)
}

/// Create this process's temp file for `store` and lock it before anyone can mistake it for
/// stale. The returned handle holds the lock; drop it only after the temp is gone.
fn claim_temp(dir: &Path, store: Store) -> Result<(PathBuf, fs::File), StoreError> {
    let mut last = None;
    for _ in 0..8 {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let temp = dir.join(temp_name(store, std::process::id(), nanos));
        let file = match fs::OpenOptions::new().read(true).write(true).create_new(true).open(&temp) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) if is_refusal(&e) => {
                let why =
                    format!("cannot create {} here: the directory is not writable by this user", store.file_name());
                return Err(denied(dir, &e, &why));
            }
            Err(source) => return Err(StoreError::Io { path: dir.to_path_buf(), source }),
        };
        file.lock().map_err(|source| StoreError::Io { path: temp.clone(), source })?;
        // Between creating and locking, a cleaner in another process could have judged the
        // file stale and removed it; then start again under a new name.
        if temp.exists() {
            return Ok((temp, file));
        }
        last = Some(temp);
    }
    Err(StoreError::Io {
        path: last.unwrap_or_else(|| dir.to_path_buf()),
        source: io::Error::other("could not claim a temporary file name"),
    })
}

/// A temporary file (or the journal of one) found in a data directory.
#[derive(Debug)]
struct Temp {
    path: PathBuf,
    pid: u32,
    /// For a `-journal`, whether its temp file is gone (then nothing can be building it).
    orphan_journal: Option<bool>,
}

fn parse_temp(name: &str) -> Option<(u32, bool)> {
    let (base, journal) = match name.strip_suffix("-journal") {
        Some(b) => (b, true),
        None => (name, false),
    };
    let rest = Store::ALL.iter().find_map(|s| base.strip_prefix(&format!(".{}.", s.file_name())))?;
    let (pid, rest) = rest.split_once('.')?;
    let nanos = rest.strip_suffix(".tmp")?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(pid) && digits(nanos)).then(|| pid.parse().ok().map(|p| (p, journal)))?
}

fn find_temps(dir: &Path) -> Vec<Temp> {
    let Ok(entries) = fs::read_dir(dir) else { return vec![] };
    let mut out: Vec<Temp> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let (pid, journal) = parse_temp(&name)?;
            let path = e.path();
            let orphan_journal = journal.then(|| {
                let temp = path.to_string_lossy().strip_suffix("-journal").map(PathBuf::from);
                temp.is_none_or(|t| !t.exists())
            });
            Some(Temp { path, pid, orphan_journal })
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

impl Temp {
    /// Whether no live build can own this temp file (see the section comment).
    fn is_stale(&self) -> bool {
        self.with_lock(|_| ()).is_some()
    }

    /// Run `f` holding the temp's lock, if it can be taken and the file is stale.
    fn with_lock<T>(&self, f: impl FnOnce(&Path) -> T) -> Option<T> {
        let file = fs::File::open(&self.path).ok()?;
        if file.try_lock().is_err() {
            return None; // a live builder holds it (or locks do not work here: keep it)
        }
        let age = file.metadata().ok()?.modified().ok()?.elapsed().unwrap_or_default();
        if pid_is_running(self.pid) && age < STALE_AFTER {
            return None;
        }
        Some(f(&self.path))
    }
}

/// Whether `pid` is a running process on this machine. Only Linux answers cheaply (`/proc`);
/// elsewhere the lock alone decides.
fn pid_is_running(pid: u32) -> bool {
    cfg!(target_os = "linux") && Path::new("/proc").join(pid.to_string()).exists()
}

/// Remove the temporary files (and their journals) that crashed runs left in `dir`, never one
/// a live process is still building. Returns what was removed; a file that cannot be removed
/// is logged and left (it costs disk space, not correctness).
#[doc(hidden)]
pub fn remove_stale_temps(dir: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let mut remove = |path: &Path| match fs::remove_file(path) {
        Ok(()) => {
            info!(path = %path.display(), "removed a temporary file left by an interrupted run");
            removed.push(path.to_path_buf());
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => warn!(path = %path.display(), error = %e, "could not remove a stale temporary file"),
    };
    for temp in find_temps(dir) {
        match temp.orphan_journal {
            Some(true) => remove(&temp.path),
            Some(false) => {} // handled with its temp file, under that file's lock
            None => {
                let _ = temp.with_lock(|path| {
                    // The journal first: a temp without its journal is never mistaken for hot.
                    remove(&journal_of(path));
                    remove(path);
                });
            }
        }
    }
    removed
}

/// Read-only status of all three stores; never creates or modifies anything.
///
/// ```
/// use agentmux_schema::{datadir::{migrate_data_dir, status_data_dir}, State};
/// let dir = tempfile::tempdir().unwrap();
/// assert!(status_data_dir(dir.path()).iter().all(|s| s.state == State::Missing));
/// migrate_data_dir(dir.path()).unwrap();
/// assert!(status_data_dir(dir.path()).iter().all(|s| s.state == State::Current));
/// ```
pub fn status_data_dir(dir: &Path) -> Vec<StoreStatus> {
    Store::ALL.into_iter().map(|store| status_file(&path_of(dir, store), store)).collect()
}

/// Read-only status of one file.
#[doc(hidden)]
pub fn status_file(path: &Path, store: Store) -> StoreStatus {
    status_file_checked(path, store, false)
}

/// [`status_data_dir`], with SQLite's `quick_check` of every readable file when `integrity`
/// is set: it reads every page (still read-only), so it costs time proportional to the file.
#[doc(hidden)]
pub fn status_data_dir_checked(dir: &Path, integrity: bool) -> Vec<StoreStatus> {
    Store::ALL.into_iter().map(|store| status_file_checked(&path_of(dir, store), store, integrity)).collect()
}

/// [`status_file`], optionally with SQLite's `quick_check` (see [`status_data_dir_checked`]).
#[doc(hidden)]
pub fn status_file_checked(path: &Path, store: Store, integrity: bool) -> StoreStatus {
    match open_vetted(path, store) {
        Ok(Some(conn)) => {
            let mut s = status(&conn, store);
            if integrity && s.state != crate::State::Unreadable {
                s.integrity = Some(
                    quick_check(&conn.as_sql_conn())
                        .unwrap_or_else(|e| Integrity { ok: false, problems: vec![e.to_string()] }),
                );
            }
            s
        }
        Ok(None) => StoreStatus::missing(store),
        Err(e) => StoreStatus::unreadable(store, &e),
    }
}
