//! Persistent databases in the Origin Private File System, through `sqlite-wasm-vfs`'s `sahpool`
//! VFS. Only a dedicated Worker in a secure context can use it; elsewhere `installOpfs` throws
//! `OpfsError`.

use sqlite_wasm_rs::vfs::transfer::DbTransfer;
use sqlite_wasm_rs::vfs::VfsFilesManager;
use wasm_bindgen::prelude::*;

use super::errors::{opfs_error, to_js_error, OpfsErrorKind};
use super::{params, Database};
use crate::backend::opfs::{self, OpfsSAHError, SettleError};

/// A pool of database files in the Origin Private File System.
#[wasm_bindgen]
pub struct OpfsPool {
    pub(super) pool: opfs::Pool,
}

/// Install (or reuse) the OPFS pool VFS. `directory` defaults to `"agentmux-schema"` (an OPFS
/// directory), `vfsName` to `"opfs-sahpool"`. Must run in a dedicated Worker; elsewhere it
/// throws `OpfsError`. In-memory databases are unaffected (the pool is not the default VFS).
#[wasm_bindgen(js_name = installOpfs)]
pub async fn install_opfs(
    directory: Option<params::OptionalString>,
    #[wasm_bindgen(js_name = vfsName)] vfs_name: Option<params::OptionalString>,
) -> Result<OpfsPool, JsValue> {
    let string = |v: Option<params::OptionalString>, what: &str| -> Result<Option<String>, JsValue> {
        v.map(|v| params::string(v.as_ref(), what)).transpose()
    };
    let directory = string(directory, "installOpfs: directory")?;
    let vfs_name = string(vfs_name, "installOpfs: vfsName")?;
    let directory = directory.unwrap_or_else(|| "agentmux-schema".into());
    let vfs_name = vfs_name.unwrap_or_else(|| "opfs-sahpool".into());
    let pool = opfs::install(&vfs_name, &directory).await.map_err(|e| install_failure(e, &directory))?;
    Ok(OpfsPool { pool })
}

/// `OpfsError.kind` for a pool failure.
pub(super) fn kind_of(e: &OpfsSAHError) -> OpfsErrorKind {
    match e {
        OpfsSAHError::NotSupported => OpfsErrorKind::Unsupported,
        // A sync access handle is exclusive: another tab or worker of the origin holds the file.
        OpfsSAHError::Opfs { value, .. } => match dom_error_name(value).as_deref() {
            Some("NoModificationAllowedError") => OpfsErrorKind::Busy,
            Some("QuotaExceededError") => OpfsErrorKind::NoCapacity,
            Some("SecurityError") => OpfsErrorKind::Unsupported,
            _ => OpfsErrorKind::Other,
        },
        // (The pool's own `Busy` and `DirectoryInUse` are this worker's doing: another operation
        // under way, or the directory under another vfsName here. They stay "other".)
        OpfsSAHError::FileInUse(_) | OpfsSAHError::FilesInUse => OpfsErrorKind::InUse,
        OpfsSAHError::NoCapacity | OpfsSAHError::OutOfMemory => OpfsErrorKind::NoCapacity,
        OpfsSAHError::Cleanup { error, .. } => kind_of(error),
        _ => OpfsErrorKind::Other,
    }
}

fn dom_error_name(value: &JsValue) -> Option<String> {
    js_sys::Reflect::get(value, &"name".into()).ok()?.as_string()
}

/// The `OpfsError` for a pool operation that failed.
fn failure(e: OpfsSAHError) -> JsValue {
    opfs_error(kind_of(&e), &e.to_string())
}

/// The `OpfsError` for a failed `installOpfs`, naming the directory (`js/errors.js` adds what to do).
fn install_failure(e: OpfsSAHError, directory: &str) -> JsValue {
    opfs_error(kind_of(&e), &format!("installOpfs(\"{directory}\"): {e}"))
}

/// The error for a journal that could not be settled before an export.
pub(super) fn settle_failure(e: SettleError) -> JsValue {
    match e {
        SettleError::Pool(e) => failure(e),
        SettleError::Sqlite(e) => to_js_error(e),
        other => opfs_error(OpfsErrorKind::Other, &other.to_string()),
    }
}

fn file_name(value: &JsValue, what: &str) -> Result<String, JsValue> {
    params::string(value, what)
}

#[wasm_bindgen]
impl OpfsPool {
    /// Open (creating if needed) the database file `name`, e.g. `"objects.db"`.
    pub fn open(&self, #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue) -> Result<Database, JsValue> {
        let name = file_name(&name, "open: name")?;
        self.pool.open(&name).map(Database::new).map_err(to_js_error)
    }

    /// A copy of a (closed) file's image.
    #[wasm_bindgen(js_name = exportFile)]
    pub fn export_file(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
    ) -> Result<Vec<u8>, JsValue> {
        let name = file_name(&name, "exportFile: name")?;
        let bytes = match self.pool.util.export_db(&name) {
            // A journal beside the file, left by a crash: settle it as SQLite would, then export.
            Err(OpfsSAHError::RecoveryRequired(_)) => {
                self.pool.settle_journal(&name).map_err(settle_failure)?;
                return self.pool.util.export_db(&name).map_err(failure);
            }
            other => other.map_err(failure)?,
        };
        // The pool exports past an empty journal (a crash just after SQLite created it leaves
        // one, and SQLite ignores it); it is settled too, so an export leaves nothing beside the file.
        self.pool.settle_journal(&name).map_err(settle_failure)?;
        Ok(bytes)
    }

    /// Store `bytes` as file `name`. Garbage or truncated bytes throw `NotADatabaseError`; the
    /// name must not exist yet (delete it first to replace it).
    #[wasm_bindgen(js_name = importFile)]
    pub fn import_file(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: JsValue,
    ) -> Result<(), JsValue> {
        let name = file_name(&name, "importFile: name")?;
        let bytes = params::bytes(&bytes, "importFile: bytes")?;
        crate::header::check_image(&name, &bytes, bytes.len() as u64).map_err(to_js_error)?;
        let existed = self.pool.util.contains(&name).map_err(failure)?;
        self.pool.util.import_db(&name, &bytes).map_err(|e| {
            // The pool releases a failed import's slot itself; a name left behind would be a
            // partial file, so it is removed here too should that ever not hold.
            if !existed && self.pool.util.contains(&name).unwrap_or(false) {
                let _ = self.pool.util.remove(&name);
            }
            match kind_of(&e) {
                OpfsErrorKind::NoCapacity => opfs_error(
                    OpfsErrorKind::NoCapacity,
                    &format!(
                        "importFile(\"{name}\"): {} did not fit in the pool or this site's storage quota \
                         (navigator.storage.estimate() gives it), and nothing of it was kept: {e}",
                        super::limits::gib(bytes.len() as u64)
                    ),
                ),
                _ => failure(e),
            }
        })
    }

    /// Delete file `name`; returns whether it existed. The file must be closed.
    #[wasm_bindgen(js_name = deleteFile)]
    pub fn delete_file(&self, #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue) -> Result<bool, JsValue> {
        let name = file_name(&name, "deleteFile: name")?;
        self.pool.util.remove(&name).map_err(failure)
    }

    /// The names of the files in the pool.
    #[wasm_bindgen(js_name = fileNames)]
    pub fn file_names(&self) -> Result<Vec<String>, JsValue> {
        self.pool.util.names().map_err(failure)
    }

    /// Delete every file in the pool (all must be closed).
    pub fn wipe(&self) -> Result<(), JsValue> {
        self.pool.util.clear().map_err(failure)
    }
}
