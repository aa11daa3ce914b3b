//! OPFS persistence through `sqlite-wasm-vfs`'s `sahpool` VFS (dedicated Worker only).

use rusqlite::{Connection, OpenFlags};
use sqlite_wasm_rs::vfs::transfer::DbTransfer;
use sqlite_wasm_rs::vfs::VfsFilesManager;
use sqlite_wasm_rs::WasmOsCallback;
use sqlite_wasm_vfs::sahpool::{install as sah_install, OpfsSAHPoolCfgBuilder};
pub use sqlite_wasm_vfs::sahpool::{OpfsSAHError, OpfsSAHPoolUtil};

use super::{Db, Sqlite as _};
use crate::StoreError;

/// Pool slots kept free beside the database files for SQLite's temporary files. While one
/// migration runs, it may hold its journal plus the sorter's spill file (an index built over
/// millions of rows), a statement journal and the temp database at once.
pub const SPARE_SLOTS: usize = 5;

/// An installed pool and the VFS name to open its files with.
#[derive(Clone)]
pub struct Pool {
    pub util: OpfsSAHPoolUtil,
    pub vfs_name: String,
}

/// Install (or reuse) the sahpool VFS named `vfs_name` over OPFS directory `directory`.
/// It is not made the default VFS: in-memory databases stay in memory.
pub async fn install(vfs_name: &str, directory: &str) -> Result<Pool, OpfsSAHError> {
    let cfg = OpfsSAHPoolCfgBuilder::new().vfs_name(vfs_name).directory(directory).build();
    let util = sah_install::<WasmOsCallback>(&cfg, false).await?;
    // Best effort: a pool that cannot grow (its origin's quota is full) still installs, so its
    // files can be read and exported; its databases then keep temporary files in memory.
    let _ = keep_spare(&util).await;
    Ok(Pool { util, vfs_name: vfs_name.to_string() })
}

/// Grow the pool so that [`SPARE_SLOTS`] slots are free beside the files it holds (it never
/// shrinks). Called where the API is already asynchronous: at install and after a streamed import.
pub async fn keep_spare(util: &OpfsSAHPoolUtil) -> Result<(), OpfsSAHError> {
    util.ensure_capacity(util.names()?.len() + SPARE_SLOTS).await
}

/// Whether the pool has room for a migration's temporary files (see [`SPARE_SLOTS`]).
fn has_spare(util: &OpfsSAHPoolUtil) -> bool {
    util.names().is_ok_and(|names| util.capacity() >= names.len() + SPARE_SLOTS)
}

impl Pool {
    /// Open (creating if needed) the database file `name` in the pool.
    ///
    /// SQLite's temporary files go to the pool too (`PRAGMA temp_store = FILE`), as they go to
    /// disk natively. The browser build keeps them in memory by default (`SQLITE_TEMP_STORE=2`),
    /// and then SQLite never spills a sort: building an index over a large table would hold every
    /// key in the wasm heap, which never shrinks. On files the sorter spills past the cache size
    /// (2 MiB), so a migration's memory stays flat whatever the file's size. A pool without
    /// [`SPARE_SLOTS`] free slots (filled by synchronous `importFile`s since the last
    /// [`keep_spare`]) keeps them in memory rather than failing for want of a slot.
    pub fn open(&self, name: &str) -> Result<Db, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags_and_vfs(name, flags, self.vfs_name.as_str()).or_store()?;
        if has_spare(&self.util) {
            conn.execute_batch("PRAGMA temp_store = FILE").or_store()?;
        }
        Db::new(conn)
    }

    /// Settle the journal a crash may have left beside `name` (which must be closed), so the file
    /// can be exported whole: the state SQLite itself would read is what is left.
    ///
    /// A hot journal (one whose header is intact) is rolled back by opening the database and
    /// reading it, as any connection would. A journal still there after that is one SQLite
    /// ignores: its first byte is zero (a `PERSIST` journal, or a crash after the commit zeroed its
    /// header), so the database file already holds exactly the committed state, and SQLite's next
    /// write transaction would overwrite it. It is removed, after checking that first byte here.
    /// Returns whether there was a journal.
    pub fn settle_journal(&self, name: &str) -> Result<bool, SettleError> {
        let journal = format!("{name}-journal");
        if !self.util.contains(&journal)? || !self.util.contains(name)? {
            return Ok(false);
        }
        let db = self.open(name)?;
        crate::SqlConn::query(&db, "SELECT count(*) FROM sqlite_master", &[])?;
        db.close().map_err(|failed| failed.1)?;
        if !self.util.contains(&journal)? {
            return Ok(true);
        }
        let mut first = [0u8; 1];
        let mut export = self.util.begin_export(&journal)?;
        if export.size() > 0 {
            export.read(&mut first)?;
        }
        drop(export);
        if first[0] != 0 {
            return Err(SettleError::HotJournal(journal));
        }
        self.util.remove(&journal)?;
        Ok(true)
    }
}

/// Why [`Pool::settle_journal`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettleError {
    #[error(transparent)]
    Pool(#[from] OpfsSAHError),
    #[error(transparent)]
    Sqlite(#[from] StoreError),
    /// SQLite read the database without rolling this journal back, yet its header is intact: it
    /// is kept, and the file is not exported.
    #[error("{0:?} has an intact header after SQLite opened the database: it is kept")]
    HotJournal(String),
}
