//! Start-up cost of the schema work, each case beside its baseline in the same run:
//!
//! * `fresh/*`: a new `objects.db` file (default rollback journal).
//!   `floor` = the whole DDL + seed + stamp in one transaction with plain rusqlite;
//!   `seed_way` = the original module's order, every statement in its own autocommit
//!   transaction; `migrate` = this crate.
//! * `warm/*`: an up-to-date file. `floor` = open + `PRAGMA user_version`; `migrate` = open +
//!   this crate's `migrate`.
//! * `legacy/*`: adopting a v11 pre-flatten file holding 200 vs 20,000 agents.
//!
//! `scripts/bench-ratios.py` turns criterion's estimates into the ratios the README quotes.

// Native only: the wasm build has no files to benchmark against (and no rusqlite).
#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant};

    use agentmux_schema::{migrate, Store};
    use criterion::{criterion_group, BatchSize, Criterion};
    use rusqlite::Connection;

    const LEGACY_V11: &str = include_str!("../tests/fixtures/legacy_v11.sql");

    struct Scratch {
        dir: tempfile::TempDir,
        n: std::cell::Cell<u64>,
    }

    impl Scratch {
        fn new() -> Self {
            Scratch { dir: tempfile::tempdir().unwrap(), n: Default::default() }
        }
        /// A path no database has used yet. The previous one is deleted first, so every
        /// iteration (and every contender) works in a directory of the same size.
        fn fresh_path(&self) -> PathBuf {
            let _ = std::fs::remove_file(self.dir.path().join(format!("db{}.db", self.n.get())));
            self.n.set(self.n.get() + 1);
            self.dir.path().join(format!("db{}.db", self.n.get()))
        }
    }

    fn open(path: &Path) -> Connection {
        Connection::open(path).unwrap()
    }

    fn seed_way(conn: &Connection) {
        // The original module: catalogue lookups per legacy name, the DDL batch and the seed batch
        // in autocommit (so every statement commits on its own), then the stamp.
        for (legacy, current) in agentmux_schema::legacy::LEGACY_TABLE_RENAMES {
            for name in [legacy, current] {
                let _: i64 = conn
                    .query_row("SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name=?1", [name], |r| {
                        r.get(0)
                    })
                    .unwrap();
            }
        }
        for idx in agentmux_schema::legacy::LEGACY_INDEX_DROPS {
            conn.execute_batch(&format!("DROP INDEX IF EXISTS {idx};")).unwrap();
        }
        for t in agentmux_schema::legacy::DEAD_TABLE_DROPS {
            conn.execute_batch(&format!("DROP TABLE IF EXISTS {t};")).unwrap();
        }
        conn.execute_batch(Store::Objects.ddl()).unwrap();
        conn.execute_batch(Store::Objects.seed().unwrap()).unwrap();
        conn.execute_batch("PRAGMA user_version = 4").unwrap();
    }

    fn floor(conn: &Connection) {
        conn.execute_batch(&format!(
            "BEGIN; {} {} PRAGMA user_version = 4; COMMIT;",
            Store::Objects.ddl(),
            Store::Objects.seed().unwrap()
        ))
        .unwrap();
    }

    /// Time `timed` on new files, each run preceded by an untimed run of `other` on another new
    /// file. Run one after the other, each contender would otherwise see the disk in a different
    /// state (the page cache and journal behaviour drift over a group); paired like this, every
    /// contender is timed right after the same kind of work.
    fn paired<'a>(
        s: &'a Scratch,
        timed: impl Fn(&Connection) + 'a,
        other: impl Fn(&Connection) + 'a,
    ) -> impl FnMut(u64) -> Duration + 'a {
        move |iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                other(&open(&s.fresh_path()));
                let c = open(&s.fresh_path());
                let start = Instant::now();
                timed(&c);
                total += start.elapsed();
            }
            total
        }
    }

    fn fresh(c: &mut Criterion) {
        let s = Scratch::new();
        let ours = |c: &Connection| drop(migrate(c, Store::Objects).unwrap());
        let mut g = c.benchmark_group("fresh");
        g.sample_size(30).measurement_time(Duration::from_secs(10));
        g.bench_function("floor", |b| b.iter_custom(paired(&s, floor, ours)));
        g.bench_function("seed_way", |b| b.iter_custom(paired(&s, seed_way, floor)));
        g.bench_function("migrate", |b| b.iter_custom(paired(&s, ours, floor)));
        g.finish();
    }

    fn warm(c: &mut Criterion) {
        let s = Scratch::new();
        let path = s.fresh_path();
        migrate(&open(&path), Store::Objects).unwrap();
        let mut g = c.benchmark_group("warm");
        g.bench_function("floor", |b| {
            b.iter(|| {
                let c = open(&path);
                let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
                assert_eq!(v, 4);
            })
        });
        g.bench_function("migrate", |b| {
            b.iter(|| {
                let c = open(&path);
                assert!(migrate(&c, Store::Objects).unwrap().is_noop());
            })
        });
        g.finish();
    }

    /// A v11 file with `agents` agent definitions, each with content, a skill, history and an
    /// instance, so the renamed tables and rebuilt indexes carry real volume.
    fn legacy_file(dir: &Path, agents: u32) -> PathBuf {
        let path = dir.join(format!("v11-{agents}.db"));
        let c = open(&path);
        c.execute_batch(LEGACY_V11).unwrap();
        c.execute_batch(&include_str!("bulk_agents.sql").replace("__AGENTS__", &agents.to_string())).unwrap();
        path
    }

    /// The least any implementation of the seed's adoption can do: its statements (renames,
    /// index and table drops, DDL, additive columns, seed, stamp) in one plain transaction, with
    /// no catalogue reads, checks or verification.
    fn adoption_floor(conn: &Connection) {
        use agentmux_schema::legacy::{DEAD_TABLE_DROPS, LEGACY_INDEX_DROPS, LEGACY_TABLE_RENAMES};
        let mut sql = String::from("BEGIN;");
        for (legacy, current) in LEGACY_TABLE_RENAMES {
            sql += &format!("ALTER TABLE {legacy} RENAME TO {current};");
        }
        for idx in LEGACY_INDEX_DROPS {
            sql += &format!("DROP INDEX {idx};");
        }
        for t in DEAD_TABLE_DROPS {
            sql += &format!("DROP TABLE {t};");
        }
        sql += Store::Objects.ddl();
        for add in Store::Objects.additive_columns() {
            sql += &format!("ALTER TABLE {} ADD COLUMN {} {};", add.table, add.column, add.definition);
        }
        sql += Store::Objects.seed().unwrap();
        sql += "PRAGMA user_version = 4; COMMIT;";
        conn.execute_batch(&sql).unwrap();
    }

    fn legacy(c: &mut Criterion) {
        let (templates, s) = (tempfile::tempdir().unwrap(), Scratch::new());
        let mut g = c.benchmark_group("legacy");
        g.sample_size(20);
        for agents in [200u32, 20_000] {
            let template = legacy_file(templates.path(), agents);
            let copy = || {
                let p = s.fresh_path();
                std::fs::copy(&template, &p).unwrap();
                open(&p)
            };
            g.bench_function(format!("floor_{agents}"), |b| {
                b.iter_batched(copy, |c| adoption_floor(&c), BatchSize::PerIteration)
            });
            g.bench_function(format!("adopt_{agents}"), |b| {
                b.iter_batched(
                    copy,
                    |c| assert_eq!(migrate(&c, Store::Objects).unwrap().tables_renamed.len(), 7),
                    BatchSize::PerIteration,
                )
            });
        }
        g.finish();
    }

    criterion_group!(benches, fresh, warm, legacy);
}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);

#[cfg(target_arch = "wasm32")]
fn main() {}
