// A migration killed mid-way, in Chromium (Playwright) and Firefox (geckodriver over WebDriver,
// ./firefox.mjs): a legacy objects.db made by the scale generator is streamed into the OPFS
// pool and migrated in a dedicated Worker, which is stopped at several moments of the migration
// in four ways (KINDS below): its Worker terminated, its tab closed, the browser closed normally,
// the browser killed (SIGKILL); after the last two the browser starts again on the same profile.
// Each time a fresh Worker exports the file before anything opens it (exportFile, or exportStream
// every other time): the bytes must be exactly the old file or exactly the fully migrated one
// (SHA-256), pass integrity_check, and leave no journal behind. KILL_MIB sets the file's size
// (default 24); KILL_BROWSERS=chromium (or firefox) runs one browser; KILL_KINDS=tab,SIGKILL
// (words of the kinds' names) runs some kinds; KILL_AT=0.1,0.2 replaces the kinds' moments.
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
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A browser on a kept profile, with the kill page open in its first tab: `call(name, ...args)`
 * runs window[name] there, `openTab()` opens the kill page in a new tab (with its own `call` and
 * `close`), and `close()` closes the browser normally (Chromium: CDP `Browser.close`; Firefox:
 * WebDriver's delete session, which quits it). */
const BROWSERS = {
  async chromium(profile) {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    const open = async (page) => {
      await page.goto(`${url}/kill/page.html`);
      await page.waitForSelector("body[data-ready]", { state: "attached", timeout: 30_000 });
      return {
        call: (name, ...args) => page.evaluate(([n, a]) => window[n](...a), [name, args]),
        close: () => page.close(),
      };
    };
    const main = await open(context.pages()[0] ?? (await context.newPage()));
    return {
      call: main.call,
      openTab: async () => open(await context.newPage()),
      close: () => context.close().catch(() => {}),
    };
  },
  async firefox(profile) {
    const ff = await launchFirefox({ profile });
    // WebDriver drives one tab at a time: each call switches to its tab first.
    const mainHandle = await ff.windowHandle();
    let current = mainHandle;
    const on = async (handle) => {
      if (current !== handle) await ff.switchTo(handle);
      current = handle;
    };
    const open = async (handle) => {
      await on(handle);
      await ff.goto(`${url}/kill/page.html`);
      await ff.waitFor(() => document.body.dataset.ready === "1", { timeout: 30_000 });
      return {
        call: async (name, ...args) => {
          await on(handle);
          return ff.evaluate((n, a) => window[n](...a), name, args);
        },
        close: async () => {
          await on(handle);
          await ff.closeTab();
          // Every command, opening a tab too, needs a current tab that exists.
          await ff.switchTo(mainHandle);
          current = mainHandle;
        },
      };
    };
    const main = await open(mainHandle);
    return { call: main.call, openTab: async () => open(await ff.newTab()), close: () => ff.close() };
  },
};

/** Where a kill landed, from what the fresh Worker found before its export settled the pool: a
 * journal beside the file (the kill came mid-way, between the migration's first write and its
 * commit), the migrated file (after the commit), or the old file with no journal (the kill came
 * before the first write, or SQLite rolled its journal back itself). */
function landing(r, old) {
  if (r.namesBefore.includes("objects.db-journal")) return `mid-way (journal left, ${r.sha256 === old.sha256 ? "old" : "migrated"} file exported)`;
  return r.sha256 === old.sha256 ? "old, no journal" : "migrated";
}

/** What every export after a kill must be: `old` and `migrated` are the exports of the file as
 * imported and as fully migrated. */
function assertSettled(r, old, migrated, label) {
  assert.ok(r.sha256 === old.sha256 || r.sha256 === migrated.sha256, `${label}: the export is neither the old file nor the migrated one (${r.sha256})`);
  assert.equal(r.integrity, "ok", `${label}: integrity_check`);
  assert.deepEqual(r.namesAfter, ["objects.db"], `${label}: a sidecar was left after the export`);
  assert.equal(r.userVersion, r.sha256 === old.sha256 ? old.userVersion : migrated.userVersion, `${label}: user_version`);
}

/** SIGKILL every process of the browser on `profile`. */
function sigkill(profile) {
  const pids = browserPids(profile);
  assert.ok(pids.length > 0, "the browser's processes");
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone with its parent
    }
  }
}

/**
 * The kinds of kill. Each `run(s, delay, stream)` starts a migration of the imported file, kills
 * it `delay` ms after the migration began, and returns what a fresh Worker then exports from the
 * pool (by exportStream if `stream`); `s` holds the browser (replaced when it was restarted) and
 * its profile. `at`: the fractions of the uninterrupted migration's time at which it kills.
 * `midway(name)`: whether at least one kill must land mid-migration in that browser.
 */
const KINDS = [
  {
    what: "Worker terminated",
    at: [0, 0.1, 0.3, 0.5, 0.7, 0.9],
    // Firefox stops the Worker's wasm at once. Chromium lets a Worker still running script go on
    // for 2 s after terminate() (Blink's kForcibleTerminationDelay in worker_thread.cc), so a
    // migration shorter than that always completes there.
    midway: (name) => name === "firefox",
    // Timed in the page: the page starts the migration, terminates its Worker and inspects.
    run: (s, delay, stream) => s.browser.call("killAfter", `${url}/old.db`, delay, stream),
  },
  {
    what: "tab closed",
    at: [0.3, 0.5, 0.7],
    midway: () => true,
    async run(s, delay, stream) {
      const tab = await s.browser.openTab();
      await tab.call("startMigration", `${url}/old.db`);
      await sleep(delay);
      await tab.close();
      // A page of the same origin opened afterwards, as a user reopening the app would.
      const fresh = await s.browser.openTab();
      try {
        return await fresh.call("inspect", stream);
      } finally {
        await fresh.close();
      }
    },
  },
  {
    what: "browser closed normally",
    at: [0.3, 0.5, 0.7],
    // Firefox's normal quit sometimes lets the Worker run the migration to its end, at any of these
    // moments, and in some runs at all three (www/README.md has the counts); Chromium's cuts it.
    midway: (name) => name === "chromium",
    run: (s, delay, stream) => restartAfter(s, delay, stream, () => s.browser.close()),
  },
  {
    what: "browser killed (SIGKILL)",
    at: [0.2, 0.5, 0.8],
    midway: () => true,
    run: (s, delay, stream) =>
      restartAfter(s, delay, stream, async () => {
        sigkill(s.profile);
        await s.browser.close();
      }),
  },
];

/** Migrate in the first tab, `stop` the browser `delay` ms in, start it again on the same profile
 * and inspect the pool there. */
async function restartAfter(s, delay, stream, stop) {
  await s.browser.call("startMigration", `${url}/old.db`);
  await sleep(delay);
  await stop();
  s.browser = null;
  s.browser = await BROWSERS[s.name](s.profile);
  return s.browser.call("inspect", stream);
}

for (const name of (process.env.KILL_BROWSERS ?? "chromium,firefox").split(",")) {
  describe(`a killed migration in ${name}`, () => {
    const s = { name };
    let imported, migrated;

    before(async () => {
      s.profile = mkdtempSync(join(tmpdir(), `amux-kill-${name}-`));
      s.browser = await BROWSERS[name](s.profile);
    });
    after(async () => {
      await s.browser?.close();
      if (s.profile) rmSync(s.profile, { recursive: true, force: true });
    });

    test("the streamed import is the old file, byte for byte; an uninterrupted migration gives the migrated one", async () => {
      imported = await s.browser.call("prepare", `${url}/old.db`);
      assert.equal(imported.sha256, oldHash, "the pool holds the old file's bytes");
      assert.equal(imported.integrity, "ok");
      const full = await s.browser.call("killAfter", `${url}/old.db`, -1);
      assert.ok(full.finishedBeforeKill);
      assert.equal(full.integrity, "ok");
      assert.ok(full.userVersion > imported.userVersion, `migrated: user_version ${full.userVersion}`);
      assert.notEqual(full.sha256, oldHash);
      // The same migration again gives the same bytes: "exactly the migrated file" is one file.
      const again = await s.browser.call("killAfter", `${url}/old.db`, -1);
      assert.equal(again.sha256, full.sha256);
      // The kills are timed on the mean of the two runs: one run's time varies on a busy machine.
      migrated = { ...full, migrateMs: (full.migrateMs + again.migrateMs) / 2 };
      console.log(`${name}: migration ${full.migrateMs.toFixed(0)} and ${again.migrateMs.toFixed(0)} ms uninterrupted`);
    });

    for (const kind of KINDS.filter((k) => !process.env.KILL_KINDS || process.env.KILL_KINDS.split(",").some((w) => k.what.includes(w)))) {
      test(`${kind.what} mid-migration: the export is exactly the old or the migrated file`, async () => {
        assert.ok(migrated, "needs the first test");
        const runs = [];
        for (const [i, f] of (process.env.KILL_AT ? process.env.KILL_AT.split(",").map(Number) : kind.at).entries()) {
          const delay = Math.round(f * migrated.migrateMs);
          // Every other kill is exported by the streamed export, which settles a journal the same way.
          const r = await kind.run(s, delay, i % 2 === 1);
          assertSettled(r, imported, migrated, `${name}, ${kind.what} after ${delay} ms`);
          runs.push({ delay, landing: landing(r, imported) });
        }
        const midway = runs.filter((r) => r.landing.startsWith("mid-way")).length;
        console.log(`${name}: ${kind.what} after ${runs.map((r) => `${r.delay} ms → ${r.landing}`).join(", ")}; ${midway} of ${runs.length} mid-way`);
        if (kind.midway(name)) assert.ok(midway >= 1, `no kill (${kind.what}) landed mid-migration`);
      });
    }
  });
}
