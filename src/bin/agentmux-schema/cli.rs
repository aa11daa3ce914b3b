//! Arguments, help text and exit codes. The README's CLI section documents the same contract;
//! tests/cli.rs holds both to it.

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::LazyLock;

use agentmux_schema::datadir::{
    migrate_data_dir_report, plan_data_dir, plan_repair_data_dir, repair_data_dir_report, status_data_dir_checked,
    vet_dir,
};
use agentmux_schema::{StoreError, FILESTORE_SCHEMA_VERSION, OBJECT_SCHEMA_VERSION, SAGA_LOG_SCHEMA_VERSION};
use clap::{CommandFactory, Parser, Subcommand};

use crate::check::{verdict, Verdict, EXIT_ERROR, EXIT_TOO_NEW};
use crate::print;

static VERSION: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{} (writes objects.db v{OBJECT_SCHEMA_VERSION}, filestore.db v{FILESTORE_SCHEMA_VERSION}, sagas.db v{SAGA_LOG_SCHEMA_VERSION})",
        env!("CARGO_PKG_VERSION")
    )
});

const STATES: &str = "\
States:
  missing     no such file; migrate creates it
  empty       user_version 0 and no tables (a 0-byte file is an empty database); migrate creates the schema in it
  legacy      user_version 0 with tables (written before versions were stamped); migrate adopts it
  behind      stamped by an older build; migrate brings it forward
  current     exactly this build's version
  too-new     written by a newer build; this build will not touch it
  unreadable  not a usable SQLite database, or not a regular file";

const CHECK_EXIT_CODES: &str = "\
Exit codes (the most serious finding wins, in this order):
  1  a database is unreadable or fails --integrity, or DIR is missing or not a directory
  3  a database is newer than this build (run a newer build; do not migrate)
  5  a current database's schema differs from this build's (`migrate --repair` fixes what it can)
  4  a database is missing, empty, legacy or behind: run `agentmux-schema migrate DIR`
  0  all three databases are current with no drift (and pass --integrity if given)
  2  usage error";

/// Create, migrate, check or inspect the AgentMux server's SQLite databases (objects.db,
/// filestore.db, sagas.db) in a data directory.
///
/// Every command except `migrate` (without --dry-run) opens the files read-only and leaves no
/// file behind.
#[derive(Parser)]
#[command(name = "agentmux-schema", version = VERSION.as_str())]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create or migrate all three databases in DIR; every tripwire is checked before any write.
    #[command(after_help = "\
Exit codes:
  0  done (or, with --dry-run, the plan printed)
  1  any other error: unreadable file, permission denied, DIR missing without --create, ... (nothing written)
  3  a database is newer than this build (nothing written anywhere)
  2  usage error")]
    Migrate {
        /// The server's data directory (holding objects.db, filestore.db, sagas.db).
        dir: PathBuf,
        /// Print what migrate would do — tables renamed, kept, dropped (with row counts), created,
        /// columns added, rows seeded — by migrating in-memory copies; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print the reports as JSON (an array of MigrationReport, as in the npm package).
        #[arg(long)]
        json: bool,
        /// Create DIR if it does not exist (without this, a missing DIR is an error, so a typo
        /// never becomes a new, empty data directory).
        #[arg(long)]
        create: bool,
        /// Also work on databases already at this build's version: rebuild tables whose foreign
        /// keys differ from this build's (every row kept), create missing indexes and blank rows.
        /// For the drift `check` reports (exit 5) on a file an earlier build adopted.
        #[arg(long)]
        repair: bool,
    },
    /// Report each database's version, state, schema drift and row counts. Read-only.
    #[command(after_help = format!("{STATES}\n\nExit codes:\n  0  reported (whatever the states)\n  1  DIR is missing or not a directory\n  2  usage error\n\nUse `check` for a pass/fail verdict."))]
    Status {
        /// The server's data directory (holding objects.db, filestore.db, sagas.db).
        dir: PathBuf,
        /// Print JSON (an array of StoreStatus, see the README) instead of text.
        #[arg(long)]
        json: bool,
        /// Also run SQLite's `PRAGMA quick_check` on every readable file (reads every page).
        #[arg(long)]
        integrity: bool,
    },
    /// Exit 0 only if all three databases are current with no drift: a gate for CI and health
    /// checks. Read-only.
    #[command(after_help = format!("{STATES}\n\n{CHECK_EXIT_CODES}"))]
    Check {
        /// The server's data directory (holding objects.db, filestore.db, sagas.db).
        dir: PathBuf,
        /// Print the verdict and every database's status as JSON.
        #[arg(long)]
        json: bool,
        /// Also run SQLite's `PRAGMA quick_check`; a failure is exit code 1.
        #[arg(long)]
        integrity: bool,
    },
    /// Print a shell completion script to stdout (e.g. `agentmux-schema completions bash`).
    Completions {
        /// The shell to generate completions for.
        shell: clap_complete::Shell,
    },
}

pub fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Migrate { dir, dry_run, json, create, repair } => migrate(&dir, dry_run, json, create, repair),
        Command::Status { dir, json, integrity } => status(&dir, json, integrity),
        Command::Check { dir, json, integrity } => check(&dir, json, integrity),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "agentmux-schema", &mut io::stdout());
            ExitCode::SUCCESS
        }
    }
}

fn fail(e: &StoreError) -> ExitCode {
    eprintln!("agentmux-schema: {e}");
    ExitCode::from(if matches!(e, StoreError::SchemaTooNew { .. }) { EXIT_TOO_NEW } else { EXIT_ERROR })
}

fn missing_dir(dir: &Path, hint: &str) -> ExitCode {
    eprintln!("agentmux-schema: {}: no such directory{hint}", dir.display());
    ExitCode::from(EXIT_ERROR)
}

fn migrate(dir: &Path, dry_run: bool, json: bool, create: bool, repair: bool) -> ExitCode {
    match vet_dir(dir) {
        Err(e) => return fail(&e),
        Ok(false) if !create => {
            return missing_dir(dir, "; pass --create to make a new data directory there (nothing was created)")
        }
        Ok(exists) => {
            if !exists && dry_run && !json {
                println!("{}: does not exist; would be created", dir.display());
            }
        }
    }
    let run = match (dry_run, repair) {
        (false, false) => migrate_data_dir_report(dir),
        (false, true) => repair_data_dir_report(dir),
        (true, false) => plan_data_dir(dir),
        (true, true) => plan_repair_data_dir(dir),
    };
    match run {
        Ok(run) => {
            if json {
                println!("{}", serde_json::to_string_pretty(&run.reports).expect("reports are plain data"));
            } else {
                print::migration(&run, dry_run);
            }
            print::dropped_rows_warnings(&run.reports, dry_run);
            print::orphan_warnings(run.reports.iter().map(|r| (r.db, &r.orphan_rows)));
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn status(dir: &Path, json: bool, integrity: bool) -> ExitCode {
    match vet_dir(dir) {
        Err(e) => return fail(&e),
        Ok(false) => return missing_dir(dir, ""),
        Ok(true) => {}
    }
    let all = status_data_dir_checked(dir, integrity);
    if json {
        println!("{}", serde_json::to_string_pretty(&all).expect("status is plain data"));
    } else {
        all.iter().for_each(print::status);
    }
    print::orphan_warnings(all.iter().map(|s| (s.db, &s.orphan_rows)));
    ExitCode::SUCCESS
}

fn check(dir: &Path, json: bool, integrity: bool) -> ExitCode {
    let (all, error) = match vet_dir(dir) {
        Ok(true) => (status_data_dir_checked(dir, integrity), None),
        Ok(false) => (vec![], Some(format!("{}: no such directory", dir.display()))),
        Err(e) => (vec![], Some(e.to_string())),
    };
    let overall = match &error {
        Some(_) => Verdict::Error,
        None => all.iter().map(verdict).max().unwrap_or(Verdict::Ok),
    };
    if json {
        let verdicts: serde_json::Map<_, _> =
            all.iter().map(|s| (s.db.to_string(), serde_json::to_value(verdict(s)).expect("plain"))).collect();
        let out = serde_json::json!({
            "result": overall,
            "exitCode": overall.exit_code(),
            "error": error,
            "verdicts": verdicts,
            "stores": all,
        });
        println!("{}", serde_json::to_string_pretty(&out).expect("plain data"));
    } else {
        match &error {
            Some(e) => eprintln!("agentmux-schema: {e}"),
            None => print::check(dir, &all, overall),
        }
    }
    print::orphan_warnings(all.iter().map(|s| (s.db, &s.orphan_rows)));
    ExitCode::from(overall.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_and_argument_has_help() {
        let cmd = Cli::command();
        for sub in cmd.get_subcommands() {
            assert!(sub.get_about().is_some(), "{} has no help", sub.get_name());
            for arg in sub.get_arguments() {
                assert!(arg.get_help().is_some(), "{} {} has no help", sub.get_name(), arg.get_id());
            }
        }
    }
}
