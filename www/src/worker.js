// The demo's SQLite lives here, in a dedicated module Worker: the OPFS "sahpool" VFS needs
// synchronous access handles, which only dedicated Workers get. The page talks to this worker
// with {id, op, ...args} messages and gets {id, ok, value | error} back, plus {event} pushes.
//
// Module Workers do not see the page's import map, so the package is imported by path.
import init, { Database, migrateAll, installOpfs } from "../node_modules/agentmux-schema/index.js";

const STORES = ["objects", "filestore", "sagas"];
const LOCK_NAME = "agentmux-schema-demo:data-directory";
const OPFS_DIR = "agentmux-schema-demo";

// ------------------------------------------------------------------------------------------
// Persistent data directory

const persistent = {
  mode: "starting", // "opfs" | "memory" | "locked"
  reason: "",
  pool: null,
  dbs: null, // { objects, filestore, sagas } Database handles
  startup: null, // { reports } | { error }
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

async function installPool() {
  // After another tab closes, its access handles may be released a moment after its lock.
  let last;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await installOpfs(OPFS_DIR);
    } catch (e) {
      last = e;
      await sleep(150 * (attempt + 1));
    }
  }
  throw last;
}

function openMemoryStores() {
  return Object.fromEntries(STORES.map((s) => [s, Database.memory()]));
}

function runStartupMigration() {
  // migrateAll reads all three tripwires before writing any store.
  try {
    const { objects, filestore, sagas } = persistent.dbs;
    persistent.startup = { reports: migrateAll(objects, filestore, sagas) };
  } catch (e) {
    persistent.startup = { error: errorInfo(e) };
  }
}

function useMemory(reason) {
  persistent.mode = "memory";
  persistent.reason = reason;
  persistent.pool = null;
  persistent.dbs = openMemoryStores();
  runStartupMigration();
}

async function useOpfs() {
  try {
    persistent.pool = await installPool();
    persistent.dbs = Object.fromEntries(STORES.map((s) => [s, persistent.pool.open(`${s}.db`)]));
  } catch (e) {
    closePersistent();
    useMemory(`OPFS could not be opened (${e?.name ?? "Error"}: ${e?.message ?? e}).`);
    return;
  }
  persistent.mode = "opfs";
  persistent.reason = "";
  runStartupMigration();
}

function closePersistent() {
  for (const db of Object.values(persistent.dbs ?? {})) {
    try {
      db.close();
    } catch {
      /* already closed */
    }
  }
  persistent.dbs = null;
}

async function setupPersistent(storage) {
  if (storage === "memory") return useMemory("Memory mode was requested (?storage=memory).");
  if (typeof navigator.storage?.getDirectory !== "function")
    return useMemory("This browser gives workers no Origin Private File System (OPFS).");
  if (!navigator.locks)
    return useMemory("The Web Locks API is unavailable, so tabs could not share the data directory safely.");
  let got;
  try {
    got = await takeLock(true);
  } catch (e) {
    return useMemory(`Web Locks refused: ${e?.message ?? e}`);
  }
  if (got) return useOpfs();
  persistent.mode = "locked";
  persistent.reason = "The data directory is open in another tab of this site.";
  // Queue: take over as soon as the other tab lets go.
  takeLock(false)
    .then(async () => {
      await useOpfs();
      self.postMessage({ event: "persistent", value: persistentSnapshot() });
    })
    .catch((e) => self.postMessage({ event: "error", error: errorInfo(e) }));
}

function persistentSnapshot() {
  const snap = { mode: persistent.mode, reason: persistent.reason, startup: persistent.startup, stores: [] };
  if (persistent.dbs) {
    snap.stores = STORES.map((s) => {
      try {
        return persistent.dbs[s].status(s);
      } catch (e) {
        return unreadableStatus(s, errorInfo(e).message);
      }
    });
    if (persistent.mode === "opfs") {
      try {
        snap.files = persistent.pool.fileNames();
      } catch {
        snap.files = null;
      }
    }
  }
  return snap;
}

function requirePersistent() {
  if (!persistent.dbs) {
    const e = new Error("The data directory is open in another tab.");
    e.name = "LockedError";
    throw e;
  }
}

async function resetPersistent() {
  requirePersistent();
  if (persistent.mode === "opfs") {
    closePersistent();
    persistent.pool.wipe();
    persistent.dbs = Object.fromEntries(STORES.map((s) => [s, persistent.pool.open(`${s}.db`)]));
  } else {
    closePersistent();
    persistent.dbs = openMemoryStores();
  }
  runStartupMigration();
  return persistentSnapshot();
}

function addSampleRow() {
  requirePersistent();
  const db = persistent.dbs.objects;
  const [{ n }] = db.query("SELECT count(*) AS n FROM db_tab");
  const oid = `demo-tab-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  db.query("INSERT INTO db_tab (oid, version, data) VALUES (?1, 1, ?2)", [
    oid,
    JSON.stringify({ name: `Demo tab ${Number(n) + 1}`, createdAt: new Date().toISOString() }),
  ]);
  return persistentSnapshot();
}

/** Replace one persistent store with a scratch copy, then run the start-up migration again. */
function adoptScratch(id) {
  requirePersistent();
  const entry = getScratch(id);
  if (!entry.db) throw Object.assign(new Error("This file is not a readable SQLite database."), { name: "NotADatabaseError" });
  const bytes = entry.db.toBytes();
  const name = `${entry.store}.db`;
  if (persistent.mode === "opfs") {
    closePersistent();
    try {
      persistent.pool.deleteFile(name);
      persistent.pool.importFile(name, bytes);
    } finally {
      persistent.dbs = Object.fromEntries(STORES.map((s) => [s, persistent.pool.open(`${s}.db`)]));
    }
  } else {
    persistent.dbs[entry.store].close();
    persistent.dbs[entry.store] = Database.fromBytes(bytes);
  }
  runStartupMigration();
  return persistentSnapshot();
}

function exportPersistent(store) {
  requirePersistent();
  return persistent.dbs[store].toBytes();
}

// ------------------------------------------------------------------------------------------
// Scratch inspection (imported files and scenarios): always an in-memory copy.

const scratch = new Map();
let nextScratch = 1;
let expectedVersions = null;

function expectedVersion(store) {
  if (!expectedVersions) {
    const db = Database.memory();
    try {
      expectedVersions = Object.fromEntries(STORES.map((s) => [s, db.status(s).expectedVersion]));
    } finally {
      db.close();
    }
  }
  return expectedVersions[store];
}

function unreadableStatus(store, reason) {
  return {
    store,
    db: `${store}.db`,
    exists: true,
    userVersion: null,
    expectedVersion: expectedVersion(store),
    state: "unreadable",
    drift: null,
    tables: [],
    error: reason,
  };
}

function inspect(store, label, bytes, source) {
  if (!STORES.includes(store)) throw Object.assign(new Error(`unknown store ${store}`), { name: "UnknownStoreError" });
  const original = new Uint8Array(bytes);
  const entry = { id: nextScratch++, store, label, source, original, db: null };
  let status;
  try {
    entry.db = Database.fromBytes(original);
    status = entry.db.status(store);
  } catch (e) {
    const info = errorInfo(e);
    status = unreadableStatus(store, info.reason ?? info.message);
  }
  for (const old of scratch.values()) old.db?.close();
  scratch.clear();
  scratch.set(entry.id, entry);
  return { id: entry.id, store, label, source, size: original.byteLength, status };
}

function sameBytes(a, b) {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function getScratch(id) {
  const entry = scratch.get(id);
  if (!entry) throw Object.assign(new Error("That file is no longer loaded; load it again."), { name: "ClosedError" });
  return entry;
}

function migrateScratch(id) {
  const entry = getScratch(id);
  if (!entry.db) throw Object.assign(new Error("This file is not a readable SQLite database."), { name: "NotADatabaseError" });
  try {
    const report = entry.db.migrate(entry.store);
    return { report, status: entry.db.status(entry.store) };
  } catch (e) {
    let unchanged = null;
    try {
      unchanged = sameBytes(entry.db.toBytes(), entry.original);
    } catch {
      /* leave unknown */
    }
    return { refused: errorInfo(e), unchanged, status: entry.db.status(entry.store) };
  }
}

function scratchBytes(id) {
  const entry = getScratch(id);
  return entry.db ? entry.db.toBytes() : entry.original.slice();
}

// Built-in scenarios: each yields a .db image, inspected exactly like an imported file.
async function fetchSql(name) {
  const res = await fetch(new URL(`../scenarios/${name}`, import.meta.url));
  if (!res.ok) throw new Error(`could not load scenarios/${name}: HTTP ${res.status}`);
  return res.text();
}

function build(fn) {
  const db = Database.memory();
  try {
    fn(db);
    return db.toBytes();
  } finally {
    db.close();
  }
}

const SCENARIOS = {
  "legacy-v11": {
    label: "v11 pre-flatten objects.db (forge tables, rows)",
    store: "objects",
    async bytes() {
      const sql = await fetchSql("legacy_v11.sql");
      return build((db) => db.exec(sql));
    },
  },
  "flat-v1": {
    label: "stale flat objects.db stamped v1",
    store: "objects",
    async bytes() {
      const sql = await fetchSql("flat_v1.sql");
      return build((db) => db.exec(sql));
    },
  },
  downgrade: {
    label: "downgrade round-trip (both table names present)",
    store: "objects",
    async bytes() {
      const sql = await fetchSql("downgrade.sql");
      return build((db) => {
        db.migrate("objects");
        db.exec(sql);
      });
    },
  },
  "too-new": {
    label: "objects.db stamped v99 by a newer build",
    store: "objects",
    async bytes() {
      return build((db) => {
        db.migrate("objects");
        db.exec("INSERT INTO db_client (oid, data) VALUES ('from-the-future', '{}'); PRAGMA user_version = 99;");
      });
    },
  },
  "pre-v11": {
    label: "unsupported pre-v11 objects.db shape",
    store: "objects",
    async bytes() {
      const sql = await fetchSql("pre_v11.sql");
      return build((db) => db.exec(sql));
    },
  },
  garbage: {
    label: "a file that is not a database",
    store: "objects",
    async bytes() {
      return new TextEncoder().encode("This is a text file, not SQLite.\n".repeat(40));
    },
  },
};

async function scenario(name) {
  const sc = SCENARIOS[name];
  if (!sc) throw new Error(`unknown scenario ${name}`);
  return inspect(sc.store, sc.label, await sc.bytes(), "scenario");
}

// ------------------------------------------------------------------------------------------
// Plumbing

function errorInfo(e) {
  if (!(e instanceof Error)) return { name: "Error", message: String(e) };
  const info = { name: e.name, message: e.message };
  for (const key of Object.keys(e)) {
    const v = e[key];
    info[key] = typeof v === "bigint" ? Number(v) : Array.isArray(v) ? [...v] : v;
  }
  return info;
}

let ready = null;

const OPS = {
  async start({ storage }) {
    if (!ready) {
      ready = (async () => {
        await init();
        await setupPersistent(storage);
      })();
    }
    await ready;
    return persistentSnapshot();
  },
  persistent: () => persistentSnapshot(),
  reset: () => resetPersistent(),
  addRow: () => addSampleRow(),
  exportPersistent: ({ store }) => exportPersistent(store),
  inspect: ({ store, label, bytes }) => inspect(store, label, bytes, "file"),
  scenario: ({ name }) => scenario(name),
  migrate: ({ scratch }) => migrateScratch(scratch),
  adopt: ({ scratch }) => adoptScratch(scratch),
  bytes: ({ scratch }) => scratchBytes(scratch),
};

self.onmessage = async ({ data }) => {
  const { id, op } = data ?? {};
  try {
    if (!OPS[op]) throw new Error(`unknown operation ${op}`);
    const value = await OPS[op](data);
    const transfer = value instanceof Uint8Array ? [value.buffer] : [];
    self.postMessage({ id, ok: true, value }, transfer);
  } catch (e) {
    self.postMessage({ id, ok: false, error: errorInfo(e) });
  }
};
