//! Test support only: when the original server module this crate re-implements sits beside the
//! repository (`../shared/seed/migrations.rs`, as on the project's machines and CI), compile the
//! differential tests that run it (`tests/properties.rs`). A dependent's build never has it.
use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(agentmux_original)");
    println!("cargo::rerun-if-changed=build.rs");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    if Path::new(&manifest).join("../shared/seed/migrations.rs").is_file() {
        println!("cargo::rustc-cfg=agentmux_original");
    }
}
