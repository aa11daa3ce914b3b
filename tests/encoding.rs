//! Databases in SQLite's UTF-16 text encodings migrate like UTF-8 ones, on every runtime: the
//! wasm build's trimmed SQLite must keep UTF-16 support (a server file can be UTF-16 if it was
//! ever created that way, and the browser is handed such images as they are).

mod common;

use agentmux_schema::backend::{from_bytes, to_bytes};
use agentmux_schema::{migrate, status, SqlConn, State, Store, OBJECT_SCHEMA_VERSION};
use common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// The text encoding recorded in a database image's header (1 UTF-8, 2 UTF-16le, 3 UTF-16be).
fn header_encoding(image: &[u8]) -> u32 {
    u32::from_be_bytes(image[56..60].try_into().unwrap())
}

fn legacy_image_in(encoding: &str) -> Vec<u8> {
    let mut db = mem();
    // Must come before the first table: the encoding is fixed when the file gets its schema.
    db.exec(&format!("PRAGMA encoding = '{encoding}'")).unwrap();
    db.exec(LEGACY_V11).unwrap();
    db.exec("UPDATE db_forge_agents SET name = 'Кодер ✦ 🦀' WHERE id = 'a1'").unwrap();
    to_bytes(&mut db).unwrap()
}

fn adopts_a_legacy_image_in(encoding: &str, code: u32) {
    let image = legacy_image_in(encoding);
    assert_eq!(header_encoding(&image), code, "fixture should be {encoding}");

    let mut db = from_bytes(&image).unwrap();
    assert_eq!(status(&db, Store::Objects).state, State::Legacy);
    let report = migrate(&db, Store::Objects).unwrap();
    assert_eq!(report.to_version, OBJECT_SCHEMA_VERSION);
    assert_eq!(report.tables_renamed.len(), 7);
    let names = db.query_strings("SELECT name FROM db_agent_definitions ORDER BY id", &[]).unwrap();
    assert_eq!(names, ["Кодер ✦ 🦀", "Reviewer"]);
    assert_eq!(db.query_strings("PRAGMA encoding", &[]).unwrap(), [encoding]);

    // The migrated image keeps its encoding and reads back as current.
    let out = to_bytes(&mut db).unwrap();
    assert_eq!(header_encoding(&out), code);
    let again = from_bytes(&out).unwrap();
    assert_eq!(status(&again, Store::Objects).state, State::Current);
    assert!(migrate(&again, Store::Objects).unwrap().is_noop());
}

#[test]
fn utf16le_legacy_image_is_adopted_with_its_text() {
    adopts_a_legacy_image_in("UTF-16le", 2);
}

#[test]
fn utf16be_legacy_image_is_adopted_with_its_text() {
    adopts_a_legacy_image_in("UTF-16be", 3);
}
