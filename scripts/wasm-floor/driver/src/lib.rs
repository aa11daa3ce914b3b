//! The engine with what the package builds on: rusqlite as the driver, the OPFS pool
//! (sqlite-wasm-vfs's sahpool) and a JS API of the smallest useful size (run SQL, read rows as JS
//! values, serialise an image; install a pool, open, import and export its files). What the
//! package adds over this module is its own code: the schema layer and its JS API.
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use sqlite_wasm_rs::vfs::transfer::DbTransfer;
use sqlite_wasm_vfs::sahpool::{install as sah_install, OpfsSAHPoolCfgBuilder, OpfsSAHPoolUtil};
use wasm_bindgen::prelude::*;

fn err(e: impl ToString) -> JsValue {
    JsValue::from_str(&e.to_string())
}

#[wasm_bindgen]
pub struct Db {
    conn: Connection,
}

#[wasm_bindgen]
impl Db {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<Db, JsValue> {
        Connection::open_in_memory().map(|conn| Db { conn }).map_err(err)
    }

    pub fn exec(&self, sql: &str) -> Result<(), JsValue> {
        self.conn.execute_batch(sql).map_err(err)
    }

    /// Every value of every row, in order.
    pub fn query(&self, sql: &str) -> Result<js_sys::Array, JsValue> {
        let mut stmt = self.conn.prepare(sql).map_err(err)?;
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).map_err(err)?;
        let out = js_sys::Array::new();
        while let Some(row) = rows.next().map_err(err)? {
            for i in 0..columns {
                out.push(&match row.get::<_, Value>(i).map_err(err)? {
                    Value::Null => JsValue::NULL,
                    Value::Integer(v) => JsValue::from_f64(v as f64),
                    Value::Real(v) => JsValue::from_f64(v),
                    Value::Text(v) => JsValue::from_str(&v),
                    Value::Blob(v) => js_sys::Uint8Array::from(v.as_slice()).into(),
                });
            }
        }
        Ok(out)
    }

    pub fn image(&mut self) -> Result<Vec<u8>, JsValue> {
        self.conn.serialize("main").map(|data| data.to_vec()).map_err(err)
    }
}

#[wasm_bindgen]
pub struct Pool {
    util: OpfsSAHPoolUtil,
}

#[wasm_bindgen]
pub async fn install(directory: String) -> Result<Pool, JsValue> {
    let cfg = OpfsSAHPoolCfgBuilder::new().vfs_name("pool").directory(&directory).build();
    let util = sah_install::<sqlite_wasm_rs::WasmOsCallback>(&cfg, false).await.map_err(err)?;
    Ok(Pool { util })
}

#[wasm_bindgen]
impl Pool {
    pub fn open(&self, name: &str) -> Result<Db, JsValue> {
        Connection::open_with_flags_and_vfs(name, OpenFlags::default(), "pool").map(|conn| Db { conn }).map_err(err)
    }

    pub fn export(&self, name: &str) -> Result<Vec<u8>, JsValue> {
        self.util.export_db(name).map_err(err)
    }

    pub fn import(&self, name: &str, bytes: &[u8]) -> Result<(), JsValue> {
        self.util.import_db(name, bytes).map_err(err)
    }
}
