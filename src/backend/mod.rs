//! Picks exactly one SQLite backend for the target: `rusqlite` natively, `sqlite-wasm-rs` on
//! `wasm32`. Both expose the same three things the rest of the crate and the tests need: the
//! connection type, an empty in-memory database, and a database loaded from a file image.

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
pub use native::{from_bytes, memory, to_bytes, Db};

#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
pub mod wasm;
#[cfg(target_arch = "wasm32")]
pub use wasm::{from_bytes, memory, to_bytes, Db};
// SQLite's OS layer on wasm32: a default VFS without files (replaces sqlite-wasm-rs's memvfs).
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod os;

// libc's gmtime/strftime for SQLite's CURRENT_* keywords on wasm32 (built natively for its tests).
#[cfg(any(target_arch = "wasm32", test))]
mod clock;
