//! OPFS persistence through `sqlite-wasm-vfs`'s `sahpool` VFS (dedicated Worker only).

use rusqlite::{Connection, OpenFlags};
use sqlite_wasm_rs::vfs::transfer::DbTransfer;
use sqlite_wasm_rs::vfs::VfsFilesManager;
use sqlite_wasm_rs::WasmOsCallback;
use sqlite_wasm_vfs::sahpool::{install as sah_install, OpfsSAHPoolCfgBuilder};
pub use sqlite_wasm_vfs::sahpool::{OpfsSAHError, OpfsSAHPoolUtil};

use super::{Db, Sqlite as _};
use crate::StoreError;

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
    Ok(Pool { util, vfs_name: vfs_name.to_string() })
}

impl Pool {
    /// Open (creating if needed) the database file `name` in the pool.
    pub fn open(&self, name: &str) -> Result<Db, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Db::new(Connection::open_with_flags_and_vfs(name, flags, self.vfs_name.as_str()).or_store()?)
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
