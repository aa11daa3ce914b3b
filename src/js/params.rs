//! JavaScript arguments checked and converted at the edge, so a wrong type is a `TypeError` that
//! names the argument instead of whatever wasm-bindgen's glue would make of it (a number coerced
//! to SQL text, a string read as zero bytes).

use js_sys::{BigInt, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::errors::type_error;
use crate::conn::Value;

#[wasm_bindgen]
extern "C" {
    /// An optional `?` parameter list (declared so the TypeScript parameter is optional and typed).
    #[wasm_bindgen(typescript_type = "SqlParam[]")]
    pub type SqlParams;
    /// An optional string argument (declared so the TypeScript parameter is optional and typed).
    #[wasm_bindgen(typescript_type = "string")]
    pub type OptionalString;
}

/// Describes a JS value's type for an error message: `null`, `an array`, an object's class
/// (`ArrayBuffer`, `DataView`, ...), or its `typeof`.
pub(super) fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        return "null".into();
    }
    if v.is_array() {
        return "an array".into();
    }
    if v.is_object() {
        let class = js_sys::Reflect::get(v, &"constructor".into())
            .ok()
            .and_then(|c| js_sys::Reflect::get(&c, &"name".into()).ok())
            .and_then(|n| n.as_string())
            .filter(|n| !n.is_empty() && n != "Object");
        if let Some(class) = class {
            return class;
        }
    }
    v.js_typeof().as_string().unwrap_or_default()
}

/// `value` as a string, or a `TypeError` naming `what`.
pub fn string(value: &JsValue, what: &str) -> Result<String, JsValue> {
    value.as_string().ok_or_else(|| type_error(&format!("{what} must be a string, got {}", type_name(value))))
}

/// The bytes of a `Uint8Array` or an `ArrayBuffer` (what `File.arrayBuffer()` and `fetch` give),
/// or a `TypeError` naming `what`; an image too large for this module's memory is a `FileError`
/// naming the limit (see `limits`), found before the copy is attempted.
pub fn bytes(value: &JsValue, what: &str) -> Result<Vec<u8>, JsValue> {
    let array = if let Some(array) = value.dyn_ref::<Uint8Array>() {
        array.clone()
    } else if let Some(buffer) = value.dyn_ref::<js_sys::ArrayBuffer>() {
        Uint8Array::new(buffer)
    } else {
        return Err(type_error(&format!("{what} must be a Uint8Array or an ArrayBuffer, got {}", type_name(value))));
    };
    // `length` as a number: a typed array may be longer than a u32 counts.
    let len = js_sys::Reflect::get(&array, &"length".into()).ok().and_then(|l| l.as_f64()).unwrap_or(0.0) as u64;
    let too_large = || super::limits::too_large(what, len);
    let mut out = Vec::new();
    out.try_reserve_exact(usize::try_from(len).map_err(|_| too_large())?).map_err(|_| too_large())?;
    out.resize(len as usize, 0);
    array.copy_to(&mut out);
    Ok(out)
}

/// Query parameters with SQLite's own types: string → TEXT, a safe integer → INTEGER, another
/// number → REAL, bigint → INTEGER (must fit 64 bits), boolean → INTEGER 0/1, null → NULL,
/// Uint8Array → BLOB.
pub fn sql_params(params: &JsValue) -> Result<Vec<Value>, JsValue> {
    if params.is_undefined() || params.is_null() {
        return Ok(Vec::new());
    }
    let Some(list) = params.dyn_ref::<js_sys::Array>() else {
        return Err(type_error(&format!("query: params must be an array, got {}", type_name(params))));
    };
    list.iter().enumerate().map(|(i, v)| sql_param(&v, i + 1)).collect()
}

fn sql_param(v: &JsValue, position: usize) -> Result<Value, JsValue> {
    const SAFE: f64 = 9_007_199_254_740_991.0; // 2^53 - 1
    if v.is_null() {
        return Ok(Value::Null);
    }
    if let Some(s) = v.as_string() {
        return Ok(Value::Text(s));
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Integer(b as i64));
    }
    if let Some(f) = v.as_f64() {
        return Ok(if f.fract() == 0.0 && (-SAFE..=SAFE).contains(&f) {
            Value::Integer(f as i64)
        } else {
            Value::Real(f)
        });
    }
    if v.is_bigint() {
        let n: &BigInt = v.unchecked_ref();
        return i64::try_from(n.clone())
            .map(Value::Integer)
            .map_err(|_| type_error(&format!("query: parameter ?{position} is a bigint outside the 64-bit range")));
    }
    if let Some(bytes) = v.dyn_ref::<Uint8Array>() {
        return Ok(Value::Blob(bytes.to_vec()));
    }
    Err(type_error(&format!(
        "query: parameter ?{position} has unsupported type {} (expected string | number | bigint | boolean | null | Uint8Array)",
        type_name(v)
    )))
}
