// Shared by the npm consumer tests: the packed tarball installed into a throwaway app, a static
// file server, and headless Chromium (Debian's, driven by playwright-core; never a downloaded one).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const tools = path.join(root, "tools", "node_modules");
export const here = fileURLToPath(new URL(".", import.meta.url));
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
const chromiumArgs = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
];

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...opts });
  return { code: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}`, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/**
 * `npm pack` of pkg/, installed into a new ESM app directory: `{ app, tarball, dir }`, `dir`
 * being the installed package. `remove()` deletes it (unless KEEP_CONSUMER_APP is set).
 */
export function consumerApp(prefix = "amux-consumer-") {
  const app = mkdtempSync(path.join(tmpdir(), prefix));
  const packed = execFileSync("npm", ["pack", path.join(root, "pkg"), "--pack-destination", app, "--json"], {
    encoding: "utf8",
  });
  const tarball = path.join(app, JSON.parse(packed)[0].filename);
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball], { cwd: app });
  return {
    app,
    tarball,
    dir: path.join(app, "node_modules/agentmux-schema"),
    remove: () => process.env.KEEP_CONSUMER_APP || rmSync(app, { recursive: true, force: true }),
  };
}

/** Fenced blocks of one language from a README, with the name their first line gives (`// worker.js: …`). */
export function readmeBlocks(readme, lang) {
  return [...readme.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => ({
    code: m[1],
    file: m[1].match(/^\/\/ ([\w.-]+\.[cm]?[jt]s)\b/)?.[1] ?? null,
  }));
}

/** A static file server on 127.0.0.1 (an ephemeral port) for `dir`. */
export function serve(dir) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (rel === "/favicon.ico") return res.writeHead(204).end(); // browsers ask; not an error
    const file = path.join(dir, rel === "/" ? "index.html" : rel);
    if (!file.startsWith(dir)) return res.writeHead(403).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() })),
  );
}

/**
 * A headless Chromium with a fresh profile (so OPFS starts empty and persists across reloads
 * within it): `{ context, newPage(), errors, close() }`. `errors` collects console errors, page
 * errors, worker errors and failed requests of every page.
 */
export async function chromium() {
  const { chromium: launcher } = await import(pathToFileURL(path.join(tools, "playwright-core/index.mjs")));
  const profile = mkdtempSync(path.join(tmpdir(), "amux-chromium-"));
  const context = await launcher.launchPersistentContext(profile, { executablePath: chromiumPath, args: chromiumArgs });
  const errors = [];
  const watch = (page) => {
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
    page.on("response", (r) => r.status() >= 400 && errors.push(`${r.status()}: ${r.url()}`));
    page.on("worker", (w) => w.on("console", (m) => m.type() === "error" && errors.push(`worker: ${m.text()}`)));
  };
  context.on("page", watch);
  return {
    context,
    errors,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Open `url` in a fresh headless Chromium, run `body(page)`, and collect console and page errors. */
export async function inChromium(url, body) {
  const browser = await chromium();
  try {
    const page = await browser.newPage();
    await page.goto(url);
    const text = await body(page);
    return { errors: browser.errors, text };
  } finally {
    await browser.close();
  }
}
