// The demo's SQLite lives here, in a dedicated module Worker: the OPFS pool needs synchronous
// access handles, which only dedicated Workers get. The page calls the `api` object below through
// Comlink; large byte arrays cross in both directions as transfers, never copies.
//
// Module Workers do not see an import map, so packages are imported by path.
import * as Comlink from "../node_modules/comlink/dist/esm/comlink.min.mjs";
import init, * as pkg from "../node_modules/agentmux-schema/index.js";
import { named, Trace } from "./trace.js";

const LOCK_NAME = "agentmux-schema-demo:data-directory";
const OPFS_DIR = "agentmux-schema-demo";

/** The package's facts about the three stores, read once after init: [{store, fileName, version}]. */
let STORES = [];
const info = (store) => STORES.find((s) => s.store === store);

/** A plain copy of an error for the page: its class name, the package's own message, its fields. */
function errorInfo(e) {
  if (!(e instanceof Error)) return { name: "Error", message: String(e) };
  const out = { name: e.name, message: e.message };
  for (const key of Object.keys(e)) {
    const v = e[key];
    out[key] = typeof v === "bigint" ? Number(v) : Array.isArray(v) ? [...v] : v;
  }
  return out;
}

const pageError = (name, message) => Object.assign(new Error(message), { name });

// ------------------------------------------------------------------------------------------
// Persistent data directory

const persistent = {
  mode: "starting", // "opfs" | "memory" | "locked"
  reason: "",
  pool: null,
  dbs: null, // { objects, filestore, sagas } Database handles
  startup: null, // { reports } | { error }
  last: null, // what the last action did, for a truthful banner
  trace: null, // the calls behind what the panel shows
  onChange: null, // the page's callback when a queued tab takes over
};

function takeLock(ifAvailable) {
  return new Promise((resolve, reject) => {
    navigator.locks
      .request(LOCK_NAME, ifAvailable ? { ifAvailable: true } : {}, (lock) => {
        if (!lock) {
          resolve(false);
          return undefined;
        }
        resolve(true);
        // Held for as long as this worker lives (closing the tab releases it).
        return new Promise(() => {});
      })
      .catch(reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function installPool(trace) {
  // After another tab closes, its access handles may be released a moment after its lock.
  for (let attempt = 0; ; attempt++) {
    try {
      const pool = await pkg.installOpfs(OPFS_DIR);
      trace.imports.add("installOpfs");
      trace.note(`const pool = await installOpfs(${JSON.stringify(OPFS_DIR)}); // a dedicated Worker only`);
      return pool;
    } catch (e) {
      if (attempt >= 4 || e?.kind !== "busy") throw e; // OpfsError kind "busy": still held
      await sleep(150 * (attempt + 1));
    }
  }
}

/** Open the three stores (from the pool, or in memory), recording the calls. */
function openStores(trace) {
  const dbs = {};
  for (const s of STORES) {
    dbs[s.store] = persistent.pool
      ? trace.call(s.store, "pool", persistent.pool, "open", [s.fileName])
      : trace.call(s.store, "Database", pkg.Database, "memory");
  }
  return dbs;
}

function runStartupMigration(trace) {
  trace.note("// Start-up: every tripwire is read before any file is written.");
  try {
    const { objects, filestore, sagas } = persistent.dbs;
    const reports = trace.call("reports", null, pkg, "migrateAll", [named("objects", objects), named("filestore", filestore), named("sagas", sagas)]);
    persistent.startup = { reports };
  } catch (e) {
    persistent.startup = { error: errorInfo(e) };
  }
}

function useMemory(reason, trace) {
  persistent.mode = "memory";
  persistent.reason = reason;
  persistent.pool = null;
  persistent.dbs = openStores(trace);
  runStartupMigration(trace);
}

async function useOpfs() {
  const trace = new Trace();
  try {
    persistent.pool = await installPool(trace);
    persistent.dbs = openStores(trace);
  } catch (e) {
    closePersistent();
    persistent.pool = null;
    const t = new Trace();
    useMemory(`OPFS could not be opened (${e?.name ?? "Error"}: ${e?.message ?? e}).`, t);
    persistent.trace = t;
    return;
  }
  persistent.mode = "opfs";
  persistent.reason = "";
  runStartupMigration(trace);
  persistent.trace = trace;
}

function closePersistent(trace) {
  for (const [store, db] of Object.entries(persistent.dbs ?? {})) {
    if (trace) trace.call(null, store, db, "close");
    else db.close();
  }
  persistent.dbs = null;
}

async function setupPersistent(storage) {
  const memory = (reason) => {
    const trace = new Trace();
    useMemory(reason, trace);
    persistent.trace = trace;
  };
  if (storage === "memory") return memory("Memory mode was requested (?storage=memory).");
  if (typeof navigator.storage?.getDirectory !== "function")
    return memory("This browser gives workers no Origin Private File System (OPFS).");
  if (!navigator.locks) return memory("The Web Locks API is unavailable, so tabs could not share the data directory safely.");
  let got;
  try {
    got = await takeLock(true);
  } catch (e) {
    return memory(`Web Locks refused: ${e?.message ?? e}`);
  }
  if (got) return useOpfs();
  persistent.mode = "locked";
  persistent.reason = "The data directory is open in another tab of this site.";
  // Queue: take over as soon as the other tab lets go.
  takeLock(false)
    .then(async () => {
      await useOpfs();
      persistent.onChange?.(persistentSnapshot());
    })
    .catch((e) => persistent.onChange?.({ ...persistentSnapshot(), failure: errorInfo(e) }));
}

/**
 * Why nothing in the page may write to the data directory now, or null. A refused start-up, or
 * a store this build cannot read or would refuse, makes the whole directory read-only: the
 * server would not start on it, so neither does anything here write to it.
 */
function readOnlyReason(stores) {
  if (!persistent.dbs) return persistent.reason || "The data directory is not open in this tab.";
  if (persistent.startup?.error) return `The start-up migration refused (${persistent.startup.error.name}): ${persistent.startup.error.message}`;
  const bad = stores.find((s) => s.state !== "current");
  if (bad) return `${bad.db} is ${bad.state}${bad.error ? `: ${bad.error}` : ""}.`;
  return null;
}

function persistentSnapshot() {
  const snap = {
    mode: persistent.mode,
    reason: persistent.reason,
    startup: persistent.startup,
    last: persistent.last,
    stores: [],
    code: persistent.trace?.text() ?? "",
  };
  if (persistent.dbs) snap.stores = STORES.map((s) => persistent.dbs[s.store].status(s.store));
  snap.readOnly = readOnlyReason(snap.stores);
  return snap;
}

function requirePersistent() {
  if (!persistent.dbs) throw pageError("LockedError", "The data directory is open in another tab.");
}

function rowsOf(status) {
  return status.tables.reduce((n, t) => n + Number(t.rowCount), 0);
}

function resetPersistent() {
  requirePersistent();
  const lost = STORES.map((s) => ({ db: s.fileName, rows: rowsOf(persistent.dbs[s.store].status(s.store)) }));
  const trace = new Trace();
  closePersistent(trace);
  if (persistent.mode === "opfs") trace.call(null, "pool", persistent.pool, "wipe");
  persistent.dbs = openStores(trace);
  runStartupMigration(trace);
  persistent.trace = trace;
  persistent.last = { kind: "reset", lost };
  return persistentSnapshot();
}

function addSampleRow() {
  requirePersistent();
  // The button is disabled in this case too; this is the same rule, kept where the write is.
  const reason = readOnlyReason(STORES.map((s) => persistent.dbs[s.store].status(s.store)));
  if (reason) throw pageError("ReadOnlyError", `Nothing was written: ${reason}`);
  const db = persistent.dbs.objects;
  const oid = `demo-tab-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const data = JSON.stringify({ name: "Demo tab", createdAt: new Date().toISOString() });
  const trace = new Trace();
  trace.note("// objects: the data directory's objects.db, opened at start-up (pool.open)");
  trace.call(null, "objects", db, "query", ["INSERT INTO db_tab (oid, version, data) VALUES (?1, 1, ?2)", [oid, data]]);
  trace.call("tabs", "objects", db, "query", ["SELECT count(*) AS n FROM db_tab"]);
  persistent.trace = trace;
  persistent.last = { kind: "row", oid };
  return persistentSnapshot();
}

/** Replace one persistent store with a scratch copy, then run the start-up migration again. */
function adoptScratch(id) {
  requirePersistent();
  const entry = getScratch(id);
  const bytes = entry.db ? entry.db.toBytes() : entry.bytes;
  const store = entry.store;
  const { fileName } = info(store);
  // Check the copy before anything is deleted: a file the pool would refuse never replaces one.
  const incoming = pkg.statusOfBytes(bytes, store);
  if (incoming.state === "unreadable") throw pageError("NotADatabaseError", `Nothing was replaced: ${incoming.error}`);
  const previous = persistent.dbs[store].status(store);
  const trace = new Trace();
  trace.note(`// Replace the data directory's ${fileName} with ${JSON.stringify(entry.label)}.`);
  if (persistent.mode === "opfs") {
    closePersistent(trace);
    trace.call(null, "pool", persistent.pool, "deleteFile", [fileName]);
    trace.call(null, "pool", persistent.pool, "importFile", [fileName, named("bytes", bytes)]);
    persistent.dbs = openStores(trace);
  } else {
    trace.call(null, store, persistent.dbs[store], "close");
    persistent.dbs[store] = trace.call(store, "Database", pkg.Database, "fromBytes", [named("bytes", bytes)]);
  }
  runStartupMigration(trace);
  persistent.trace = trace;
  persistent.last = {
    kind: "replaced",
    store,
    db: fileName,
    label: entry.label,
    lostRows: rowsOf(previous),
    lostTables: previous.tables.length,
  };
  return persistentSnapshot();
}

function exportPersistent(store) {
  requirePersistent();
  const bytes = persistent.dbs[store].toBytes();
  return Comlink.transfer(bytes, [bytes.buffer]);
}

// ------------------------------------------------------------------------------------------
// Scratch inspection (imported files and scenarios): read-only status from the bytes; a
// Database is made from them only when Migrate is pressed.

let scratch = null; // the one loaded entry
let nextScratch = 1;

/** Each store's tables, as the package's drift of an empty database lists them. */
let canonicalTables = null;

/** Which store a file's tables belong to, when that is not the store it was opened as. */
function guessStore(status) {
  const names = new Set(status.tables.map((t) => t.name));
  if (!names.size) return null;
  const score = (store) => canonicalTables[store].filter((t) => names.has(t)).length;
  const chosen = score(status.store);
  let best = null;
  for (const s of STORES) {
    const n = score(s.store);
    if (s.store !== status.store && n > chosen && (!best || n > best.matched)) best = { store: s.store, db: s.fileName, matched: n, of: canonicalTables[s.store].length };
  }
  return best && { ...best, matchedChosen: chosen, ofChosen: canonicalTables[status.store].length };
}

function describeScratch(entry) {
  return {
    id: entry.id,
    store: entry.store,
    db: info(entry.store).fileName,
    label: entry.label,
    source: entry.source,
    size: entry.file ? entry.file.size : entry.bytes.byteLength,
    streamed: !!entry.file,
    status: entry.status,
    looksLike: guessStore(entry.status),
    migration: entry.migration,
    code: entry.trace.text(entry.more),
  };
}

function openScratch(entry) {
  entry.trace = new Trace();
  for (const line of entry.sourceLines) entry.trace.note(line);
  for (const i of entry.sourceImports) entry.trace.imports.add(i);
  entry.more = new Trace();
  entry.db?.close();
  entry.db = null;
  entry.migration = null;
  entry.status = entry.file
    ? entry.trace.call("status", null, pkg, "statusOfFile", [named("file", entry.file), entry.store])
    : entry.trace.call("status", null, pkg, "statusOfBytes", [named("bytes", entry.bytes), entry.store]);
  return describeScratch(entry);
}

function load(store, label, bytes, source, sourceTrace, file = null) {
  if (!info(store)) throw pageError("UnknownStoreError", `unknown store ${store}`);
  scratch?.db?.close();
  scratch = {
    id: nextScratch++,
    store,
    label,
    source,
    bytes, // transferred from the page or built here: kept as is, never modified
    file, // or a large File, never read whole: status reads its pages, Migrate streams it into OPFS
    sourceLines: sourceTrace.lines,
    sourceImports: sourceTrace.imports,
    db: null,
  };
  return openScratch(scratch);
}

function getScratch(id) {
  if (!scratch || scratch.id !== id) throw pageError("ClosedError", "That file is no longer loaded; load it again.");
  return scratch;
}

function reopenAs(id, store) {
  const entry = getScratch(id);
  if (!info(store)) throw pageError("UnknownStoreError", `unknown store ${store}`);
  entry.store = store;
  entry.id = nextScratch++;
  return openScratch(entry);
}

function sameBytes(a, b) {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function migrateScratch(id) {
  const entry = getScratch(id);
  if (entry.file) throw pageError("ReadOnlyError", "This file is migrated through OPFS (migrateLarge).");
  if (entry.migration) throw pageError("ReadOnlyError", "This copy was already migrated or refused; load the file again to retry.");
  if (entry.status.state === "unreadable" || entry.status.state === "too-new")
    throw pageError("ReadOnlyError", `Nothing was written: ${entry.status.db} is ${entry.status.state}.`);
  const t = entry.trace;
  try {
    entry.db = t.call("db", "Database", pkg.Database, "fromBytes", [named("bytes", entry.bytes)]);
    const report = t.call("report", "db", entry.db, "migrate", [entry.store]);
    const after = t.call("after", "db", entry.db, "status", [entry.store]);
    entry.migration = { report, after };
  } catch (e) {
    let unchanged = null;
    if (entry.db) unchanged = sameBytes(entry.db.toBytes(), entry.bytes);
    entry.migration = { refused: errorInfo(e), unchanged };
  }
  return describeScratch(entry);
}

function scratchBytes(id) {
  const entry = getScratch(id);
  let bytes;
  if (entry.migration?.report) bytes = entry.more.call("migrated", "db", entry.db, "toBytes");
  else {
    entry.more.note("// Download: the bytes as they were loaded (nothing here modified them).");
    bytes = entry.bytes.slice();
  }
  return { bytes: Comlink.transfer(bytes, [bytes.buffer]), code: entry.trace.text(entry.more) };
}


// ------------------------------------------------------------------------------------------
// Large files: never loaded whole. The status reads the pages it needs from the File; Migrate
// streams the File into a scratch OPFS pool (its own directory, so the data directory is never
// touched), migrates it there in place, and the download streams it back out.

const SCRATCH_DIR = "agentmux-schema-demo-scratch";
const SCRATCH_FILE = "scratch.db";
const DOWNLOAD_FILE = "agentmux-schema-demo-download.db";
let scratchPool = null;

async function getScratchPool() {
  if (!scratchPool) scratchPool = await pkg.installOpfs(SCRATCH_DIR, "opfs-scratch");
  return scratchPool;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
function formatBytes(n) {
  const exact = `${Math.round(n).toLocaleString("en")} bytes`;
  if (n >= GiB) return `${(n / GiB).toFixed(1)} GiB (${exact})`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB (${exact})`;
  return exact;
}

/**
 * Refuse, before anything is written, a copy of `size` bytes that the origin's quota cannot hold;
 * the error names both figures.
 */
/** `?quota=<bytes>` (the page passes it on) lowers the quota this page plans with, to show the
 * refusal without filling a disk; the browser's own quota still applies on top. */
let quotaCap = Infinity;

async function estimate() {
  const est = await navigator.storage?.estimate?.();
  if (!est || typeof est.quota !== "number") return null;
  return { quota: Math.min(est.quota, quotaCap), usage: est.usage ?? 0 };
}

const quotaText = (what, size, est) =>
  `${what} needs ${formatBytes(size)} of this site's storage, but its quota leaves ${formatBytes(Math.max(0, est.quota - est.usage))} free ` +
  `(quota ${formatBytes(est.quota)}, in use ${formatBytes(est.usage)}). Nothing was written.`;

async function checkQuota(what, size) {
  const est = await estimate();
  if (est && size > est.quota - est.usage) throw pageError("QuotaError", quotaText(what, size, est));
}

/** Run a copy into OPFS; the browser's own refusal mid-way is reported like the check above (the
 * copy is all or nothing, so nothing was written then either). */
async function underQuota(what, size, copy) {
  await checkQuota(what, size);
  try {
    return await copy();
  } catch (e) {
    if (e?.kind !== "no-capacity") throw e;
    const est = (await estimate()) ?? { quota: NaN, usage: NaN };
    throw pageError("QuotaError", `${quotaText(what, size, est)} (The browser refused the write: ${e.message})`);
  }
}

async function clearScratchFiles(pool) {
  pool.deleteFile(SCRATCH_FILE);
  try {
    const root = await navigator.storage.getDirectory();
    await root.removeEntry(DOWNLOAD_FILE);
  } catch {
    // not there
  }
}

async function migrateLarge(id, onProgress) {
  const entry = getScratch(id);
  if (entry.migration) throw pageError("ReadOnlyError", "This copy was already migrated or refused; load the file again to retry.");
  if (entry.status.state === "unreadable" || entry.status.state === "too-new")
    throw pageError("ReadOnlyError", `Nothing was written: ${entry.status.db} is ${entry.status.state}.`);
  const t = entry.trace;
  // The quota is checked before the scratch pool is even created: a refused file writes nothing.
  if (scratchPool) await clearScratchFiles(scratchPool);
  await checkQuota(`Copying ${entry.label} into OPFS`, entry.file.size);
  const pool = await getScratchPool();
  await clearScratchFiles(pool);
  await underQuota(`Copying ${entry.label} into OPFS`, entry.file.size, () =>
    pool.importStream(SCRATCH_FILE, entry.file, { onProgress: (done, total) => onProgress?.(done, total) }),
  );
  t.imports.add("installOpfs");
  t.note(`const pool = await installOpfs(${JSON.stringify(SCRATCH_DIR)}); // in a dedicated Worker`);
  t.note(`await pool.importStream(${JSON.stringify(SCRATCH_FILE)}, file, { onProgress }); // streamed, all or nothing`);
  const db = t.call("db", "pool", pool, "open", [SCRATCH_FILE]);
  try {
    const report = t.call("report", "db", db, "migrate", [entry.store]);
    const after = t.call("after", "db", db, "status", [entry.store]);
    entry.migration = { report, after };
  } catch (e) {
    // The migration is one transaction: a refusal leaves the copy as it was imported.
    entry.migration = { refused: errorInfo(e), unchanged: null };
  } finally {
    t.call(null, "db", db, "close");
  }
  return describeScratch(entry);
}

/** The file to download: the File as loaded, or the migrated copy streamed out of the pool into a
 * plain OPFS file (the browser then saves it from disk: no copy in memory). */
async function largeDownload(id, onProgress) {
  const entry = getScratch(id);
  if (!entry.migration?.report) {
    entry.more.note("// Download: the File as it was loaded (nothing here modified it).");
    return { file: entry.file, code: entry.trace.text(entry.more) };
  }
  const pool = await getScratchPool();
  const root = await navigator.storage.getDirectory();
  try {
    await root.removeEntry(DOWNLOAD_FILE);
  } catch {
    // not there
  }
  await checkQuota(`Saving the migrated ${entry.status.db}`, entry.file.size);
  const handle = await root.getFileHandle(DOWNLOAD_FILE, { create: true });
  const writable = await handle.createWritable();
  entry.more.note(`await pool.exportStream(${JSON.stringify(SCRATCH_FILE)}).pipeTo(writable); // streamed out`);
  try {
    await pool.exportStream(SCRATCH_FILE, { onProgress: (done, total) => onProgress?.(done, total) }).pipeTo(writable);
  } catch (e) {
    await root.removeEntry(DOWNLOAD_FILE).catch(() => {});
    if (e?.name === "QuotaExceededError") throw pageError("QuotaError", `Saving the migrated ${entry.status.db} for download: ${e.message}. Nothing was kept.`);
    throw e;
  }
  return { file: await handle.getFile(), code: entry.trace.text(entry.more) };
}

// Built-in scenarios: each yields a .db image, inspected exactly like an imported file.
async function fetchSql(name) {
  const res = await fetch(new URL(`../scenarios/${name}`, import.meta.url));
  if (!res.ok) throw new Error(`could not load scenarios/${name}: HTTP ${res.status}`);
  return res.text();
}

/** Build an image in a throwaway database, recording how (these lines lead the Code view). */
function build(trace, steps) {
  const seed = trace.call("seed", "Database", pkg.Database, "memory");
  try {
    steps(seed);
    return trace.call("bytes", "seed", seed, "toBytes");
  } finally {
    trace.call(null, "seed", seed, "close");
  }
}

const fromSql = (file) => async (trace) => {
  const sql = await fetchSql(file);
  const v = file.replace(/\.sql$/, "").replace(/_(\w)/g, (_, c) => c.toUpperCase()) + "Sql";
  trace.note(`const ${v} = await (await fetch("${file}")).text(); // tests/fixtures/${file}`);
  return build(trace, (seed) => trace.call(null, "seed", seed, "exec", [named(v, sql)]));
};

const SCENARIOS = {
  "legacy-v11": { label: "v11 pre-flatten objects.db (forge tables, rows)", store: "objects", bytes: fromSql("legacy_v11.sql") },
  "flat-v1": { label: "stale flat objects.db stamped v1", store: "objects", bytes: fromSql("flat_v1.sql") },
  downgrade: {
    label: "downgrade round-trip (both table names present)",
    store: "objects",
    async bytes(trace) {
      const sql = await fetchSql("downgrade.sql");
      trace.note('const downgradeSql = await (await fetch("downgrade.sql")).text(); // tests/fixtures/downgrade.sql');
      return build(trace, (seed) => {
        trace.call(null, "seed", seed, "migrate", ["objects"]);
        trace.call(null, "seed", seed, "exec", [named("downgradeSql", sql)]);
      });
    },
  },
  "too-new": {
    label: "objects.db stamped v99 by a newer build",
    store: "objects",
    async bytes(trace) {
      return build(trace, (seed) => {
        trace.call(null, "seed", seed, "migrate", ["objects"]);
        trace.call(null, "seed", seed, "exec", ["INSERT INTO db_client (oid, data) VALUES ('from-the-future', '{}'); PRAGMA user_version = 99;"]);
      });
    },
  },
  "pre-v11": { label: "unsupported pre-v11 objects.db shape", store: "objects", bytes: fromSql("pre_v11.sql") },
  garbage: {
    label: "a file that is not a database",
    store: "objects",
    async bytes(trace) {
      trace.note('const bytes = new TextEncoder().encode("This is a text file, not SQLite.\\n".repeat(40));');
      return new TextEncoder().encode("This is a text file, not SQLite.\n".repeat(40));
    },
  },
};

async function scenario(name) {
  const sc = SCENARIOS[name];
  if (!sc) throw new Error(`unknown scenario ${name}`);
  const trace = new Trace();
  trace.note(`// Scenario: ${sc.label}`);
  const bytes = await sc.bytes(trace);
  return load(sc.store, sc.label, bytes, "scenario", trace);
}

// ------------------------------------------------------------------------------------------
// The API the page calls (through Comlink)

let ready = null;

const api = {
  async start(storage, onChange, quota) {
    persistent.onChange = onChange;
    if (quota > 0) quotaCap = quota;
    if (!ready) {
      ready = (async () => {
        await init();
        STORES = pkg.stores();
        canonicalTables = Object.fromEntries(STORES.map((s) => [s.store, pkg.statusOfBytes(new Uint8Array(0), s.store).drift.missingTables]));
        await setupPersistent(storage);
      })();
    }
    await ready;
    return { version: pkg.packageVersion(), stores: STORES, persistent: persistentSnapshot() };
  },
  persistent: () => persistentSnapshot(),
  reset: () => resetPersistent(),
  addRow: () => addSampleRow(),
  exportPersistent: (store) => exportPersistent(store),
  inspect(store, label, bytes) {
    const trace = new Trace();
    trace.note(`const bytes = new Uint8Array(await file.arrayBuffer()); // ${label}, ${bytes.byteLength.toLocaleString("en")} bytes`);
    return load(store, label, bytes, "file", trace);
  },
  inspectFile(store, file) {
    const trace = new Trace();
    trace.note(`// file: the File the page was given (${file.size.toLocaleString("en")} bytes), read a page at a time`);
    return load(store, file.name, null, "file", trace, file);
  },
  migrateLarge: (id, onProgress) => migrateLarge(id, onProgress),
  largeDownload: (id, onProgress) => largeDownload(id, onProgress),
  scenario: (name) => scenario(name),
  reopenAs: (id, store) => reopenAs(id, store),
  migrate: (id) => migrateScratch(id),
  bytes: (id) => scratchBytes(id),
  adopt: (id) => adoptScratch(id),
};

Comlink.expose(api);
