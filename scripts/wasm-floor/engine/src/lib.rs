//! The engine alone: SQLite's C as sqlite-wasm-rs compiles it with this checkout's options, its
//! in-memory VFS and C runtime, and one export that runs a query through the raw C API. No driver,
//! no OPFS, no schema code: the floor under any package built on this engine.
use sqlite_wasm_rs as ffi;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn run(sql: &str) -> Result<f64, JsValue> {
    let sql = std::ffi::CString::new(sql).map_err(|_| JsValue::from_str("NUL in SQL"))?;
    // SAFETY: every pointer passed is either null where SQLite allows it, a NUL-terminated string
    // that outlives the call, or an out-parameter SQLite fills; db and stmt are finalised/closed.
    unsafe {
        let mut db = std::ptr::null_mut();
        let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE;
        if ffi::sqlite3_open_v2(c":memory:".as_ptr(), &mut db, flags, std::ptr::null()) != ffi::SQLITE_OK {
            return Err(JsValue::from_str("open failed"));
        }
        let mut stmt = std::ptr::null_mut();
        let rc = ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut());
        let mut sum = 0.0;
        while rc == ffi::SQLITE_OK && ffi::sqlite3_step(stmt) == ffi::SQLITE_ROW {
            sum += ffi::sqlite3_column_double(stmt, 0);
        }
        ffi::sqlite3_finalize(stmt);
        ffi::sqlite3_close(db);
        if rc == ffi::SQLITE_OK { Ok(sum) } else { Err(JsValue::from_str("prepare failed")) }
    }
}
