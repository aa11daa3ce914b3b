//! Indexes are compared by definition, not by name: a same-name index declared otherwise is rebuilt
//! and reported, one the rows cannot satisfy is kept and reported, and a file whose schema format
//! builds `DESC` columns ascending says so. Runs on every runtime, like tests/schema.rs.

mod common;

use agentmux_schema::{migrate, status, SqlConn, Store};
use common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// FLAT_V1 with its slug index declared another way (same name).
fn flat_v1_with_slug_index(definition: &str) -> String {
    let canonical = "CREATE UNIQUE INDEX idx_agent_definitions_slug ON db_agent_definitions(slug);";
    assert!(FLAT_V1.contains(canonical));
    FLAT_V1.replace(canonical, definition)
}

#[test]
fn a_same_name_index_with_another_definition_is_rebuilt_and_reported() {
    let fresh = mem();
    migrate(&fresh, Store::Objects).unwrap();
    let name_recent =
        "CREATE INDEX idx_agent_instances_name_recent ON db_agent_instances(instance_name, started_at DESC)
    WHERE display_hidden = 0 AND instance_name != '';";
    assert!(LEGACY_V11.contains(name_recent));
    for (what, sql, wrong) in [
        (
            "other column",
            flat_v1_with_slug_index("CREATE UNIQUE INDEX idx_agent_definitions_slug ON db_agent_definitions(name);"),
            "idx_agent_definitions_slug",
        ),
        (
            "not unique",
            flat_v1_with_slug_index("CREATE INDEX idx_agent_definitions_slug ON db_agent_definitions(slug);"),
            "idx_agent_definitions_slug",
        ),
        (
            "collation",
            flat_v1_with_slug_index(
                "CREATE UNIQUE INDEX idx_agent_definitions_slug ON db_agent_definitions(slug COLLATE NOCASE);",
            ),
            "idx_agent_definitions_slug",
        ),
        (
            "other table",
            flat_v1_with_slug_index("CREATE INDEX idx_agent_definitions_slug ON db_client(data);"),
            "idx_agent_definitions_slug",
        ),
        (
            "no WHERE",
            LEGACY_V11.replace(
                name_recent,
                "CREATE INDEX idx_agent_instances_name_recent ON db_agent_instances(instance_name, started_at DESC);",
            ),
            "idx_agent_instances_name_recent",
        ),
        (
            "ascending",
            LEGACY_V11.replace(name_recent, &name_recent.replace(" DESC", "")),
            "idx_agent_instances_name_recent",
        ),
        (
            "column order",
            LEGACY_V11.replace(
                name_recent,
                &name_recent.replace("instance_name, started_at DESC", "started_at DESC, instance_name"),
            ),
            "idx_agent_instances_name_recent",
        ),
    ] {
        let db = db_with(&sql);
        let before = status(&db, Store::Objects).drift.unwrap();
        assert_eq!(before.changed_indexes, [wrong], "{what}: status drift");
        assert!(!before.missing_indexes.contains(&wrong.to_string()), "{what}");
        let r = migrate(&db, Store::Objects).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(r.indexes_rebuilt, [wrong], "{what}");
        assert_eq!(dump(&db), dump(&fresh), "{what}: not rebuilt to the canonical definition");
        assert!(status(&db, Store::Objects).drift.unwrap().is_empty(), "{what}");
    }
    // A file whose indexes are already right rebuilds nothing.
    let r = migrate(&db_with(LEGACY_V11), Store::Objects).unwrap();
    assert!(r.indexes_rebuilt.is_empty(), "{r:?}");
}

#[test]
fn an_index_the_rows_cannot_satisfy_is_kept_as_it_was_and_reported() {
    // Duplicate slugs are allowed by a non-unique index of the canonical name; the canonical
    // UNIQUE one cannot be built over them. The original module kept the index it found; so does
    // this crate, rather than touch a row, and says so.
    let sql = flat_v1_with_slug_index("CREATE INDEX idx_agent_definitions_slug ON db_agent_definitions(slug);")
        + "INSERT INTO db_agent_definitions (id, slug, name, provider) VALUES ('dup', 'old', 'Twin', 'claude');";
    let db = db_with(&sql);
    let agents = count(&db, "SELECT count(*) FROM db_agent_definitions");
    let report = migrate(&db, Store::Objects).unwrap();
    assert_eq!(report.indexes_kept, ["idx_agent_definitions_slug"]);
    assert!(report.indexes_rebuilt.is_empty(), "{report:?}");
    assert_eq!(count(&db, "SELECT count(*) FROM db_agent_definitions"), agents, "no row touched");
    assert_eq!(
        db.query_strings("SELECT sql FROM sqlite_master WHERE name = 'idx_agent_definitions_slug'", &[]).unwrap(),
        ["CREATE INDEX idx_agent_definitions_slug ON db_agent_definitions(slug)"]
    );
    assert_eq!(version(&db), Store::Objects.version());
    // Until the duplicates are resolved, the file shows the index as drift; then a repair fixes it.
    assert_eq!(status(&db, Store::Objects).drift.unwrap().changed_indexes, ["idx_agent_definitions_slug"]);
    db.exec("UPDATE db_agent_definitions SET slug = 'twin' WHERE id = 'dup'").unwrap();
    assert_eq!(agentmux_schema::repair(&db, Store::Objects).unwrap().indexes_rebuilt, ["idx_agent_definitions_slug"]);
    assert!(status(&db, Store::Objects).drift.unwrap().is_empty());
}

/// The corpus seed `fuzz/corpus/image/seed-finding-6-schema-format`. SQLite builds `DESC` index
/// columns descending only in a file whose schema format number (header offset 44) is 4: format 1–3
/// (old files, `legacy_file_format`) or 0 builds them ascending, and a format word whose low byte
/// is 4 but whose high bytes make it negative opens as format 4 until `ALTER TABLE ADD COLUMN`
/// rewrites it to 3. The migration reported the three canonical `DESC` indexes as canonical while
/// they were built ascending. The original module migrated such a file, so this does too (every row
/// kept), and says which indexes are ascending (`indexes_kept`, and a changed index in `status`)
/// instead of claiming them canonical.
#[test]
fn a_file_whose_schema_format_ignores_desc_is_migrated_saying_so() {
    let desc = ["idx_agent_instances_name_recent", "idx_drone_definitions_updated", "idx_drone_runs_drone_started"];
    let v1 = image_of(FLAT_V1); // lacks two columns: the migration runs ALTER TABLE ADD COLUMN
    assert_eq!(&v1[44..48], &4u32.to_be_bytes(), "a file written by this SQLite is at format 4");
    migrate_image(&v1, Store::Objects).expect("the same file at format 4 migrates");
    for format in [0u32, 1, 3, 0xE800_0004] {
        let mut image = v1.clone();
        image[44..48].copy_from_slice(&format.to_be_bytes());
        let report = migrate_image(&image, Store::Objects).unwrap_or_else(|e| panic!("format {format:#x}: {e}"));
        assert_eq!(report.indexes_kept, desc, "format {format:#x}");
        assert!(report.indexes_rebuilt.iter().all(|i| !desc.contains(&i.as_str())), "format {format:#x}: {report:?}");
        assert_eq!(report.to_version, Store::Objects.version());
    }
}
