//! When the original server module sits beside the repository (`../shared/seed/migrations.rs`,
//! as on the project's machines and CI), the `image` target also holds this crate to it: a file
//! the original migrates must not be refused (tests/original).
use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(agentmux_original)");
    println!("cargo::rerun-if-changed=build.rs");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    if Path::new(&manifest).join("../../shared/seed/migrations.rs").is_file() {
        println!("cargo::rustc-cfg=agentmux_original");
    }
}
