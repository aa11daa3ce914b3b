// Dedicated worker: the three-file data directory in OPFS (sahpool VFS). `fresh` wipes the pool
// and times opening and migrating all three files; `warm` is a new worker on the files a
// previous one left, timing the whole start-up (pool install, opens, tripwire reads).
import init, { installOpfs, migrateAll } from "/pkg/index.js";
import { fastest } from "./cases.mjs";

const STORES = ["objects", "filestore", "sagas"];
const DIR = "amux-bench";

onmessage = async ({ data: mode }) => {
  try {
    let t = performance.now();
    await init();
    const initMs = performance.now() - t;
    t = performance.now();
    const pool = await installOpfs(DIR);
    const installMs = performance.now() - t;
    const openAll = () => Object.fromEntries(STORES.map((s) => [s, pool.open(`${s}.db`)]));
    const closeAll = (dbs) => Object.values(dbs).forEach((d) => d.close());
    const out = { init: initMs, install: installMs };
    if (mode === "fresh") {
      out.datadir_fresh_opfs = fastest(
        20,
        () => {
          const dbs = openAll();
          const reports = migrateAll(dbs.objects, dbs.filestore, dbs.sagas);
          if (!reports.every((r) => r.outcome === "created")) throw new Error("expected three new stores");
          closeAll(dbs);
        },
        () => pool.wipe(),
      );
      closeAll((() => { const d = openAll(); migrateAll(d.objects, d.filestore, d.sagas); return d; })()); // leave a current data dir
    } else {
      t = performance.now();
      const dbs = openAll();
      const reports = migrateAll(dbs.objects, dbs.filestore, dbs.sagas);
      out.datadir_warm_opfs_first = performance.now() - t + installMs;
      if (!reports.every((r) => r.fromVersion === r.toVersion)) throw new Error("expected a current data dir");
      closeAll(dbs);
      out.datadir_warm_opfs = fastest(50, () => {
        const d = openAll();
        migrateAll(d.objects, d.filestore, d.sagas);
        closeAll(d);
      });
    }
    postMessage({ ok: true, out });
  } catch (e) {
    postMessage({ ok: false, error: `${e.name}: ${e.message}` });
  }
};
