// The WebAssembly benchmark: the built pkg/ under Node and in headless Chromium (Debian's, driven
// by playwright-core), each case beside the native in-memory figure from the same run.
//
//   node benches/wasm/run.mjs            (what scripts/bench-wasm.sh runs)
//
// The in-memory cases run in ROUNDS rounds (default 3), each round timing native
// (`cargo bench --bench native_memory`, which also writes the v11 image), Node and Chromium one
// after the other; every "fastest" figure is the fastest over all rounds, so a burst of load from
// other processes on a shared machine hits all three sides alike or is outvoted, and every
// "median" figure is the median over the rounds of each round's median after warm-up.
// AMUX_PKG=dir benchmarks another build of the package instead of pkg/ (to compare build options).
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { memoryCases } from "./cases.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PKG = process.env.AMUX_PKG ? normalize(process.env.AMUX_PKG + "/") : join(ROOT, "pkg/");
const { chromium } = await import(join(ROOT, "www/node_modules/playwright-core/index.mjs"));
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const BENCH_DIR = join(ROOT, "target/bench-wasm");
const runNative = () =>
  JSON.parse(
    execFileSync("cargo", ["bench", "--quiet", "--bench", "native_memory"], {
      cwd: ROOT,
      env: { ...process.env, AMUX_BENCH_DIR: BENCH_DIR },
      stdio: ["ignore", "pipe", "inherit"],
    }).toString(),
  );
/** Keep the smaller figure of each key; a median key (`*_median`) keeps every round's figure. */
const fastestOf = (a, b) =>
  Object.fromEntries(
    Object.keys(b).map((k) =>
      k.endsWith("_median") ? [k, [].concat(a?.[k] ?? [], b[k])] : [k, Math.min(a?.[k] ?? Infinity, b[k])],
    ),
  );
/** The median of the rounds' medians. */
const mid = (x) => (Array.isArray(x) ? [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)] : x);

let native = fastestOf(undefined, runNative()); // also writes the image the wasm side adopts
const image = new Uint8Array(readFileSync(join(BENCH_DIR, "legacy_v11_200.db")));

// ---- Node
const pkg = await import(join(PKG, "agentmux_schema.js"));
const bytes = readFileSync(join(PKG, "agentmux_schema_bg.wasm"));
let t = performance.now();
pkg.initSync({ module: bytes });
const nodeInit = performance.now() - t;
let node = fastestOf(undefined, memoryCases(pkg, image));

// ---- Chromium: a static server over the repo (pkg/, benches/wasm/, the image), cross-origin
// isolated so performance.now() has its fine resolution.
const TYPES = { ".js": "text/javascript", ".mjs": "text/javascript", ".html": "text/html", ".wasm": "application/wasm" };
const server = createServer((req, res) => {
  const url = decodeURIComponent(new URL(req.url, "http://x").pathname);
  const path = url.startsWith("/pkg/") ? normalize(join(PKG, url.slice(5))) : normalize(join(ROOT, url));
  if (!path.startsWith(ROOT) && !path.startsWith(PKG)) return res.writeHead(403).end();
  try {
    const body = readFileSync(path);
    res.writeHead(200, {
      "content-type": TYPES[extname(path)] ?? "application/octet-stream",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
      "cache-control": "no-store",
    });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const profile = mkdtempSync(join(tmpdir(), "amux-bench-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
let browser;
try {
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("pageerror:", e.message));
  await page.goto(`http://127.0.0.1:${server.address().port}/benches/wasm/page.html`);
  await page.waitForFunction(() => typeof window.runBench === "function");
  browser = fastestOf(undefined, await page.evaluate(() => window.runBench()));
  for (let round = 1; round < ROUNDS; round++) {
    native = fastestOf(native, runNative());
    node = fastestOf(node, memoryCases(pkg, image));
    browser = { ...browser, ...fastestOf(browser, await page.evaluate(() => window.memoryRound())) };
  }
  node.init = nodeInit;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  server.close();
}

// ---- Report
const { gzipSync } = await import("node:zlib");
console.log(`${join(PKG, "agentmux_schema_bg.wasm")}: ${bytes.length} B, zlib level 9: ${gzipSync(bytes, { level: 9 }).length} B`);
const f = (x) => (x === undefined ? "" : x.toFixed(3));
const r = (a, b) => (a === undefined || b === undefined ? "" : (a / b).toFixed(2) + "x");
const rows = [
  ["init() (fetch/compile/instantiate)", browser.init, node.init, undefined],
  ["fresh objects.db, in memory", browser.fresh_memory, node.fresh_memory, native.fresh_memory],
  ["v11 adoption from an image, 200 agents", browser.adopt_v11_200, node.adopt_v11_200, native.adopt_v11_200],
  ["fresh objects.db, median after warm-up", mid(browser.fresh_memory_median), mid(node.fresh_memory_median), mid(native.fresh_memory_median)],
  ["v11 adoption, median after warm-up", mid(browser.adopt_v11_200_median), mid(node.adopt_v11_200_median), mid(native.adopt_v11_200_median)],
  ["data dir fresh, OPFS worker (vs memory)", browser.datadir_fresh_opfs, undefined, native.datadir_fresh_memory],
  ["data dir warm, OPFS worker (vs memory)", browser.datadir_warm_opfs, undefined, native.datadir_warm_memory],
  ["data dir warm, 1st start incl. pool install", browser.datadir_warm_opfs_first, undefined, native.datadir_warm_memory],
  ["init() in the worker", browser.worker_init, undefined, undefined],
  ["OPFS pool install (fresh dir)", browser.opfs_install, undefined, undefined],
];
console.log(`\n${"case (fastest of N, ms)".padEnd(46)} ${"chromium".padStart(9)} ${"node".padStart(9)} ${"native".padStart(9)}  ${"chr/nat".padStart(7)} ${"node/nat".padStart(8)}`);
for (const [label, b, n, nat] of rows) {
  console.log(`${label.padEnd(46)} ${f(b).padStart(9)} ${f(n).padStart(9)} ${f(nat).padStart(9)}  ${r(b, nat).padStart(7)} ${r(n, nat).padStart(8)}`);
}
console.log(`\nnative, for context: data dir as files on disk: fresh ${f(native.datadir_fresh_files)} ms, warm ${f(native.datadir_warm_files)} ms`);
