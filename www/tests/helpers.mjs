// Shared helpers for the e2e tests: the static server, Debian's Chromium through playwright-core,
// .db fixtures built with the package under Node, and screenshots under test-artifacts/www/.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { initSync, Database } from "agentmux-schema";
import { listen } from "../server.mjs";

const WWW = fileURLToPath(new URL("..", import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/www/", import.meta.url));
mkdirSync(ARTIFACTS, { recursive: true });

initSync({ module: readFileSync(join(WWW, "node_modules/agentmux-schema/agentmux_schema_bg.wasm")) });
export { Database };

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

export async function startServer() {
  return listen(0, WWW);
}

/** A browser context with a fresh user-data dir (OPFS persists within it, across reloads). */
export async function launch() {
  const dir = mkdtempSync(join(tmpdir(), "amux-www-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  const close = async () => {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { context, close };
}

/** Record uncaught page errors and console errors of `page` (and its workers). */
export function track(page) {
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console.error: ${m.text()}`);
  });
  page.on("crash", () => problems.push("page crashed"));
  return problems;
}

export async function open(page, url) {
  await page.goto(url);
  await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
}

export async function shot(page, name, locator, { fullPage = true } = {}) {
  const path = join(ARTIFACTS, `${name}.png`);
  if (locator) await locator.screenshot({ path });
  else await page.screenshot({ path, fullPage });
  return path;
}

export const SCENARIO_SQL = (name) => readFileSync(join(WWW, "..", "tests", "fixtures", `${name}.sql`), "utf8");

/** A .db image built with the package under Node. */
export function buildDb(fn) {
  const db = Database.memory();
  try {
    fn(db);
    return Buffer.from(db.toBytes());
  } finally {
    db.close();
  }
}

/** user_version, tables and some counts of a .db file, read back with Python's sqlite3. */
export function readWithPython(path, countTables = []) {
  const script = `
import json, sqlite3, sys
con = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
out = {
  "user_version": con.execute("PRAGMA user_version").fetchone()[0],
  "integrity": con.execute("PRAGMA integrity_check").fetchone()[0],
  "tables": [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")],
  "counts": {t: con.execute('SELECT count(*) FROM "%s"' % t).fetchone()[0] for t in sys.argv[2:]},
}
print(json.dumps(out))
`;
  return JSON.parse(execFileSync("python3", ["-c", script, path, ...countTables], { encoding: "utf8" }));
}

export function assertNoProblems(problems) {
  assert.deepEqual(problems, [], `uncaught errors in the page:\n${problems.join("\n")}`);
}

const AXE = fileURLToPath(new URL("../node_modules/axe-core/axe.min.js", import.meta.url));

/** axe-core's violations on the page as it is now, every impact level included. */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  return found;
}

/** A v11 objects.db with `agents` agent definitions (each with content, history and an instance). */
export function legacyWithAgents(agents) {
  return buildDb((db) => {
    db.exec(SCENARIO_SQL("legacy_v11"));
    // The package's SQLite has no WITH clause (see its README), so the agents are listed here.
    const values = Array.from({ length: agents }, (_, k) => `('bulk-${k + 1}', 'slug-${k + 1}', 'Agent ${k + 1}', 'claude', ${k + 1})`);
    db.exec("BEGIN");
    for (let at = 0; at < values.length; at += 500) {
      db.exec(`INSERT INTO db_forge_agents (id, slug, name, provider, created_at) VALUES ${values.slice(at, at + 500).join(", ")}`);
    }
    db.exec(`
      INSERT INTO db_forge_content (agent_id, content_type, content) SELECT id, 'soul', 'content of ' || id FROM db_forge_agents WHERE id LIKE 'bulk-%';
      INSERT INTO db_forge_history (agent_id, session_date, entry) SELECT id, '2026-05-01', 'entry' FROM db_forge_agents WHERE id LIKE 'bulk-%';
      INSERT INTO db_agent_instances (id, definition_id, instance_name) SELECT 'inst-' || id, id, 'i-' || id FROM db_forge_agents WHERE id LIKE 'bulk-%';
      COMMIT;`);
  });
}
