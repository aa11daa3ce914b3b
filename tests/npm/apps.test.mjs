// The package in real apps, from the packed tarball: the README's Worker example (worker.js +
// main.js, copied from the installed README without an edit) built by every bundler the README
// names, exactly as the README says to build it, then loaded in headless Chromium: OPFS files
// persist across a reload, a second tab waits for the first instead of running in memory, and
// errors cross postMessage with their class and fields. Plus the OPFS "one holder" rule itself
// (a second holder gets `kind: "busy"`).
//
// Run: node --test tests/npm/   (scripts/test.sh does; needs tools/node_modules and Chromium)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, consumerApp, here, readmeBlocks, root, run, serve, tools } from "./helpers.mjs";

let consumer;
let app;
let readme;
let example; // { "worker.js": code, "main.js": code } from the installed README
let vite;

// Tools the README's build steps call, installed into the app as a user would (linked from tools/).
const linked = ["vite", "typescript", "esbuild", "webpack", "rollup", "@rollup/plugin-node-resolve"];
const bins = { vite: "vite/bin/vite.js", tsc: "typescript/bin/tsc", esbuild: "esbuild/bin/esbuild", rollup: "rollup/dist/bin/rollup" };

before(async () => {
  consumer = consumerApp("amux-apps-");
  app = consumer.app;
  for (const name of linked) {
    mkdirSync(path.dirname(path.join(app, "node_modules", name)), { recursive: true });
    symlinkSync(path.join(tools, name), path.join(app, "node_modules", name));
  }
  mkdirSync(path.join(app, "node_modules/.bin"), { recursive: true });
  for (const [bin, target] of Object.entries(bins)) symlinkSync(path.join(tools, target), path.join(app, "node_modules/.bin", bin));
  readme = readFileSync(path.join(consumer.dir, "README.md"), "utf8");
  example = Object.fromEntries(readmeBlocks(readme, "js").filter((b) => b.file === "worker.js" || b.file === "main.js").map((b) => [b.file, b.code]));
  assert.deepEqual(Object.keys(example).sort(), ["main.js", "worker.js"], "the README's Worker example has its two files");
  vite = await import(pathToFileURL(path.join(tools, "vite/dist/node/index.js")));
});

after(() => consumer?.remove());

/** A directory in the app holding the README's two files (under `names`) and `index.html`. */
function site(name, { html = '<script type="module" src="./main.js"></script>', files = { "main.js": "main.js", "worker.js": "worker.js" } } = {}) {
  const dir = path.join(app, name);
  mkdirSync(dir, { recursive: true });
  for (const [from, to] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, to)), { recursive: true });
    writeFileSync(path.join(dir, to), example[from]);
  }
  writeFileSync(path.join(dir, "index.html"), `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${name}</title></head>\n<body>${html}</body></html>\n`);
  return dir;
}

/** The `<p>` lines main.js has written. */
const lines = (page) => page.$$eval("p", (ps) => ps.map((p) => p.textContent));

async function waitForLine(page, pattern) {
  await page.waitForFunction(
    (source) => [...document.querySelectorAll("p")].some((p) => new RegExp(source).test(p.textContent)),
    pattern.source,
    { timeout: 30000 },
  );
  return lines(page);
}

const created = "objects.db created, filestore.db created, sagas.db created";
const upToDate = "objects.db up-to-date, filestore.db up-to-date, sagas.db up-to-date";

/**
 * Load the built app at `url` in a fresh Chromium profile, reload it, and check that the three
 * files were created in OPFS and then found again; `alsoSecondTab` also opens a second tab.
 */
async function drive(url, { alsoSecondTab = false } = {}) {
  const browser = await chromium();
  try {
    const page = await browser.newPage();
    await page.goto(url);
    assert.deepEqual(await waitForLine(page, /sagas\.db/), [created]);
    await page.reload();
    assert.deepEqual(await waitForLine(page, /sagas\.db/), [upToDate], "the files persisted in OPFS across the reload");

    if (alsoSecondTab) {
      // The second tab must not run in memory: it says it waits, and waits until the first closes.
      const second = await browser.newPage();
      await second.goto(url);
      assert.deepEqual(await waitForLine(second, /another tab/), ["This app is open in another tab: close it to continue here."]);
      await second.waitForTimeout(1000);
      assert.equal((await lines(second)).length, 1, "nothing ran while the first tab held the files");
      await page.close();
      assert.deepEqual((await waitForLine(second, /sagas\.db/)).slice(1), [upToDate], "then it opened the same files");
    }
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
}

/** `vite preview` of the site at `root` (serving its dist/); returns its URL and a close function. */
async function preview(root) {
  const server = await vite.preview({ root, configFile: false, logLevel: "error", preview: { host: "127.0.0.1", port: 0 } });
  const { port } = server.httpServer.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}

test("the README's Worker example: vite build + vite preview, no config; a reload keeps the files; a second tab waits", async () => {
  const dir = site("vite-app");
  await vite.build({ root: dir, logLevel: "error", configFile: false });
  const server = await preview(dir);
  try {
    await drive(server.url, { alsoSecondTab: true });
  } finally {
    await server.close();
  }
});

test("the README's Worker example as main.ts/worker.ts in the Vite vanilla-ts template: npm run build (tsc && vite build)", async () => {
  // tests/npm/vite-ts-template: create-vite 7.1.3's template-vanilla-ts (package.json, tsconfig.json,
  // index.html, src/vite-env.d.ts), with the README's files as src/main.ts and src/worker.ts.
  const dir = path.join(app, "vite-ts");
  cpSync(path.join(here, "vite-ts-template"), dir, { recursive: true });
  writeFileSync(path.join(dir, "src/main.ts"), example["main.js"]);
  writeFileSync(path.join(dir, "src/worker.ts"), example["worker.js"]);
  const env = { ...process.env, PATH: `${path.join(app, "node_modules/.bin")}:${process.env.PATH}` };
  const r = run("npm", ["run", "build"], { cwd: dir, env });
  assert.equal(r.code, 0, r.out);
  const server = await preview(dir);
  try {
    await drive(server.url);
  } finally {
    await server.close();
  }
});

/** The README's build command for `bundler` (its row of the bundler table). */
function readmeCommand(bundler) {
  const row = readme.split("\n").find((l) => l.startsWith(`| ${bundler} |`));
  assert.ok(row, `the README's bundler table has a ${bundler} row`);
  const command = row.match(/`([^`]*&& cp [^`]*)`/)?.[1];
  assert.ok(command, `the ${bundler} row gives a command: ${row}`);
  return command;
}

for (const bundler of ["esbuild", "Rollup"]) {
  test(`the README's Worker example built with ${bundler} by the README's command`, async () => {
    const dir = site(`${bundler.toLowerCase()}-app`);
    symlinkSync(path.join(app, "node_modules"), path.join(dir, "node_modules"));
    const env = { ...process.env, PATH: `${path.join(app, "node_modules/.bin")}:${process.env.PATH}` };
    const r = run("sh", ["-c", readmeCommand(bundler)], { cwd: dir, env });
    assert.equal(r.code, 0, r.out);
    cpSync(path.join(dir, "index.html"), path.join(dir, "dist/index.html"));
    const server = await serve(path.join(dir, "dist"));
    try {
      await drive(`${server.url}/`);
    } finally {
      server.close();
    }
  });
}

test("the README's Worker example built with webpack 5 (production, entry ./main.js, nothing else)", async () => {
  assert.match(readme, /\| webpack 5 \| nothing \(`entry: "\.\/main\.js"`\)/);
  const dir = site("webpack-app", { html: '<script src="./main.js"></script>' });
  const webpack = (await import(pathToFileURL(path.join(tools, "webpack/lib/index.js")))).default;
  const stats = await new Promise((resolve, reject) =>
    webpack({ mode: "production", context: dir, entry: "./main.js", output: { path: path.join(dir, "dist") } }, (err, s) =>
      err ? reject(err) : resolve(s)),
  );
  assert.ok(!stats.hasErrors(), stats.toString("errors-only"));
  // Only webpack's size hint (the README mentions it): the .wasm is above its 244 KiB advice.
  const warnings = stats.toJson({ all: false, warnings: true }).warnings.map((w) => w.message);
  assert.deepEqual(warnings.filter((w) => !/asset size limit|entrypoint size limit|webpack performance recommendations/.test(w)), [], warnings.join("\n"));
  cpSync(path.join(dir, "index.html"), path.join(dir, "dist/index.html"));
  const server = await serve(path.join(dir, "dist"));
  try {
    await drive(`${server.url}/`);
  } finally {
    server.close();
  }
});

test("OPFS has one holder: a second page's installOpfs gets OpfsError kind \"busy\", never a silent in-memory run", async () => {
  // No Web Lock here: this is what an app that does not wait meets.
  writeFileSync(path.join(app, "busy-worker.js"), `
    import init, { installOpfs } from "./node_modules/agentmux-schema/index.js";
    await init();
    try {
      const pool = await installOpfs("busy-test");
      pool.open("objects.db").migrate("objects");
      postMessage({ held: pool.fileNames().includes("objects.db") });
    } catch (e) {
      postMessage({ error: e.toJSON() });
    }
  `);
  writeFileSync(path.join(app, "busy.html"), `<!doctype html><script type="module">
    import { OpfsError, SchemaError } from "./node_modules/agentmux-schema/index.js";
    const worker = new Worker("./busy-worker.js", { type: "module" });
    worker.onmessage = ({ data }) => {
      const e = data.error && SchemaError.fromJSON(data.error);
      window.result = e ? { isOpfsError: e instanceof OpfsError, kind: e.kind, message: e.message } : data;
    };
  </script>`);
  const server = await serve(app);
  const browser = await chromium();
  try {
    const first = await browser.newPage();
    await first.goto(`${server.url}/busy.html`);
    await first.waitForFunction(() => window.result, null, { timeout: 20000 });
    assert.deepEqual(await first.evaluate(() => window.result), { held: true });
    const second = await browser.newPage();
    await second.goto(`${server.url}/busy.html`);
    await second.waitForFunction(() => window.result, null, { timeout: 20000 });
    const result = await second.evaluate(() => window.result);
    assert.equal(result.isOpfsError, true, JSON.stringify(result));
    assert.equal(result.kind, "busy", result.message);
    assert.match(result.message, /another tab or worker of this site holds this OPFS directory/);
    assert.match(result.message, /NoModificationAllowedError/);
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});

test("errors cross postMessage from a real Worker: toJSON() there, SchemaError.fromJSON() here rebuilds class, fields and message", async () => {
  writeFileSync(path.join(app, "errors-worker.js"), `
    import init, { Database, installOpfs } from "./node_modules/agentmux-schema/index.js";
    await init();
    const out = {};
    const future = Database.memory();
    future.exec("PRAGMA user_version = 99");
    try {
      future.migrate("objects");
    } catch (e) {
      Object.assign(out, { raw: e, json: e.toJSON(), text: JSON.stringify(e), message: e.message });
    }
    const pool = await installOpfs("errors-a");
    try {
      await installOpfs("errors-b"); // the same vfsName on another directory
    } catch (e) {
      out.mismatch = e.toJSON();
    }
    const open = pool.open("open.db");
    open.exec("CREATE TABLE t(x)");
    try {
      pool.deleteFile("open.db");
    } catch (e) {
      out.inUse = e.toJSON();
    }
    postMessage(out);
  `);
  writeFileSync(path.join(app, "errors.html"), `<!doctype html><script type="module">
    import init, { OpfsError, SchemaError, SchemaTooNewError, installOpfs } from "./node_modules/agentmux-schema/index.js";
    const data = await new Promise((resolve) => {
      new Worker("./errors-worker.js", { type: "module" }).onmessage = (e) => resolve(e.data);
    });
    const fields = (e) => ({ tooNew: e instanceof SchemaTooNewError, schemaError: e instanceof SchemaError, error: e instanceof Error,
      name: e.name, db: e.db ?? null, found: e.found ?? null, expected: e.expected ?? null, sameMessage: e.message === data.message });
    await init();
    let mainThread;
    try {
      await installOpfs("main-thread");
    } catch (e) {
      mainThread = { opfs: e instanceof OpfsError, kind: e.kind, message: e.message };
    }
    const opfs = (json) => { const e = SchemaError.fromJSON(json); return { opfs: e instanceof OpfsError, kind: e.kind, message: e.message }; };
    window.result = {
      raw: fields(data.raw),
      rebuilt: fields(SchemaError.fromJSON(data.json)),
      viaJson: fields(SchemaError.fromJSON(JSON.parse(data.text))),
      mismatch: opfs(data.mismatch),
      inUse: opfs(data.inUse),
      mainThread,
      junk: [SchemaError.fromJSON(null), SchemaError.fromJSON({ name: "constructor", message: "m" }),
        SchemaError.fromJSON(JSON.parse('{"name":"ClosedError","message":"p","__proto__":{"polluted":1}}'))]
        .map((e) => [e.constructor.name, e.message, e instanceof SchemaError, "polluted" in e ? "prototype replaced" : "prototype kept"]),
      message: data.message,
    };
  </script>`);
  const server = await serve(app);
  const browser = await chromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/errors.html`);
    await page.waitForFunction(() => window.result, null, { timeout: 20000 });
    const r = await page.evaluate(() => window.result);
    const expected = (await import(pathToFileURL(path.join(root, "pkg/node.js")))).stores()[0].version;
    const tooNew = { tooNew: true, schemaError: true, error: true, name: "SchemaTooNewError", db: "objects.db", found: 99, expected, sameMessage: true };
    assert.deepEqual(r.rebuilt, tooNew);
    assert.deepEqual(r.viaJson, tooNew);
    // What the README warns of: the error posted as it is arrives as a plain Error.
    assert.equal(r.raw.tooNew, false);
    assert.equal(r.raw.db, null);
    // The message speaks to an app's user, not to a server operator.
    assert.ok(r.message.startsWith(`objects.db was saved by a newer version of this app (schema v99; this version reads up to v${expected}). Nothing was changed: update the app`), r.message);
    assert.doesNotMatch(r.message, /server|data directory/);
    assert.equal(r.mismatch.opfs, true);
    assert.equal(r.mismatch.kind, "other");
    assert.match(r.mismatch.message, /^installOpfs\("errors-b"\): this worker's pool of the same vfsName is on another directory; reuse it, or give this directory its own vfsName \(the second argument\)$/);
    assert.doesNotMatch(r.mismatch.message, /callback/);
    assert.equal(r.inUse.kind, "in-use", r.inUse.message);
    assert.match(r.inUse.message, /close the file's Database first/);
    assert.equal(r.mainThread.opfs, true);
    assert.equal(r.mainThread.kind, "unsupported", r.mainThread.message);
    assert.match(r.mainThread.message, /dedicated Worker of a secure context/);
    assert.deepEqual(r.junk, [
      ["SchemaError", "not a serialised error: null", true, "prototype kept"],
      ["SchemaError", "m", true, "prototype kept"],
      ["ClosedError", "p", true, "prototype kept"], // a `__proto__` key is a field, not the prototype
    ]);
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});

test("a File picked in the page is read in place by a Worker: statusOfFile equals statusOfBytes, and a file changed since it was picked is FileError \"not-readable\", never a permission story", async () => {
  const pkg = await import(pathToFileURL(path.join(root, "pkg/node.js")));
  // A filestore.db with 64 parts of 64 KiB (4 MiB), written where the page's file input picks it.
  const made = pkg.Database.memory();
  made.migrate("filestore");
  made.exec(`INSERT INTO db_wave_file (zoneid, name, size) VALUES ('zone', 'term', ${64 * 65536});
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < 64)
    INSERT INTO db_file_data SELECT 'zone', 'term', i, randomblob(65536) FROM n;`);
  const bytes = made.toBytes();
  made.close();
  const file = path.join(app, "picked-filestore.db");
  writeFileSync(file, bytes);
  writeFileSync(path.join(app, "readonly-worker.js"), `
    import init, { Database, FileError, SchemaError, statusOfFile } from "./node_modules/agentmux-schema/index.js";
    const ready = init();
    onmessage = async ({ data: file }) => {
      await ready;
      try {
        const status = statusOfFile(file, "filestore");
        const db = Database.openReadOnly(file);
        const parts = db.query("SELECT count(*) AS n FROM db_file_data")[0].n;
        db.close();
        postMessage({ status, parts });
      } catch (e) {
        postMessage({ error: e instanceof SchemaError ? e.toJSON() : String(e), fileError: e instanceof FileError });
      }
    };
  `);
  writeFileSync(path.join(app, "readonly.html"), `<!doctype html><input type="file" id="pick"><script type="module">
    import init, { FileError, statusOfFile } from "./node_modules/agentmux-schema/index.js";
    await init();
    const worker = new Worker("./readonly-worker.js", { type: "module" });
    const picked = () => document.querySelector("#pick").files[0];
    window.inWorker = () => new Promise((resolve) => { worker.onmessage = (e) => resolve(e.data); worker.postMessage(picked()); });
    window.onMainThread = () => {
      try { statusOfFile(picked(), "filestore"); return null; } catch (e) { return { fileError: e instanceof FileError, kind: e.kind, message: e.message }; }
    };
    window.ready = true;
  </script>`);
  const server = await serve(app);
  const browser = await chromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/readonly.html`);
    await page.waitForFunction(() => window.ready, null, { timeout: 20000 });
    await page.setInputFiles("#pick", file);
    const read = await page.evaluate(() => window.inWorker());
    assert.equal(read.error, undefined, JSON.stringify(read.error));
    assert.deepEqual(read.status, pkg.statusOfBytes(bytes, "filestore"));
    assert.equal(read.status.state, "current");
    assert.equal(read.parts, 64);
    // The main thread has no FileReaderSync: it says where to call it from.
    const main = await page.evaluate(() => window.onMainThread());
    assert.equal(main.fileError, true);
    assert.equal(main.kind, "unsupported", main.message);
    assert.match(main.message, /Worker/);
    // The file changes on disk after it was picked: the browser refuses to read the File.
    writeFileSync(file, Buffer.concat([bytes, Buffer.alloc(4096)]));
    const changed = await page.evaluate(() => window.inWorker());
    assert.equal(changed.fileError, true, JSON.stringify(changed));
    assert.equal(changed.error.name, "FileError");
    assert.equal(changed.error.kind, "not-readable", changed.error.message);
    assert.equal(changed.error.file, "picked-filestore.db");
    assert.equal(changed.error.size, bytes.length);
    assert.match(changed.error.message, /changed, moved or deleted after it was chosen/);
    assert.doesNotMatch(changed.error.message, /permission problems/);
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});
