// The persistent data directory: OPFS in a Worker, start-up migration, reload, reset, two tabs.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertNoProblems, axeViolations, buildDb, launch, open, readWithPython, shot, startServer, track } from "./helpers.mjs";


function readWithPythonBytes(bytes) {
  const dir = mkdtempSync(join(tmpdir(), "amux-www-py-"));
  try {
    writeFileSync(join(dir, "x.db"), bytes);
    return readWithPython(join(dir, "x.db"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let served;

before(async () => {
  served = await startServer();
});

after(async () => {
  await new Promise((r) => served?.server.close(r));
});

// The version each store is written at, from the package the page runs (no test names one).
const { stores } = await import(new URL("../../pkg/node.js", import.meta.url).href);
const STORES = Object.fromEntries(stores().map((s) => [s.store, `v${s.version}`]));

async function storeStates(page) {
  const out = {};
  for (const s of Object.keys(STORES)) out[s] = await page.locator(`[data-testid=store-${s}] .status`).getAttribute("data-state");
  return out;
}

const tabRows = (page) => page.locator("[data-testid=store-objects] [data-testid=rows-db_tab]").textContent();

test("fresh load: progress while the wasm loads, then three current databases in OPFS", async () => {
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    const problems = track(page);
    // Hold the .wasm back a moment so the loading state can be seen.
    let release;
    const held = new Promise((r) => (release = r));
    await browser.context.route("**/*.wasm", async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(served.url);
    const loading = page.locator("[data-testid=loading]");
    await loading.waitFor({ state: "visible" });
    assert.match(await loading.textContent(), /Loading SQLite \(WebAssembly\)/);
    await shot(page, "loading");
    release();
    await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
    assert.equal(await loading.isVisible(), false);

    assert.equal(await page.locator("[data-testid=mode]").getAttribute("data-mode"), "opfs");
    assert.deepEqual(await storeStates(page), { objects: "current", filestore: "current", sagas: "current" });
    for (const [s, v] of Object.entries(STORES)) {
      assert.match(await page.locator(`[data-testid=store-${s}] [data-testid=version]`).textContent(), new RegExp(`^${v} \\(this build: ${v}\\)`));
      assert.match(await page.locator(`[data-testid=store-${s}] [data-testid=drift]`).textContent(), /No drift/);
    }
    const startup = await page.locator("[data-testid=startup]").textContent();
    assert.ok(startup.includes(`objects.db created (${STORES.objects}); filestore.db created (${STORES.filestore}); sagas.db created (${STORES.sagas})`), startup);
    // The Code view beside the data directory shows the start-up as the calls that ran.
    const code = await page.locator("#datadir [data-testid=code]").textContent();
    assert.match(code, /^import init, \{ installOpfs, migrateAll \} from "agentmux-schema";/);
    assert.match(code, /const pool = await installOpfs\("agentmux-schema-demo"\);/);
    assert.match(code, /const objects = pool\.open\("objects\.db"\);\nconst filestore = pool\.open\("filestore\.db"\);\nconst sagas = pool\.open\("sagas\.db"\);/);
    assert.ok(code.includes(`const reports = migrateAll(objects, filestore, sagas); // [objects.db created v0 → ${STORES.objects}, filestore.db created v0 → ${STORES.filestore}, sagas.db created v0 → ${STORES.sagas}]`), code);
    await shot(page, "fresh-load");
    assertNoProblems(problems);
  } finally {
    await browser.close();
  }
});

test("reload keeps the data; Reset clears it", async () => {
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    const problems = track(page);
    await open(page, served.url);
    assert.equal(await tabRows(page), "0");
    await page.click("[data-testid=add-row]");
    await page.waitForFunction(() => document.querySelector("[data-testid=store-objects] [data-testid=rows-db_tab]")?.textContent === "1");
    await page.click("[data-testid=add-row]");
    await page.waitForFunction(() => document.querySelector("[data-testid=store-objects] [data-testid=rows-db_tab]")?.textContent === "2");
    assert.match(await page.locator("#datadir [data-testid=code]").textContent(), /objects\.query\("INSERT INTO db_tab \(oid, version, data\) VALUES \(\?1, 1, \?2\)", \["demo-tab-/);
    assert.match(await page.locator("#datadir [data-testid=code]").textContent(), /const tabs = objects\.query\("SELECT count\(\*\) AS n FROM db_tab"\); \/\/ \[\{"n":2\}\]/);

    await page.reload();
    await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
    assert.equal(await page.locator("[data-testid=mode]").getAttribute("data-mode"), "opfs");
    assert.equal(await tabRows(page), "2");
    assert.ok((await page.locator("[data-testid=startup]").textContent()).includes(`objects.db up-to-date (${STORES.objects})`));
    await shot(page, "after-reload");

    // Reset asks first; Cancel leaves everything alone.
    await page.click("[data-testid=reset]");
    await page.click("[data-testid=reset-no]");
    // Reading the count right away would pass even if Cancel had started a reset. The worker
    // answers in order, so add a row and wait for its answer: 3 if nothing was reset, 1 if it was.
    await page.click("[data-testid=add-row]");
    await page.waitForFunction(() =>
      ["1", "3"].includes(document.querySelector("[data-testid=store-objects] [data-testid=rows-db_tab]")?.textContent),
    );
    assert.equal(await tabRows(page), "3");
    await page.click("[data-testid=reset]");
    await shot(page, "reset-confirm", page.locator("#datadir .actions"));
    await page.click("[data-testid=reset-yes]");
    await page.waitForFunction(() => document.querySelector("[data-testid=store-objects] [data-testid=rows-db_tab]")?.textContent === "0");
    assert.deepEqual(await storeStates(page), { objects: "current", filestore: "current", sagas: "current" });

    await page.reload();
    await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
    assert.equal(await tabRows(page), "0");
    assertNoProblems(problems);
  } finally {
    await browser.close();
  }
});

test("two tabs: the second is told the databases are open elsewhere, then takes over", async () => {
  const browser = await launch();
  try {
    const first = await browser.context.newPage();
    const firstProblems = track(first);
    await open(first, served.url);
    assert.equal(await first.locator("[data-testid=mode]").getAttribute("data-mode"), "opfs");
    await first.click("[data-testid=add-row]");
    await first.waitForFunction(() => document.querySelector("[data-testid=store-objects] [data-testid=rows-db_tab]")?.textContent === "1");

    const second = await browser.context.newPage();
    const secondProblems = track(second);
    await open(second, served.url);
    assert.equal(await second.locator("[data-testid=mode]").getAttribute("data-mode"), "locked");
    assert.match(await second.locator("[data-testid=mode-note]").textContent(), /open in another tab/);
    assert.equal(await second.locator("[data-testid=add-row]").isDisabled(), true);
    assert.equal(await second.locator("[data-testid=reset]").isDisabled(), true);
    // Scratch inspection still works in the second tab.
    await second.click("[data-testid=scenario-flat-v1]");
    await second.locator("[data-testid=result] > .status[data-state=behind]").waitFor();
    assert.equal(await second.locator("[data-testid=adopt]").isDisabled(), true);
    assert.match(await second.locator("[data-testid=adopt-why]").textContent(), /open in another tab/);
    assert.deepEqual(await axeViolations(second), []);
    await shot(second, "second-tab-locked");

    // The first tab is unaffected.
    await first.click("[data-testid=add-row]");
    await first.waitForFunction(() => document.querySelector("[data-testid=store-objects] [data-testid=rows-db_tab]")?.textContent === "2");

    // Closing the first tab hands the databases to the queued second one, data intact.
    await first.close();
    await second.waitForFunction(() => document.querySelector("[data-testid=mode]")?.dataset.mode === "opfs", null, { timeout: 20_000 });
    assert.equal(await tabRows(second), "2");
    await shot(second, "second-tab-took-over");
    assertNoProblems(firstProblems);
    assertNoProblems(secondProblems);
  } finally {
    await browser.close();
  }
});

/** Put the inspected copy into the data directory: the question first, then yes. */
async function adopt(page) {
  const banner = await page.locator("[data-testid=startup]").innerHTML();
  await page.click("[data-testid=adopt]");
  await page.click("[data-testid=adopt-yes]");
  await page.waitForFunction((b) => document.querySelector("[data-testid=startup]").innerHTML !== b, banner);
}

async function loadFile(page, store, name, buffer) {
  const prev = (await page.locator("[data-testid=result]").getAttribute("data-scratch")) ?? "";
  await page.selectOption("[data-testid=store-select]", store);
  await page.setInputFiles("[data-testid=file-input]", { name, mimeType: "application/octet-stream", buffer });
  await page.waitForFunction((p) => (document.querySelector("[data-testid=result]").dataset.scratch ?? "") !== p, prev);
}

async function exportStore(page, store) {
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click(`[data-testid=download-${store}]`)]);
  return readFileSync(await dl.path());
}

const sha = (bytes) => createHash("sha256").update(bytes).digest("hex");

test("replacing a data-directory file asks first, naming what is lost; Cancel keeps it", async () => {
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    const problems = track(page);
    await open(page, served.url);
    await page.click("[data-testid=add-row]");
    await page.waitForFunction(() => document.querySelector("[data-testid=store-objects] [data-testid=rows-db_tab]")?.textContent === "1");
    const before = sha(await exportStore(page, "objects"));

    await page.click("[data-testid=scenario-flat-v1]");
    await page.locator("[data-testid=result] > .status[data-state=behind]").waitFor();
    await page.click("[data-testid=adopt]");
    const question = page.locator("[data-testid=adopt-question]");
    assert.match(await question.textContent(), /Replace the data directory's objects\.db with this copy, as loaded\? objects\.db holds 3 rows \(db_identity_bundles 1, db_memory_bundles 1, db_tab 1\); it will be deleted\./);
    assert.equal(await page.locator("[data-testid=adopt]").isVisible(), false);
    // The question names what would be lost now: a row added while it is open is counted.
    await page.click("[data-testid=add-row]");
    await page.waitForFunction(() => document.querySelector("[data-testid=store-objects] [data-testid=rows-db_tab]")?.textContent === "2");
    assert.match(await question.textContent(), /objects\.db holds 4 rows \(db_identity_bundles 1, db_memory_bundles 1, db_tab 2\); it will be deleted\./);
    const beforeCancel = sha(await exportStore(page, "objects"));
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, "adopt-confirm", page.locator("#inspect"));
    await page.click("[data-testid=adopt-no]");
    assert.equal(await question.count(), 0);
    assert.notEqual(beforeCancel, before, "the second row is in objects.db");
    assert.equal(sha(await exportStore(page, "objects")), beforeCancel, "Cancel left objects.db as it was");
    assert.equal(await page.locator("[data-testid=store-objects] [data-testid=rows-db_tab]").textContent(), "2");
    assertNoProblems(problems);
  } finally {
    await browser.close();
  }
});

test("a refused file in the data directory is read-only everywhere, and the banner tells the truth", async () => {
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    const problems = track(page);
    await open(page, served.url);

    // A v11 objects.db put into the data directory is adopted on the spot, and survives a reload.
    await page.click("[data-testid=scenario-legacy-v11]");
    await page.locator("[data-testid=result] > .status[data-state=legacy]").waitFor();
    await adopt(page);
    const startup = page.locator("[data-testid=startup]");
    assert.match(await startup.textContent(), /objects\.db was replaced with “v11 pre-flatten objects\.db \(forge tables, rows\)”; the previous objects\.db \(2 rows in 20 tables\) is gone\./);
    assert.match(await startup.textContent(), new RegExp(String.raw`objects\.db migrated v0→${STORES.objects}`));
    assert.equal(await page.locator("[data-testid=store-objects] [data-testid=rows-db_agent_definitions]").textContent(), "2");
    assert.equal(await page.locator("[data-testid=add-row]").isDisabled(), false);
    await page.reload();
    await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
    assert.equal(await page.locator("[data-testid=store-objects] [data-testid=rows-db_agent_definitions]").textContent(), "2");

    // A too-new objects.db stops the start-up migration: nothing is written to any store.
    await page.click("[data-testid=scenario-too-new]");
    await page.locator("[data-testid=result] > .status[data-state=too-new]").waitFor();
    await page.click("[data-testid=adopt]");
    assert.match(await page.locator("[data-testid=adopt-question]").textContent(), /It will refuse this too-new file, and the data directory stays read-only/);
    await page.click("[data-testid=adopt-no]");
    await adopt(page);
    const text = await startup.textContent();
    assert.match(text, /objects\.db was replaced with “objects\.db stamped v99 by a newer build”; the previous objects\.db \(\d+ rows in 20 tables\) is gone\./);
    assert.match(text, new RegExp(String.raw`Start-up migration refused: SchemaTooNewError objects\.db was saved by a newer version of this app \(schema v99; this version reads up to ${STORES.objects}\)\. Nothing was changed: update the app`));
    assert.match(text, /Every file is exactly as the start-up found it \(objects\.db is the copy you put there\)/);
    assert.doesNotMatch(text, /left exactly as it was/);
    assert.equal(await page.locator("[data-testid=store-objects] .status").getAttribute("data-state"), "too-new");
    assert.equal(await page.locator("[data-testid=store-objects] [data-testid=drift]").count(), 0);

    // Nothing may write to it now: the demo row is off, with the reason, and the bytes stay.
    const refused = sha(await exportStore(page, "objects"));
    const addRow = page.locator("[data-testid=add-row]");
    assert.equal(await addRow.isDisabled(), true);
    assert.match(await page.locator("[data-testid=add-row-why]").textContent(), /Read-only: The start-up migration refused \(SchemaTooNewError\)/);
    await addRow.click({ force: true });
    // A synthetic click reaches the handler even on a disabled button: the worker refuses too.
    await addRow.dispatchEvent("click");
    const error = page.locator("[data-testid=error]");
    await error.waitFor();
    assert.match(await error.textContent(), /Could not add the row\. ReadOnlyError: Nothing was written: The start-up migration refused \(SchemaTooNewError\)/);
    await error.getByRole("button", { name: "Dismiss this message" }).click();
    assert.equal(sha(await exportStore(page, "objects")), refused, "objects.db (v99) was not written");
    assert.equal(readWithPythonBytes(await exportStore(page, "objects")).user_version, 99);
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, "datadir-too-new-refused");

    // Now an unmigrated filestore.db: the objects tripwire still stops everything, so it stays as it is.
    await loadFile(page, "filestore", "bare-filestore.db", buildDb((db) => db.exec("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('kept');")));
    const bareState = await page.locator("[data-testid=result] > .status").getAttribute("data-state");
    assert.notEqual(bareState, "current");
    await adopt(page);
    assert.match(await startup.textContent(), /filestore\.db was replaced.*refused/);
    assert.equal(await page.locator("[data-testid=store-filestore] .status").getAttribute("data-state"), bareState);
    assert.equal(await page.locator("[data-testid=store-filestore] [data-testid=rows-notes]").textContent(), "1");
    assert.equal(sha(await exportStore(page, "objects")), refused);

    await page.reload();
    await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
    assert.match(await startup.textContent(), /refused/);
    assert.doesNotMatch(await startup.textContent(), /was replaced/, "after a reload nothing was replaced");
    assert.equal(await page.locator("[data-testid=add-row]").isDisabled(), true);
    assert.equal(await page.locator("[data-testid=store-filestore] .status").getAttribute("data-state"), bareState);

    await page.click("[data-testid=reset]");
    assert.match(await page.locator("[data-testid=reset-question]").textContent(), /Lost: objects\.db holds \d+ rows .*filestore\.db holds 1 row \(notes 1\)/);
    await page.click("[data-testid=reset-yes]");
    await page.waitForFunction(() => /created/.test(document.querySelector("[data-testid=startup]").textContent));
    assert.deepEqual(await storeStates(page), { objects: "current", filestore: "current", sagas: "current" });
    assert.equal(await page.locator("[data-testid=add-row]").isDisabled(), false);
    assertNoProblems(problems);
  } finally {
    await browser.close();
  }
});

test("a failed wasm load is reported in the page", async () => {
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    const problems = track(page);
    await browser.context.route("**/*.wasm", (route) => route.fulfill({ status: 404, body: "gone" }));
    await open(page, served.url);
    const errors = page.locator("[data-testid=errors]");
    assert.match(await errors.textContent(), /Could not start SQLite/);
    assert.equal(await page.locator("[data-testid=loading]").isVisible(), false);
    await shot(page, "wasm-load-failed");
    // The browser may log the 404 itself, in exactly these words; nothing else may be logged.
    const expected = "console.error: Failed to load resource: the server responded with a status of 404 (Not Found)";
    assertNoProblems(problems.filter((p) => p !== expected));
  } finally {
    await browser.close();
  }
});

test("memory fallback is stated on the page", async () => {
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    const problems = track(page);
    await open(page, `${served.url}?storage=memory`);
    assert.equal(await page.locator("[data-testid=mode]").getAttribute("data-mode"), "memory");
    assert.match(await page.locator("[data-testid=mode]").textContent(), /In memory — not persistent/);
    assert.match(await page.locator("[data-testid=mode-note]").textContent(), /disappear when you leave the page/);
    assert.deepEqual(await storeStates(page), { objects: "current", filestore: "current", sagas: "current" });
    await shot(page, "memory-fallback", page.locator("#datadir"));
    assertNoProblems(problems);
  } finally {
    await browser.close();
  }
});

test("the static server serves wasm with its MIME type and refuses traversal", async () => {
  const wasm = await fetch(new URL("node_modules/agentmux-schema/agentmux_schema_bg.wasm", served.url));
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get("content-type"), "application/wasm");
  const js = await fetch(new URL("src/worker.js", served.url));
  assert.match(js.headers.get("content-type"), /^text\/javascript/);
  for (const bad of ["/../package.json", "/%2e%2e/%2e%2e/etc/passwd", "/src/..%2f..%2fCargo.toml", "/tests/helpers.mjs", "/package.json", "/node_modules/playwright-core/package.json"]) {
    const res = await fetch(served.url.replace(/\/$/, "") + bad);
    assert.equal(res.status, 404, bad);
    assert.equal(await res.text(), "not found\n", bad);
  }
});
