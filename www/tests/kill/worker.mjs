// One Worker of the kill test: imports the old file into the OPFS pool, migrates it (the page may
// terminate this Worker at any moment of that), or reports what the pool holds: its file names
// (a journal left by a killed migration shows up here), the SHA-256 of `exportFile` (or of
// `exportStream`), and the
// exported file's integrity_check and user_version.
import init, { Database, OpfsError, installOpfs } from "/pkg/index.js";

const DIR = "kill-test";
const NAME = "objects.db";
let pool;

/** The pool; a Worker just terminated may let go of its handles a moment after it ends. */
async function openPool() {
  await init();
  for (let attempt = 0; ; attempt++) {
    try {
      return await installOpfs(DIR);
    } catch (e) {
      if (!(e instanceof OpfsError && e.kind === "busy") || attempt === 100) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function sha256(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function run(msg) {
  pool ??= await openPool();
  if (msg.op === "import") {
    pool.wipe();
    const res = await fetch(msg.url);
    if (!res.ok) throw new Error(`GET ${msg.url}: ${res.status}`);
    await pool.importStream(NAME, res.body, { size: Number(res.headers.get("content-length")) });
    return {};
  }
  if (msg.op === "migrate") {
    const db = pool.open(NAME);
    self.postMessage({ started: true });
    const t0 = performance.now();
    db.migrate("objects");
    db.close();
    return { ms: performance.now() - t0 };
  }
  if (msg.op === "inspect") {
    const namesBefore = pool.fileNames().sort();
    // The first export after a kill settles what the kill left: exportStream or exportFile.
    const bytes = msg.stream ? new Uint8Array(await new Response(pool.exportStream(NAME)).arrayBuffer()) : pool.exportFile(NAME);
    const namesAfter = pool.fileNames().sort();
    // The exported bytes, checked on their own, in memory: what a user's backup holds.
    const db = Database.fromBytes(bytes);
    const integrity = db.query("PRAGMA integrity_check").map((r) => r.integrity_check).join("; ");
    const userVersion = db.query("PRAGMA user_version")[0].user_version;
    db.close();
    return { namesBefore, namesAfter, sha256: await sha256(bytes), size: bytes.length, integrity, userVersion };
  }
  throw new Error(`unknown op ${msg.op}`);
}

self.onmessage = async (e) => {
  try {
    self.postMessage({ id: e.data.id, ...(await run(e.data)) });
  } catch (err) {
    self.postMessage({ id: e.data.id, error: `${err?.name ?? "Error"}: ${err?.message ?? err}` });
  }
};
