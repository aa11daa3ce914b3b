// Migrates a database file with the WebAssembly build (pkg/) under Node, for the native parity
// test: `node migrate-with-wasm.mjs <store> <in.db> <out.db>` writes the migrated image to
// out.db and prints the migration report as JSON (or the thrown error's name and fields).
import { readFileSync, writeFileSync } from "node:fs";
import { Database } from "../../pkg/node.js";

const [store, input, output] = process.argv.slice(2);

const original = new Uint8Array(readFileSync(input));
let db;
try {
  db = Database.fromBytes(original);
  const report = db.migrate(store);
  writeFileSync(output, db.toBytes());
  console.log(JSON.stringify({ ok: report }));
} catch (e) {
  if (db) writeFileSync(output, db.toBytes());
  const { name, message, ...fields } = e;
  console.log(JSON.stringify({ error: { name, message, ...fields } }));
} finally {
  db?.close();
}
