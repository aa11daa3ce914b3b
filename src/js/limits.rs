//! The memory limit a file image meets in the bytes API (`fromBytes`, `statusOfBytes`,
//! `importFile`), reported as a `FileError` of kind `"too-large"` that names it, before anything
//! is written: a wasm32 module addresses at most 4 GiB, one block of it at most 2 GiB, and an image
//! is copied into it whole (twice for `fromBytes`: once from JS, once into SQLite).

use js_sys::{ArrayBuffer, WebAssembly};
use wasm_bindgen::{JsCast, JsValue};

use super::errors::{file_error, to_js_error, FileErrorKind};
use crate::StoreError;

/// The largest single allocation on wasm32 (`isize::MAX`).
const MAX_BLOCK: u64 = i32::MAX as u64;
/// The most memory a wasm32 module can have.
const WASM32_MEMORY: u64 = 1 << 32;
/// SQLite's primary result code for a failed allocation (`SQLITE_NOMEM`).
const SQLITE_NOMEM: i32 = 7;

fn memory_in_use() -> u64 {
    let memory: WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory.buffer().unchecked_into::<ArrayBuffer>().byte_length() as u64
}

/// `bytes` with its size in GiB to two decimals (integer arithmetic: formatting a float would link
/// float formatting into the module, several KiB).
pub fn gib(bytes: u64) -> String {
    let hundredths = (bytes as u128 * 100 + (1 << 29)) >> 30;
    format!("{bytes} bytes ({}.{:02} GiB)", hundredths / 100, hundredths % 100)
}

/// The `FileError` for an image of `size` bytes that does not fit in this module's memory.
pub fn too_large(what: &str, size: u64) -> JsValue {
    let used = memory_in_use();
    let (limit, why) = if size > MAX_BLOCK {
        (MAX_BLOCK, "one block of WebAssembly memory holds less than 2 GiB".to_string())
    } else {
        let left = WASM32_MEMORY.saturating_sub(used);
        (left, format!("WebAssembly memory is at most 4 GiB and {} of it is in use", gib(used)))
    };
    let message = format!(
        "{what}: an image of {} does not fit in this WebAssembly module's memory ({why}). Read a file this \
         large in place with statusOfFile or Database.openReadOnly (in a Worker or in Node): they read only \
         the pages they need",
        gib(size)
    );
    file_error(FileErrorKind::TooLarge, None, Some(size), Some(limit), &message)
}

/// `e`, or the `FileError` naming the memory limit when SQLite could not allocate a copy of an
/// image of `size` bytes.
pub fn copy_error(e: StoreError, what: &str, size: u64) -> JsValue {
    match e {
        StoreError::Sqlite { code, .. } if code & 0xff == SQLITE_NOMEM => too_large(what, size),
        other => to_js_error(other),
    }
}
