use std::path::PathBuf;
use std::process::ExitCode;

use agentmux_schema::datadir::{migrate_data_dir, status_data_dir};
use agentmux_schema::{MigrationReport, StoreError, StoreStatus};
use clap::{Parser, Subcommand};

/// Create, migrate or inspect the AgentMux server's databases (objects.db, filestore.db,
/// sagas.db) in a data directory.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create or migrate all three databases in DIR (every tripwire is checked before any write).
    ///
    /// Exit codes: 0 done; 3 a database is newer than this build (nothing written);
    /// 1 any other error (nothing written); 2 usage.
    Migrate { dir: PathBuf },
    /// Report each database's version, state, schema drift and row counts. Read-only.
    Status {
        dir: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Migrate { dir } => match migrate_data_dir(&dir) {
            Ok(reports) => {
                reports.iter().for_each(print_report);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("agentmux-schema: {e}");
                ExitCode::from(if matches!(e, StoreError::SchemaTooNew { .. }) { 3 } else { 1 })
            }
        },
        Command::Status { dir, json } => {
            let all = status_data_dir(&dir);
            if json {
                println!("{}", serde_json::to_string_pretty(&all).expect("status is plain data"));
            } else {
                all.iter().for_each(print_status);
            }
            ExitCode::SUCCESS
        }
    }
}

fn print_report(r: &MigrationReport) {
    let what = match r.outcome {
        agentmux_schema::Outcome::UpToDate => format!("already current (v{})", r.to_version),
        agentmux_schema::Outcome::Created => format!("created at v{}", r.to_version),
        agentmux_schema::Outcome::Migrated => format!("migrated v{} → v{}", r.from_version, r.to_version),
    };
    println!("{}: {what}", r.db);
    let list = |label: &str, items: Vec<String>| {
        if !items.is_empty() {
            println!("  {label}: {}", items.join(", "));
        }
    };
    list("tables adopted", r.tables_renamed.iter().map(|p| format!("{} → {}", p.from, p.to)).collect());
    list(
        "legacy tables kept (replacement already exists)",
        r.legacy_tables_kept.iter().map(|p| format!("{} (beside {})", p.from, p.to)).collect(),
    );
    list("indexes dropped", r.indexes_dropped.clone());
    list("dead tables dropped", r.tables_dropped.clone());
    if r.outcome != agentmux_schema::Outcome::Created {
        list("tables created", r.tables_created.clone());
    }
    list("columns added", r.columns_added.clone());
}

fn print_status(s: &StoreStatus) {
    let version = s.user_version.map_or("-".to_string(), |v| v.to_string());
    let state = serde_json::to_value(s.state).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    println!("{}: {state} (user_version {version}, this build {})", s.db, s.expected_version);
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
        ] {
            if !items.is_empty() {
                println!("  {label}: {}", items.join(", "));
            }
        }
    }
    for t in &s.tables {
        println!("  {:<28} {:>8} rows", t.name, t.row_count);
    }
}
