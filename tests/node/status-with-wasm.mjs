// For the native CLI-vs-package test (tests/cli_parity.rs): `node status-with-wasm.mjs <store>
// <file.db>` prints, as JSON, what the package (pkg/) says of the file under Node: its status,
// its SQLite version, `PRAGMA quick_check`, and the migration report (or the thrown error).
import { readFileSync } from "node:fs";
import { Database, statusOfBytes } from "../../pkg/node.js";

const [store, input] = process.argv.slice(2);
const bytes = new Uint8Array(readFileSync(input));
const out = { status: statusOfBytes(bytes, store) };
const db = Database.fromBytes(bytes);
try {
  out.version = db.query("SELECT sqlite_version() AS v")[0].v;
  out.quickCheck = db.query("PRAGMA quick_check").map((r) => r.quick_check);
  try {
    out.migrate = db.migrate(store);
  } catch (e) {
    out.migrate = { error: e.message };
  }
  out.statusAfter = db.status(store);
} finally {
  db.close();
}
console.log(JSON.stringify(out));
