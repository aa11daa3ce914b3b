//! `statusOfFile` and `Database.openReadOnly` on files read in place (the read-only VFS). wasm32
//! only. Under Node the files are paths; in a browser's main thread (`wasm-pack test --headless
//! --chrome --firefox`) these tests check what it refuses, with a `FileError` naming the reason
//! (the Worker, where `Blob`s are read, is `js_readonly_worker.rs`):
//!
//! ```sh
//! wasm-pack test --node --mode no-install -- --test js_readonly
//! ```
#![cfg(target_arch = "wasm32")]

#[path = "readonly/cases.rs"]
mod cases;

use agentmux_schema::js::{status_of_file, Database};
use cases::{get, name_of, s};
use js_sys::{Array, Function, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// Node's `module`, or `None` in a browser.
fn node(module: &str) -> Option<JsValue> {
    let process = Reflect::get(&js_sys::global(), &s("process")).ok().filter(|p| p.is_object())?;
    let get: Function = Reflect::get(&process, &s("getBuiltinModule")).ok()?.dyn_into().ok()?;
    get.call1(&process, &s(module)).ok()
}

fn call(target: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    let f: Function = Reflect::get(target, &s(method)).unwrap().dyn_into().unwrap();
    Reflect::apply(&f, target, &args.iter().collect::<Array>()).unwrap_or_else(|e| panic!("{method}: {e:?}"))
}

/// A fresh directory under the OS's temporary directory.
fn temp_dir(fs: &JsValue) -> String {
    let os = node("node:os").unwrap();
    let tmp = call(&os, "tmpdir", &[]).as_string().unwrap();
    call(fs, "mkdtempSync", &[s(&format!("{tmp}/agentmux-readonly-"))]).as_string().unwrap()
}

/// Node: `open` writes each image to a file and gives its path; `read_back` reads the file.
type OnDisk = (Box<dyn Fn(&[u8]) -> JsValue>, Box<dyn Fn(&JsValue) -> Vec<u8>>);

/// A directory removed with everything in it when dropped (the test is done with its files).
struct TempDir {
    fs: JsValue,
    path: String,
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let options = js_sys::Object::new();
        let _ = Reflect::set(&options, &s("recursive"), &JsValue::TRUE);
        let _ = Reflect::set(&options, &s("force"), &JsValue::TRUE);
        call(&self.fs, "rmSync", &[s(&self.path), options.into()]);
    }
}

fn on_disk() -> Option<OnDisk> {
    let fs = node("node:fs")?;
    let dir = TempDir { path: temp_dir(&fs), fs: fs.clone() };
    let counter = std::cell::Cell::new(0);
    let fs2 = fs.clone();
    let open = move |bytes: &[u8]| {
        counter.set(counter.get() + 1);
        let path = format!("{}/{}.db", dir.path, counter.get());
        call(&fs, "writeFileSync", &[s(&path), Uint8Array::from(bytes).into()]);
        s(&path)
    };
    let read_back =
        move |path: &JsValue| Uint8Array::new(&call(&fs2, "readFileSync", std::slice::from_ref(path))).to_vec();
    Some((Box::new(open), Box::new(read_back)))
}

fn blob(bytes: &[u8]) -> JsValue {
    let ctor: Function = Reflect::get(&js_sys::global(), &s("Blob")).unwrap().dyn_into().unwrap();
    let parts = Array::of1(&Uint8Array::from(bytes));
    Reflect::construct(&ctor, &Array::of1(&parts)).unwrap()
}

#[wasm_bindgen_test]
fn status_of_a_path_equals_status_of_its_bytes() {
    let Some((open, read_back)) = on_disk() else { return };
    cases::status_matches_bytes(&open, &read_back);
}

#[wasm_bindgen_test]
fn garbage_and_truncated_paths_fail_as_their_bytes_do() {
    let Some((open, read_back)) = on_disk() else { return };
    cases::bad_files_as_bytes(&open, &read_back);
}

#[wasm_bindgen_test]
fn a_path_opened_read_only_answers_queries_and_refuses_writes() {
    let Some((open, read_back)) = on_disk() else { return };
    cases::queries_and_no_writes(&open, &read_back);
}

#[wasm_bindgen_test]
fn status_of_a_path_reads_few_pages() {
    let Some((open, _)) = on_disk() else { return };
    cases::status_reads_few_pages(&open);
}

fn file_error(e: JsValue, kind: &str) -> JsValue {
    assert_eq!(name_of(&e), "FileError", "{e:?}");
    assert_eq!(get(&e, "kind").as_string().as_deref(), Some(kind), "{e:?}");
    e
}

#[wasm_bindgen_test]
fn a_missing_path_or_a_directory_is_a_file_error() {
    let Some(fs) = node("node:fs") else { return };
    let temp = TempDir { path: temp_dir(&fs), fs };
    let dir = temp.path.clone();
    let missing = format!("{dir}/nothing-here.db");
    let e = file_error(status_of_file(s(&missing), s("objects")).unwrap_err(), "not-found");
    assert_eq!(get(&e, "file").as_string(), Some(missing.clone()));
    assert!(get(&e, "message").as_string().unwrap().contains(&missing));
    file_error(Database::open_read_only(s(&missing)).err().unwrap(), "not-found");
    let e = file_error(status_of_file(s(&dir), s("objects")).unwrap_err(), "not-readable");
    assert!(get(&e, "message").as_string().unwrap().contains("EISDIR"), "{e:?}");
}

#[wasm_bindgen_test]
fn where_a_runtime_cannot_read_in_place_it_says_so() {
    let image = cases::image("CREATE TABLE t (a)");
    let is_node = node("node:fs").is_some();
    // No FileReaderSync: Node, and a browser's main thread.
    let e = file_error(status_of_file(blob(&image), s("objects")).unwrap_err(), "unsupported");
    assert!(get(&e, "message").as_string().unwrap().contains("FileReaderSync"), "{e:?}");
    assert_eq!(get(&e, "size").as_f64(), Some(image.len() as f64));
    file_error(Database::open_read_only(blob(&image)).err().unwrap(), "unsupported");
    if !is_node {
        let e = file_error(status_of_file(s("/tmp/objects.db"), s("objects")).unwrap_err(), "unsupported");
        assert!(get(&e, "message").as_string().unwrap().contains("Node"), "{e:?}");
    }
    // Neither a path nor a Blob: a TypeError naming the argument.
    for wrong in [JsValue::from(3), JsValue::NULL, Uint8Array::from(&image[..]).into()] {
        let e = status_of_file(wrong, s("objects")).unwrap_err();
        assert!(e.is_instance_of::<js_sys::TypeError>(), "{e:?}");
        assert!(get(&e, "message").as_string().unwrap().starts_with("statusOfFile: fileOrPath must be"));
    }
}
