//! Property: whatever mix of legacy and current table names a file holds, `migrate` either
//! completes with every row still there (under the table's current name, or in the legacy table
//! it left alone) or changes nothing at all.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::BTreeMap;

use agentmux_schema::legacy::{DEAD_TABLE_DROPS, LEGACY_TABLE_RENAMES};
use agentmux_schema::{inspect, migrate, SqlConn, Store};
use proptest::prelude::*;

/// What a file holds for one legacy/current pair.
#[derive(Debug, Clone, Copy)]
enum Pair {
    CurrentOnly,
    LegacyOnly,
    Both,
    Neither,
}

fn pair() -> impl Strategy<Value = Pair> {
    prop_oneof![Just(Pair::CurrentOnly), Just(Pair::LegacyOnly), Just(Pair::Both), Just(Pair::Neither)]
}

/// Every row of every table, as text, by table name.
fn contents(db: &impl SqlConn) -> BTreeMap<String, Vec<String>> {
    let schema = inspect::dump(db).unwrap();
    schema
        .tables
        .iter()
        .map(|(t, tab)| {
            let cols =
                tab.columns.iter().map(|c| format!("quote(\"{}\")", c.name)).collect::<Vec<_>>().join(" || '|' || ");
            (t.clone(), db.query_strings(&format!("SELECT {cols} FROM \"{t}\" ORDER BY 1"), &[]).unwrap())
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn migrate_keeps_every_row_or_changes_nothing(
        pairs in proptest::collection::vec(pair(), LEGACY_TABLE_RENAMES.len()),
        dead in proptest::collection::vec(any::<bool>(), DEAD_TABLE_DROPS.len()),
        agents in 0usize..5,
    ) {
        // Start from the full current schema with rows, then reshape it into a legacy file.
        let mut db = common::mem();
        migrate(&db, Store::Objects).unwrap();
        for i in 0..agents {
            db.exec(&format!(
                "INSERT INTO db_agent_definitions (id, slug, name, provider) VALUES ('a{i}', 's{i}', 'Agent {i}', 'p');
                 INSERT INTO db_agent_content (agent_id, content_type, content) VALUES ('a{i}', 'soul', 'c{i}');
                 INSERT INTO db_memory_bundles (id, name) VALUES ('m{i}', 'Memory {i}');"
            )).unwrap();
        }
        for ((legacy, current), p) in LEGACY_TABLE_RENAMES.iter().zip(&pairs) {
            match p {
                Pair::CurrentOnly => {}
                Pair::LegacyOnly => db.exec(&format!("ALTER TABLE {current} RENAME TO {legacy}")).unwrap(),
                Pair::Both => db.exec(&format!(
                    "CREATE TABLE {legacy} (id TEXT PRIMARY KEY, note TEXT); INSERT INTO {legacy} VALUES ('old', 'written by a downgraded build');"
                )).unwrap(),
                Pair::Neither => db.exec(&format!("DROP TABLE {current}")).unwrap(),
            }
        }
        for (table, present) in DEAD_TABLE_DROPS.iter().zip(&dead) {
            if *present {
                db.exec(&format!("CREATE TABLE {table} (id TEXT PRIMARY KEY)")).unwrap();
            }
        }
        db.exec("PRAGMA user_version = 0").unwrap();

        let before_image = common::bytes_of(&mut db);
        let before = contents(&db);
        match migrate(&db, Store::Objects) {
            Ok(report) => {
                let after = contents(&db);
                let kept: Vec<&str> = report.legacy_tables_kept.iter().map(|r| r.from.as_str()).collect();
                let both: Vec<&str> = LEGACY_TABLE_RENAMES.iter().zip(&pairs)
                    .filter(|(_, p)| matches!(p, Pair::Both)).map(|((l, _), _)| *l).collect();
                prop_assert_eq!(kept, both);
                prop_assert_eq!(common::version(&db), 4);
                prop_assert!(inspect::missing_from_canonical(&db, inspect::canonical(Store::Objects).unwrap(), |_| true).unwrap().is_empty());
                for (table, rows) in &before {
                    if DEAD_TABLE_DROPS.contains(&table.as_str()) {
                        prop_assert!(!after.contains_key(table), "{} should be dropped", table);
                        continue;
                    }
                    // A renamed table's rows are now under the current name; everything else
                    // (current tables, kept legacy tables) keeps its name.
                    let renamed = report.tables_renamed.iter().find(|r| &r.from == table).map(|r| r.to.clone());
                    let now = after.get(renamed.as_ref().unwrap_or(table)).expect("table still there");
                    // Additive columns may widen a row; every old row must still be a prefix.
                    prop_assert_eq!(now.len(), rows.len(), "{}", table);
                    for (old, new) in rows.iter().zip(now) {
                        prop_assert!(new.starts_with(old.as_str()), "{}: {} became {}", table, old, new);
                    }
                }
            }
            Err(e) => {
                prop_assert_eq!(common::bytes_of(&mut db), before_image, "failed ({}) but changed the file", e);
            }
        }
    }
}
