// Scratch inspection: the built-in scenarios, and real files through the file input and drag-and-drop.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertNoProblems, buildDb, launch, open, readWithPython, SCENARIO_SQL, shot, startServer, track } from "./helpers.mjs";

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
const readOnly = () => page.locator("[data-testid=result] > .status");

/** Run `action`, then wait until the inspector shows a newly loaded file. */
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
  return readOnly().getAttribute("data-state");
}

async function migrate() {
  await page.click("[data-testid=migrate]");
  await page.locator("[data-testid=outcome] > *").waitFor({ timeout: 20_000 });
  return page.locator("[data-testid=outcome]");
}

async function download(testid = "download") {
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click(`[data-testid=${testid}]`)]);
  const path = join(tmp, `${Date.now()}-${dl.suggestedFilename()}`);
  await dl.saveAs(path);
  return { path, name: dl.suggestedFilename(), bytes: readFileSync(path) };
}

describe("scenarios", () => {
  test("v11 pre-flatten database is adopted", async () => {
    assert.equal(await load(() => page.click("[data-testid=scenario-legacy-v11]")), "legacy");
    await assert.doesNotReject(readOnly().getByText("db_forge_agents", { exact: true }).first().waitFor());
    const out = await migrate();
    assert.equal(await out.locator("[data-testid=report]").getAttribute("data-outcome"), "migrated");
    const text = await out.textContent();
    assert.match(text, /migrated v0 → v4/);
    assert.match(text, /db_forge_agents → db_agent_definitions/);
    assert.match(text, /Columns added/);
    assert.equal(await page.locator(".after .status").getAttribute("data-state"), "current");
    assert.equal(await page.locator(".after [data-testid=rows-db_agent_definitions]").textContent(), "2");
    await shot(page, "scenario-legacy-v11", page.locator("#inspect"));
    assertNoProblems(problems);
  });

  test("stale flat v1 database is brought forward", async () => {
    assert.equal(await load(() => page.click("[data-testid=scenario-flat-v1]")), "behind");
    assert.match(await readOnly().locator("[data-testid=version]").textContent(), /v1 \(this build: v4\)/);
    const text = await (await migrate()).textContent();
    assert.match(text, /migrated v1 → v4/);
    assert.match(text, /db_agent_definitions\.updated_at/);
    assert.match(text, /db_agent_definitions\.user_hidden/);
    await shot(page, "scenario-flat-v1", page.locator("#inspect"));
    assertNoProblems(problems);
  });

  test("downgrade round-trip keeps the legacy table", async () => {
    assert.equal(await load(() => page.click("[data-testid=scenario-downgrade]")), "behind");
    const out = await migrate();
    const text = await out.textContent();
    assert.match(text, /Legacy tables kept/);
    assert.match(text, /db_forge_agents kept \(db_agent_definitions already exists\)/);
    assert.equal(await page.locator(".after [data-testid=rows-db_forge_agents]").textContent(), "1");
    await shot(page, "scenario-downgrade", page.locator("#inspect"));
    assertNoProblems(problems);
  });

  test("too-new database is refused, nothing written", async () => {
    assert.equal(await load(() => page.click("[data-testid=scenario-too-new]")), "too-new");
    const out = await migrate();
    assert.equal(await out.locator("[data-testid=refusal]").getAttribute("data-error"), "SchemaTooNewError");
    assert.match(await out.textContent(), /newer than this build: found v99, expected v4 — nothing written/);
    assert.match(await out.textContent(), /byte-for-byte unchanged/);
    await shot(page, "scenario-too-new", page.locator("#inspect"));
    assertNoProblems(problems);
  });

  test("unsupported pre-v11 shape is refused", async () => {
    assert.equal(await load(() => page.click("[data-testid=scenario-pre-v11]")), "legacy");
    const out = await migrate();
    assert.equal(await out.locator("[data-testid=refusal]").getAttribute("data-error"), "UnadoptableError");
    const text = await out.textContent();
    assert.match(text, /db_agent_instances cannot be adopted/);
    assert.match(text, /instance_name/);
    assert.match(text, /byte-for-byte unchanged/);
    await shot(page, "scenario-pre-v11", page.locator("#inspect"));
    assertNoProblems(problems);
  });

  test("a file that is not a database shows unreadable with the reason", async () => {
    assert.equal(await load(() => page.click("[data-testid=scenario-garbage]")), "unreadable");
    // The reason is the header check's own words, not just any text.
    assert.match(
      await readOnly().locator("[data-testid=reason]").textContent(),
      /^Why: no SQLite header \(not a database file\)$/,
    );
    assert.equal(await page.locator("[data-testid=migrate]").isDisabled(), true);
    await shot(page, "scenario-garbage", page.locator("#inspect"));
    assertNoProblems(problems);
  });
});

describe("real files", () => {
  test("import a v11 file through the file input, migrate, download", async () => {
    const bytes = buildDb((db) => db.exec(SCENARIO_SQL("legacy_v11")));
    const state = await load(() =>
      page.setInputFiles("[data-testid=file-input]", { name: "objects-v11.db", mimeType: "application/octet-stream", buffer: bytes }),
    );
    assert.equal(state, "legacy");
    assert.equal(await page.locator("[data-testid=result-title]").textContent(), "objects-v11.db");
    await shot(page, "import-v11-status", page.locator("#inspect"));
    assert.match(await (await migrate()).textContent(), /migrated v0 → v4/);
    const dl = await download();
    assert.equal(dl.name, "objects-v11.db");
    const info = readWithPython(dl.path, ["db_agent_definitions", "db_agent_content", "db_agent_instances", "db_tab"]);
    assert.equal(info.user_version, 4);
    assert.equal(info.integrity, "ok");
    assert.ok(info.tables.includes("db_agent_definitions"));
    assert.ok(info.tables.includes("db_agents"));
    assert.ok(!info.tables.includes("db_forge_agents"));
    assert.ok(!info.tables.includes("db_workflow_definitions"));
    assert.deepEqual(info.counts, { db_agent_definitions: 2, db_agent_content: 2, db_agent_instances: 1, db_tab: 1 });
    await shot(page, "import-v11-migrated", page.locator("#inspect"));
    assertNoProblems(problems);
  });

  test("a too-new file is refused and the downloaded bytes are unchanged", async () => {
    const bytes = buildDb((db) => {
      db.migrate("objects");
      db.exec("INSERT INTO db_client (oid, data) VALUES ('future', '{}'); PRAGMA user_version = 99;");
    });
    const path = join(tmp, "objects-v99.db");
    writeFileSync(path, bytes);
    assert.equal(await load(() => page.setInputFiles("[data-testid=file-input]", path)), "too-new");
    assert.match(await readOnly().locator("[data-testid=version]").textContent(), /v99 \(this build: v4\)/);
    const out = await migrate();
    assert.match(await out.textContent(), /objects\.db is newer than this build: found v99, expected v4 — nothing written/);
    const dl = await download();
    assert.ok(dl.bytes.equals(bytes), "the downloaded file must be byte-identical to the imported one");
    assert.ok(readFileSync(path).equals(bytes));
    assert.equal(readWithPython(dl.path).user_version, 99);
    await shot(page, "import-too-new-refused", page.locator("#inspect"));
    assertNoProblems(problems);
  });

  test("a garbage file is unreadable, not a crash", async () => {
    const junk = Buffer.from("SQLite format 3\0 but then nothing sensible follows ".repeat(10));
    const state = await load(() => page.setInputFiles("[data-testid=file-input]", { name: "junk.db", mimeType: "application/octet-stream", buffer: junk }));
    assert.equal(state, "unreadable");
    assert.match(await readOnly().locator("[data-testid=reason]").textContent(), /Why: \S+/);
    const empty = await load(() => page.setInputFiles("[data-testid=file-input]", { name: "empty.db", mimeType: "application/octet-stream", buffer: Buffer.alloc(0) }));
    assert.equal(empty, "unreadable");
    await shot(page, "import-garbage", page.locator("#inspect"));
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

  test("a filestore.db opened as sagas.db shows its drift", async () => {
    await page.selectOption("[data-testid=store-select]", "sagas");
    const bytes = buildDb((db) => db.migrate("filestore"));
    const state = await load(() =>
      page.setInputFiles("[data-testid=file-input]", { name: "filestore.db", mimeType: "application/octet-stream", buffer: bytes }),
    );
    // Same user_version as sagas v1, so the package calls it "current" — but the drift tells.
    assert.equal(state, "current");
    const drift = await readOnly().locator("[data-testid=drift]").textContent();
    assert.match(drift, /Missing tables \(2\)/);
    assert.match(drift, /saga_step/);
    assert.match(await readOnly().locator(".state-text").textContent(), /drift/);
    await page.selectOption("[data-testid=store-select]", "objects");
    assertNoProblems(problems);
  });
});
