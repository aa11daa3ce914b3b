//! Two checks at build time, neither of which changes what is compiled into the library:
//!
//! - Test support: when the original server module this crate re-implements sits beside the
//!   repository (`../shared/seed/migrations.rs`, as on the project's machines and CI), compile the
//!   differential tests that run it (`tests/properties.rs`). A dependent's build never has it.
//! - wasm32: sqlite-wasm-rs takes SQLite's compile options only from the `SQLITE_WASM_RS_FLAGS`
//!   environment variable, which this crate's `.cargo/config.toml` sets for its own builds but
//!   cannot set for a crate that depends on it. A dependent without the same options gets
//!   different SQL (README, "As a dependency"), so say so where it will be seen: in its build.
use std::path::Path;

/// The options a dependent may leave out and still get the package's SQL: they only remove the
/// FTS5 and R-tree modules, which sqlite-wasm-rs's own build keeps (a larger module, same SQL).
const MODULES_A_DEPENDENT_MAY_KEEP: &[&str] = &["-USQLITE_ENABLE_FTS5", "-USQLITE_ENABLE_RTREE"];

fn main() {
    println!("cargo::rustc-check-cfg=cfg(agentmux_original)");
    println!("cargo::rerun-if-changed=build.rs");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let manifest = Path::new(&manifest);
    if manifest.join("../shared/seed/migrations.rs").is_file() {
        println!("cargo::rustc-cfg=agentmux_original");
    }

    println!("cargo::rerun-if-env-changed=SQLITE_WASM_RS_FLAGS");
    println!("cargo::rerun-if-changed=.cargo/config.toml");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        let config = std::fs::read_to_string(manifest.join(".cargo/config.toml")).unwrap_or_default();
        if let Some(package) = package_flags(&config) {
            let have = std::env::var("SQLITE_WASM_RS_FLAGS").unwrap_or_default();
            let have: Vec<&str> = have.split_whitespace().collect();
            let missing: Vec<&str> = package
                .iter()
                .filter(|f| !MODULES_A_DEPENDENT_MAY_KEEP.contains(f) && !have.contains(f))
                .copied()
                .collect();
            if !missing.is_empty() {
                println!(
                    "cargo::warning=agentmux-schema: SQLITE_WASM_RS_FLAGS lacks {} of the package's SQLite \
                     options ({}), so this wasm32 build's SQL differs from the native build's (without \
                     them: no STAT4 and no soundex(); math functions and sqlite-wasm-rs's extra tables)",
                    missing.len(),
                    missing.join(" ")
                );
                println!(
                    "cargo::warning=agentmux-schema: copy the SQLITE_WASM_RS_FLAGS entry of {} into the \
                     [env] table of your .cargo/config.toml (README, \"As a dependency\")",
                    manifest.join(".cargo/config.toml").display()
                );
            }
        }
    }
}

/// The options of the `SQLITE_WASM_RS_FLAGS = """…"""` entry of this crate's .cargo/config.toml.
fn package_flags(config: &str) -> Option<Vec<&str>> {
    let start = config.find("SQLITE_WASM_RS_FLAGS = \"\"\"")? + "SQLITE_WASM_RS_FLAGS = \"\"\"".len();
    let end = start + config[start..].find("\"\"\"")?;
    Some(config[start..end].split(|c: char| c.is_whitespace() || c == '\\').filter(|f| !f.is_empty()).collect())
}
