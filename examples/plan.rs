//! Print the upgrade steps from the last shipped version of a store's schema to its edited DDL,
//! to paste into `src/spec.rs` (see the README's "Changing the schema"):
//!
//! ```sh
//! cargo run --example plan -- objects                     # crates/core/src/sql/snapshots/objects_v<N>.sql → crates/core/src/sql/objects.sql
//! cargo run --example plan -- objects --ddl other.sql     # → another DDL file
//! ```
//!
//! The shipped version is the newest snapshot of the store in `crates/core/src/sql/snapshots/`; the steps get
//! `since` one above it.
#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use std::path::{Path, PathBuf};

    let usage = "usage: plan <objects|filestore|sagas> [--ddl FILE] [--snapshot FILE]";
    let mut args = std::env::args().skip(1);
    let name = args.next().ok_or(usage)?;
    let store: agentmux_schema::Store = name.parse()?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut ddl_path = root.join("crates/core/src/sql").join(format!("{name}.sql"));
    let mut snapshot: Option<PathBuf> = None;
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(usage)?;
        match flag.as_str() {
            "--ddl" => ddl_path = value.into(),
            "--snapshot" => snapshot = Some(value.into()),
            _ => return Err(usage.into()),
        }
    }
    // The newest snapshot of the store: `<store>_v<N>.sql` with the highest N.
    let (version, snapshot) = match snapshot {
        Some(path) => {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            let n = stem.rsplit_once("_v").and_then(|(_, n)| n.parse::<i64>().ok());
            (n.ok_or("a snapshot file is named <store>_v<N>.sql")?, path)
        }
        None => {
            let prefix = format!("{name}_v");
            let mut newest = None;
            for entry in std::fs::read_dir(root.join("crates/core/src/sql").join("snapshots"))? {
                let path = entry?.path();
                let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
                if let Some(n) = stem.strip_prefix(&prefix).and_then(|n| n.parse::<i64>().ok()) {
                    if newest.as_ref().is_none_or(|(m, _)| n > *m) {
                        newest = Some((n, path));
                    }
                }
            }
            newest.ok_or_else(|| format!("no crates/core/src/sql/snapshots/{prefix}<N>.sql"))?
        }
    };
    let shipped = std::fs::read_to_string(&snapshot)?;
    let ddl = std::fs::read_to_string(&ddl_path)?;
    let scratch = agentmux_schema::backend::memory()?;
    let plan = agentmux_schema::plan::plan(&scratch, store, version + 1, &shipped, &ddl)?;
    println!(
        "// {}: steps from v{version} ({}) to v{} ({})",
        store.file_name(),
        snapshot.strip_prefix(root).unwrap_or(&snapshot).display(),
        version + 1,
        ddl_path.strip_prefix(root).unwrap_or(&ddl_path).display()
    );
    print!("{}", plan.render());
    Ok(())
}

#[cfg(target_arch = "wasm32")]
fn main() {}
