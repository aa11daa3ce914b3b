//! `image`: arbitrary bytes as a database image, as a file or a browser upload delivers them.
//!
//! Through the header check, `status` for each store and `migrate` of an in-memory copy, with
//! these invariants as the oracle (any violation panics, which libFuzzer records as a crash):
//! - nothing panics, and `status` always answers (an unreadable file is a status, with a reason);
//! - `from_bytes` accepts exactly what the header check accepts (or fails inside SQLite);
//! - a failed migrate leaves the image byte for byte as it was, and so does an up-to-date one;
//! - a successful migrate leaves `user_version` = this build's, a schema the independent dump
//!   finds canonical but for what the report owns up to (kept legacy tables, `indexes_kept`,
//!   `columns_nullable`) and what the file already held (its own tables and columns, which
//!   migrate never touches), `integrity_check` = ok whenever it was ok before, and every row of
//!   every pre-existing table the rules keep, under its new name where it was renamed;
//! - where the server's original module (tests/original, when it is beside the repository)
//!   migrates a copy of an image that passes `integrity_check`, this crate's migrate does not
//!   fail: nothing the original migrates is refused. (A damaged image is exempt: the original
//!   "migrates" one when every statement it runs is a no-op `IF NOT EXISTS` that never reaches
//!   the damage, while this crate, which reads and repairs the schema, stops on SQLite's
//!   `SQLITE_CORRUPT` with the image untouched, as the ordinary tests require. So is a header
//!   whose text-encoding field makes SQLite refuse every `ALTER TABLE`, which this crate names,
//!   and a negative `user_version`, which this crate refuses as damage.)
#![no_main]

#[cfg(agentmux_original)]
#[path = "../../tests/original/mod.rs"]
mod original;

use std::collections::{BTreeMap, BTreeSet};

use agentmux_schema::backend::{self, Db};
use agentmux_schema::inspect::{self, Schema};
use agentmux_schema::legacy::LEGACY_TABLE_RENAMES;
use agentmux_schema::{header, migrate, status, Outcome, SqlConn, State, Store};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| run(data));

fn run(data: &[u8]) {
    let header_ok = header::check_image("fuzz.db", data, data.len() as u64).is_ok();
    let Ok(db) = backend::from_bytes(data) else {
        return;
    };
    assert!(header_ok, "from_bytes accepted an image the header check refuses");
    for store in Store::ALL {
        let s = status(&db, store);
        match s.state {
            State::Unreadable => assert!(s.error.is_some(), "an unreadable status without a reason: {s:?}"),
            State::Missing => panic!("status of an open database says Missing"),
            _ => {
                assert!(s.error.is_none(), "{s:?}");
                assert!(s.user_version.is_some(), "{s:?}");
            }
        }
    }
    // What the image holds before any migration, read once: every store's copy starts from it.
    let before = Before {
        integrity_ok: integrity_ok(&db),
        schema: inspect::dump(&db).ok(),
        triggers: db.query_i64("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'", &[]).ok().flatten(),
    };
    drop(db);
    for store in Store::ALL {
        migrate_copy(data, store, &before);
    }
}

/// The unmigrated image, as the oracle reads it.
struct Before {
    integrity_ok: bool,
    schema: Option<Schema>,
    /// Rows are compared only where the file reads cleanly before and has no triggers (a trigger
    /// on a seeded table may legitimately write rows anywhere).
    triggers: Option<i64>,
}

fn migrate_copy(data: &[u8], store: Store, before: &Before) {
    let Ok(mut db) = backend::from_bytes(data) else { return };
    let Ok(before_image) = backend::to_bytes(&mut db) else { return };
    let (integrity_before, before_schema, triggers) = (before.integrity_ok, &before.schema, before.triggers);
    // Compared over every column but one that the canonical table (under the table's own name
    // or the one adoption renames it to) makes an INTEGER PRIMARY KEY while the file's table did
    // not: a rebuild copies into a rowid there, where SQLite gives a NULL a fresh id.
    let canonical = store.spec().canonical(&db).expect("canonical schema");
    let compared = before_schema.as_ref().map(|schema| {
        let mut schema = schema.clone();
        let names: Vec<String> = schema.tables.keys().cloned().collect();
        for name in &names {
            let table = schema.tables.get_mut(name).expect("listed");
            let targets = [name.as_str()]
                .into_iter()
                .chain(LEGACY_TABLE_RENAMES.iter().filter(|(l, _)| l.eq_ignore_ascii_case(name)).map(|(_, c)| *c));
            let becomes_rowid = |column: &str| {
                targets.clone().any(|t| {
                    canonical.schema.tables.get(t).is_some_and(|c| {
                        c.columns
                            .iter()
                            .any(|k| k.name == column && k.pk == 1 && k.decl_type.eq_ignore_ascii_case("INTEGER"))
                    })
                })
            };
            let is_rowid =
                |c: &agentmux_schema::inspect::Column| c.pk == 1 && c.decl_type.eq_ignore_ascii_case("INTEGER");
            table.columns.retain(|c| is_rowid(c) || !becomes_rowid(&c.name));
        }
        schema
    });
    let before_rows = match (&compared, integrity_before, triggers) {
        (Some(schema), true, Some(0)) => contents_in(&db, schema),
        _ => None,
    };

    let result = migrate(&db, store);
    // The original module's verdict is the bar where this crate failed on an intact image, and
    // only there, so it runs only then (on its own copy of the input): running it on every input
    // would spend most of each execution on a verdict nothing reads.
    //
    // Exempt, as damage: a header whose text-encoding field SQLite opens as UTF-8 but refuses on
    // every `ALTER TABLE` (finding 29). The original gets through such a file only where it alters
    // nothing; this crate then refuses it naming the damage, and never where no work is needed.
    #[cfg(agentmux_original)]
    let damaged_encoding = {
        // (An empty image is a database too, with no header.)
        let field = data.get(56..60).map_or(0, |f| u32::from_be_bytes(f.try_into().expect("four bytes")));
        let named = matches!(&result, Err(agentmux_schema::StoreError::NotADatabase { reason, .. }) if reason.contains("text-encoding field"));
        field != 0 && field & 3 == 0 && named
    };
    // Exempt too: a negative `user_version` (header bytes 60-63), which no build writes. The
    // original ran every step on such a file and stamped it; this crate refuses it as damage
    // (issue 26), nothing written.
    #[cfg(agentmux_original)]
    let negative_version = {
        let version = data.get(60..64).map_or(0, |v| i32::from_be_bytes(v.try_into().expect("four bytes")));
        version < 0 && matches!(&result, Err(agentmux_schema::StoreError::NotADatabase { reason, .. }) if reason.contains("user_version"))
    };
    #[cfg(agentmux_original)]
    if let (Err(e), true, false, false) = (&result, integrity_before, damaged_encoding, negative_version) {
        if let Some(Ok(())) = backend::from_bytes(data).ok().map(|copy| original::start_up(&copy, store)) {
            panic!("{store:?}: this crate refused ({e}) an image the original module migrates");
        }
    }
    let after_image = backend::to_bytes(&mut db).expect("serialize after migrate");
    let report = match result {
        Err(e) => {
            assert!(after_image == before_image, "{store:?}: a failed migrate ({e}) changed the image");
            return;
        }
        Ok(r) => r,
    };
    let version = db.query_i64("PRAGMA user_version", &[]).expect("user_version").expect("a row");
    assert_eq!(version, store.version(), "{store:?}: {report:?}");
    assert_eq!(report.to_version, store.version());
    if report.outcome == Outcome::UpToDate {
        assert!(after_image == before_image, "{store:?}: an up-to-date migrate changed the image");
        return;
    }

    // The schema, read back independently of the migration's own verification.
    let after = inspect::dump(&db).expect("dump after a successful migrate");
    let canonical = store.spec().canonical(&db).expect("canonical schema");
    let mut drift = inspect::drift(&after, &canonical.schema);
    // Foreign keys the report owns up to keeping (a table it could not rebuild) are the file's.
    drift.missing_foreign_keys.retain(|m| !report.foreign_keys_kept.iter().any(|t| m.starts_with(&format!("{t}("))));
    let missing = [&drift.missing_tables, &drift.missing_columns, &drift.missing_indexes, &drift.missing_foreign_keys];
    assert!(
        missing.iter().all(|m| m.is_empty()),
        "{store:?}: verification passed but the dump finds {missing:?} missing"
    );
    let kept_indexes: BTreeSet<&String> = report.indexes_kept.iter().collect();
    assert_eq!(drift.changed_indexes.iter().collect::<BTreeSet<_>>(), kept_indexes, "{store:?}: {report:?}");

    // Where each old table's rows went (renames), or that they went on purpose (dead tables).
    let renamed: BTreeMap<&str, &str> =
        report.tables_renamed.iter().map(|r| (r.from.as_str(), r.to.as_str())).collect();
    let source_of = |table: &str| -> String {
        renamed.iter().find(|(_, to)| **to == table).map(|(from, _)| from.to_string()).unwrap_or(table.to_string())
    };
    // (Column names compare without regard to case, as SQLite compares them: a column the file
    // spelled in another case is renamed to the canonical spelling, in `catalogue_repaired`.)
    if let Some(before) = &before_schema {
        for t in &drift.extra_tables {
            assert!(before.tables.contains_key(t), "{store:?}: migrate left a non-canonical table {t} it made itself");
        }
        for c in &drift.changed_columns {
            let (table, column) = c.split_once('.').expect("table.column");
            let existed = before
                .tables
                .get(&source_of(table))
                .is_some_and(|t| t.columns.iter().any(|c| c.name.eq_ignore_ascii_case(column)));
            assert!(
                existed || report.columns_nullable.contains(c),
                "{store:?}: column {c} differs from canonical and the report does not own up to it: {report:?}"
            );
        }
        for c in &drift.extra_columns {
            let (table, column) = c.split_once('.').expect("table.column");
            assert!(
                before
                    .tables
                    .get(&source_of(table))
                    .is_some_and(|t| t.columns.iter().any(|c| c.name.eq_ignore_ascii_case(column))),
                "{store:?}: migrate added the non-canonical column {c}"
            );
        }
    }

    if integrity_before {
        assert_eq!(integrity(&db), ["ok"], "{store:?}: integrity was ok before the migration");
    }

    if let (Some(before), Some(before_rows)) = (&compared, &before_rows) {
        for (table, rows) in before_rows {
            if report.tables_dropped.contains(table) {
                assert!(!after.tables.contains_key(table), "{store:?}: {table} reported dropped but still there");
                continue;
            }
            let dest = renamed.get(table.as_str()).map(|s| s.to_string()).unwrap_or(table.clone());
            assert!(after.tables.contains_key(&dest), "{store:?}: {table} → {dest} is gone: {report:?}");
            let mut old_columns = Schema::default();
            old_columns.tables.insert(dest.clone(), before.tables[table.as_str()].clone());
            let now = contents_in(&db, &old_columns).expect("rows after").remove(&dest).unwrap();
            // Every old row is still there; the only rows added are the seeded blank ones.
            let mut added = now.clone();
            for row in rows {
                let at = added.iter().position(|r| r == row);
                assert!(at.is_some(), "{store:?}: row {row} of {table} → {dest} is gone ({report:?})");
                added.remove(at.unwrap());
            }
            assert!(
                added.len() as i64 <= report.rows_seeded && added.iter().all(|r| r.starts_with("'blank'|")),
                "{store:?}: rows appeared in {dest}: {added:?}"
            );
        }
    }
}

fn integrity(db: &Db) -> Vec<String> {
    db.query_strings("PRAGMA integrity_check", &[]).unwrap_or_else(|e| vec![e.to_string()])
}

fn integrity_ok(db: &Db) -> bool {
    integrity(db) == ["ok"]
}

/// Every row of `schema`'s tables over its columns, as text, sorted; `None` if any read fails.
fn contents_in(db: &Db, schema: &Schema) -> Option<BTreeMap<String, Vec<String>>> {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = BTreeMap::new();
    for (t, tab) in &schema.tables {
        let cols: Vec<String> =
            tab.columns.iter().filter(|c| c.hidden == 0).map(|c| format!("quote({})", q(&c.name))).collect();
        if cols.is_empty() {
            continue;
        }
        let mut rows = db.query_strings(&format!("SELECT {} FROM {}", cols.join(" || '|' || "), q(t)), &[]).ok()?;
        rows.sort();
        out.insert(t.clone(), rows);
    }
    Some(out)
}
