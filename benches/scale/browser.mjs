// The browser plumbing of the scale benchmarks (run.mjs, compare-pkgs.mjs): a static server for
// the benchmark page and a package directory, the summed RSS of one browser's processes, and the
// page driven in headless Chromium (playwright-core over Debian's chromium) or Firefox
// (firefox-esr under geckodriver: www/tests/firefox.mjs).
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const { chromium } = await import(join(ROOT, "www/node_modules/playwright-core/index.mjs"));
const { launchFirefox } = await import(join(ROOT, "www/tests/firefox.mjs"));

/** Serve benches/scale/ and, under /pkg/, the package in `pkgDir` (default: the committed pkg/),
 * on a free local port. */
export function serve(pkgDir = join(ROOT, "pkg")) {
  const MIME = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = path.startsWith("/pkg/")
      ? join(pkgDir, path.slice("/pkg/".length))
      : path.startsWith("/benches/scale/")
        ? join(ROOT, path)
        : undefined;
    if (!file || path.includes("..") || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    createReadStream(file).pipe(res);
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r(server)));
}

/** Summed RSS (KiB) of the browser started with `profile` and all its descendants (other
 * Chromiums on the machine are not counted). */
export function browserRss(profile) {
  const parent = new Map();
  const roots = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      parent.set(pid, stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(profile)) roots.push(pid);
    } catch {
      // gone
    }
  }
  const inTree = (pid) => {
    for (let p = pid, n = 0; p && p !== "0" && n < 64; p = parent.get(p), n++) if (roots.includes(p)) return true;
    return false;
  };
  let total = 0;
  for (const pid of parent.keys()) {
    if (!inTree(pid)) continue;
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) total += Number(m[1]);
    } catch {
      // gone
    }
  }
  return total;
}

/** The benchmark page in a browser on `profile`: setFile(path) and op(op, store). */
/** The benchmark page in a browser on `profile`: goto(url) loads it (a fresh Worker and module),
 * setFile(path) picks a file, op(op, store) runs one operation in the Worker. */
export async function openBrowser(kind, profile, pageUrl) {
  if (kind === "chromium") {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      headless: true,
      // --expose-gc: the "gc" op (a full collection after each operation) for the retained figure.
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--js-flags=--expose-gc"],
    });
    const page = await context.newPage();
    const goto = async (url) => {
      await page.goto(url);
      await page.waitForSelector("body[data-ready]", { state: "attached", timeout: 60_000 });
    };
    await goto(pageUrl);
    return {
      goto,
      setFile: (path) => page.setInputFiles("#file", path),
      op: (op, store) => page.evaluate(([op, store]) => window.op(op, store), [op, store]),
      close: () => context.close(),
    };
  }
  const ff = await launchFirefox({ profile });
  const goto = async (url) => {
    await ff.goto(url);
    await ff.waitFor(() => document.body.dataset.ready === "1", { timeout: 60_000 });
  };
  await goto(pageUrl);
  return {
    goto,
    setFile: (path) => ff.setInputFiles("#file", path),
    op: (op, store) => ff.evaluate((op, store) => window.op(op, store), op, store),
    close: () => ff.close(),
  };
}

/** Run `op` on `store` in the page, with what it cost: the browser's peak RSS rise over its
 * value just before (KiB, sampled every 50 ms), and the rise still there after a full GC in the
 * Worker (KiB; Chromium only, started with --expose-gc: Firefox exposes no gc()). */
export async function measured(browser, profile, op, store) {
  const base = browserRss(profile);
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, browserRss(profile))), 50);
  let r;
  try {
    r = await browser.op(op, store);
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, browserRss(profile));
  const gc = await browser.op("gc", store);
  return { r, base, riseKiB: peak - base, afterGcKiB: gc.collected ? browserRss(profile) - base : undefined };
}
