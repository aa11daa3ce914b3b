//! The `check` verdict: one answer per database, and the most serious one for the directory.

use agentmux_schema::{State, StoreStatus};
use serde::Serialize;

/// Exit codes shared by every command (2, usage, is clap's), kept with the verdicts they encode.
pub const EXIT_ERROR: u8 = 1;
pub const EXIT_TOO_NEW: u8 = 3;
pub const EXIT_NEEDS_MIGRATE: u8 = 4;
pub const EXIT_DRIFT: u8 = 5;

/// Ordered from harmless to most serious, so `max` picks the directory's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Ok,
    /// Missing, empty, legacy or behind: `migrate` fixes it.
    NeedsMigrate,
    /// Current version but a different schema: `migrate` has nothing to do, a human must look.
    Drift,
    /// Written by a newer build: migrating is refused; run a newer build.
    TooNew,
    /// Unreadable, failing `quick_check`, or no data directory at all.
    Error,
}

impl Verdict {
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Ok => 0,
            Verdict::NeedsMigrate => EXIT_NEEDS_MIGRATE,
            Verdict::Drift => EXIT_DRIFT,
            Verdict::TooNew => EXIT_TOO_NEW,
            Verdict::Error => EXIT_ERROR,
        }
    }
}

pub fn verdict(s: &StoreStatus) -> Verdict {
    if s.integrity.as_ref().is_some_and(|i| !i.ok) {
        return Verdict::Error;
    }
    match s.state {
        State::Unreadable => Verdict::Error,
        State::TooNew => Verdict::TooNew,
        State::Missing | State::Empty | State::Legacy | State::Behind => Verdict::NeedsMigrate,
        State::Current if s.drift.as_ref().is_some_and(|d| !d.is_empty()) => Verdict::Drift,
        State::Current => Verdict::Ok,
    }
}
