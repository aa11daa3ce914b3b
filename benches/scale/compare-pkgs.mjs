// Two builds of the package side by side in one run: a browser migrate through OPFS (importStream
// of the File, migrate in place, exportStream; benches/scale/worker.mjs) of one file, alternating
// the builds run by run, each run in a freshly loaded page (a new Worker and wasm module, so the
// module's memory growth is what that migrate needed). Prints the medians per build.
//
//   node benches/scale/compare-pkgs.mjs FILE STORE OLD_PKG_DIR NEW_PKG_DIR [RUNS]
//   e.g. cp -r pkg /tmp/pkg-old; (change, bash scripts/build-pkg.sh);
//        node benches/scale/compare-pkgs.mjs target/scale/1024/objects.db objects /tmp/pkg-old pkg 3
//
// BENCH_BROWSERS=chromium,firefox (the default) picks the browsers; memory is measured as in
// run.mjs (peak rise of the browser's summed RSS, wasm memory growth, Chromium's after-GC rise).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { serve, measured, openBrowser } from "./browser.mjs";

const [file, store, oldPkg, newPkg, runsArg] = process.argv.slice(2);
if (!file || !store || !oldPkg || !newPkg) {
  throw new Error("usage: node benches/scale/compare-pkgs.mjs FILE STORE OLD_PKG_DIR NEW_PKG_DIR [RUNS]");
}
const RUNS = Number(runsArg ?? 3);
const BROWSERS = (process.env.BENCH_BROWSERS ?? "chromium,firefox").split(",");
const builds = { old: resolve(oldPkg), new: resolve(newPkg) };
// BENCH_OPS=import,export measures the migrate's two copies apart (each its own row); the
// default is the whole migrate.
const OPS = (process.env.BENCH_OPS ?? "migrate").split(",");

const median = (xs) => {
  const v = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
  if (!v.length) return undefined;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const f = (x) => (x === undefined ? "—" : x.toFixed(x < 10 ? 2 : 1));

let failed = false;
for (const kind of BROWSERS) {
  const servers = Object.fromEntries(await Promise.all(Object.entries(builds).map(async ([k, dir]) => [k, await serve(dir)])));
  const url = (k) => `http://127.0.0.1:${servers[k].address().port}/benches/scale/page.html`;
  const profile = mkdtempSync(join(tmpdir(), "amux-compare-"));
  const rows = Object.fromEntries(OPS.map((op) => [op, { old: [], new: [] }]));
  let browser;
  try {
    browser = await openBrowser(kind, profile, url("old"));
    for (let i = 0; i < RUNS; i++) {
      // Alternate which build goes first, so drift over the run falls on both.
      for (const k of i % 2 ? ["new", "old"] : ["old", "new"]) {
        await browser.goto(url(k));
        await browser.setFile(resolve(file));
        for (const op of OPS) {
          const { r, riseKiB, afterGcKiB } = await measured(browser, profile, op, store);
          const row = {
            s: r.ms / 1000,
            migrateS: r.migrateMs !== undefined ? r.migrateMs / 1000 : undefined,
            wasmMiB: r.wasmGrowth / 2 ** 20,
            peakMiB: riseKiB / 1024,
            afterGcMiB: afterGcKiB !== undefined ? afterGcKiB / 1024 : undefined,
            error: r.error,
          };
          if (r.error) failed = true;
          rows[op][k].push(row);
          console.error(`${kind} ${k} ${op} run ${i + 1}: ${JSON.stringify(row)}`);
        }
      }
    }
  } finally {
    await browser?.close();
    for (const s of Object.values(servers)) s.close();
    rmSync(profile, { recursive: true, force: true });
  }
  for (const op of OPS) {
    console.log(`\n${kind}: ${op} of ${file} as ${store}, medians of ${RUNS} runs per build`);
    console.log("| build | total s | migrate s | wasm growth MiB | peak RSS rise MiB | after GC MiB |");
    console.log("|---|---|---|---|---|---|");
    for (const k of ["old", "new"]) {
      const col = (key) => f(median(rows[op][k].map((r) => r[key])));
      console.log(`| ${k} (${builds[k]}) | ${col("s")} | ${col("migrateS")} | ${col("wasmMiB")} | ${col("peakMiB")} | ${col("afterGcMiB")} |`);
    }
  }
}
process.exit(failed ? 1 : 0);
