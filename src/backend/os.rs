//! SQLite's OS layer for the WebAssembly build: a default VFS that has no files.
//!
//! SQLite is built with `SQLITE_OS_OTHER`, so the embedder supplies `sqlite3_os_init`, which must
//! register a default VFS. `sqlite-wasm-rs` registers an in-memory file system there (`memvfs`),
//! but nothing in this crate ever opens a file on the default VFS: `:memory:` databases and
//! images (`sqlite3_deserialize`, SQLite's own `memdb` VFS) keep their pages inside SQLite, temp
//! storage is always memory (`SQLITE_TEMP_STORE=3`), and OPFS files go through the pool's own VFS.
//! What the default VFS still serves is randomness, the clock and sleeping, so that is all this
//! one does, for about 3 KB less of the gzipped module than `memvfs`.
//!
//! `.cargo/config.toml` renames SQLite's calls of `sqlite3_os_init`/`sqlite3_os_end` to the two
//! functions below (a `-D` macro on the C build), which leaves `sqlite-wasm-rs`'s versions
//! unreferenced, so the linker drops them and `memvfs` with them. A build without those flags
//! (this crate used as a dependency elsewhere) still works: it simply keeps `memvfs`.
//!
//! Opening a named file on the default VFS (`ATTACH 'x.db'`) fails with `SQLITE_CANTOPEN`, as on
//! a system with no writable disk; `ATTACH ':memory:'` and the OPFS pool's files work.

use core::ffi::{c_char, c_int, c_void};
use core::ptr;
use core::time::Duration;
use sqlite_wasm_rs::vfs::OsCallback;
use sqlite_wasm_rs::{self as ffi, sqlite3_file, sqlite3_vfs, WasmOsCallback};

/// Milliseconds from the Julian day epoch to the Unix epoch, as `xCurrentTimeInt64` counts.
const UNIX_EPOCH_JULIAN_MS: i64 = 210_866_760_000_000;

unsafe extern "C" fn open(
    _: *mut sqlite3_vfs,
    _: ffi::sqlite3_filename,
    file: *mut sqlite3_file,
    _: c_int,
    _: *mut c_int,
) -> c_int {
    // SQLite closes a file whose methods are set, even after a failed open.
    (*file).pMethods = ptr::null();
    ffi::SQLITE_CANTOPEN
}

unsafe extern "C" fn delete(_: *mut sqlite3_vfs, _: *const c_char, _: c_int) -> c_int {
    ffi::SQLITE_IOERR_DELETE_NOENT
}

unsafe extern "C" fn access(_: *mut sqlite3_vfs, _: *const c_char, _: c_int, out: *mut c_int) -> c_int {
    *out = 0;
    ffi::SQLITE_OK
}

unsafe extern "C" fn full_pathname(_: *mut sqlite3_vfs, name: *const c_char, n_out: c_int, out: *mut c_char) -> c_int {
    let len = core::ffi::CStr::from_ptr(name).to_bytes().len();
    if len >= n_out as usize {
        return ffi::SQLITE_CANTOPEN;
    }
    ptr::copy_nonoverlapping(name, out, len + 1);
    ffi::SQLITE_OK
}

unsafe extern "C" fn randomness(_: *mut sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    if n <= 0 {
        return 0;
    }
    let buf = core::slice::from_raw_parts_mut(out.cast::<u8>(), n as usize);
    buf.fill(0);
    WasmOsCallback.random(buf).min(buf.len()) as c_int
}

unsafe extern "C" fn sleep(_: *mut sqlite3_vfs, micros: c_int) -> c_int {
    WasmOsCallback.sleep(Duration::from_micros(micros.max(0) as u64));
    micros
}

unsafe extern "C" fn current_time_int64(_: *mut sqlite3_vfs, out: *mut i64) -> c_int {
    match WasmOsCallback.epoch_timestamp_in_ms() {
        Ok(ms) => {
            *out = ms + UNIX_EPOCH_JULIAN_MS;
            ffi::SQLITE_OK
        }
        Err(_) => ffi::SQLITE_ERROR,
    }
}

unsafe extern "C" fn current_time(vfs: *mut sqlite3_vfs, out: *mut f64) -> c_int {
    let mut ms = 0;
    let rc = current_time_int64(vfs, &mut ms);
    *out = ms as f64 / 86_400_000.0;
    rc
}

unsafe extern "C" fn last_error(_: *mut sqlite3_vfs, _: c_int, _: *mut c_char) -> c_int {
    0
}

/// SQLite links registered VFSes through `pNext`, so this must be writable, static memory.
static mut VFS: sqlite3_vfs = sqlite3_vfs {
    iVersion: 2,
    szOsFile: core::mem::size_of::<sqlite3_file>() as c_int,
    mxPathname: 1024,
    pNext: ptr::null_mut(),
    zName: c"memory-only".as_ptr(),
    pAppData: ptr::null_mut::<c_void>(),
    xOpen: Some(open),
    xDelete: Some(delete),
    xAccess: Some(access),
    xFullPathname: Some(full_pathname),
    // SQLITE_OMIT_LOAD_EXTENSION: never called.
    xDlOpen: None,
    xDlError: None,
    xDlSym: None,
    xDlClose: None,
    xRandomness: Some(randomness),
    xSleep: Some(sleep),
    xCurrentTime: Some(current_time),
    xGetLastError: Some(last_error),
    xCurrentTimeInt64: Some(current_time_int64),
    xSetSystemCall: None,
    xGetSystemCall: None,
    xNextSystemCall: None,
};

/// SQLite's `sqlite3_os_init`, under the name `.cargo/config.toml` gives it.
#[no_mangle]
pub unsafe extern "C" fn agentmux_sqlite3_os_init() -> c_int {
    ffi::sqlite3_vfs_register(ptr::addr_of_mut!(VFS), 1)
}

/// SQLite's `sqlite3_os_end`, under the name `.cargo/config.toml` gives it.
#[no_mangle]
pub unsafe extern "C" fn agentmux_sqlite3_os_end() -> c_int {
    ffi::sqlite3_vfs_unregister(ptr::addr_of_mut!(VFS))
}
