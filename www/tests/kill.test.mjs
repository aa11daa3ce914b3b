// A migration killed mid-way, in Chromium (Playwright) and Firefox (geckodriver over WebDriver,
// ./firefox.mjs): a legacy objects.db made by the scale generator is streamed into the OPFS
// pool, migrated in a dedicated Worker, and that Worker is terminated at several moments of the
// migration; then the browser itself is killed (SIGKILL) at three moments and started again on the
// same profile. Each time a fresh Worker exports the file before anything opens it (exportFile,
// or exportStream every other time): the bytes
// must be exactly the old file or exactly the fully migrated one (SHA-256), pass
// integrity_check, and leave no journal behind. KILL_MIB sets the file's size (default 24);
// KILL_BROWSERS=chromium (or firefox) runs one browser.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM } from "./helpers.mjs";
import { launchFirefox } from "./firefox.mjs";

const WWW = fileURLToPath(new URL("..", import.meta.url));
const ROOT = join(WWW, "..");
const MIB = Number(process.env.KILL_MIB ?? 24);
// Fractions of the uninterrupted migration's time at which the Worker is terminated.
const KILL_AT = [0, 0.1, 0.3, 0.5, 0.7, 0.9];
const BROWSER_KILL_AT = [0.2, 0.5, 0.8];

let tmp, server, url, oldHash;

/** The generator's file: the release build if one is there, else the debug one (built here if
 * `cargo test` has not built it yet). */
function generate(path) {
  let gen = join(ROOT, "target/release/examples/scale-gen");
  if (!existsSync(gen)) {
    gen = join(ROOT, "target/debug/examples/scale-gen");
    if (!existsSync(gen)) execFileSync("cargo", ["build", "--quiet", "--example", "scale-gen"], { cwd: ROOT, stdio: "inherit" });
  }
  execFileSync(gen, ["objects", String(MIB), path], { stdio: "ignore" });
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "amux-kill-"));
  const old = join(tmp, "old.db");
  generate(old);
  // The generator writes a WAL-mode file; the OPFS pool keeps files in rollback-journal mode (no
  // shared memory there), its import setting header bytes 18-19 (write and read version) to 1.
  // Making that change here first gives an old file the import stores byte for byte.
  const bytes = readFileSync(old);
  bytes[18] = bytes[19] = 1;
  writeFileSync(old, bytes);
  oldHash = createHash("sha256").update(bytes).digest("hex");
  const MIME = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };
  const routes = [
    ["/pkg/", join(WWW, "node_modules/agentmux-schema/")],
    ["/kill/", join(WWW, "tests/kill/")],
  ];
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let file = path === "/old.db" ? old : null;
    for (const [prefix, dir] of routes) if (path.startsWith(prefix) && !path.includes("..")) file = join(dir, path.slice(prefix.length));
    if (!file || !existsSync(file) || !statSync(file).isFile()) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream", "content-length": statSync(file).size, "cache-control": "no-store" });
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${server.address().port}`;
});

after(async () => {
  await new Promise((r) => (server ? server.close(r) : r()));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The pids of the browser whose command line names `profile` (its main process and children). */
function browserPids(profile) {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(profile);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"];

/** A browser on a kept profile, with the kill page open; `call(name, ...args)` runs window[name]. */
const BROWSERS = {
  async chromium(profile) {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${url}/kill/page.html`);
    await page.waitForSelector("body[data-ready]", { state: "attached", timeout: 30_000 });
    return {
      call: (name, ...args) => page.evaluate(([n, a]) => window[n](...a), [name, args]),
      close: () => context.close().catch(() => {}),
    };
  },
  async firefox(profile) {
    const ff = await launchFirefox({ profile });
    await ff.goto(`${url}/kill/page.html`);
    await ff.waitFor(() => document.body.dataset.ready === "1", { timeout: 30_000 });
    return { call: (name, ...args) => ff.evaluate((n, a) => window[n](...a), name, args), close: () => ff.close() };
  },
};

/** Where a kill landed: the old file back (the migration's transaction had not committed), or a
 * journal found beside the file before the export settled it, means it landed mid-migration. */
function outcome(r) {
  const journal = r.namesBefore.includes("objects.db-journal");
  const old = r.sha256 === imported_.sha256;
  return { midway: old || journal, text: `${old ? "old" : "migrated"}${journal ? " (journal left)" : ""}` };
}
let imported_;

/** What every export after a kill must be: `old` and `migrated` are the exports of the file as
 * imported and as fully migrated. */
function assertSettled(r, old, migrated, label) {
  assert.ok(r.sha256 === old.sha256 || r.sha256 === migrated.sha256, `${label}: the export is neither the old file nor the migrated one (${r.sha256})`);
  assert.equal(r.integrity, "ok", `${label}: integrity_check`);
  assert.deepEqual(r.namesAfter, ["objects.db"], `${label}: a sidecar was left after the export`);
  assert.equal(r.userVersion, r.sha256 === old.sha256 ? old.userVersion : migrated.userVersion, `${label}: user_version`);
}

for (const name of (process.env.KILL_BROWSERS ?? "chromium,firefox").split(",")) {
  describe(`a killed migration in ${name}`, () => {
    let profile, browser, imported, migrated;

    before(async () => {
      profile = mkdtempSync(join(tmpdir(), `amux-kill-${name}-`));
      browser = await BROWSERS[name](profile);
    });
    after(async () => {
      await browser?.close();
      if (profile) rmSync(profile, { recursive: true, force: true });
    });

    test("the streamed import is the old file, byte for byte; an uninterrupted migration gives the migrated one", async () => {
      imported = imported_ = await browser.call("prepare", `${url}/old.db`);
      assert.equal(imported.sha256, oldHash, "the pool holds the old file's bytes");
      assert.equal(imported.integrity, "ok");
      const full = await browser.call("killAfter", `${url}/old.db`, -1);
      assert.ok(full.finishedBeforeKill);
      assert.equal(full.integrity, "ok");
      assert.ok(full.userVersion > imported.userVersion, `migrated: user_version ${full.userVersion}`);
      assert.notEqual(full.sha256, oldHash);
      // The same migration again gives the same bytes: "exactly the migrated file" is one file.
      assert.equal((await browser.call("killAfter", `${url}/old.db`, -1)).sha256, full.sha256);
      migrated = full;
    });

    test("a Worker terminated during the migration leaves exactly the old or the migrated file", async () => {
      assert.ok(migrated, "needs the previous test");
      const runs = [];
      for (const [i, f] of KILL_AT.entries()) {
        const delay = Math.round(f * migrated.migrateMs);
        // Every other kill is exported by the streamed export, which settles a journal the same way.
        const r = await browser.call("killAfter", `${url}/old.db`, delay, i % 2 === 1);
        assertSettled(r, imported, migrated, `${name}, Worker terminated after ${delay} ms`);
        runs.push({ delay, ...outcome(r) });
      }
      const midway = runs.filter((r) => r.midway).length;
      console.log(`${name}: migration ${migrated.migrateMs.toFixed(0)} ms; Worker terminated after ${runs.map((r) => `${r.delay} ms → ${r.text}`).join(", ")}; ${midway} of ${runs.length} landed mid-way`);
      // Firefox stops the Worker's wasm at once. Chromium lets a Worker still running script go on
      // for 2 s after terminate() (Blink's kForcibleTerminationDelay in worker_thread.cc), so a
      // migration shorter than that always completes there; the browser kill below cuts it.
      if (name === "firefox") assert.ok(midway >= 1, "no termination landed mid-migration");
    });

    test("a browser killed (SIGKILL) during the migration and started again leaves exactly the old or the migrated file", async () => {
      assert.ok(migrated, "needs the first test");
      const runs = [];
      for (const [i, f] of BROWSER_KILL_AT.entries()) {
        const delay = Math.round(f * migrated.migrateMs);
        await browser.call("startMigration", `${url}/old.db`);
        await new Promise((r) => setTimeout(r, delay));
        const pids = browserPids(profile);
        assert.ok(pids.length > 0, "the browser's processes");
        for (const pid of pids) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone with its parent
          }
        }
        await browser.close();
        browser = await BROWSERS[name](profile);
        const r = await browser.call("inspect", i % 2 === 1);
        assertSettled(r, imported, migrated, `${name}, browser killed after ${delay} ms`);
        runs.push({ delay, ...outcome(r) });
      }
      const midway = runs.filter((r) => r.midway).length;
      console.log(`${name}: browser killed after ${runs.map((r) => `${r.delay} ms → ${r.text}`).join(", ")}; ${midway} of ${runs.length} landed mid-way`);
      assert.ok(midway >= 1, "no browser kill landed mid-migration");
    });
  });
}
