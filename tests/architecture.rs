//! The module graph of each crate, checked: no two modules depend on each other, directly or
//! around a loop. (What the crates may depend on is Cargo's to check: the core crate,
//! `crates/core`, has no SQLite driver, so a core module cannot name the backend or `rusqlite`.)
//! A module's dependencies are the `crate::…` paths in its code (comments left out), with the
//! names `lib.rs` re-exports mapped back to the module that defines them.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its comments (line comments, doc comments, block comments), so a
/// doc link to another module is not a dependency.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |i| &after[i..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |i| &after[i + 2..]);
        } else if rest.starts_with('"') {
            // Skip string literals whole (they may hold `//`).
            let bytes = rest.as_bytes();
            let mut i = 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            rest = rest.get(i + 1..).unwrap_or("");
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The first identifier of each item in `crate::…` paths: `crate::a::b` gives `a`,
/// `crate::{a, b::c}` gives `a` and `b`.
fn crate_paths(code: &str, root: &str) -> Vec<String> {
    let mut out = Vec::new();
    let prefix = format!("{root}::");
    let mut at = 0;
    while let Some(i) = code[at..].find(&prefix) {
        let start = at + i;
        at = start + prefix.len();
        // `crate::` must not be the tail of a longer identifier.
        if code[..start].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[at..];
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut item_start, mut items) = (0, 0, Vec::new());
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        items.push(&group[item_start..j]);
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        items.push(&group[item_start..j]);
                        item_start = j + 1;
                    }
                    _ => {}
                }
            }
            out.extend(items.iter().map(|item| ident(item.trim())).filter(|s| !s.is_empty()));
        } else {
            out.push(ident(rest));
        }
    }
    out
}

fn ident(s: &str) -> String {
    s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

/// Which top-level module each name `lib.rs` re-exports comes from.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for stmt in lib.split(';') {
        let Some(path) = stmt.trim().strip_prefix("pub use ") else { continue };
        let module = ident(path);
        let names = path[module.len()..].trim_start_matches("::");
        let names = names.trim_start_matches('{').trim_end_matches('}');
        for name in names.split(',') {
            let name = ident(name.trim().rsplit("::").next().unwrap_or(""));
            if !name.is_empty() {
                out.insert(name, module.clone());
            }
        }
    }
    out
}

/// The module a file belongs to: `src/inspect/drift.rs` → `inspect`, `src/bin/x/cli.rs` →
/// `bin/cli`, `src/lib.rs` → none.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let parts: Vec<_> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    match parts.as_slice() {
        [lib] if lib == "lib.rs" => None,
        [file] => Some(file.trim_end_matches(".rs").to_string()),
        [bin, _, file] if bin == "bin" => Some(format!("bin/{}", file.trim_end_matches(".rs"))),
        [dir, ..] => Some(dir.clone()),
        [] => None,
    }
}

/// The dependency graph of the crate at `root`: module → the modules it names.
fn graph(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let src = root.join("src");
    let lib = code_of(&fs::read_to_string(src.join("lib.rs")).unwrap());
    let reexported = reexports(&lib);
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(&src, f)).collect();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else { continue };
        let code = code_of(&fs::read_to_string(file).unwrap());
        let deps = out.entry(module.clone()).or_default();
        let in_bin = module.starts_with("bin/");
        for name in crate_paths(&code, "crate") {
            let target = if in_bin {
                // In the binary, `crate::` is the binary's own modules.
                Some(format!("bin/{name}"))
            } else if modules.contains(&name) {
                Some(name)
            } else {
                reexported.get(&name).cloned()
            };
            if let Some(target) = target.filter(|t| *t != module && modules.contains(t)) {
                deps.insert(target);
            }
        }
        if in_bin {
            // The library, as the binary names it.
            for name in crate_paths(&code, "agentmux_schema") {
                let target = if modules.contains(&name) { Some(name) } else { reexported.get(&name).cloned() };
                if let Some(target) = target {
                    deps.insert(target);
                }
            }
        }
    }
    out
}

/// A loop in `graph`, as the modules around it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|n| n == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_module_graph_has_no_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (library, core) = (graph(root), graph(&root.join("crates/core")));
    assert_eq!(find_cycle(&library), None, "module graph of src/: {library:#?}");
    assert_eq!(find_cycle(&core), None, "module graph of crates/core/src/: {core:#?}");
    // The scan reads real edges (a scan that found none would pass vacuously).
    assert!(core["migrate"].contains("steps") && library["bin/cli"].contains("bin/check"), "{library:#?} {core:#?}");
    assert!(library["datadir"].contains("backend"), "{library:#?}");
}

/// The check sees what it claims to: a planted loop is found, and comments and strings do not
/// count as edges.
#[test]
fn the_scan_finds_a_planted_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("c")).unwrap();
    fs::write(src.join("lib.rs"), "mod a; mod b; pub mod c; pub use a::Thing;").unwrap();
    // `a` names `b` through a group, `b` names `a` through the root re-export; comments and
    // strings that mention `c` do not count.
    fs::write(src.join("a.rs"), "use crate::{b::x, conn};\npub struct Thing; // crate::c\n").unwrap();
    fs::write(src.join("b.rs"), "pub fn x() -> crate::Thing { let _ = \"crate::c\"; crate::Thing }").unwrap();
    fs::write(src.join("c").join("mod.rs"), "use crate::a::Thing;").unwrap();
    let g = graph(dir.path());
    assert_eq!(find_cycle(&g).map(|c| c.len()), Some(3), "{g:?}");
    assert!(!g["a"].contains("c") && !g["b"].contains("c"), "{g:?}");
    fs::write(src.join("b.rs"), "use crate::c::Db;").unwrap();
    fs::write(src.join("c").join("mod.rs"), "pub struct Db;").unwrap();
    let g = graph(dir.path());
    assert!(g["b"].contains("c"), "{g:?}");
    assert_eq!(find_cycle(&g), None, "{g:?}");
}

/// Copies `crates/core` outside this checkout, applies `edit` to its `migrate/mod.rs`, and runs
/// `cargo check` on the copy alone; returns whether it compiled, and the log.
fn check_core_copy(edit: impl FnOnce(String) -> String) -> (bool, String) {
    fn copy(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let dest = to.join(path.file_name().unwrap());
            if path.is_dir() {
                copy(&path, &dest);
            } else {
                fs::copy(&path, &dest).unwrap();
            }
        }
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = tempfile::Builder::new().prefix("agentmux-core").tempdir().unwrap();
    let core = scratch.path().join("core");
    copy(&here.join("crates/core"), &core);
    // The same crate versions as this checkout (the copy is its own workspace).
    fs::copy(here.join("Cargo.lock"), core.join("Cargo.lock")).unwrap();
    let module = core.join("src/migrate/mod.rs");
    fs::write(&module, edit(fs::read_to_string(&module).unwrap())).unwrap();
    let out = std::process::Command::new(env!("CARGO"))
        .current_dir(&core)
        .args(["check", "--offline", "--lib"])
        .env("CARGO_TARGET_DIR", here.join("target/core-boundary"))
        .output()
        .expect("cargo runs");
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The core crate has no SQLite driver: a core module that names `rusqlite` does not compile
/// (Cargo.toml of crates/core lists no such dependency), while the unchanged copy does.
#[test]
fn a_core_module_that_names_rusqlite_does_not_compile() {
    let (ok, log) = check_core_copy(|text| text);
    assert!(ok, "the unchanged copy of crates/core does not compile:\n{log}");
    let (ok, log) = check_core_copy(|text| format!("{text}\n#[allow(unused_imports)]\nuse rusqlite::Connection;\n"));
    assert!(!ok, "a core module naming rusqlite compiled:\n{log}");
    // E0432: unresolved import (no `rusqlite` crate to import from).
    assert!(log.contains("E0432") && log.contains("rusqlite"), "it failed for another reason:\n{log}");
}
