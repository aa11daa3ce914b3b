//! `sqlite_master` rows that disagree with what SQLite holds (another spelling, another type, a
//! BLOB name, a stale `tbl_name`, `sqlite_sequence` with other column names) are repaired before
//! the migration relies on them, and the report lists each repair. Runs on every runtime, like
//! tests/schema.rs.

mod common;

use agentmux_schema::backend::from_bytes;
use agentmux_schema::{migrate, SqlConn, Store};
use common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// The corpus seed `fuzz/corpus/image/seed-finding-26-autoindex-typed-table`: the row of an
/// automatic index typed `table`. SQLite finds an automatic index's row by its name and never reads
/// its type, so it holds the index, and the original module migrated the file; the catalogue repair
/// looked for a table of that name and refused the file. The row is given the type of what SQLite
/// holds.
#[test]
fn an_automatic_index_row_typed_table_is_repaired() {
    let db = from_bytes(&image_of(FLAT_V1)).unwrap();
    db.exec(
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_master SET type = 'table' WHERE name = 'sqlite_autoindex_db_client_1';
         PRAGMA writable_schema = OFF;",
    )
    .unwrap();
    let db = from_bytes(&bytes_of(&mut { db })).unwrap();
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"], "SQLite finds nothing wrong");
    assert_eq!(
        db.query_strings("SELECT name FROM pragma_index_list('db_client')", &[]).unwrap(),
        ["sqlite_autoindex_db_client_1"],
        "SQLite holds the index"
    );
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert_eq!(report.catalogue_repaired, ["index sqlite_autoindex_db_client_1: type \"table\" → \"index\""]);
    assert!(catalogue_is_consistent(&db));
    assert_eq!(
        db.query_strings("SELECT type FROM sqlite_master WHERE name = 'sqlite_autoindex_db_client_1'", &[]).unwrap(),
        ["index"]
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// The corpus seed `fuzz/corpus/image/seed-finding-7-index-spelling`: an index whose
/// `sqlite_master` row is named `idx_agent_instances_block` over the text `CREATE INDEX
/// idx_agEnt_instances_block`. SQLite knows the index by the text's name; `CREATE INDEX IF NOT
/// EXISTS` finds it (names are case-insensitive), so the original module migrated the file. This
/// crate does too: the row is made to spell the index as SQLite does (`catalogue_repaired`), and
/// the index, a canonical one spelled in another case, is dropped and created as canonical
/// (`indexes_rebuilt`).
#[test]
fn an_index_known_to_sqlite_by_another_spelling_is_repaired_and_rebuilt() {
    let image = image_of(reference_ddl(Store::Objects));
    migrate_image(&image, Store::Objects).expect("the unpatched file migrates");
    let text = b"INDEX idx_agent_instances_block";
    // Every copy (a page can hold a stale one in its free space); same length, so the page
    // layout does not change.
    let hits: Vec<usize> = (0..image.len() - text.len()).filter(|&i| &image[i..i + text.len()] == text).collect();
    assert!(!hits.is_empty(), "the index's CREATE text");
    let mut patched = image.clone();
    for at in hits {
        patched[at + "INDEX idx_ag".len()] = b'E';
    }
    let db = from_bytes(&patched).unwrap();
    let names: Vec<String> = db
        .query("PRAGMA index_list(db_agent_instances)", &[])
        .unwrap()
        .iter()
        .map(|r| r[1].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(names.contains(&"idx_agEnt_instances_block".to_string()), "SQLite's name for it: {names:?}");
    assert!(!catalogue_is_consistent(&db));
    drop(db);
    let report = migrate_image(&patched, Store::Objects).expect("migrated, as the original did");
    assert_eq!(
        report.catalogue_repaired,
        ["index idx_agEnt_instances_block: name \"idx_agent_instances_block\" → \"idx_agEnt_instances_block\""]
    );
    assert_eq!(report.indexes_rebuilt, ["idx_agent_instances_block"]);
    let db = from_bytes(&patched).unwrap();
    migrate(&db, Store::Objects).unwrap();
    assert!(catalogue_is_consistent(&db));
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
    assert!(dump(&db).tables["db_agent_instances"].indexes.contains_key("idx_agent_instances_block"));
}

/// The corpus seed `fuzz/corpus/image/seed-finding-10-table-spelling`: a dead table's
/// `sqlite_master` row named `db_v10_migrated_legacy_runs` over the text `CREATE TABLE
/// db_v10_migrAted_legacy_runs`. SQLite knows the table by the text's name; `DROP TABLE` freed its
/// pages but deleted the rows named after that spelling, compared exactly, so the row survived,
/// pointing at freed pages, and a file that passed `integrity_check` came out malformed. The
/// original module dropped the table that way; this crate first makes the rows spell the table (and
/// its automatic index) as SQLite does (`catalogue_repaired`), then drops it as the original did,
/// reporting it and its rows under the file's spelling, and the file stays intact.
#[test]
fn a_table_known_to_sqlite_by_another_spelling_is_repaired_then_dropped_cleanly() {
    let image = image_of(LEGACY_V11);
    migrate_image(&image, Store::Objects).expect("the unpatched file migrates");
    let text = b"TABLE db_v10_migrated_legacy_runs";
    let hits: Vec<usize> = (0..image.len() - text.len()).filter(|&i| &image[i..i + text.len()] == text).collect();
    assert!(!hits.is_empty(), "the table's CREATE text");
    let mut patched = image.clone();
    for at in hits {
        patched[at + "TABLE db_v10_migr".len()] = b'A';
    }
    let db = from_bytes(&patched).unwrap();
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"], "SQLite finds nothing wrong");
    assert!(!catalogue_is_consistent(&db));
    let rows = db.query_i64("SELECT count(*) FROM db_v10_migrAted_legacy_runs", &[]).unwrap().unwrap();
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert_eq!(
        report.catalogue_repaired,
        [
            "table db_v10_migrAted_legacy_runs: name \"db_v10_migrated_legacy_runs\" → \"db_v10_migrAted_legacy_runs\", \
             tbl_name \"db_v10_migrated_legacy_runs\" → \"db_v10_migrAted_legacy_runs\"",
            // Its automatic index is named after the table, so its row was stale too.
            "index sqlite_autoindex_db_v10_migrAted_legacy_runs_1: name \"sqlite_autoindex_db_v10_migrated_legacy_runs_1\" \
             → \"sqlite_autoindex_db_v10_migrAted_legacy_runs_1\", tbl_name \"db_v10_migrated_legacy_runs\" → \
             \"db_v10_migrAted_legacy_runs\"",
        ]
    );
    assert!(
        report.tables_dropped.contains(&"db_v10_migrAted_legacy_runs".to_string()),
        "the file's own spelling: {report:?}"
    );
    assert_eq!(report.rows_dropped.get("db_v10_migrAted_legacy_runs"), Some(&rows));
    assert!(catalogue_is_consistent(&db));
    assert_eq!(
        db.query_i64("SELECT count(*) FROM sqlite_master WHERE name LIKE '%migrated_legacy_runs%'", &[]).unwrap(),
        Some(0)
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// The corpus seed `fuzz/corpus/image/seed-finding-11-autoindex-table`: a
/// `filestore.db` whose automatic index's row names its table `db_\u{9e}ile_data` (one byte
/// flipped; the table is `db_file_data`), migrated as `objects.db`. The migration never touches
/// that table, but the catalogue check refused the whole file, which the original migrated. The
/// row is repaired and the file migrated.
#[test]
fn an_automatic_index_row_naming_another_table_is_repaired_and_the_file_migrated() {
    let db = mem();
    migrate(&db, Store::Filestore).unwrap();
    db.exec("INSERT INTO db_file_data (zoneid, name, partidx, data) VALUES ('z', 'n', 0, x'01')").unwrap();
    let mut image = bytes_of(&mut { db });
    let text = b"sqlite_autoindex_db_file_data_1db_file_data";
    let hits: Vec<usize> = (0..image.len() - text.len()).filter(|&i| &image[i..i + text.len()] == text).collect();
    assert_eq!(hits.len(), 1, "the automatic index's row (name, then tbl_name)");
    image[hits[0] + "sqlite_autoindex_db_file_data_1db_".len()] = 0x9e;
    let db = from_bytes(&image).unwrap();
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"], "SQLite finds nothing wrong");
    assert!(!catalogue_is_consistent(&db));
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert_eq!(report.catalogue_repaired.len(), 1, "{report:?}");
    assert!(report.catalogue_repaired[0].starts_with("index sqlite_autoindex_db_file_data_1: tbl_name "), "{report:?}");
    assert!(report.catalogue_repaired[0].ends_with(" → \"db_file_data\""), "{report:?}");
    assert!(catalogue_is_consistent(&db));
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
    assert_eq!(db.query_i64("SELECT count(*) FROM db_file_data", &[]).unwrap(), Some(1));
}

/// The corpus seed `fuzz/corpus/image/seed-finding-12-type-case`: a catalogue row whose `type`
/// reads `tablE`. SQLite loads the table from its CREATE text all the same, and the original
/// module migrated the file, but every reader of `sqlite_master` compares `type` exactly, so
/// verification missed the table and the migration failed. The row is repaired.
#[test]
fn a_catalogue_row_whose_type_is_spelled_in_another_case_is_repaired() {
    let mut image = image_of(FLAT_V1);
    let text = b"tabledb_clientdb_client";
    let hits: Vec<usize> = (0..image.len() - text.len()).filter(|&i| &image[i..i + text.len()] == text).collect();
    assert_eq!(hits.len(), 1, "db_client's row (type, name, tbl_name)");
    image[hits[0] + 4] = b'E';
    let db = from_bytes(&image).unwrap();
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"], "SQLite finds nothing wrong");
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert_eq!(report.catalogue_repaired, ["table db_client: type \"tablE\" → \"table\""]);
    assert_eq!(db.query_strings("SELECT type FROM sqlite_master WHERE name = 'db_client'", &[]).unwrap(), ["table"]);
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// The corpus seed `fuzz/corpus/image/seed-finding-13-blob-name`: an index row whose `name` is
/// stored as a BLOB of the same bytes. SQLite loads the index from its row all the same, and the
/// original module migrated the file; the catalogue check read the name as no name at all and
/// refused it. The row is rewritten with the name as TEXT.
#[test]
fn a_catalogue_name_stored_as_a_blob_is_repaired() {
    let db = from_bytes(&image_of(FLAT_V1)).unwrap();
    db.exec(
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_master SET name = CAST(name AS BLOB) WHERE name = 'sqlite_autoindex_db_client_1';
         PRAGMA writable_schema = OFF;",
    )
    .unwrap();
    let image = bytes_of(&mut { db });
    let db = from_bytes(&image).unwrap();
    assert_eq!(
        db.query_strings("SELECT typeof(name) FROM sqlite_master WHERE tbl_name = 'db_client' AND type = 'index'", &[])
            .unwrap(),
        ["blob"]
    );
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert_eq!(report.catalogue_repaired, ["index sqlite_autoindex_db_client_1: stored as TEXT"]);
    assert_eq!(
        db.query_strings("SELECT typeof(name) FROM sqlite_master WHERE tbl_name = 'db_client' AND type = 'index'", &[])
            .unwrap(),
        ["text"]
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// The corpus seed `fuzz/corpus/image/seed-finding-32-sequence-column-names`:
/// `sqlite_sequence(naje,seq)`. SQLite reads that table by position, so AUTOINCREMENT works on, but
/// every `ALTER TABLE … RENAME` updates it by the column `name` and failed ("no such column:
/// name"), where the original module, which renamed nothing in that file, migrated it. The table's
/// text is given its own column names (`catalogue_repaired`), its counters kept.
#[test]
fn a_sequence_table_with_other_column_names_is_repaired_so_renames_work() {
    let db = from_bytes(&image_of(LEGACY_V11)).unwrap();
    let counters = db.query_strings("SELECT name || '=' || seq FROM sqlite_sequence ORDER BY name", &[]).unwrap();
    assert!(!counters.is_empty(), "the fixture has AUTOINCREMENT counters");
    db.exec(
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_master SET sql = 'CREATE TABLE sqlite_sequence(naje,seq)' WHERE name = 'sqlite_sequence';
         PRAGMA writable_schema = OFF;",
    )
    .unwrap();
    let db = from_bytes(&bytes_of(&mut { db })).unwrap();
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"], "SQLite finds nothing wrong");
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert!(
        report.catalogue_repaired.contains(&"table sqlite_sequence: columns (naje, seq) → (name, seq)".to_string()),
        "{report:?}"
    );
    assert!(!report.tables_renamed.is_empty(), "the legacy tables were renamed: {report:?}");
    let renamed = |c: &String| {
        let (name, seq) = c.split_once('=').unwrap();
        let to = report.tables_renamed.iter().find(|r| r.from == name).map_or(name, |r| r.to.as_str());
        format!("{to}={seq}")
    };
    let mut expected: Vec<String> = counters.iter().map(renamed).collect();
    expected.sort();
    assert_eq!(
        db.query_strings("SELECT name || '=' || seq FROM sqlite_sequence ORDER BY name", &[]).unwrap(),
        expected
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// The corpus seed `fuzz/corpus/image/seed-finding-15-table-row-spelling`: a table's catalogue row
/// spelled `db_cLient` over the text `CREATE TABLE db_client`. `status` and the dump name the table
/// as SQLite holds it (as every pragma does), before and after the row is repaired.
#[test]
fn a_table_is_described_by_the_name_sqlite_holds_it_under() {
    let mut image = image_of(FLAT_V1);
    let text = b"tabledb_clientdb_client";
    let hits: Vec<usize> = (0..image.len() - text.len()).filter(|&i| &image[i..i + text.len()] == text).collect();
    assert_eq!(hits.len(), 1, "db_client's row (type, name, tbl_name)");
    image[hits[0] + "tabledb_c".len()] = b'L';
    let db = from_bytes(&image).unwrap();
    assert_eq!(
        db.query_strings("SELECT name FROM sqlite_master WHERE name LIKE 'db_client'", &[]).unwrap(),
        ["db_cLient"]
    );
    assert!(dump(&db).tables.contains_key("db_client"));
    let report = migrate(&db, Store::Objects).expect("migrated");
    assert_eq!(report.catalogue_repaired, ["table db_client: name \"db_cLient\" → \"db_client\""]);
    assert!(dump(&db).tables.contains_key("db_client"));
    assert_eq!(db.query_i64("SELECT count(*) FROM db_client", &[]).unwrap(), Some(1));
}
