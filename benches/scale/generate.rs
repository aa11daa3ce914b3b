//! Deterministic, realistic large files for the scale benchmark (`scripts/bench-scale.sh`) and its
//! CI-sized test (`tests/scale.rs`):
//!
//! * a pre-flatten (v11) `objects.db` — `tests/fixtures/legacy_v11.sql` with its rows — grown by
//!   agent history entries of about 1.3 KiB each, the table that grows with use;
//! * a `filestore.db` as the original server module laid it down (its own DDL,
//!   `tests/fixtures/reference_filestore.sql`; `user_version` 0), holding terminal output in
//!   64 KiB parts (`db_file_data`), eight 32-part files per zone.
//!
//! Both are left in WAL mode, as the server leaves its files. The same arguments give the same
//! bytes: every value comes from a seeded xorshift generator, never from the clock, and SQLite
//! lays out the same statements identically.

use std::path::Path;

use rusqlite::{params, Connection};

const LEGACY_V11: &str = include_str!("../../tests/fixtures/legacy_v11.sql");
const FILESTORE_DDL: &str = include_str!("../../tests/fixtures/reference_filestore.sql");

/// The size of one terminal-output part, as the server writes them.
pub const PART: usize = 64 * 1024;
const PARTS_PER_FILE: u64 = 32;
const FILES_PER_ZONE: u64 = 8;
const HISTORY_AGENTS: u64 = 200;

/// Which file to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Objects,
    Filestore,
}

/// A xorshift64* generator: small, fast and the same on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "cargo",
    "build",
    "test",
    "running",
    "passed",
    "failed",
    "warning",
    "error",
    "compiling",
    "src/lib.rs",
    "migrate",
    "schema",
    "objects.db",
    "ok",
    "finished",
    "release",
    "target",
    "the",
    "a",
    "with",
    "in",
    "of",
    "git",
    "commit",
    "diff",
    "--stat",
    "npm",
    "install",
    "node_modules",
    "agent",
    "session",
    "review",
    "fix",
];

/// A line of terminal-like text (with the odd ANSI colour) into `out`.
fn line(rng: &mut Rng, out: &mut Vec<u8>) {
    if rng.below(5) == 0 {
        out.extend_from_slice(b"\x1b[32m");
    }
    for i in 0..(4 + rng.below(12)) {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(WORDS[rng.below(WORDS.len() as u64) as usize].as_bytes());
    }
    if rng.below(7) == 0 {
        out.extend_from_slice(format!(" {}ms", rng.below(100_000)).as_bytes());
    }
    out.extend_from_slice(b"\x1b[0m\r\n");
}

fn text(rng: &mut Rng, len: usize, out: &mut Vec<u8>) {
    out.clear();
    while out.len() < len {
        line(rng, out);
    }
    out.truncate(len);
}

fn size_of(conn: &Connection) -> rusqlite::Result<u64> {
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let page: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    Ok((pages * page) as u64)
}

/// Write `kind` of at least `bytes` bytes (within a few pages of it) to `path`, which must not
/// exist. Returns the rows of the growing table.
pub fn generate(kind: Kind, bytes: u64, seed: u64, path: &Path) -> Result<u64, Box<dyn std::error::Error>> {
    if path.exists() {
        return Err(format!("{} exists; not overwriting it", path.display()).into());
    }
    let conn = Connection::open(path)?;
    // Speed only: a generator's crash leaves a file to delete, not a user's data.
    conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;")?;
    let mut rng = Rng::new(seed);
    let mut buf = Vec::with_capacity(PART);
    let rows = match kind {
        Kind::Objects => {
            conn.execute_batch(LEGACY_V11)?;
            conn.execute_batch("BEGIN")?;
            {
                let mut agent = conn.prepare(
                    "INSERT INTO db_forge_agents (id, slug, name, provider, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for i in 0..HISTORY_AGENTS {
                    let provider = ["claude", "codex", "gemini"][(i % 3) as usize];
                    agent.execute(params![
                        format!("gen-{i}"),
                        format!("gen-slug-{i}"),
                        format!("Agent {i}"),
                        provider,
                        1_700_000_000 + i as i64
                    ])?;
                }
            }
            let mut history = conn.prepare(
                "INSERT INTO db_forge_history (agent_id, session_date, entry, timestamp) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut n = 0u64;
            loop {
                let agent = format!("gen-{}", rng.below(HISTORY_AGENTS));
                let day = n / 500;
                let date = format!("{}-{:02}-{:02}", 2024 + day / 336, 1 + (day / 28) % 12, 1 + day % 28);
                let len = 900 + rng.below(800) as usize;
                text(&mut rng, len, &mut buf);
                history.execute(params![agent, date, std::str::from_utf8(&buf)?, 1_700_000_000 + n as i64])?;
                n += 1;
                if n.is_multiple_of(256) && size_of(&conn)? >= bytes {
                    break;
                }
            }
            drop(history);
            conn.execute_batch("COMMIT")?;
            n
        }
        Kind::Filestore => {
            conn.execute_batch(FILESTORE_DDL)?;
            conn.execute_batch("BEGIN")?;
            let mut file = conn.prepare(
                "INSERT INTO db_wave_file (zoneid, name, size, createdts, modts, opts, meta) VALUES (?1, ?2, ?3, ?4, ?4, '{\"circular\":true}', '{}')",
            )?;
            let mut part =
                conn.prepare("INSERT INTO db_file_data (zoneid, name, partidx, data) VALUES (?1, ?2, ?3, ?4)")?;
            let mut parts = 0u64;
            let mut f = 0u64;
            while size_of(&conn)? < bytes {
                let zone = format!(
                    "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
                    rng.next() as u32,
                    f / FILES_PER_ZONE,
                    0,
                    0,
                    f / FILES_PER_ZONE
                );
                let name = format!("term-{}", f % FILES_PER_ZONE);
                file.execute(params![
                    zone,
                    name,
                    (PARTS_PER_FILE * PART as u64) as i64,
                    1_700_000_000_000i64 + f as i64
                ])?;
                for idx in 0..PARTS_PER_FILE {
                    text(&mut rng, PART, &mut buf);
                    part.execute(params![zone, name, idx as i64, &buf[..]])?;
                    parts += 1;
                    if size_of(&conn)? >= bytes {
                        break;
                    }
                }
                f += 1;
            }
            drop((file, part));
            conn.execute_batch("COMMIT")?;
            parts
        }
    };
    conn.execute_batch("PRAGMA journal_mode = WAL;")?;
    conn.close().map_err(|(_, e)| e)?;
    Ok(rows)
}
