// The file inspector: the built-in scenarios, real files through the file input and drag-and-drop,
// the before → after panel, the Code view, wrong-store detection and the time to a status.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ARTIFACTS, assertNoProblems, axeViolations, buildDb, launch, legacyWithAgents, open, readWithPython, SCENARIO_SQL, shot, startServer, track,
} from "./helpers.mjs";

// The objects.db version the package under test writes (no test names a version).
const OBJECTS_VERSION = (await import(new URL("../../pkg/node.js", import.meta.url).href)).stores()[0].version;

const WWW = fileURLToPath(new URL("..", import.meta.url));
let served, browser, page, problems, tmp;

before(async () => {
  served = await startServer();
  browser = await launch();
  page = await browser.context.newPage();
  problems = track(page);
  await open(page, served.url);
  tmp = mkdtempSync(join(tmpdir(), "amux-www-files-"));
});

after(async () => {
  await browser?.close();
  await new Promise((r) => served?.server.close(r));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const result = () => page.locator("[data-testid=result]");
/** The status the panel leads with: the read-only one, or after Migrate the new one. */
const shown = () => page.locator("[data-testid=result] > .status");

/** Run `action`, then wait until the inspector shows a newly loaded file; its state. */
async function load(action) {
  const prev = (await result().getAttribute("data-scratch")) ?? "";
  await action();
  await page.waitForFunction(
    (p) => {
      const r = document.querySelector("[data-testid=result]");
      return r.dataset.scratch && r.dataset.scratch !== p;
    },
    prev,
    { timeout: 20_000 },
  );
  return shown().getAttribute("data-state");
}

async function migrate() {
  const prev = await result().getAttribute("data-scratch");
  await page.click("[data-testid=migrate]");
  await page.locator("[data-testid=outcome] > *").waitFor({ timeout: 20_000 });
  assert.equal(await result().getAttribute("data-scratch"), prev);
  return page.locator("[data-testid=outcome]");
}

async function download(testid = "download") {
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click(`[data-testid=${testid}]`)]);
  const path = join(tmp, `${Date.now()}-${dl.suggestedFilename()}`);
  await dl.saveAs(path);
  return { path, name: dl.suggestedFilename(), bytes: readFileSync(path) };
}

const code = () => page.locator("[data-testid=result] [data-testid=code]").textContent();

/**
 * Run the Code view's text under Node, against the package in www/node_modules, with `file`
 * holding `bytes`; returns what its variables hold at the end.
 */
function runShownCode(text, bytes) {
  const path = join(tmp, `code-${Date.now()}.bin`);
  writeFileSync(path, bytes);
  const program = [
    `import { readFileSync } from "node:fs";`,
    `const file = new Blob([readFileSync(${JSON.stringify(path)})]);`,
    text,
    `const seen = (name, f) => { try { return f(); } catch { return undefined; } };`,
    `console.log(JSON.stringify({ state: status.state, outcome: seen("report", () => report.outcome), after: seen("after", () => after.state), migrated: seen("migrated", () => Buffer.from(migrated).toString("base64")) }));`,
  ].join("\n");
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", program], { cwd: WWW, encoding: "utf8" }));
}

describe("first screen", () => {
  test("the inspector leads, with the package's version, install line and README", async () => {
    // 1280 × 900: the drop zone and every scenario are visible without scrolling.
    for (const sel of ["[data-testid=dropzone]", "[data-testid=scenario-garbage]", "[data-testid=store-select]", "[data-testid=install]"]) {
      const box = await page.locator(sel).boundingBox();
      assert.ok(box && box.y + box.height <= 900, `${sel} is below the fold (${JSON.stringify(box)})`);
    }
    const inspectY = (await page.locator("#inspect").boundingBox()).y;
    const dataY = (await page.locator("#datadir").boundingBox()).y;
    assert.ok(inspectY < dataY, "the inspector comes before the data directory");
    const pkg = JSON.parse(readFileSync(join(WWW, "node_modules/agentmux-schema/package.json"), "utf8"));
    assert.equal(await page.locator("[data-testid=version-badge]").textContent(), `v${pkg.version}`);
    assert.equal(await page.locator("[data-testid=install]").textContent(), "npm install agentmux-schema");
    const readme = await fetch(new URL(await page.locator("[data-testid=readme-link]").getAttribute("href"), served.url));
    assert.equal(readme.status, 200);
    assert.match(await readme.text(), /npm install agentmux-schema/);
    // The store picker lists the package's stores() by file name.
    assert.deepEqual(await page.locator("[data-testid=store-select] option").allTextContents(), ["objects.db", "filestore.db", "sagas.db"]);
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, "first-screen-1280", null, { fullPage: false });
    assertNoProblems(problems);
  });
});

describe("scenarios", () => {
  test("v11 pre-flatten database: after Migrate the panel leads with the outcome, then the new status; before is collapsed", async () => {
    assert.equal(await load(() => page.click("[data-testid=scenario-legacy-v11]")), "legacy");
    await assert.doesNotReject(shown().getByText("db_forge_agents", { exact: true }).first().waitFor());
    assert.match(await code(), /const status = statusOfBytes\(bytes, "objects"\); \/\/ objects\.db: legacy, user_version 0/);
    const out = await migrate();
    assert.equal(await out.locator("[data-testid=report]").getAttribute("data-outcome"), "migrated");
    const text = await out.textContent();
    assert.match(text, new RegExp(String.raw`migrated v0 → v${OBJECTS_VERSION}`));
    assert.match(text, /db_forge_agents → db_agent_definitions/);
    assert.match(text, /Columns added/);
    // Dropped tables say what they held (from the before status).
    assert.match(text, /db_workflow_definitions \(held 1 row\)/);
    // Order: outcome, then the new status, then the collapsed "before".
    const order = await result().evaluate((r) =>
      [...r.children].map((c) => c.dataset.testid ?? c.className).filter((x) => ["outcome", "status", "before"].includes(x)),
    );
    assert.deepEqual(order, ["outcome", "status", "before"]);
    assert.equal(await shown().getAttribute("data-state"), "current");
    assert.equal(await shown().locator("[data-testid=rows-db_agent_definitions]").textContent(), "2");
    const beforeBox = page.locator("[data-testid=before]");
    assert.equal(await beforeBox.evaluate((d) => d.open), false);
    assert.match(await beforeBox.locator(":scope > summary").textContent(), /Before: legacy v0/);
    assert.equal(await beforeBox.locator(".status").getAttribute("data-state"), "legacy");
    assert.equal(await page.locator("[data-testid=migrate]").isDisabled(), true);
    assert.deepEqual(await axeViolations(page), []);
    await page.click("[data-testid=result] [data-testid=code-view] summary");
    await shot(page, "scenario-legacy-v11-migrated", page.locator("#inspect"));
    assertNoProblems(problems);
  });

  test("stale flat v1 database is brought forward", async () => {
    assert.equal(await load(() => page.click("[data-testid=scenario-flat-v1]")), "behind");
    assert.match(await shown().locator("[data-testid=version]").textContent(), new RegExp(String.raw`v1 \(this build: v${OBJECTS_VERSION}\)`));
    const text = await (await migrate()).textContent();
    assert.match(text, new RegExp(String.raw`migrated v1 → v${OBJECTS_VERSION}`));
    assert.match(text, /db_agent_definitions\.updated_at/);
    assert.match(text, /db_agent_definitions\.user_hidden/);
    assertNoProblems(problems);
  });

  test("downgrade round-trip: the kept legacy table says how many rows wait for recovery, and how", async () => {
    assert.equal(await load(() => page.click("[data-testid=scenario-downgrade]")), "behind");
    const out = await migrate();
    assert.match(await out.textContent(), /Legacy tables kept/);
    const kept = out.locator("[data-testid=kept-db_forge_agents]");
    assert.match(await kept.textContent(), /db_forge_agents kept beside db_agent_definitions: it still holds 1 row\./);
    assert.match(await kept.textContent(), /copy what you need into db_agent_definitions by hand \(INSERT … SELECT\), then drop db_forge_agents/);
    assert.equal(await shown().locator("[data-testid=rows-db_forge_agents]").textContent(), "1");
    await shot(page, "scenario-downgrade", page.locator("#inspect"));
    assertNoProblems(problems);
  });

  test("too-new database: no drift list, Migrate off with the reason, download unchanged", async () => {
    assert.equal(await load(() => page.click("[data-testid=scenario-too-new]")), "too-new");
    assert.equal(await shown().locator("[data-testid=drift]").count(), 0, "no drift list for a file this build refuses");
    assert.equal(await page.locator("[data-testid=migrate]").isDisabled(), true);
    const why = page.locator("[data-testid=migrate-why]");
    assert.equal(await why.isVisible(), true);
    assert.match(await why.textContent(), new RegExp(String.raw`objects\.db is v99, newer than this build \(v${OBJECTS_VERSION}\)`));
    assert.equal(await page.locator("[data-testid=migrate]").getAttribute("aria-describedby"), await why.getAttribute("id"));
    await shot(page, "scenario-too-new", page.locator("#inspect"));
    assertNoProblems(problems);
  });

  test("unsupported pre-v11 shape: the package's refusal, then the copy is read-only", async () => {
    assert.equal(await load(() => page.click("[data-testid=scenario-pre-v11]")), "legacy");
    const out = await migrate();
    assert.equal(await out.locator("[data-testid=refusal]").getAttribute("data-error"), "UnadoptableError");
    const text = await out.textContent();
    // The error's own message, as the package wrote it.
    assert.match(text, /UnadoptableError objects\.db: table db_agent_instances cannot be adopted, it lacks column\(s\) instance_name/);
    assert.match(text, /byte-for-byte the file you loaded/);
    assert.equal(await page.locator("[data-testid=migrate]").isDisabled(), true);
    assert.match(await page.locator("[data-testid=migrate-why]").textContent(), /refused this file \(UnadoptableError\); nothing was written/);
    assert.match(await code(), /const report = db\.migrate\("objects"\); \/\/ throws UnadoptableError: /);
    await shot(page, "scenario-pre-v11", page.locator("#inspect"));
    assertNoProblems(problems);
  });

  test("a file that is not a database: unreadable with the package's reason, read-only everywhere", async () => {
    assert.equal(await load(() => page.click("[data-testid=scenario-garbage]")), "unreadable");
    const reason = await shown().locator("[data-testid=reason]").textContent();
    assert.match(reason, /no SQLite header/);
    for (const id of ["migrate", "adopt"]) {
      assert.equal(await page.locator(`[data-testid=${id}]`).isDisabled(), true, id);
      assert.equal(await page.locator(`[data-testid=${id}-why]`).isVisible(), true, `${id} says why`);
    }
    assert.match(await page.locator("[data-testid=migrate-why]").textContent(), /no SQLite header/);
    assertNoProblems(problems);
  });
});

describe("real files", () => {
  test("import a v11 file, migrate, download; the Code view runs as shown and gives the same results", async () => {
    const bytes = buildDb((db) => db.exec(SCENARIO_SQL("legacy_v11")));
    const state = await load(() =>
      page.setInputFiles("[data-testid=file-input]", { name: "objects-v11.db", mimeType: "application/octet-stream", buffer: bytes }),
    );
    assert.equal(state, "legacy");
    assert.equal(await page.locator("[data-testid=result-title]").textContent(), "objects-v11.db");
    assert.match(await (await migrate()).textContent(), new RegExp(String.raw`migrated v0 → v${OBJECTS_VERSION}`));
    const dl = await download();
    assert.equal(dl.name, "objects-v11.db");
    const info = readWithPython(dl.path, ["db_agent_definitions", "db_agent_content", "db_agent_instances", "db_tab"]);
    assert.equal(info.user_version, 4);
    assert.equal(info.integrity, "ok");
    assert.ok(info.tables.includes("db_agents"));
    assert.ok(!info.tables.includes("db_forge_agents"));
    assert.deepEqual(info.counts, { db_agent_definitions: 2, db_agent_content: 2, db_agent_instances: 1, db_tab: 1 });

    const text = await code();
    assert.match(text, /^import init, \{ Database, statusOfBytes \} from "agentmux-schema";/);
    for (const call of ['statusOfBytes(bytes, "objects")', "Database.fromBytes(bytes)", 'db.migrate("objects")', 'db.status("objects")', "db.toBytes()"])
      assert.ok(text.includes(call), `Code view shows ${call}`);
    const ran = runShownCode(text, bytes);
    assert.deepEqual({ state: ran.state, outcome: ran.outcome, after: ran.after }, { state: "legacy", outcome: "migrated", after: "current" });
    assert.ok(Buffer.from(ran.migrated, "base64").equals(dl.bytes), "the shown code produces the downloaded bytes");
    assertNoProblems(problems);
  });

  test("the Code view's Copy button copies exactly the shown code", async () => {
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: served.url.replace(/\/$/, "") });
    await load(() => page.click("[data-testid=scenario-flat-v1]"));
    await page.click("[data-testid=result] [data-testid=code-view] summary");
    await page.click("[data-testid=result] [data-testid=copy-code]");
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await code());
    assertNoProblems(problems);
  });

  test("a too-new file: Migrate off, and the downloaded bytes are the imported ones", async () => {
    const bytes = buildDb((db) => {
      db.migrate("objects");
      db.exec("INSERT INTO db_client (oid, data) VALUES ('future', '{}'); PRAGMA user_version = 99;");
    });
    const path = join(tmp, "objects-v99.db");
    writeFileSync(path, bytes);
    assert.equal(await load(() => page.setInputFiles("[data-testid=file-input]", path)), "too-new");
    assert.match(await shown().locator("[data-testid=version]").textContent(), new RegExp(String.raw`v99 \(this build: v${OBJECTS_VERSION}\)`));
    assert.equal(await page.locator("[data-testid=migrate]").isDisabled(), true);
    const dl = await download();
    assert.ok(dl.bytes.equals(bytes), "the downloaded file must be byte-identical to the imported one");
    assert.ok(readFileSync(path).equals(bytes));
    assert.equal(readWithPython(dl.path).user_version, 99);
    assertNoProblems(problems);
  });

  test("garbage is unreadable, not a crash; an empty file is an empty database", async () => {
    const junk = Buffer.from("SQLite format 3\0 but then nothing sensible follows ".repeat(10));
    const state = await load(() => page.setInputFiles("[data-testid=file-input]", { name: "junk.db", mimeType: "application/octet-stream", buffer: junk }));
    assert.equal(state, "unreadable");
    assert.match(await shown().locator("[data-testid=reason]").textContent(), /Why: \S+/);
    const empty = await load(() => page.setInputFiles("[data-testid=file-input]", { name: "empty.db", mimeType: "application/octet-stream", buffer: Buffer.alloc(0) }));
    assert.equal(empty, "empty", "a 0-byte file is an empty database, as SQLite treats it");
    assert.equal(await page.locator("[data-testid=wrong-store]").count(), 0, "no store guess for a file without tables");
    assertNoProblems(problems);
  });

  test("drag-and-drop a flat v1 file opened as objects.db", async () => {
    const bytes = buildDb((db) => db.exec(SCENARIO_SQL("flat_v1")));
    const state = await load(() =>
      page.evaluate((data) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(data)], "dropped.db"));
        const zone = document.querySelector("[data-testid=dropzone]");
        for (const type of ["dragenter", "dragover", "drop"])
          zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
      }, [...bytes]),
    );
    assert.equal(state, "behind");
    assert.equal(await page.locator("[data-testid=result-title]").textContent(), "dropped.db");
    assertNoProblems(problems);
  });

  test("wrong store: an objects.db opened as sagas.db says so, and one click reopens it as objects.db", async () => {
    await page.selectOption("[data-testid=store-select]", "sagas");
    const bytes = buildDb((db) => db.exec(SCENARIO_SQL("legacy_v11")));
    assert.equal(
      await load(() => page.setInputFiles("[data-testid=file-input]", { name: "mystery.db", mimeType: "application/octet-stream", buffer: bytes })),
      "legacy",
    );
    const hint = page.locator("[data-testid=wrong-store]");
    assert.equal(await hint.getAttribute("data-looks-like"), "objects");
    assert.match(await hint.textContent(), /This looks like an objects\.db/);
    await shot(page, "wrong-store", page.locator("#inspect"));
    assert.equal(await load(() => page.click("[data-testid=switch-store]")), "legacy");
    assert.equal(await page.locator("[data-testid=result]").getAttribute("data-store"), "objects");
    assert.equal(await page.inputValue("[data-testid=store-select]"), "objects");
    assert.equal(await hint.count(), 0);
    assert.match(await page.locator("[data-testid=result] p.muted").first().textContent(), /opened as objects\.db/);
    assert.match(await code(), /statusOfBytes\(bytes, "objects"\)/);
    assert.match(await (await migrate()).textContent(), new RegExp(String.raw`migrated v0 → v${OBJECTS_VERSION}`));

    // A filestore.db opened as sagas.db: same user_version, so "current" — the tables tell.
    await page.selectOption("[data-testid=store-select]", "sagas");
    const fs = buildDb((db) => db.migrate("filestore"));
    assert.equal(await load(() => page.setInputFiles("[data-testid=file-input]", { name: "filestore.db", mimeType: "application/octet-stream", buffer: fs })), "current");
    assert.equal(await hint.getAttribute("data-looks-like"), "filestore");
    assert.match(await shown().locator("[data-testid=drift]").textContent(), /Missing tables \(2\)/);
    await page.selectOption("[data-testid=store-select]", "objects");
    assertNoProblems(problems);
  });

  test("speed: a 6.3 MB file shows its status (measured, reported, not asserted)", async (t) => {
    const bytes = legacyWithAgents(13_000);
    const path = join(tmp, "objects-13000-agents.db");
    writeFileSync(path, bytes);
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const start = Date.now();
      assert.equal(await load(() => page.setInputFiles("[data-testid=file-input]", path)), "legacy");
      const wall = Date.now() - start;
      runs.push({ pageMs: Number(await result().getAttribute("data-load-ms")), wallMs: wall });
    }
    assert.equal(await shown().locator("[data-testid=rows-db_forge_agents]").textContent(), "13002");
    const line = `6.3 MB file (${bytes.length} bytes) → status shown: ${runs.map((r) => `${r.pageMs} ms in page / ${r.wallMs} ms wall`).join("; ")}`;
    t.diagnostic(line);
    console.log(line);
    writeFileSync(join(ARTIFACTS, "speed.txt"), line + "\n");
    assert.match(await (await migrate()).textContent(), new RegExp(String.raw`migrated v0 → v${OBJECTS_VERSION}`));
    assertNoProblems(problems);
  });
});
