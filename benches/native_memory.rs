//! Native baseline for the WebAssembly benchmark (`scripts/bench-wasm.sh`): the cases the browser
//! and Node runs time, on the native build with in-memory databases, so the wasm figures can be
//! given as ratios to figures taken on the same machine in the same run.
//!
//! Writes the v11 image the wasm side adopts (`legacy_v11_200.db`) into the directory given as
//! `AMUX_BENCH_DIR` (default `target/bench-wasm`) and prints one JSON object of times (ms, fastest of N).
//! Not a criterion bench: the browser side cannot run criterion, so both sides use the same
//! simple scheme (warm-up, then the fastest of N timed runs).

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::time::Instant;

    use agentmux_schema::backend::{from_bytes, memory, to_bytes};
    use agentmux_schema::datadir::migrate_data_dir;
    use agentmux_schema::{migrate, migrate_all, SqlConn, Store};

    const LEGACY_V11: &str = include_str!("../tests/fixtures/legacy_v11.sql");
    const STORES: [Store; 3] = [Store::Objects, Store::Filestore, Store::Sagas];

    /// The fastest wall time in ms of `runs` calls of `f` (after `runs / 5` untimed warm-up
    /// calls); the minimum, not the median, because this runs on shared machines where other
    /// load moves medians far more than minimums. `setup` runs untimed before each call.
    fn fastest<T>(runs: usize, setup: impl FnMut() -> T, f: impl FnMut(T)) -> f64 {
        timings(runs, setup, f)[0]
    }

    /// The fastest and the median wall time in ms of `runs` calls of `f`, after `runs / 5`
    /// untimed warm-up calls.
    fn fastest_and_median<T>(runs: usize, setup: impl FnMut() -> T, f: impl FnMut(T)) -> (f64, f64) {
        let t = timings(runs, setup, f);
        (t[0], t[t.len() / 2])
    }

    /// The sorted times of `runs` timed calls of `f` (after the warm-up calls).
    fn timings<T>(runs: usize, mut setup: impl FnMut() -> T, mut f: impl FnMut(T)) -> Vec<f64> {
        for _ in 0..runs / 5 {
            f(setup());
        }
        let mut t: Vec<f64> = (0..runs)
            .map(|_| {
                let input = setup();
                let start = Instant::now();
                f(input);
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t
    }

    /// A v11 (pre-flatten) objects.db image with `agents` agents, each with content, history and
    /// an instance (the scaling `benches/migrate.rs` uses).
    pub fn legacy_image(agents: u32) -> Vec<u8> {
        let mut db = memory().unwrap();
        db.exec(LEGACY_V11).unwrap();
        db.exec(&include_str!("bulk_agents.sql").replace("__AGENTS__", &agents.to_string())).unwrap();
        to_bytes(&mut db).unwrap()
    }

    pub fn main() {
        let dir = std::path::PathBuf::from(std::env::var("AMUX_BENCH_DIR").unwrap_or("target/bench-wasm".into()));
        std::fs::create_dir_all(&dir).unwrap();
        let image = legacy_image(200);
        std::fs::write(dir.join("legacy_v11_200.db"), &image).unwrap();
        let current: Vec<Vec<u8>> = STORES
            .iter()
            .map(|&s| {
                let mut db = memory().unwrap();
                migrate(&db, s).unwrap();
                to_bytes(&mut db).unwrap()
            })
            .collect();

        let (fresh, fresh_median) = fastest_and_median(
            200,
            || (),
            |()| {
                let db = memory().unwrap();
                assert_eq!(migrate(&db, Store::Objects).unwrap().to_version, 4);
            },
        );
        let (adopt, adopt_median) = fastest_and_median(
            100,
            || (),
            |()| {
                let db = from_bytes(&image).unwrap();
                assert_eq!(migrate(&db, Store::Objects).unwrap().tables_renamed.len(), 7);
            },
        );
        let dir_fresh = fastest(
            100,
            || (),
            |()| {
                let dbs: Vec<_> = STORES.iter().map(|_| memory().unwrap()).collect();
                let pairs: Vec<(&dyn SqlConn, Store)> =
                    dbs.iter().zip(STORES).map(|(d, s)| (d as &dyn SqlConn, s)).collect();
                assert_eq!(migrate_all(&pairs).unwrap().len(), 3);
            },
        );
        let dir_warm = fastest(
            200,
            || (),
            |()| {
                let dbs: Vec<_> = current.iter().map(|b| from_bytes(b).unwrap()).collect();
                let pairs: Vec<(&dyn SqlConn, Store)> =
                    dbs.iter().zip(STORES).map(|(d, s)| (d as &dyn SqlConn, s)).collect();
                assert!(migrate_all(&pairs).unwrap().iter().all(|r| r.is_noop()));
            },
        );
        // For context: the same data directory as three files on disk (fsyncs included).
        let files_fresh = fastest(20, || tempfile::tempdir().unwrap(), |d| drop(migrate_data_dir(d.path()).unwrap()));
        let warm_dir = tempfile::tempdir().unwrap();
        migrate_data_dir(warm_dir.path()).unwrap();
        let files_warm = fastest(50, || (), |()| drop(migrate_data_dir(warm_dir.path()).unwrap()));

        println!(
            "{{\"fresh_memory\": {fresh:.4}, \"adopt_v11_200\": {adopt:.4}, \"fresh_memory_median\": {fresh_median:.4}, \
             \"adopt_v11_200_median\": {adopt_median:.4}, \"datadir_fresh_memory\": {dir_fresh:.4}, \
             \"datadir_warm_memory\": {dir_warm:.4}, \"datadir_fresh_files\": {files_fresh:.4}, \
             \"datadir_warm_files\": {files_warm:.4}}}"
        );
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main();
}

#[cfg(target_arch = "wasm32")]
fn main() {}
