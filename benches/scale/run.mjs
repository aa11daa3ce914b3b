// The scale benchmark: time and peak memory of status and migrate, side by side in one run, for
// the native CLI, the package under Node and the package in headless Chromium and Firefox, on generated
// files (benches/scale/generate.rs) of each size given in MiB. What `scripts/bench-scale.sh` runs.
//
//   node benches/scale/run.mjs 10 400 1024 3072
//
// Each size gets a legacy v11 objects.db and a public-server-era filestore.db of that size, made
// once by the release `scale-gen` example into SCALE_DIR (default target/scale) and reused.
// * native: `agentmux-schema status DIR` and `migrate DIR` on a copy (the copy is not timed);
//   peak RSS from /usr/bin/time.
// * Node: statusOfFile(path) (reads pages in place), and migrate as Node can: fromBytes of the
//   file read whole, migrate, toBytes, write; one process per operation, peak RSS from
//   /usr/bin/time.
// * Chromium: statusOfFile(File) in a Worker, and migrate through OPFS: importStream of the File,
//   migrate in place, exportStream into an OPFS file. Peak memory: the largest rise, over its
//   value just before the operation, of the summed RSS of every Chromium process (sampled every
//   50 ms from /proc); also the growth of the module's wasm memory over the call, and (Chromium,
//   run with --expose-gc) the rise still there after a full GC in the Worker.
// * Firefox (firefox-esr under geckodriver, driven over WebDriver: www/tests/firefox.mjs): the
//   same page, worker and measures. BENCH_BROWSERS=chromium (or firefox) runs one browser.
// Times are one run each (a 3 GiB file is not rerun); the JSON and a Markdown table are printed.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCALE_DIR = process.env.SCALE_DIR ?? join(ROOT, "target/scale");
// BENCH_PROFILE=debug uses the debug builds `cargo test` leaves (CI's small run; not for figures).
const PROFILE = process.env.BENCH_PROFILE ?? "release";
const CLI = join(ROOT, `target/${PROFILE}/agentmux-schema`);
const GEN = join(ROOT, `target/${PROFILE}/examples/scale-gen`);
const sizes = process.argv.slice(2).map(Number);
if (!sizes.length || sizes.some((s) => !(s > 0))) throw new Error("usage: node benches/scale/run.mjs <MiB>...");
const { serve, measured, openBrowser } = await import(join(ROOT, "benches/scale/browser.mjs"));
const BROWSERS = (process.env.BENCH_BROWSERS ?? "chromium,firefox").split(",");
const KINDS = [
  ["objects", "objects.db"],
  ["filestore", "filestore.db"],
];

/** Run `cmd args` under /usr/bin/time: its stdout, wall seconds and peak RSS in MiB. */
function timed(cmd, args) {
  const r = spawnSync("/usr/bin/time", ["-f", "TIME %e %M", cmd, ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  const m = /TIME ([\d.]+) (\d+)\s*$/.exec(r.stderr);
  if (!m) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr.slice(-500)}`);
  return { stdout: r.stdout, status: r.status, s: Number(m[1]), rssMiB: Number(m[2]) / 1024 };
}

function generate(size) {
  const dir = join(SCALE_DIR, `${size}`);
  mkdirSync(dir, { recursive: true });
  for (const [kind, name] of KINDS) {
    if (!existsSync(join(dir, name))) execFileSync(GEN, [kind, String(size), join(dir, name)], { stdio: "inherit" });
  }
  return dir;
}

// ---- native CLI
function native(dir) {
  const out = {};
  const st = timed(CLI, ["status", dir]);
  out.status = { s: st.s, rssMiB: st.rssMiB, ok: st.status === 0 || st.status === 1 || st.status === 2 };
  const work = mkdtempSync(join(dir, "..", "native-"));
  for (const [, name] of KINDS) copyFileSync(join(dir, name), join(work, name));
  const mg = timed(CLI, ["migrate", work]);
  out.migrate = { s: mg.s, rssMiB: mg.rssMiB, ok: mg.status === 0, detail: mg.status === 0 ? undefined : mg.stdout.slice(-300) };
  rmSync(work, { recursive: true, force: true });
  return out;
}

// ---- Node
function node(dir) {
  const out = { status: {}, migrate: {} };
  for (const [store, name] of KINDS) {
    for (const op of ["status", "migrate"]) {
      const target = join(dir, "..", `node-out-${name}`);
      const r = timed(process.execPath, [join(ROOT, "benches/scale/node-op.mjs"), op, join(dir, name), store, target]);
      rmSync(target, { force: true });
      const res = JSON.parse(r.stdout.trim().split("\n").pop());
      out[op][store] = { s: res.ms !== undefined ? res.ms / 1000 : null, rssMiB: r.rssMiB, error: res.error };
    }
  }
  return out;
}

// ---- browsers (benches/scale/browser.mjs)
async function browserRun(kind, dirs) {
  const server = await serve();
  const profile = mkdtempSync(join(tmpdir(), "amux-scale-"));
  const results = {};
  let browser;
  try {
    browser = await openBrowser(kind, profile, `http://127.0.0.1:${server.address().port}/benches/scale/page.html`);
    for (const [size, dir] of dirs) {
      results[size] = { status: {}, migrate: {} };
      for (const [store, name] of KINDS) {
        await browser.setFile(join(dir, name));
        for (const op of ["status", "migrate"]) {
          const { r, base, riseKiB, afterGcKiB } = await measured(browser, profile, op, store);
          results[size][op][store] = {
            s: r.ms !== undefined ? r.ms / 1000 : null,
            parts: r.importMs !== undefined ? { importS: r.importMs / 1000, migrateS: r.migrateMs / 1000, exportS: r.exportMs / 1000 } : undefined,
            rssRiseMiB: riseKiB / 1024,
            baseMiB: base / 1024,
            wasmGrowthMiB: r.wasmGrowth !== undefined ? r.wasmGrowth / 2 ** 20 : undefined,
            retainedAfterGcMiB: afterGcKiB !== undefined ? afterGcKiB / 1024 : undefined,
            error: r.error,
          };
        }
      }
    }
  } finally {
    await browser?.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return results;
}

// ---- run
const dirs = sizes.map((s) => [s, generate(s)]);
const all = {};
for (const [size, dir] of dirs) all[size] = { bytes: Object.fromEntries(KINDS.map(([s, n]) => [s, statSync(join(dir, n)).size])), native: native(dir), node: node(dir) };
for (const kind of BROWSERS) {
  const res = await browserRun(kind, dirs);
  for (const [size] of dirs) all[size][kind] = res[size];
}
console.log(JSON.stringify(all, null, 1));

const f = (x) => (x === null || x === undefined ? "—" : x < 10 ? x.toFixed(2) : x.toFixed(1));
const cell = (r, mem) => (r.error ? `refused: ${r.error.slice(0, 60)}` : `${f(r.s)} s, ${f(r[mem])} MiB`);
const NAMES = { chromium: "Chromium", firefox: "Firefox" };
const lines = [
  `| size (each file) | operation | native CLI, both files (peak RSS) | Node: objects.db (peak RSS) | Node: filestore.db (peak RSS) | ${BROWSERS.map((b) => `${NAMES[b]}: objects.db (RSS rise) | ${NAMES[b]}: filestore.db (RSS rise)`).join(" | ")} |`,
  `|---|---|---|---|---|${BROWSERS.map(() => "---|---|").join("")}`,
];
for (const [size] of dirs) {
  const a = all[size];
  for (const op of ["status", "migrate"]) {
    lines.push(
      `| ${size} MiB | ${op} | ${f(a.native[op].s)} s, ${f(a.native[op].rssMiB)} MiB | ${cell(a.node[op].objects, "rssMiB")} | ${cell(a.node[op].filestore, "rssMiB")} | ${BROWSERS.map((b) => `${cell(a[b][op].objects, "rssRiseMiB")} | ${cell(a[b][op].filestore, "rssRiseMiB")}`).join(" | ")} |`,
    );
  }
}
console.log(lines.join("\n"));
// What status itself holds in the module's heap, next to the browser's RSS rise above.
for (const b of BROWSERS) {
  const g = dirs.map(([size]) => `${size} MiB ${KINDS.map(([s]) => `${s} +${f(all[size][b].status[s].wasmGrowthMiB)}`).join(", ")}`);
  console.log(`${NAMES[b]}: wasm memory growth over statusOfFile (MiB): ${g.join("; ")}`);
  // Migrate (import, migrate, export): the module's heap growth, and the browser's RSS rise that
  // is still there after a full GC (Chromium), beside the peak rise in the table.
  const m = dirs.map(
    ([size]) =>
      `${size} MiB ${KINDS.map(([s]) => {
        const r = all[size][b].migrate[s];
        return `${s} wasm +${f(r.wasmGrowthMiB)}, peak +${f(r.rssRiseMiB)}, after GC +${f(r.retainedAfterGcMiB)}`;
      }).join("; ")}`,
  );
  console.log(`${NAMES[b]}: migrate memory (MiB): ${m.join(" | ")}`);
}

// Every operation must have worked, but one: Node's migrate reads the whole file into a Buffer,
// which stops at 2 GiB (the README says so, and points Node users to the CLI).
const failures = [];
for (const [size] of dirs) {
  const a = all[size];
  for (const op of ["status", "migrate"]) {
    if (!a.native[op].ok) failures.push(`native ${op} at ${size} MiB`);
    for (const [store] of KINDS) {
      for (const b of BROWSERS) if (a[b][op][store].error) failures.push(`${b} ${op} ${store} at ${size} MiB: ${a[b][op][store].error}`);
      if (a.node[op][store].error && !(op === "migrate" && a.bytes[store] >= 2 ** 31)) failures.push(`node ${op} ${store} at ${size} MiB: ${a.node[op][store].error}`);
    }
  }
}
if (failures.length) {
  console.error(`scale benchmark: ${failures.length} operation(s) failed:\n${failures.join("\n")}`);
  process.exit(1);
}
