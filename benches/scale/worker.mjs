// The Chromium side of the scale benchmark, in a dedicated Worker (OPFS needs one): status of a
// File read in place (statusOfFile), and migrate through OPFS: the File streamed into the pool
// (importStream), migrated there, streamed back out (exportStream) into a plain OPFS file.
import init, * as pkg from "/pkg/index.js";

let pool, wasm;
const OUT = "scale-bench-out.db";

async function run(op, store, file) {
  if (op === "init") {
    wasm = await init();
    pool = await pkg.installOpfs("scale-bench");
    pool.wipe();
    return {};
  }
  const t0 = performance.now();
  if (op === "status") {
    // The module's linear memory only grows: its growth over the call is the most the call
    // held in the wasm heap at once.
    const before = wasm.memory.buffer.byteLength;
    const s = pkg.statusOfFile(file, store);
    if (s.state === "unreadable") throw new Error(`unreadable: ${s.error}`);
    return { ms: performance.now() - t0, wasmGrowth: wasm.memory.buffer.byteLength - before };
  }
  if (op === "gc") {
    // Only with Chromium's --js-flags=--expose-gc (run.mjs passes it): a full collection, so the
    // RSS read after it is what the previous operation left behind, not garbage yet to collect.
    self.gc?.();
    return { collected: typeof self.gc === "function" };
  }
  if (op === "migrate") {
    const before = wasm.memory.buffer.byteLength;
    pool.wipe();
    const root = await navigator.storage.getDirectory();
    await root.removeEntry(OUT).catch(() => {});
    await pool.importStream("bench.db", file);
    const t1 = performance.now();
    const db = pool.open("bench.db");
    db.migrate(store);
    db.close();
    const t2 = performance.now();
    const writable = await (await root.getFileHandle(OUT, { create: true })).createWritable();
    await pool.exportStream("bench.db").pipeTo(writable);
    const t3 = performance.now();
    pool.wipe();
    await root.removeEntry(OUT);
    return {
      ms: t3 - t0,
      importMs: t1 - t0,
      migrateMs: t2 - t1,
      exportMs: t3 - t2,
      wasmGrowth: wasm.memory.buffer.byteLength - before,
    };
  }
  // The two halves of migrate's copies, apart (compare-pkgs.mjs, BENCH_OP=import then export):
  // which one a peak comes from.
  if (op === "import") {
    const before = wasm.memory.buffer.byteLength;
    pool.wipe();
    await pool.importStream("bench.db", file);
    return { ms: performance.now() - t0, wasmGrowth: wasm.memory.buffer.byteLength - before };
  }
  if (op === "export") {
    const before = wasm.memory.buffer.byteLength;
    const root = await navigator.storage.getDirectory();
    const writable = await (await root.getFileHandle(OUT, { create: true })).createWritable();
    await pool.exportStream("bench.db").pipeTo(writable);
    const ms = performance.now() - t0;
    pool.wipe();
    await root.removeEntry(OUT);
    return { ms, wasmGrowth: wasm.memory.buffer.byteLength - before };
  }
  throw new Error(`unknown op ${op}`);
}

self.onmessage = async (e) => {
  const { id, op, store, file } = e.data;
  try {
    self.postMessage({ id, ...(await run(op, store, file)) });
  } catch (err) {
    self.postMessage({ id, error: `${err?.name ?? "Error"}: ${err?.message ?? err}`.slice(0, 300) });
  }
};
