//! `statusOfFile` and `Database.openReadOnly` on a `Blob` in a dedicated Worker (read with
//! `Blob.slice` and `FileReaderSync`). Browsers only:
//! `wasm-pack test --headless --chrome --firefox --mode no-install -- --test js_readonly_worker`.
//! (Under Node the runner does not execute tests configured to run in a worker; the Node half is
//! `js_readonly.rs`, with the same cases.)
#![cfg(target_arch = "wasm32")]

#[path = "readonly/cases.rs"]
mod cases;

use js_sys::{Array, Function, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn blob(bytes: &[u8]) -> JsValue {
    let ctor: Function = Reflect::get(&js_sys::global(), &"Blob".into()).unwrap().dyn_into().unwrap();
    let parts = Array::of1(&Uint8Array::from(bytes));
    Reflect::construct(&ctor, &Array::of1(&parts)).unwrap()
}

/// The Blob's bytes, read back whole with `FileReaderSync`.
fn read_back(blob: &JsValue) -> Vec<u8> {
    let ctor: Function = Reflect::get(&js_sys::global(), &"FileReaderSync".into()).unwrap().dyn_into().unwrap();
    let reader = Reflect::construct(&ctor, &Array::new()).unwrap();
    let read: Function = Reflect::get(&reader, &"readAsArrayBuffer".into()).unwrap().dyn_into().unwrap();
    Uint8Array::new(&read.call1(&reader, blob).unwrap()).to_vec()
}

#[wasm_bindgen_test]
fn status_of_a_blob_equals_status_of_its_bytes() {
    cases::status_matches_bytes(&blob, &read_back);
}

#[wasm_bindgen_test]
fn garbage_and_truncated_blobs_fail_as_their_bytes_do() {
    cases::bad_files_as_bytes(&blob, &read_back);
}

#[wasm_bindgen_test]
fn a_blob_opened_read_only_answers_queries_and_refuses_writes() {
    cases::queries_and_no_writes(&blob, &read_back);
}

#[wasm_bindgen_test]
fn status_of_a_blob_reads_few_pages() {
    cases::status_reads_few_pages(&blob);
}
