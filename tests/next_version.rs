//! The next-version drill: each store gets a test-only next version generated from the current
//! one (every table rebuilt from an explicit column list, one column with a default added per
//! table, a CHECK added, an index added, a backfill), and every input the current version
//! migrates must migrate through it too, with every row kept and verification passing: the
//! fixtures, the shipped snapshots, as many legacy states from the property generator's model as
//! the property test draws, the `image` fuzz target's seed corpus (which holds the input of every
//! regression repair: catalogue spelling, missing `oid`, nullable columns, sequence table,
//! case variants, …), and the repair tests' own inputs. This is what keeps a version from
//! stranding a file the previous one accepted, whatever the next version rebuilds. Runs natively,
//! under Node and in browsers.

mod common;
#[allow(dead_code)]
mod legacy_model;

use std::cell::RefCell;
use std::collections::BTreeMap;

use agentmux_schema::backend::{self, Db};
use agentmux_schema::inspect::Schema;
use agentmux_schema::{migrate, migrate_spec, Change, Outcome, Spec, SqlConn, Step, Store, StoreError};
use common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// The column every table gains in the next version, and the value existing rows take.
const NOTE: &str = "drill_note";
const NOTE_DEFAULT: &str = "'drill'";

/// The fuzz `image` target's seed corpus (a test below checks the list is complete).
const IMAGE_SEEDS: &[(&str, &[u8])] = &[
    ("seed-downgrade", include_bytes!("../fuzz/corpus/image/seed-downgrade")),
    ("seed-empty", include_bytes!("../fuzz/corpus/image/seed-empty")),
    ("seed-example-v5", include_bytes!("../fuzz/corpus/image/seed-example-v5")),
    ("seed-finding-10-table-spelling", include_bytes!("../fuzz/corpus/image/seed-finding-10-table-spelling")),
    ("seed-finding-11-autoindex-table", include_bytes!("../fuzz/corpus/image/seed-finding-11-autoindex-table")),
    ("seed-finding-12-type-case", include_bytes!("../fuzz/corpus/image/seed-finding-12-type-case")),
    ("seed-finding-13-blob-name", include_bytes!("../fuzz/corpus/image/seed-finding-13-blob-name")),
    ("seed-finding-14-oid-column", include_bytes!("../fuzz/corpus/image/seed-finding-14-oid-column")),
    ("seed-finding-15-table-row-spelling", include_bytes!("../fuzz/corpus/image/seed-finding-15-table-row-spelling")),
    ("seed-finding-16-column-case", include_bytes!("../fuzz/corpus/image/seed-finding-16-column-case")),
    ("seed-finding-17-non-utf8-column", include_bytes!("../fuzz/corpus/image/seed-finding-17-non-utf8-column")),
    ("seed-finding-18-sequence-columns", include_bytes!("../fuzz/corpus/image/seed-finding-18-sequence-columns")),
    ("seed-finding-21-null-rowid", include_bytes!("../fuzz/corpus/image/seed-finding-21-null-rowid")),
    ("seed-finding-22-column-case-oracle", include_bytes!("../fuzz/corpus/image/seed-finding-22-column-case-oracle")),
    ("seed-finding-23-adopted-column-case", include_bytes!("../fuzz/corpus/image/seed-finding-23-adopted-column-case")),
    ("seed-finding-24-oid-case", include_bytes!("../fuzz/corpus/image/seed-finding-24-oid-case")),
    ("seed-finding-25-oid-and-version", include_bytes!("../fuzz/corpus/image/seed-finding-25-oid-and-version")),
    (
        "seed-finding-26-autoindex-typed-table",
        include_bytes!("../fuzz/corpus/image/seed-finding-26-autoindex-typed-table"),
    ),
    ("seed-finding-27-nul-in-index-text", include_bytes!("../fuzz/corpus/image/seed-finding-27-nul-in-index-text")),
    (
        "seed-finding-28-oid-and-data-missing",
        include_bytes!("../fuzz/corpus/image/seed-finding-28-oid-and-data-missing"),
    ),
    ("seed-finding-29-header-encoding", include_bytes!("../fuzz/corpus/image/seed-finding-29-header-encoding")),
    (
        "seed-finding-30-catalogue-out-of-order",
        include_bytes!("../fuzz/corpus/image/seed-finding-30-catalogue-out-of-order"),
    ),
    (
        "seed-finding-31-catalogue-out-of-order-repair",
        include_bytes!("../fuzz/corpus/image/seed-finding-31-catalogue-out-of-order-repair"),
    ),
    (
        "seed-finding-32-sequence-column-names",
        include_bytes!("../fuzz/corpus/image/seed-finding-32-sequence-column-names"),
    ),
    ("seed-finding-6-schema-format", include_bytes!("../fuzz/corpus/image/seed-finding-6-schema-format")),
    ("seed-finding-7-index-spelling", include_bytes!("../fuzz/corpus/image/seed-finding-7-index-spelling")),
    ("seed-finding-9-wide-rows", include_bytes!("../fuzz/corpus/image/seed-finding-9-wide-rows")),
    ("seed-flat-v1", include_bytes!("../fuzz/corpus/image/seed-flat-v1")),
    ("seed-garbage", include_bytes!("../fuzz/corpus/image/seed-garbage")),
    ("seed-header-only", include_bytes!("../fuzz/corpus/image/seed-header-only")),
    ("seed-later-table-in-older-file", include_bytes!("../fuzz/corpus/image/seed-later-table-in-older-file")),
    ("seed-legacy-v11", include_bytes!("../fuzz/corpus/image/seed-legacy-v11")),
    ("seed-pre-v11", include_bytes!("../fuzz/corpus/image/seed-pre-v11")),
    ("seed-reference-filestore", include_bytes!("../fuzz/corpus/image/seed-reference-filestore")),
    ("seed-reference-objects", include_bytes!("../fuzz/corpus/image/seed-reference-objects")),
    ("seed-reference-sagas", include_bytes!("../fuzz/corpus/image/seed-reference-sagas")),
    ("seed-snapshot-filestore-v1", include_bytes!("../fuzz/corpus/image/seed-snapshot-filestore-v1")),
    ("seed-snapshot-objects-v1", include_bytes!("../fuzz/corpus/image/seed-snapshot-objects-v1")),
    ("seed-snapshot-objects-v2", include_bytes!("../fuzz/corpus/image/seed-snapshot-objects-v2")),
    ("seed-snapshot-objects-v3", include_bytes!("../fuzz/corpus/image/seed-snapshot-objects-v3")),
    ("seed-snapshot-objects-v4", include_bytes!("../fuzz/corpus/image/seed-snapshot-objects-v4")),
    ("seed-snapshot-sagas-v1", include_bytes!("../fuzz/corpus/image/seed-snapshot-sagas-v1")),
    ("seed-stale-foreign-keys", include_bytes!("../fuzz/corpus/image/seed-stale-foreign-keys")),
    ("seed-too-new", include_bytes!("../fuzz/corpus/image/seed-too-new")),
    ("seed-truncated", include_bytes!("../fuzz/corpus/image/seed-truncated")),
    ("seed-wal-marked", include_bytes!("../fuzz/corpus/image/seed-wal-marked")),
];

const FIXTURES: &[(&str, &str)] = &[
    ("downgrade.sql", include_str!("fixtures/downgrade.sql")),
    ("flat_v1.sql", include_str!("fixtures/flat_v1.sql")),
    ("legacy_v11.sql", include_str!("fixtures/legacy_v11.sql")),
    ("pre_v11.sql", include_str!("fixtures/pre_v11.sql")),
    ("reference_filestore.sql", include_str!("fixtures/reference_filestore.sql")),
    ("reference_objects.sql", include_str!("fixtures/reference_objects.sql")),
    ("reference_sagas.sql", include_str!("fixtures/reference_sagas.sql")),
    ("stale_foreign_keys.sql", include_str!("fixtures/stale_foreign_keys.sql")),
];

/// `create` (a `CREATE TABLE` as SQLite stores it) with `column` inserted after its last column
/// definition, before any table constraint.
fn with_column(create: &str, column: &str) -> String {
    let open = create.find('(').unwrap();
    let close = create.rfind(')').unwrap();
    let body = &create[open + 1..close];
    let (mut depth, mut quote, mut parts, mut start) = (0i32, None::<char>, Vec::new(), 0);
    for (i, c) in body.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    let is_constraint = |p: &str| {
        let first = p.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"].iter().any(|k| first.starts_with(k))
    };
    let at = parts.iter().position(|p| is_constraint(p)).unwrap_or(parts.len());
    let mut out: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
    out.insert(at, format!("\n    {column}"));
    format!("{}{}{}", &create[..open + 1], out.join(","), &create[close..])
}

thread_local! {
    /// Each store's next version and a fresh file's schema, made once per thread.
    static MADE: RefCell<Vec<(Store, &'static Spec, &'static Schema)>> = const { RefCell::new(Vec::new()) };
}

/// The next version of `store`, generated from the current one: every table rebuilt from an
/// explicit column list with `drill_note TEXT NOT NULL DEFAULT 'drill' CHECK (drill_note <> '')`
/// added, an index on that column of the first table, and a backfill that writes it.
fn next_version(store: Store) -> &'static Spec {
    if let Some(spec) = MADE.with(|m| m.borrow().iter().find(|(s, _, _)| *s == store).map(|(_, spec, _)| *spec)) {
        return spec;
    }
    let spec = make_next_version(store);
    let db = mem();
    migrate_spec(&db, spec).unwrap();
    let fresh: &'static Schema = Box::leak(Box::new(dump(&db)));
    MADE.with(|m| m.borrow_mut().push((store, spec, fresh)));
    spec
}

/// The schema of a fresh file of [`next_version`].
fn fresh_next(store: Store) -> &'static Schema {
    next_version(store);
    MADE.with(|m| m.borrow().iter().find(|(s, _, _)| *s == store).map(|(_, _, fresh)| *fresh)).unwrap()
}

fn make_next_version(store: Store) -> &'static Spec {
    let current = store.spec();
    let canonical = current.canonical(&mem()).unwrap();
    let tables: Vec<&String> = canonical.table_sql.keys().filter(|t| !t.starts_with("sqlite_")).collect();
    let mut ddl = String::new();
    let mut steps: Vec<Step> = current.steps.to_vec();
    let next = current.version + 1;
    for table in &tables {
        let create = with_column(
            &canonical.table_sql[*table],
            &format!("{NOTE} TEXT NOT NULL DEFAULT {NOTE_DEFAULT} CHECK ({NOTE} <> '')"),
        );
        ddl += &create.replacen("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1);
        ddl += ";\n";
        // The explicit list: every current column by name, then the new column's value.
        let columns: Vec<String> = canonical.schema.tables[*table]
            .columns
            .iter()
            .filter(|c| c.hidden == 0)
            .map(|c| format!("\"{}\"", c.name.replace('"', "\"\"")))
            .chain([NOTE_DEFAULT.to_string()])
            .collect();
        let exprs: &'static str = Box::leak(columns.join(", ").into_boxed_str());
        let table: &'static str = Box::leak(table.to_string().into_boxed_str());
        steps.push(Step { since: next, change: Change::RebuildTable { table, column_exprs: exprs } });
    }
    for create in canonical.index_sql.values() {
        ddl += &create.replacen("CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ", 1).replacen(
            "CREATE INDEX ",
            "CREATE INDEX IF NOT EXISTS ",
            1,
        );
        ddl += ";\n";
    }
    let first = tables[0];
    ddl += &format!("CREATE INDEX IF NOT EXISTS idx_drill_{first} ON \"{first}\" ({NOTE});\n");
    let backfill: &'static str = Box::leak(
        format!("UPDATE \"{first}\" SET {NOTE} = 'backfilled' WHERE {NOTE} = {NOTE_DEFAULT}").into_boxed_str(),
    );
    steps.push(Step { since: next, change: Change::Sql { name: "backfill the drill column", sql: backfill } });
    Box::leak(Box::new(Spec {
        version: next,
        ddl: Box::leak(ddl.into_boxed_str()),
        steps: Box::leak(steps.into_boxed_slice()),
        ..*current
    }))
}

/// The columns of each table of `schema` that the file holds: the ones rows are compared over.
fn columns_held(db: &Db, schema: &Schema) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (name, table) in &schema.tables {
        let have = db.query_strings("SELECT name FROM pragma_table_xinfo(?1)", &[name]).unwrap();
        let columns: Vec<String> = table.columns.iter().map(|c| c.name.clone()).filter(|c| have.contains(c)).collect();
        if !columns.is_empty() {
            out.insert(name.clone(), columns);
        }
    }
    out
}

/// Every row of every table in `columns`, over those columns, each table's rows sorted.
fn rows(db: &Db, columns: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, Vec<String>> {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = BTreeMap::new();
    for (name, columns) in columns {
        let list: Vec<String> = columns.iter().map(|c| format!("quote({})", q(c))).collect();
        let sql = format!("SELECT {} FROM {}", list.join(" || '|' || "), q(name));
        let Ok(mut found) = db.query_strings(&sql, &[]) else { continue };
        found.sort();
        out.insert(name.clone(), found);
    }
    out
}

/// Drill one input: if the current version migrates it, the next must too, from the input
/// itself and from the current version's result, keeping every row the current version keeps.
/// Returns whether the current version migrated it.
fn drill(what: &str, image: &[u8], store: Store) -> bool {
    let Ok(current) = backend::from_bytes(image) else { return false };
    // Only what the current version migrates. A file it leaves alone as up to date (stamped with
    // its version) is, in the field, what a migration of the current version verified and
    // stamped; the synthetic ones here stamped current over another shape say nothing about it.
    match migrate(&current, store) {
        Ok(report) if report.outcome != Outcome::UpToDate => {}
        _ => return false,
    }
    let schema = store.spec().canonical(&current).unwrap().schema.clone();
    let columns = columns_held(&current, &schema);
    let want = rows(&current, &columns);
    let next = next_version(store);
    let fresh = fresh_next(store);
    for (path, db) in [("from the input", backend::from_bytes(image).unwrap()), ("from the current version", current)] {
        let report = match migrate_spec(&db, next) {
            Ok(report) => report,
            // A header whose text-encoding field makes SQLite refuse every ALTER TABLE (corpus
            // seed `seed-finding-29-header-encoding`): the current version gets through only because it alters nothing in
            // that file; no version that changes a table can, and it is refused as the damage it
            // is, nothing written (tests/refusals.rs covers that refusal).
            Err(StoreError::NotADatabase { reason, .. }) if reason.contains("text-encoding field") => continue,
            Err(e) => panic!("{what} ({store}, {path}): the next version strands it: {e}"),
        };
        assert_eq!(version(&db), next.version, "{what} ({store}, {path})");
        // Over the tables the current version's result holds (a file stamped current but lacking
        // a table is left so by the current version, and completed, seeded, by the next).
        // Every row kept, unchanged; the only new rows are the blank ones seeded where the
        // current version had left the file alone (stamped current, so never seeded).
        let got = rows(&db, &columns);
        let mut extra = 0;
        for (table, kept) in &want {
            let mut have = got.get(table).cloned().unwrap_or_default();
            for row in kept {
                let at = have.iter().position(|r| r == row);
                let at = at.unwrap_or_else(|| panic!("{what} ({store}, {path}): {table} lost or changed {row}"));
                have.remove(at);
            }
            extra += have.len() as i64;
        }
        assert!(extra <= report.rows_seeded, "{what} ({store}, {path}): {extra} rows appeared, {report:?}");
        let drift = agentmux_schema::inspect::drift(&dump(&db), fresh);
        assert!(drift.missing_tables.is_empty() && drift.missing_columns.is_empty(), "{what}: {drift:?}");
        assert!(
            drift.missing_indexes.is_empty() && drift.missing_foreign_keys.is_empty()
                || !report.foreign_keys_kept.is_empty(),
            "{what}: {drift:?}"
        );
        // Every row of every rebuilt table holds the new column (the backfill's or the default).
        for table in schema.tables.keys() {
            let nulls = format!("SELECT count(*) FROM \"{table}\" WHERE {NOTE} IS NULL OR {NOTE} = ''");
            if let Ok(Some(n)) = db.query_i64(&nulls, &[]) {
                assert_eq!(n, 0, "{what} ({store}, {path}): {table}");
            }
        }
    }
    true
}

fn drill_all_stores(what: &str, image: &[u8]) -> usize {
    Store::ALL.into_iter().filter(|s| drill(what, image, *s)).count()
}

#[test]
fn the_generated_next_version_is_what_the_drill_says() {
    for store in Store::ALL {
        let next = next_version(store);
        let db = mem();
        let report = migrate_spec(&db, next).unwrap();
        assert_eq!(report.outcome, Outcome::Created);
        let schema = dump(&db);
        for (name, table) in &schema.tables {
            assert!(table.columns.iter().any(|c| c.name == NOTE), "{store}: {name} lacks the new column");
        }
        let rebuilds = next
            .steps
            .iter()
            .filter(|s| s.since == next.version && matches!(s.change, Change::RebuildTable { .. }))
            .count();
        assert_eq!(rebuilds, schema.tables.len(), "{store}: every table is rebuilt");
        assert!(db
            .exec(&format!("INSERT INTO \"{}\" ({NOTE}) VALUES ('')", schema.tables.keys().next().unwrap()))
            .is_err());
    }
}

fn drill_fixtures(part: usize) -> usize {
    let mut migrated = 0;
    for (name, sql) in FIXTURES.iter().skip(part * 4).take(4) {
        let db = mem();
        if db.exec(sql).is_err() {
            // A fixture that describes a change to a current file (the downgrade round trip).
            let db = mem();
            migrate(&db, Store::Objects).unwrap();
            db.exec(sql).unwrap();
            migrated += drill_all_stores(name, &bytes_of(&mut { db }));
            continue;
        }
        migrated += drill_all_stores(name, &bytes_of(&mut { db }));
    }
    migrated
}

#[test]
fn every_fixture_migrates_through_the_next_version_0() {
    assert!(drill_fixtures(0) >= 4);
}

#[test]
fn every_fixture_migrates_through_the_next_version_1() {
    assert!(drill_fixtures(1) >= 4);
    assert!(FIXTURES.len() <= 8, "add a part");
}

/// Seeds in parts of five, so that no test blocks a browser page for long (the headless
/// runner gives up on a page that does not answer for 30 s).
const SEED_PART: usize = 5;

fn drill_seeds(part: usize) -> usize {
    let seeds = IMAGE_SEEDS.iter().skip(part * SEED_PART).take(SEED_PART);
    seeds.map(|(name, image)| drill_all_stores(name, image)).sum()
}

/// One test per part of the input list, numbered.
macro_rules! parts {
    ($run:ident, $($name:ident = $part:expr),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                $run($part);
            }
        )+
    };
}

fn seeds_part(part: usize) {
    // Most seeds are real files; the garbage, truncated and too-new ones are refused by both.
    assert!(drill_seeds(part) > 0, "no seed of part {part} migrated");
}

parts!(
    seeds_part,
    fuzz_seeds_migrate_through_the_next_version_0 = 0,
    fuzz_seeds_migrate_through_the_next_version_1 = 1,
    fuzz_seeds_migrate_through_the_next_version_2 = 2,
    fuzz_seeds_migrate_through_the_next_version_3 = 3,
    fuzz_seeds_migrate_through_the_next_version_4 = 4,
    fuzz_seeds_migrate_through_the_next_version_5 = 5,
    fuzz_seeds_migrate_through_the_next_version_6 = 6,
    fuzz_seeds_migrate_through_the_next_version_7 = 7,
    fuzz_seeds_migrate_through_the_next_version_8 = 8,
    fuzz_seeds_migrate_through_the_next_version_9 = 9,
);

#[test]
fn the_seed_parts_cover_every_seed() {
    assert!(IMAGE_SEEDS.len() <= 10 * SEED_PART, "add a part to `parts!(seeds_part, …)`");
}

/// The property test's legacy states (tests/legacy_model), drawn from the same domains by a
/// fixed-seed generator (proptest itself is native-only), as many as the property test draws.
fn drill_legacy_states(cases: std::ops::Range<usize>) -> usize {
    use legacy_model::*;
    let mut state = 0x00a9_e47d_05ee_d500u64;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let mut migrated = 0;
    for case in 0..cases.end {
        let pairs = [Pair::Neither, Pair::Legacy, Pair::Current, Pair::Both];
        let indexes = [
            IndexState::Canonical,
            IndexState::Canonical,
            IndexState::Absent,
            IndexState::WrongColumn,
            IndexState::Weakened,
        ];
        let version = match next(10) {
            0..=5 => 0,
            6 | 7 => 1 + next(agentmux_schema::OBJECT_SCHEMA_VERSION as u64 - 1) as i64,
            _ => agentmux_schema::OBJECT_SCHEMA_VERSION,
        };
        let spec = Spec {
            version,
            pairs: (0..RENAMES.len()).map(|_| pairs[next(4) as usize]).collect(),
            unrenamed: (0..UNRENAMED.len()).map(|_| next(10) < 7).collect(),
            agent_shape: [AgentShape::V11, AgentShape::V2, AgentShape::Current][next(3) as usize],
            truncated: (next(100) < 15).then(|| (next(20) as usize, next(16) as usize)),
            legacy_indexes: (0..LEGACY_INDEXES.len()).map(|_| next(2) == 1).collect(),
            canonical_indexes: (0..reference().indexes.len()).map(|_| indexes[next(5) as usize]).collect(),
            dead: (0..DEAD_TABLES.len()).map(|_| next(2) == 1).collect(),
            agents: next(4) as usize,
            rows: next(4) as usize,
            dup_slugs: next(10) < 2,
            stale_fks: next(10) < 3,
            self_ref: next(100) < 15,
            seq_gap: next(2) == 1,
            foreign_keys_on: next(2) == 1,
        };
        if !cases.contains(&case) {
            continue;
        }
        let db = mem();
        db.exec(&spec.build_sql()).unwrap();
        if spec.foreign_keys_on {
            db.exec("PRAGMA foreign_keys = ON").unwrap();
        }
        if drill(&format!("legacy state {case}: {spec:?}"), &bytes_of(&mut { db }), Store::Objects) {
            migrated += 1;
        }
    }
    migrated
}

fn legacy_part(part: usize) {
    assert!(drill_legacy_states(part * 10..part * 10 + 10) > 0, "no legacy state of part {part} migrated");
}

// 160 states, as many as the property test draws, ten to a test.
parts!(
    legacy_part,
    legacy_states_migrate_through_the_next_version_00 = 0,
    legacy_states_migrate_through_the_next_version_01 = 1,
    legacy_states_migrate_through_the_next_version_02 = 2,
    legacy_states_migrate_through_the_next_version_03 = 3,
    legacy_states_migrate_through_the_next_version_04 = 4,
    legacy_states_migrate_through_the_next_version_05 = 5,
    legacy_states_migrate_through_the_next_version_06 = 6,
    legacy_states_migrate_through_the_next_version_07 = 7,
    legacy_states_migrate_through_the_next_version_08 = 8,
    legacy_states_migrate_through_the_next_version_09 = 9,
    legacy_states_migrate_through_the_next_version_10 = 10,
    legacy_states_migrate_through_the_next_version_11 = 11,
    legacy_states_migrate_through_the_next_version_12 = 12,
    legacy_states_migrate_through_the_next_version_13 = 13,
    legacy_states_migrate_through_the_next_version_14 = 14,
    legacy_states_migrate_through_the_next_version_15 = 15,
);

/// The repair tests' inputs that the issue named: a stale child lacking a NOT NULL column (the
/// next version's rebuild must meet the column added), and stale children whose rows the
/// canonical definition refuses (text in the INTEGER PRIMARY KEY, NULL where NOT NULL).
#[test]
fn the_repair_tests_inputs_migrate_through_the_next_version() {
    let stale = |columns: &str, rows: &str| {
        let db = db_with(reference_ddl(Store::Objects));
        db.exec(&format!(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO db_agent_definitions (id, name, provider) VALUES ('a1', 'one', 'p');
             DROP TABLE db_agent_history;
             CREATE TABLE db_agent_history ({columns},
                 FOREIGN KEY (agent_id) REFERENCES db_forge_agents(id) ON DELETE CASCADE);
             INSERT INTO db_agent_history VALUES {rows};"
        ))
        .unwrap();
        bytes_of(&mut { db })
    };
    let inputs = [
        (
            "a stale child lacking a NOT NULL column",
            stale(
                "id INTEGER PRIMARY KEY AUTOINCREMENT, agent_id TEXT NOT NULL, session_date TEXT NOT NULL, \
                 timestamp INTEGER NOT NULL DEFAULT 0",
                "(1, 'a1', 'd1', 7), (2, 'gone', 'd2', 8)",
            ),
        ),
        (
            "a stale child with text in its INTEGER PRIMARY KEY",
            stale(
                "id TEXT, agent_id TEXT NOT NULL, session_date TEXT NOT NULL, entry TEXT NOT NULL, \
                 timestamp INTEGER NOT NULL DEFAULT 0",
                "('h-1', 'a1', 'd1', 'e', 7), ('h-2', 'a1', 'd2', 'f', 8)",
            ),
        ),
        (
            "a stale child with NULL where the canonical table says NOT NULL",
            stale(
                "id INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, session_date TEXT, entry TEXT, \
                 timestamp INTEGER NOT NULL DEFAULT 0",
                "(1, 'a1', NULL, 'e', 7), (2, 'a1', 'd2', NULL, 8)",
            ),
        ),
    ];
    for (what, image) in inputs {
        assert!(drill(what, &image, Store::Objects), "{what}: the current version no longer migrates it");
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn every_image_seed_is_listed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/image");
    let mut files: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    let listed: Vec<String> = IMAGE_SEEDS.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(files, listed);
}
