//! A read-only SQLite VFS over bytes the caller can read at any offset (a browser `Blob`, a file
//! descriptor in Node): SQLite's page reads become reads of those byte ranges, so a database of
//! any size is inspected while only the pages a query touches are ever in memory.
//!
//! Between SQLite and the source sit a few "read heads" (after sql.js-httpvfs's lazy file): a
//! read that continues where a head's last fetch ended doubles that head's window (4 KiB up to
//! 1 MiB), a read elsewhere starts a head at one chunk. SQLite's own page cache keeps the pages it
//! reuses; the heads only turn a scan of consecutive pages into few large reads, because every
//! read of the source (a `FileReaderSync` call, a `readSync`) has a fixed cost. Memory is bounded:
//! at most `HEADS` windows of at most `MAX_WINDOW` bytes.
//!
//! The file is never written: the VFS refuses every write, and the connection is opened
//! read-only and `immutable` (no locks, no journal lookups).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use rusqlite::{Connection, OpenFlags};
use sqlite_wasm_rs::vfs::{
    register_vfs, registered_vfs, AccessMode, DeviceCharacteristics, LockLevel, OpenAccess, OpenOptions, OpenRequest,
    OpenedFile, OsCallback, SQLiteIoMethods, SQLiteVfs, SyncOptions, VfsError, VfsErrorCode, VfsFile, VfsResult,
    VfsStore,
};
use sqlite_wasm_rs::WasmOsCallback;

use super::{Db, Sqlite as _};
use crate::StoreError;

/// The VFS's registered name.
pub const VFS_NAME: &str = "agentmux-readonly";

/// The unit of a fetch, and a head's first window.
const CHUNK: u64 = 4096;
/// The largest window a head grows to.
const MAX_WINDOW: u64 = 1 << 20;
/// How many read heads a file keeps.
const HEADS: usize = 4;

/// Bytes that can be read at any offset. `read_at` fills `buf` from `offset` and returns how many
/// bytes it read: fewer than asked only at the end of the source. An error carries a message for
/// SQLite's log; the source keeps whatever else it knows about the failure for its caller.
pub trait ByteSource {
    fn size(&self) -> u64;
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, String>;
}

/// What the reads of one open file cost (for tests and benchmarks).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReadStats {
    /// Reads SQLite asked for.
    pub requests: u64,
    /// Reads of the source.
    pub fetches: u64,
    /// Bytes read from the source.
    pub bytes: u64,
}

struct Head {
    start: u64,
    bytes: Vec<u8>,
    window: u64,
    last_use: u64,
}

impl Head {
    fn end(&self) -> u64 {
        self.start + self.bytes.len() as u64
    }
}

/// A source behind read heads.
struct Reader {
    source: Rc<dyn ByteSource>,
    size: u64,
    heads: Vec<Head>,
    clock: u64,
    stats: Rc<RefCell<ReadStats>>,
}

impl Reader {
    fn read(&mut self, buf: &mut [u8], offset: u64) -> Result<usize, String> {
        self.clock += 1;
        self.stats.borrow_mut().requests += 1;
        if buf.is_empty() || offset >= self.size {
            return Ok(0);
        }
        let end = (offset + buf.len() as u64).min(self.size);
        let n = (end - offset) as usize;
        let index = match self.heads.iter().position(|h| h.start <= offset && end <= h.end()) {
            Some(i) => i,
            None => self.fetch(offset, end)?,
        };
        let head = &mut self.heads[index];
        head.last_use = self.clock;
        let at = (offset - head.start) as usize;
        buf[..n].copy_from_slice(&head.bytes[at..at + n]);
        Ok(n)
    }

    /// Fill a head with a window covering `offset..end`; returns the head's index.
    fn fetch(&mut self, offset: u64, end: u64) -> Result<usize, String> {
        let start = offset / CHUNK * CHUNK;
        // A read that continues a head's last fetch is a scan: that head reads further ahead.
        let (index, window) = match self.heads.iter().position(|h| h.end() == start) {
            Some(i) => (i, (self.heads[i].window * 2).min(MAX_WINDOW)),
            None if self.heads.len() < HEADS => {
                self.heads.push(Head { start, bytes: Vec::new(), window: CHUNK, last_use: 0 });
                (self.heads.len() - 1, CHUNK)
            }
            None => {
                let lru = (0..self.heads.len()).min_by_key(|&i| self.heads[i].last_use).unwrap_or(0);
                (lru, CHUNK)
            }
        };
        let wanted = (end - start).div_ceil(CHUNK) * CHUNK;
        let len = window.max(wanted).min(self.size - start) as usize;
        let head = &mut self.heads[index];
        head.start = start;
        head.window = window;
        head.bytes.clear();
        head.bytes.try_reserve_exact(len).map_err(|_| format!("no memory for a {len}-byte read"))?;
        head.bytes.resize(len, 0);
        let mut done = 0;
        while done < len {
            match self.source.read_at(&mut head.bytes[done..], start + done as u64) {
                Ok(0) => break,
                Ok(k) => done += k,
                Err(e) => {
                    head.bytes.clear();
                    return Err(e);
                }
            }
        }
        // The source ended early (it shrank since it was measured): keep what it gave.
        head.bytes.truncate(done);
        let mut stats = self.stats.borrow_mut();
        stats.fetches += 1;
        stats.bytes += done as u64;
        Ok(index)
    }
}

/// One open file of this VFS.
struct ReadOnlyFile {
    reader: Reader,
}

fn io_error(code: VfsErrorCode, message: String) -> VfsError {
    VfsError::new(code, message.into())
}

impl VfsFile for ReadOnlyFile {
    fn read(&mut self, buf: &mut [u8], offset: u64) -> VfsResult<usize> {
        let n = self.reader.read(buf, offset).map_err(|m| io_error(VfsErrorCode::IoRead, m))?;
        // A WAL-mode file is read as a rollback-mode one (header bytes 18-19 = 1): this VFS has no
        // shared memory for a WAL index, and, as for an image loaded into memory, only the main
        // file is read.
        for at in 18..20u64 {
            if offset <= at && at < offset + n as u64 && buf[(at - offset) as usize] == 2 {
                buf[(at - offset) as usize] = 1;
            }
        }
        Ok(n)
    }

    fn write(&mut self, _buf: &[u8], _offset: u64) -> VfsResult<()> {
        Err(io_error(VfsErrorCode::ReadOnly, "this database is opened read-only".into()))
    }

    fn truncate(&mut self, _size: u64) -> VfsResult<()> {
        Err(io_error(VfsErrorCode::ReadOnly, "this database is opened read-only".into()))
    }

    fn sync(&mut self, _options: SyncOptions) -> VfsResult<()> {
        Ok(())
    }

    fn size(&self) -> VfsResult<u64> {
        Ok(self.reader.size)
    }

    // No other connection can write the source through this VFS, and the caller promises not to
    // change it while it is open (`immutable`).
    fn lock(&mut self, _level: LockLevel) -> VfsResult<()> {
        Ok(())
    }

    fn unlock(&mut self, _level: LockLevel) -> VfsResult<()> {
        Ok(())
    }

    fn check_reserved_lock(&self) -> VfsResult<bool> {
        Ok(false)
    }

    fn device_characteristics(&self) -> DeviceCharacteristics {
        DeviceCharacteristics::IMMUTABLE
    }
}

/// A source waiting for SQLite's `xOpen`, with the counters its file will fill.
struct Pending {
    source: Rc<dyn ByteSource>,
    stats: Rc<RefCell<ReadStats>>,
}

thread_local! {
    /// Sources handed to [`open`], by the name SQLite will open them under (each name is used
    /// for one open only).
    static PENDING: RefCell<BTreeMap<String, Pending>> = const { RefCell::new(BTreeMap::new()) };
    static NEXT_ID: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

struct ReadOnlyStore;

impl VfsStore for ReadOnlyStore {
    type File = ReadOnlyFile;
    type AppData = WasmOsCallback;

    fn open_file(_data: &WasmOsCallback, request: OpenRequest<'_>) -> VfsResult<OpenedFile<ReadOnlyFile>> {
        let name = request.filename.map(|f| f.path().to_string()).unwrap_or_default();
        let pending = PENDING.with(|p| p.borrow_mut().remove(&name)).ok_or_else(|| {
            io_error(VfsErrorCode::CantOpen, format!("{VFS_NAME} opens only the files handed to it: {name:?}"))
        })?;
        let size = pending.source.size();
        let reader = Reader { source: pending.source, size, heads: Vec::new(), clock: 0, stats: pending.stats };
        Ok(OpenedFile { file: ReadOnlyFile { reader }, access: OpenAccess::ReadOnly })
    }

    fn close_file(_data: &WasmOsCallback, _name: Option<&str>, _file: ReadOnlyFile, _o: OpenOptions) -> VfsResult<()> {
        Ok(())
    }

    // No journal, WAL or other companion file exists for a read-only source.
    fn access(_data: &WasmOsCallback, _name: &str, _mode: AccessMode) -> VfsResult<bool> {
        Ok(false)
    }

    fn full_pathname(_data: &WasmOsCallback, name: &str) -> VfsResult<String> {
        Ok(name.to_string())
    }

    fn delete_file(_data: &WasmOsCallback, name: &str, _sync_dir: bool) -> VfsResult<()> {
        Err(io_error(VfsErrorCode::IoDelete, format!("{VFS_NAME} deletes nothing: {name:?}")))
    }
}

struct ReadOnlyIo;

impl SQLiteIoMethods for ReadOnlyIo {
    type Store = ReadOnlyStore;
}

struct ReadOnlyVfs;

impl SQLiteVfs<ReadOnlyIo> for ReadOnlyVfs {
    type Os = dyn OsCallback;

    fn os(data: &WasmOsCallback) -> &Self::Os {
        data
    }
}

#[allow(unsafe_code)]
fn register() -> Result<(), StoreError> {
    let failed = |message: String| StoreError::Driver { message, sql: None, source: None };
    // SAFETY: wasm32 without threads: every SQLite call is on this one thread, in sequence.
    unsafe {
        if registered_vfs(VFS_NAME).map_err(|e| failed(e.to_string()))?.is_some() {
            return Ok(());
        }
        let registration = register_vfs::<ReadOnlyIo, ReadOnlyVfs>(VFS_NAME, WasmOsCallback, false)
            .map_err(|e| failed(format!("registering the {VFS_NAME} VFS: {e}")))?;
        // Registered for the life of the module.
        let _ = registration.into_raw();
    }
    Ok(())
}

/// Open `source` read-only as a database. The returned counters fill as SQLite reads.
pub fn open(source: Rc<dyn ByteSource>) -> Result<(Db, Rc<RefCell<ReadStats>>), StoreError> {
    register()?;
    let id = NEXT_ID.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    let name = format!("readonly-{id}");
    let stats = Rc::new(RefCell::new(ReadStats::default()));
    PENDING.with(|p| p.borrow_mut().insert(name.clone(), Pending { source, stats: stats.clone() }));
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let opened = Connection::open_with_flags_and_vfs(format!("file:{name}?immutable=1"), flags, VFS_NAME);
    // Dropped unopened if SQLite failed before its xOpen.
    PENDING.with(|p| p.borrow_mut().remove(&name));
    let conn = opened.or_store()?;
    // Of the settings every connection gets (`Db::new`), the read-only one needs foreign-key
    // enforcement only (it is part of what `foreign_key_check` and status report); `page_size`
    // and `cache_size` would load the schema here, so a damaged catalogue would fail at open
    // instead of at the first query, as it does for an image loaded into memory.
    conn.execute_batch("PRAGMA foreign_keys = ON").or_store()?;
    Ok((Db { conn, wal: false }, stats))
}
