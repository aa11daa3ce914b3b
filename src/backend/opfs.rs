//! OPFS persistence through `sqlite-wasm-vfs`'s `sahpool` VFS (dedicated Worker only).

use rusqlite::{Connection, OpenFlags};
use sqlite_wasm_rs::WasmOsCallback;
use sqlite_wasm_vfs::sahpool::{install as sah_install, OpfsSAHPoolCfgBuilder};
pub use sqlite_wasm_vfs::sahpool::{OpfsSAHError, OpfsSAHPoolUtil};

use super::Db;
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
        Db::new(Connection::open_with_flags_and_vfs(name, flags, self.vfs_name.as_str())?)
    }
}
