//! Generate one large, realistic database file for the scale benchmark (see
//! `benches/scale/generate.rs` for what it holds):
//!
//! ```sh
//! cargo run --release --example scale-gen -- filestore 1024 /tmp/scale/filestore.db   # 1 GiB
//! cargo run --release --example scale-gen -- objects 400 /tmp/scale/objects.db        # 400 MiB
//! ```
//!
//! Arguments: the kind (`objects` or `filestore`), the size in MiB, the path (must not exist),
//! and optionally a seed (default 27). The same arguments give the same bytes.
#[cfg(not(target_arch = "wasm32"))]
#[path = "generate.rs"]
mod generate;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: scale-gen <objects|filestore> <MiB> <path> [seed]";
    let mut args = std::env::args().skip(1);
    let kind = match args.next().as_deref() {
        Some("objects") => generate::Kind::Objects,
        Some("filestore") => generate::Kind::Filestore,
        _ => return Err(usage.into()),
    };
    let mib: u64 = args.next().ok_or(usage)?.parse()?;
    let path = std::path::PathBuf::from(args.next().ok_or(usage)?);
    let seed: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(27);
    let start = std::time::Instant::now();
    let rows = generate::generate(kind, mib << 20, seed, &path)?;
    let len = std::fs::metadata(&path)?.len();
    eprintln!(
        "{}: {len} bytes, {rows} {} in {:.1} s",
        path.display(),
        if kind == generate::Kind::Objects { "history rows" } else { "64 KiB parts" },
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(target_arch = "wasm32")]
fn main() {}
