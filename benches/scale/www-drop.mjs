// The `www/` page as its user meets a large file: the time from picking a file (the file input,
// which is what a drop hands the page too) to its status being shown, in headless Chromium.
// Each run is a fresh page on a fresh profile, loaded and idle before the file is picked, so a
// run measures the page's own path (the worker's statusOfFile on the File in place, and the
// rendering), not the page's start-up. Prints every run and the median.
//
//   node benches/scale/www-drop.mjs FILE [RUNS] [STORE]   # RUNS 5, STORE from the file's name
//
// The page must be served from the repository's www/ with the committed pkg/ (the www tests'
// server does that); FILE is e.g. a generated filestore.db (benches/scale/generate.rs).
import { statSync } from "node:fs";
import { basename } from "node:path";
import { launch, open, startServer } from "../../www/tests/helpers.mjs";

const [file, runsArg, storeArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: node benches/scale/www-drop.mjs FILE [RUNS] [STORE]");
  process.exit(2);
}
const runs = Number(runsArg ?? 5);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`RUNS must be a positive integer, not ${runsArg}`);
  process.exit(2);
}
const size = statSync(file).size;
// The store the page opens the file as, as a user would pick it (objects, filestore or sagas).
const store = storeArg ?? basename(file).replace(/\.db$/, "").replace(/^sagas?$/, "sagas");

const served = await startServer();
const times = [];
const pageTimes = [];
try {
  for (let i = 0; i < runs; i++) {
    const browser = await launch();
    try {
      const page = await browser.context.newPage();
      await open(page, served.url);
      await page.selectOption("[data-testid=store-select]", store);
      const t0 = performance.now();
      await page.setInputFiles("[data-testid=file-input]", file);
      await page.waitForSelector("[data-testid=result] > .status[data-state]", { timeout: 600_000 });
      const ms = performance.now() - t0;
      const state = await page.getAttribute("[data-testid=result] > .status", "data-state");
      // The page's own figure: from its file input's change event to the status rendered.
      const pageMs = Number(await page.getAttribute("[data-testid=result]", "data-load-ms"));
      times.push(ms);
      pageTimes.push(pageMs);
      console.log(
        `run ${i + 1}: ${(ms / 1000).toFixed(2)} s from picking the file to the status shown ` +
          `(the page's own count: ${(pageMs / 1000).toFixed(2)} s; state ${state})`,
      );
    } finally {
      await browser.close();
    }
  }
} finally {
  await new Promise((r) => served.server.close(r));
}
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const median = (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2;
  return `median ${(median / 1000).toFixed(2)} s (${(s[0] / 1000).toFixed(2)}–${(s.at(-1) / 1000).toFixed(2)} s)`;
};
console.log(`${file} as ${store}: ${size} bytes, ${runs} runs`);
console.log(`  picking the file to the status shown: ${summary(times)}`);
console.log(`  the page's own count:                 ${summary(pageTimes)}`);
