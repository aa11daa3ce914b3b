//! Tables rebuilt to their canonical definition (other foreign-key actions, a stale parent) keep
//! every row, counter and index, including rows the canonical declaration would refuse; a table
//! no SQL can rebuild keeps its foreign key and is reported. Runs on every runtime, like
//! tests/schema.rs.

mod common;

use agentmux_schema::backend::from_bytes;
use agentmux_schema::{migrate, status, SqlConn, Store, OBJECT_SCHEMA_VERSION};
use common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
fn an_adopted_table_with_other_foreign_key_actions_is_rebuilt_to_the_canonical_ones() {
    let content = "CREATE TABLE db_agent_content (
        agent_id TEXT NOT NULL, content_type TEXT NOT NULL,
        content TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (agent_id, content_type),
        FOREIGN KEY (agent_id) REFERENCES db_agent_definitions(id){actions});
        INSERT INTO db_agent_definitions (id, name, provider) VALUES ('a1', 'Coder', 'claude');
        INSERT INTO db_agent_content (agent_id, content_type, content) VALUES ('a1', 'soul', 'kept');";
    let want = "db_agent_content(agent_id) REFERENCES db_agent_definitions(id) ON DELETE CASCADE";
    for actions in ["", " ON DELETE SET NULL", " ON DELETE CASCADE ON UPDATE CASCADE"] {
        let db = db_with(&format!("{FLAT_V1}{}", content.replace("{actions}", actions)));
        assert_eq!(status(&db, Store::Objects).drift.unwrap().missing_foreign_keys, [want], "{actions:?}");
        let report = migrate(&db, Store::Objects).unwrap();
        let rebuilt: Vec<&str> = report.tables_rebuilt.iter().map(|r| r.table.as_str()).collect();
        assert_eq!(rebuilt, ["db_agent_content"], "{actions:?}");
        assert!(status(&db, Store::Objects).drift.unwrap().is_empty(), "{actions:?}");
        assert_eq!(db.query_strings("SELECT content FROM db_agent_content", &[]).unwrap(), ["kept"], "{actions:?}");
        db.exec("PRAGMA foreign_keys = ON; DELETE FROM db_agent_definitions WHERE id = 'a1'").unwrap();
        assert_eq!(count(&db, "SELECT count(*) FROM db_agent_content"), 0, "{actions:?}: the canonical cascade");
    }
    // The canonical declaration needs no rebuild.
    let db = db_with(&format!("{FLAT_V1}{}", content.replace("{actions}", " ON DELETE CASCADE")));
    assert!(migrate(&db, Store::Objects).unwrap().tables_rebuilt.is_empty());
    assert!(status(&db, Store::Objects).drift.unwrap().is_empty());
}

/// A regression input of the `legacy` fuzz target (no corpus seed; the SQL below is it): a child
/// written without a NOT NULL column that has no default, whose foreign key still names a legacy
/// parent, could not be migrated: the column was added nullable, then the foreign-key rebuild
/// copied its NULLs into the canonical NOT NULL column. The rebuilt table declares it as it was
/// added.
#[test]
fn a_stale_child_lacking_a_not_null_column_is_rebuilt_with_it_nullable() {
    let db = common::db_with(common::reference_ddl(Store::Objects));
    db.exec(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO db_agent_definitions (id, name, provider) VALUES ('a1', 'one', 'p');
         DROP TABLE db_agent_history;
         CREATE TABLE db_agent_history (
             id           INTEGER PRIMARY KEY AUTOINCREMENT,
             agent_id     TEXT NOT NULL,
             session_date TEXT NOT NULL,
             timestamp    INTEGER NOT NULL DEFAULT 0,
             FOREIGN KEY (agent_id) REFERENCES db_forge_agents(id) ON DELETE CASCADE
         );
         INSERT INTO db_agent_history (agent_id, session_date, timestamp) VALUES ('a1', 'd1', 7), ('gone', 'd2', 8);",
    )
    .unwrap();
    let report = migrate(&db, Store::Objects).expect("migrates");
    assert!(report.columns_nullable.contains(&"db_agent_history.entry".to_string()), "{report:?}");
    assert!(report.tables_rebuilt.iter().any(|t| t.table == "db_agent_history"), "{report:?}");
    assert_eq!(common::version(&db), OBJECT_SCHEMA_VERSION);
    assert_eq!(
        db.query_strings("SELECT agent_id || '|' || session_date || '|' || timestamp || '|' || quote(entry) FROM db_agent_history ORDER BY id", &[]).unwrap(),
        ["a1|d1|7|NULL", "gone|d2|8|NULL"]
    );
    let fks = agentmux_schema::inspect::foreign_key_list(&db, "db_agent_history").unwrap();
    assert!(fks.iter().all(|fk| fk.table == "db_agent_definitions"), "{fks:?}");
    assert_eq!(report.orphan_rows.get("db_agent_history"), Some(&1));
}

/// A reference `objects.db` whose `db_agent_history` is a stale child (its foreign key still names
/// `db_forge_agents`) declaring `id` as `id_decl`, holding `rows` (`VALUES` of id, agent_id,
/// session_date, entry, timestamp); agent `a1` exists.
fn with_stale_agent_history(id_decl: &str, rows: &str) -> agentmux_schema::backend::Db {
    let db = common::db_with(common::reference_ddl(Store::Objects));
    db.exec(&format!(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO db_agent_definitions (id, name, provider) VALUES ('a1', 'one', 'p');
         DROP TABLE db_agent_history;
         CREATE TABLE db_agent_history (
             id           {id_decl},
             agent_id     TEXT NOT NULL,
             session_date TEXT NOT NULL,
             entry        TEXT NOT NULL,
             timestamp    INTEGER NOT NULL DEFAULT 0,
             FOREIGN KEY (agent_id) REFERENCES db_forge_agents(id) ON DELETE CASCADE
         );
         INSERT INTO db_agent_history VALUES {rows};"
    ))
    .unwrap();
    db
}

/// A stale child whose `id` holds text where the canonical table has an INTEGER PRIMARY KEY (a
/// damaged definition). The rebuild that repairs its foreign key cannot copy those rows into the
/// rowid (`datatype mismatch`), and the original module, which never rebuilt, migrated the file.
/// The table is rebuilt to its canonical foreign keys with every row, its key declared `INT` for
/// the rows that need it, and the report says so (`constraints_relaxed`; tests/rebuild_rows.rs).
#[test]
fn a_stale_child_whose_rows_the_canonical_table_refuses_is_rebuilt_keeping_them() {
    let db = with_stale_agent_history("TEXT", "('h-1', 'a1', 'd1', 'e', 7), ('h-2', 'a1', 'd2', 'f', 8)");
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert!(report.foreign_keys_kept.is_empty(), "{report:?}");
    assert!(report.tables_rebuilt.iter().any(|t| t.table == "db_agent_history"), "{report:?}");
    let relaxed: Vec<_> =
        report.constraints_relaxed.iter().map(|r| (r.table.as_str(), r.constraint.as_str(), r.rows)).collect();
    assert_eq!(relaxed, [("db_agent_history", "INTEGER PRIMARY KEY (id)", 2)]);
    assert_eq!(
        db.query_strings("SELECT id || '|' || entry FROM db_agent_history ORDER BY id", &[]).unwrap(),
        ["h-1|e", "h-2|f"]
    );
    let fks = agentmux_schema::inspect::foreign_key_list(&db, "db_agent_history").unwrap();
    assert!(fks.iter().all(|fk| fk.table == "db_agent_definitions"), "{fks:?}");
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// The corpus seed `fuzz/corpus/image/seed-finding-21-null-rowid`: a stale child whose `id` is a
/// plain column (a damaged `INTEGER PRIMARY KEY AUTOINCREMENT`) holding NULL. The rebuild to the
/// canonical definition keeps every row and value, but the canonical `id` is the rowid, where
/// SQLite gives a NULL a fresh id: that row gets one.
#[test]
fn a_null_id_gets_a_fresh_one_when_its_table_is_rebuilt_around_a_rowid() {
    let db = with_stale_agent_history("INTEGER", "(5, 'a1', 'd1', 'e', 7), (NULL, 'a1', 'd2', 'f', 8)");
    let report = migrate(&db, Store::Objects).expect("migrates");
    assert!(report.tables_rebuilt.iter().any(|t| t.table == "db_agent_history"), "{report:?}");
    assert_eq!(
        db.query_strings("SELECT id || '|' || entry FROM db_agent_history ORDER BY entry", &[]).unwrap(),
        ["5|e", "6|f"]
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// The corpus seed `fuzz/corpus/image/seed-finding-27-nul-in-index-text`: an index of a table that
/// the migration rebuilds, whose catalogue text holds NUL bytes after a valid definition (a damaged
/// row). SQLite reads the text up to the first NUL and holds that index; the rebuild re-created the
/// index from the whole text, which the driver refuses ("SQL contains a NUL byte"), where the
/// original module, which never rebuilt, migrated the file. The index is re-created as SQLite held
/// it, and the file migrated.
#[test]
fn an_index_whose_catalogue_text_holds_nul_bytes_survives_its_tables_rebuild() {
    let db = with_stale_agent_history("INTEGER", "(5, 'a1', 'd1', 'e', 7), (6, 'a1', 'd2', '', 8)");
    db.exec(
        "CREATE INDEX history_entries ON db_agent_history(entry) WHERE entry <> '';
         PRAGMA writable_schema = ON;
         UPDATE sqlite_master SET sql = sql || CAST(x'000000' AS TEXT) || 'junk' WHERE name = 'history_entries';
         PRAGMA writable_schema = OFF;",
    )
    .unwrap();
    let db = from_bytes(&bytes_of(&mut { db })).unwrap();
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"], "SQLite finds nothing wrong");
    assert_eq!(
        db.query_i64(
            "SELECT instr(sql, CAST(x'00' AS TEXT)) > 0 FROM sqlite_master WHERE name = 'history_entries'",
            &[]
        )
        .unwrap(),
        Some(1),
        "the row's text holds a NUL"
    );
    let report = migrate(&db, Store::Objects).expect("migrated, as the original did");
    assert!(report.tables_rebuilt.iter().any(|t| t.table == "db_agent_history"), "{report:?}");
    assert_eq!(
        db.query_strings("SELECT sql FROM sqlite_master WHERE name = 'history_entries'", &[]).unwrap(),
        ["CREATE INDEX history_entries ON db_agent_history(entry) WHERE entry <> ''"]
    );
    assert_eq!(
        db.query_strings("SELECT entry FROM db_agent_history INDEXED BY history_entries WHERE entry <> ''", &[])
            .unwrap(),
        ["e"],
        "the partial index is back, with its rows"
    );
    assert_eq!(db.query_i64("SELECT count(*) FROM db_agent_history", &[]).unwrap(), Some(2));
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// The corpus seed `fuzz/corpus/image/seed-finding-17-non-utf8-column`: a table whose foreign key
/// is stale and one of whose columns is named by bytes that are not UTF-8 (a damaged CREATE text).
/// The rebuild that repairs foreign keys copies columns by name, and no SQL this crate writes can
/// name that column, so it refused the file, which the original module migrated. The table keeps
/// its foreign key, as the original left it, every row and column in place, and the report says so
/// (`foreign_keys_kept`).
#[test]
fn a_table_with_a_column_name_that_is_not_utf8_keeps_its_stale_foreign_key() {
    let db = mem();
    migrate(&db, Store::Sagas).unwrap();
    db.exec(
        "INSERT INTO saga (saga_id, name, state, started_at, input_json) VALUES (1, 's', 'running', 1, '{}');
         INSERT INTO saga_step (saga_id, step_index, name, state, cmd_json, started_at) VALUES (1, 0, 'a', 'done', '{}', 42);
         PRAGMA writable_schema = ON;
         UPDATE sqlite_master SET sql = replace(replace(sql, 'saga(saga_id)', 'saga(saea_id)'),
             'output_json TEXT', CAST(X'81' AS TEXT) || ' TEXT')
         WHERE name = 'saga_step';
         PRAGMA writable_schema = OFF;
         PRAGMA user_version = 0;",
    )
    .unwrap();
    let image = bytes_of(&mut { db });
    let db = from_bytes(&image).unwrap();
    assert_eq!(
        db.query_strings("SELECT hex(name) FROM pragma_table_xinfo('saga_step') WHERE cid = 5", &[]).unwrap(),
        ["81"]
    );
    let report = migrate(&db, Store::Sagas).expect("migrated, as the original did");
    assert_eq!(report.foreign_keys_kept, ["saga_step"]);
    assert!(report.tables_rebuilt.is_empty(), "{report:?}");
    assert_eq!(db.query_i64("SELECT started_at FROM saga_step", &[]).unwrap(), Some(42));
    assert_eq!(
        db.query_strings("SELECT \"table\" || '(' || \"to\" || ')' FROM pragma_foreign_key_list('saga_step')", &[])
            .unwrap(),
        ["saga(saea_id)"]
    );
    assert_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);
}

/// The corpus seed `fuzz/corpus/image/seed-finding-18-sequence-columns`: `sqlite_sequence`'s CREATE
/// text naming its columns `(name,suq)`. SQLite reads and writes that table by position, so the
/// original module migrated the file, but the rebuild that repairs a stale foreign key read the
/// AUTOINCREMENT counter as `seq` and failed. It now reads the columns by position: the file
/// migrates and every counter is the one the same file gets undamaged.
#[test]
fn a_sqlite_sequence_with_other_column_names_keeps_the_counters() {
    let image = image_of(STALE_FOREIGN_KEYS);
    let counters = |image: &[u8]| {
        let db = from_bytes(image).unwrap();
        let report = migrate(&db, Store::Objects).expect("migrated");
        assert!(report.tables_rebuilt.iter().any(|t| t.table == "db_agent_history"), "{report:?}");
        db.query("SELECT * FROM sqlite_sequence ORDER BY 1", &[]).unwrap()
    };
    let text = b"sqlite_sequence(name,seq)";
    let hits: Vec<usize> = (0..image.len() - text.len()).filter(|&i| &image[i..i + text.len()] == text).collect();
    assert!(!hits.is_empty(), "sqlite_sequence's CREATE text");
    let mut patched = image.clone();
    for at in hits {
        patched[at + "sqlite_sequence(name,s".len()] = b'u';
    }
    let want = counters(&image);
    assert!(!want.is_empty());
    assert_eq!(counters(&patched), want);
}
