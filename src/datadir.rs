//! The server's data directory: `objects.db`, `filestore.db` and `sagas.db` side by side.
//!
//! All three files are vetted read-only (regular file, sane header, tripwire) before any of them
//! is written, so a too-new `sagas.db` leaves `objects.db` untouched, or uncreated. A missing
//! file is built under a temporary name and linked into place only once complete, so no reader
//! (or a second server starting at the same moment) ever sees a half-made database.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags};

use crate::header::check_image;
use crate::tripwire::check_schema_compat;
use crate::{migrate, status, MigrationReport, Store, StoreError, StoreStatus};

/// Where each store lives inside `dir`.
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
pub fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut wal_companion = path.as_os_str().to_owned();
    wal_companion.push("-wal");
    if is_wal_file(path) && !Path::new(&wal_companion).exists() {
        let uri = format!("file:{}?immutable=1", uri_path(path));
        return Ok(Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)?);
    }
    Ok(Connection::open_with_flags(path, flags)?)
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
    open_read_only(path).map(Some)
}

/// Vet one file without writing: `Ok(false)` if it does not exist, `Ok(true)` if it may be
/// migrated, an error if it must not be touched.
pub fn preflight(dir: &Path, store: Store) -> Result<bool, StoreError> {
    let Some(conn) = open_vetted(&path_of(dir, store), store)? else { return Ok(false) };
    check_schema_compat(&conn, store.version(), store.file_name())?;
    Ok(true)
}

/// Check every store's tripwire, then migrate each one atomically. Returns one report per
/// store, in [`Store::ALL`] order.
///
/// If a later store fails after an earlier one was migrated, the earlier one stays migrated:
/// each file's migration is atomic on its own, and every one of them is a valid database for
/// this build.
pub fn migrate_data_dir(dir: &Path) -> Result<Vec<MigrationReport>, StoreError> {
    let mut exists = [false; 3];
    for (i, store) in Store::ALL.into_iter().enumerate() {
        exists[i] = preflight(dir, store)?;
    }
    if !exists.iter().all(|e| *e) {
        fs::create_dir_all(dir).map_err(|source| StoreError::Io { path: dir.to_path_buf(), source })?;
    }
    Store::ALL
        .into_iter()
        .zip(exists)
        .map(
            |(store, existed)| {
                if existed {
                    migrate_file(&path_of(dir, store), store)
                } else {
                    create_file(dir, store)
                }
            },
        )
        .collect()
}

/// Migrate one existing file.
pub fn migrate_file(path: &Path, store: Store) -> Result<MigrationReport, StoreError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    migrate(&conn, store)
}

/// Build a new database beside its final name and link it into place without replacing
/// anything. If another process got there first, migrate (i.e. re-check) theirs instead.
fn create_file(dir: &Path, store: Store) -> Result<MigrationReport, StoreError> {
    let target = path_of(dir, store);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let temp_name = format!(".{}.{}.{nanos}.tmp", store.file_name(), std::process::id());
    let temp = dir.join(&temp_name);
    let built = (|| {
        let conn = Connection::open(&temp)?;
        let report = migrate(&conn, store)?;
        conn.close().map_err(|(_, e)| StoreError::from(e))?;
        Ok::<_, StoreError>(report)
    })();
    let linked = built.and_then(|report| match fs::hard_link(&temp, &target) {
        Ok(()) => Ok(Some(report)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
        Err(source) => Err(StoreError::Io { path: target.clone(), source }),
    });
    let _ = fs::remove_file(&temp);
    let _ = fs::remove_file(dir.join(format!("{temp_name}-journal")));
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
            migrate_file(&target, store)
        }
    }
}

/// Read-only status of all three stores; never creates or modifies anything.
pub fn status_data_dir(dir: &Path) -> Vec<StoreStatus> {
    Store::ALL.into_iter().map(|store| status_file(&path_of(dir, store), store)).collect()
}

/// Read-only status of one file.
pub fn status_file(path: &Path, store: Store) -> StoreStatus {
    match open_vetted(path, store) {
        Ok(Some(conn)) => status(&conn, store),
        Ok(None) => StoreStatus::missing(store),
        Err(e) => StoreStatus::unreadable(store, &e),
    }
}
