//! Print the snapshot of this build's schema for one store, to be saved once as
//! `crates/core/src/sql/snapshots/<store>_v<version>.sql` when its version is bumped:
//!
//! ```sh
//! cargo run --example snapshot -- objects > crates/core/src/sql/snapshots/objects_v5.sql
//! ```
#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let name = std::env::args().nth(1).ok_or("usage: snapshot <objects|filestore|sagas>")?;
    let store: agentmux_schema::Store = name.parse()?;
    let scratch = agentmux_schema::backend::memory()?;
    print!("{}", agentmux_schema::snapshot::render(&scratch, store.spec())?);
    Ok(())
}

#[cfg(target_arch = "wasm32")]
fn main() {}
