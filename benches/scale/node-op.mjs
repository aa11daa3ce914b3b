// One timed operation of the scale benchmark under Node, in its own process so that its peak RSS
// (measured from outside by /usr/bin/time) is its own: `node node-op.mjs <status|migrate> <file> <store> [out]`.
// Prints {"ms": ...} or {"error": "..."} as one JSON line.
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const [op, path, store, out] = process.argv.slice(2);
const pkg = await import(new URL("../../pkg/node.js", import.meta.url).href);
const start = performance.now();
try {
  if (op === "status") {
    const s = pkg.statusOfFile(path, store);
    if (s.state === "unreadable") throw new Error(`unreadable: ${s.error}`);
  } else if (op === "migrate") {
    // Node has no writable file API in the package: the file is read, migrated in memory, written.
    const db = pkg.Database.fromBytes(readFileSync(path));
    db.migrate(store);
    writeFileSync(out, db.toBytes());
    db.close();
  } else throw new Error(`unknown op ${op}`);
  console.log(JSON.stringify({ ms: performance.now() - start }));
} catch (e) {
  console.log(JSON.stringify({ error: `${e?.name ?? "Error"}: ${e?.message ?? e}`.slice(0, 300) }));
}
