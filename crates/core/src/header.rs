//! A look at the 100-byte SQLite header before a file is opened, so garbage and cut-off files are
//! reported as such instead of surfacing later as an obscure error, or worse, being "migrated"
//! (SQLite treats a truncated file as readable until it reaches a missing page).
//!
//! A 0-byte file is *not* refused: SQLite itself treats it as an empty database, and a server that
//! crashed right after creating its file must still start (tests/refusals.rs
//! `an_empty_image_is_an_empty_database`).

use crate::StoreError;

const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Check a database image (or a file's first bytes plus its total length).
///
/// `head` must hold at least the first 100 bytes when the file is that long; `total_len` is the
/// full size. Zero bytes pass: that is an empty database.
pub fn check_image(db: &str, head: &[u8], total_len: u64) -> Result<(), StoreError> {
    let bad = |reason: String| Err(StoreError::NotADatabase { db: db.to_string(), reason });
    if total_len == 0 {
        return Ok(());
    }
    if head.len() < 100 || total_len < 100 {
        return bad(format!("{total_len} bytes is shorter than an SQLite header"));
    }
    if &head[..16] != MAGIC {
        return bad("no SQLite header (not a database file)".into());
    }
    let page_size = match u16::from_be_bytes([head[16], head[17]]) {
        1 => 65_536u64,
        n if n >= 512 && n.is_power_of_two() => n as u64,
        n => return bad(format!("invalid page size {n}")),
    };
    let be32 = |at: usize| u32::from_be_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]) as u64;
    let pages = be32(28);
    // SQLite trusts the in-header page count only when the change counter matches the
    // "version-valid-for" field; otherwise it sizes the database from the file.
    if pages > 0 && be32(24) == be32(92) && total_len < pages * page_size {
        return bad(format!("truncated: the header records {} bytes, the file has {total_len}", pages * page_size));
    }
    if !total_len.is_multiple_of(page_size) {
        return bad(format!("truncated: {total_len} bytes is not a whole number of {page_size}-byte pages"));
    }
    Ok(())
}

/// True when the header marks the database as WAL-mode (read/write format bytes 18–19 = 2).
/// The server keeps its files in WAL mode, so images of real files usually carry this marker.
pub fn is_wal_image(bytes: &[u8]) -> bool {
    bytes.len() >= 20 && bytes[18] == 2 && bytes[19] == 2
}

/// Set the header's journal-mode marker: an in-memory copy can only be opened in rollback mode
/// (1), and the image handed back should carry the mode the file came in with (2 for WAL).
pub fn set_wal_marker(bytes: &mut [u8], wal: bool) {
    if bytes.len() >= 20 {
        let v = if wal { 2 } else { 1 };
        bytes[18] = v;
        bytes[19] = v;
    }
}
