//! Text output for people; `--json` output is the library's types serialized as they are.

use std::path::Path;

use agentmux_schema::datadir::DirReport;
use agentmux_schema::names::NameMap;
use agentmux_schema::{MigrationReport, Outcome, StoreStatus};

use crate::check::{verdict, Verdict};

fn list(label: &str, items: &[String]) {
    if !items.is_empty() {
        println!("  {label}: {}", items.join(", "));
    }
}

fn rows(n: i64) -> String {
    format!("{n} row{}", if n == 1 { "" } else { "s" })
}

/// One block per database; `planned` words it as what a migration would do.
pub fn migration(run: &DirReport, planned: bool) {
    for r in &run.reports {
        report(r, planned);
    }
    let temps: Vec<String> = run.stale_temps.iter().map(|p| p.display().to_string()).collect();
    let label = if planned { "stale temporary files to remove" } else { "stale temporary files removed" };
    if !temps.is_empty() {
        println!("{label}: {}", temps.join(", "));
    }
    if planned {
        println!("dry run: nothing was written");
    }
}

fn report(r: &MigrationReport, planned: bool) {
    let what = match (r.outcome, planned) {
        (Outcome::UpToDate, _) => format!("already current (v{})", r.to_version),
        (Outcome::Created, false) => format!("created at v{}", r.to_version),
        (Outcome::Created, true) => format!("would be created at v{}", r.to_version),
        (Outcome::Migrated, false) if r.from_version == r.to_version => format!("repaired (v{})", r.to_version),
        (Outcome::Migrated, true) if r.from_version == r.to_version => format!("would be repaired (v{})", r.to_version),
        (Outcome::Migrated, false) => format!("migrated v{} → v{}", r.from_version, r.to_version),
        (Outcome::Migrated, true) => format!("would migrate v{} → v{}", r.from_version, r.to_version),
    };
    println!("{}: {what}", r.db);
    let renamed: Vec<_> = r.tables_renamed.iter().map(|p| format!("{} → {}", p.from, p.to)).collect();
    list("tables adopted", &renamed);
    let kept: Vec<_> = r.legacy_tables_kept.iter().map(|p| format!("{} (beside {})", p.from, p.to)).collect();
    list("catalogue rows repaired (sqlite_master spelled them otherwise)", &r.catalogue_repaired);
    list("legacy tables kept (replacement already exists)", &kept);
    list("indexes dropped", &r.indexes_dropped);
    let dropped: Vec<_> = r
        .tables_dropped
        .iter()
        .map(|t| format!("{t} ({})", rows(r.rows_dropped.get(t).copied().unwrap_or(0))))
        .collect();
    list("dead tables dropped", &dropped);
    if r.outcome == Outcome::Created {
        if !r.tables_created.is_empty() {
            println!("  tables created: {}", r.tables_created.len());
        }
    } else {
        list("tables created", &r.tables_created);
    }
    list("columns added", &r.columns_added);
    let rebuilt: Vec<_> = r.tables_rebuilt.iter().map(|t| format!("{} ({})", t.table, t.reason.label())).collect();
    list("tables rebuilt, every row kept", &rebuilt);
    let relaxed: Vec<_> = r
        .constraints_relaxed
        .iter()
        .map(|c| format!("{}: {} ({} rows break it)", c.table, c.constraint, c.rows))
        .collect();
    list("constraints left out of a rebuilt table (rows break them; all kept)", &relaxed);
    list("columns added without NOT NULL/UNIQUE (old rows hold NULL)", &r.columns_nullable);
    list("indexes rebuilt", &r.indexes_rebuilt);
    list(
        "foreign keys kept as found (a column name is not UTF-8, or rows no definition can take)",
        &r.foreign_keys_kept,
    );
    list("indexes kept as found (the rows break the canonical definition)", &r.indexes_kept);
    list("upgrade steps run", &r.steps_run);
    if r.rows_seeded > 0 {
        println!("  rows seeded: {}", r.rows_seeded);
    }
}

/// Data leaving with a dropped table deserves a line of its own, on stderr, even with `--json`.
pub fn dropped_rows_warnings(reports: &[MigrationReport], planned: bool) {
    for r in reports {
        for (table, n) in r.rows_dropped.iter().filter(|(_, n)| **n > 0) {
            let verb = if planned { "would drop" } else { "dropped" };
            eprintln!("warning: {}: {verb} dead legacy table {table} holding {}", r.db, rows(*n));
        }
    }
}

/// Rows without a parent are kept, but an operator should know where they are: one line per
/// table on stderr (so `--json` output stays parseable), from `migrate`, `status` and `check`.
pub fn orphan_warnings<'a>(all: impl Iterator<Item = (&'a str, &'a NameMap<i64>)>) {
    for (db, orphans) in all {
        for (table, n) in orphans.iter() {
            eprintln!("warning: {db}: {table} holds {} whose parent row does not exist (kept as they are)", rows(*n));
        }
    }
}

fn state_name(s: &StoreStatus) -> String {
    serde_json::to_value(s.state).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

pub fn status(s: &StoreStatus) {
    let version = s.user_version.map_or("-".to_string(), |v| v.to_string());
    println!("{}: {} (user_version {version}, this build {})", s.db, state_name(s), s.expected_version);
    if let Some(err) = &s.error {
        println!("  {err}");
    }
    if let Some(d) = &s.drift {
        for (label, items) in [
            ("missing tables", &d.missing_tables),
            ("extra tables", &d.extra_tables),
            ("missing columns", &d.missing_columns),
            ("extra columns", &d.extra_columns),
            ("changed columns", &d.changed_columns),
            ("missing indexes", &d.missing_indexes),
            ("extra indexes", &d.extra_indexes),
            ("changed indexes", &d.changed_indexes),
            ("missing foreign keys", &d.missing_foreign_keys),
        ] {
            list(label, items);
        }
    }
    if let Some(i) = &s.integrity {
        if i.ok {
            println!("  integrity: ok");
        } else {
            println!("  integrity: FAILED");
            i.problems.iter().for_each(|p| println!("    {p}"));
        }
    }
    for t in &s.tables {
        println!("  {:<28} {:>8} rows", t.name, t.row_count);
    }
}

pub fn check(dir: &Path, all: &[StoreStatus], overall: Verdict) {
    for s in all {
        let v = verdict(s);
        let why = match v {
            Verdict::Ok => "ok".to_string(),
            Verdict::NeedsMigrate => format!("needs migrate ({})", state_name(s)),
            Verdict::Drift => "schema drift (current version, different schema; see status, `migrate --repair` fixes foreign keys, indexes and blank rows)".into(),
            Verdict::TooNew => format!(
                "too new (user_version {}, this build {}): run a newer build or use another data directory",
                s.user_version.unwrap_or_default(),
                s.expected_version
            ),
            Verdict::Error if s.integrity.as_ref().is_some_and(|i| !i.ok) => "integrity check failed".into(),
            Verdict::Error => format!("unreadable: {}", s.error.as_deref().unwrap_or("?")),
        };
        println!("{}: {why}", s.db);
    }
    let next = match overall {
        Verdict::Ok => String::new(),
        Verdict::NeedsMigrate => format!(": run `agentmux-schema migrate {}`", dir.display()),
        _ => format!(": see `agentmux-schema status {}`", dir.display()),
    };
    let name = serde_json::to_value(overall).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    println!("check: {name} (exit {}){next}", overall.exit_code());
}
