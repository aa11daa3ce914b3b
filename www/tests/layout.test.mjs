// Layout details: scroll cues, focus rings, reasons under disabled buttons, narrow screens, axe,
// and the screenshots at 1280 px and 390 px.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { assertNoProblems, axeViolations, launch, open, shot, startServer, track } from "./helpers.mjs";

let served, browser, page, problems;

before(async () => {
  served = await startServer();
  browser = await launch();
  page = await browser.context.newPage();
  problems = track(page);
  await open(page, served.url);
});

after(async () => {
  await browser?.close();
  await new Promise((r) => served?.server.close(r));
});

async function scenario(name, state) {
  await page.click(`[data-testid=scenario-${name}]`);
  await page.locator(`[data-testid=result] > .status[data-state=${state}]`).waitFor({ timeout: 20_000 });
}

test("a long table list says there is more below, until it is scrolled to the end", async () => {
  await scenario("legacy-v11", "legacy");
  const list = page.locator("[data-testid=result] > .status .table-scroll");
  const cue = page.locator("[data-testid=result] > .status [data-testid=scroll-cue]");
  await cue.waitFor({ state: "visible" });
  assert.match(await cue.textContent(), /Scroll for all 23 tables/);
  assert.equal(await list.evaluate((el) => el.classList.contains("has-more")), true);
  await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await cue.waitFor({ state: "hidden" });
  // A list that fits has no cue.
  await scenario("garbage", "unreadable");
  await page.selectOption("[data-testid=store-select]", "sagas");
  await page.setInputFiles("[data-testid=file-input]", { name: "empty.db", mimeType: "application/octet-stream", buffer: Buffer.alloc(0) });
  await page.locator("[data-testid=result][data-store=sagas]").waitFor();
  assert.equal(await page.locator("[data-testid=result] [data-testid=scroll-cue]").count(), 0);
  await page.selectOption("[data-testid=store-select]", "objects");
  assertNoProblems(problems);
});

test("the drop zone: a ring for keyboard focus, none after a mouse click", async () => {
  const outline = () => page.locator(".drop-label").evaluate((el) => getComputedStyle(el).outlineStyle);
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.click(".drop-label")]);
  assert.ok(chooser);
  assert.equal(await outline(), "none");
  await page.focus("[data-testid=store-select]");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "file-input");
  assert.equal(await outline(), "solid");
  assertNoProblems(problems);
});

test("the reason under a button shows only while the button is disabled", async () => {
  await scenario("flat-v1", "behind");
  assert.equal(await page.locator("[data-testid=adopt]").isDisabled(), false);
  assert.equal(await page.locator("[data-testid=adopt-why]").isVisible(), false);
  assert.equal(await page.locator("[data-testid=migrate-why]").isVisible(), false);
  await scenario("garbage", "unreadable");
  assert.equal(await page.locator("[data-testid=adopt]").isDisabled(), true);
  assert.equal(await page.locator("[data-testid=adopt-why]").isVisible(), true);
  assert.match(await page.locator("[data-testid=adopt-why]").textContent(), /Not a readable SQLite database/);
  assertNoProblems(problems);
});

/** Table and index names that a narrow screen broke inside a word (between two <wbr>s). */
function midWordBreaks() {
  return page.evaluate(() => {
    const bad = [];
    for (const code of document.querySelectorAll("code.ident")) {
      if (!code.getClientRects().length) continue; // not rendered (closed <details>)
      for (const node of code.childNodes) {
        if (node.nodeType !== Node.TEXT_NODE) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) bad.push(`${code.textContent} (at "${node.textContent}")`);
      }
    }
    return bad;
  });
}

test("1280 px and 390 px: screenshots, no mid-word breaks of names, no horizontal scroll, axe clean", async () => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await scenario("legacy-v11", "legacy");
  await shot(page, "1280-inspect-legacy", null, { fullPage: false });
  await page.click("[data-testid=migrate]");
  await page.locator("[data-testid=report]").waitFor();
  await page.click("[data-testid=result] [data-testid=code-view] summary");
  await shot(page, "1280-full-migrated");
  assert.deepEqual(await axeViolations(page), []);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, "390-first-screen", null, { fullPage: false });
  // Open every table list so every name is laid out.
  await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
  assert.deepEqual(await midWordBreaks(), []);
  assert.ok(await page.evaluate(() => document.querySelectorAll("code.ident").length) > 50);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, "no horizontal page scroll at 390 px");
  assert.deepEqual(await axeViolations(page), []);
  await shot(page, "390-full-migrated");

  await scenario("too-new", "too-new");
  await shot(page, "390-too-new", page.locator("#inspect"));
  assert.deepEqual(await axeViolations(page), []);
  await page.setViewportSize({ width: 1280, height: 900 });
  assertNoProblems(problems);
});

test("the data directory changing does not close what is open in the inspector", async () => {
  await scenario("flat-v1", "behind");
  await page.click("[data-testid=result] [data-testid=code-view] summary");
  await page.click("[data-testid=add-row]");
  await page.waitForFunction(() => document.querySelector("[data-testid=store-objects] [data-testid=rows-db_tab]")?.textContent === "1");
  assert.equal(await page.locator("[data-testid=result] [data-testid=code-view]").evaluate((d) => d.open), true);
  // After a replace, the question closes and the inspector shows the copy again.
  await page.click("[data-testid=adopt]");
  await page.click("[data-testid=adopt-yes]");
  await page.locator("[data-testid=banner]", { hasText: "was replaced" }).waitFor();
  assert.equal(await page.locator("[data-testid=adopt-confirm]").isVisible(), false);
  assert.equal(await page.locator("[data-testid=adopt]").isVisible(), true);
  assertNoProblems(problems);
});
