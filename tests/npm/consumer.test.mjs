// The npm package as a JavaScript developer meets it: `pkg/` is packed with `npm pack`, the
// tarball is installed into a throwaway ESM app, and everything below runs against that install
// with real tools (no mocks): the README's snippets exactly as printed, publint and
// arethetypeswrong, strict `tsc` (5.9 and 7, moduleResolution bundler and node16), a Vite build
// loaded in headless Chromium, and argument fuzzing that must never end in a wasm trap.
//
// Run: node --test tests/npm/   (scripts/test.sh does; needs tools/node_modules and Chromium)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tools = path.join(root, "tools", "node_modules");
const here = fileURLToPath(new URL(".", import.meta.url));
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
const chromiumArgs = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run",
];

let app; // the throwaway consumer app
let tarball;
let pkg; // the installed package's module (node entry)

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...opts });
  return { code: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}`, stdout: r.stdout ?? "" };
}

before(async () => {
  app = mkdtempSync(path.join(tmpdir(), "amux-consumer-"));
  const packed = execFileSync("npm", ["pack", path.join(root, "pkg"), "--pack-destination", app, "--json"], {
    encoding: "utf8",
  });
  tarball = path.join(app, JSON.parse(packed)[0].filename);
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball], { cwd: app });
  pkg = await import(pathToFileURL(path.join(app, "node_modules/agentmux-schema/node.js")));

  // The database files the README's snippets open.
  const legacy = pkg.Database.memory();
  legacy.exec(readFileSync(path.join(root, "tests/fixtures/legacy_v11.sql"), "utf8"));
  writeFileSync(path.join(app, "objects.db"), legacy.toBytes());
  legacy.close();
});

after(() => {
  if (app && !process.env.KEEP_CONSUMER_APP) rmSync(app, { recursive: true, force: true });
});

/** Fenced blocks of one language from the installed package's README. */
function readmeBlocks(lang) {
  const readme = readFileSync(path.join(app, "node_modules/agentmux-schema/README.md"), "utf8");
  return [...readme.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);
}

test("every JS snippet of the README runs as printed and prints what it says", () => {
  const snippets = readmeBlocks("js");
  assert.ok(snippets.length >= 5, `expected the README's JS recipes, found ${snippets.length}`);
  snippets.forEach((code, i) => {
    const file = path.join(app, `readme-snippet-${i + 1}.mjs`);
    writeFileSync(file, code);
    const r = run(process.execPath, [file], { cwd: app });
    assert.equal(r.code, 0, `snippet ${i + 1} failed:\n${code}\n--- output ---\n${r.out}`);
    const promised = [...code.matchAll(/\/\/ prints: (.*)$/gm)].map((m) => m[1].trim());
    const printed = r.stdout.trim().split("\n").filter(Boolean);
    assert.deepEqual(printed, promised, `snippet ${i + 1} printed something other than its comments say`);
  });
});

test("the README's error table matches the declared error fields", () => {
  const dts = readFileSync(path.join(app, "node_modules/agentmux-schema/agentmux_schema.d.ts"), "utf8");
  const union = dts.match(/export type ErrorFields = (.*);/)[1];
  const declared = Object.fromEntries(
    [...union.matchAll(/\{ name: "(\w+)";?([^}]*)\}/g)].map(([, name, rest]) => [
      name,
      [...rest.matchAll(/(\w+):/g)].map((m) => m[1]).sort(),
    ]),
  );
  delete declared.SchemaError; // the base class: no table row
  const readme = readFileSync(path.join(app, "node_modules/agentmux-schema/README.md"), "utf8");
  const table = Object.fromEntries(
    [...readme.matchAll(/^\| `(\w+Error)` \|([^|]*)\|/gm)].map(([, name, fields]) => [
      name,
      [...fields.matchAll(/`(\w+)`/g)].map((m) => m[1]).sort(),
    ]),
  );
  assert.deepEqual(table, { ...declared, NotInitializedError: [] });
});

test("the README's <script type=module> recipe works in Chromium as printed", async () => {
  const [html] = readmeBlocks("html");
  writeFileSync(path.join(app, "recipe.html"), html);
  const server = await serve(app);
  try {
    const { errors, text } = await inChromium(`${server.url}/recipe.html`, async (page) => {
      await page.waitForFunction(() => document.body.textContent.includes(" is at v"), null, { timeout: 20000 });
      return page.evaluate(() => document.body.textContent);
    });
    assert.equal(text.trim(), "sagas.db is at v1");
    assert.deepEqual(errors, []);
  } finally {
    server.close();
  }
});

test("every wasm export the typings declare exists in the module (InitOutput and _bg.wasm.d.ts)", () => {
  const dir = path.join(app, "node_modules/agentmux-schema");
  const actual = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(path.join(dir, "agentmux_schema_bg.wasm"))))
    .map((e) => e.name)
    .sort();
  const bg = readFileSync(path.join(dir, "agentmux_schema_bg.wasm.d.ts"), "utf8");
  const missing = (names) => names.filter((n) => !actual.includes(n));
  const declared = [...bg.matchAll(/^export const (\w+):/gm)].map((m) => m[1]);
  assert.ok(declared.includes("database_migrate"), "the declarations were found");
  assert.deepEqual(missing(declared), []);
  const dts = readFileSync(path.join(dir, "agentmux_schema.d.ts"), "utf8");
  const init = dts.slice(dts.indexOf("export interface InitOutput {"));
  const members = init.slice(0, init.indexOf("\n}"));
  const interfaceMembers = [...members.matchAll(/^\s*readonly (\w+):/gm)].map((m) => m[1]);
  assert.deepEqual(interfaceMembers.sort(), declared.sort());
  assert.deepEqual(missing(interfaceMembers), []);
  // SQLite's C hooks are not part of the module's interface.
  assert.ok(!actual.some((n) => n.startsWith("rust_sqlite_wasm_") || n.startsWith("sqlite3_")), actual.join(" "));
});

test("publint --strict finds nothing", () => {
  const r = run(process.execPath, [path.join(tools, "publint/src/cli.js"), "--strict", path.join(app, "node_modules/agentmux-schema")]);
  assert.equal(r.code, 0, r.out);
  assert.doesNotMatch(r.out, /warning|error|suggestion/i, r.out);
});

test("arethetypeswrong finds no problem (ESM-only package)", () => {
  const r = run(process.execPath, [path.join(tools, "@arethetypeswrong/cli/dist/index.js"), tarball, "--profile", "esm-only", "--format", "table-flipped"]);
  // Exit 0 means no problem outside the CommonJS resolutions an ESM-only package cannot serve.
  assert.equal(r.code, 0, r.out);
  assert.doesNotMatch(r.out, /💀|❌|🐛|🥴|🎭|❗️/u, r.out);
});

for (const [compiler, bin] of [
  ["TypeScript 5.9", "typescript/bin/tsc"],
  ["TypeScript 7", "typescript-7/bin/tsc"],
]) {
  for (const resolution of ["bundler", "node16"]) {
    test(`strict ${compiler} accepts the sample (moduleResolution ${resolution})`, () => {
      cpSync(path.join(here, "sample.ts"), path.join(app, "sample.ts"));
      const module = resolution === "bundler" ? "esnext" : "node16";
      const config = {
        compilerOptions: {
          strict: true, noEmit: true, target: "es2022", module, moduleResolution: resolution,
          lib: ["es2022", "dom", "esnext.disposable"], types: [], skipLibCheck: false,
          exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true,
        },
        files: ["sample.ts"],
      };
      const tsconfig = path.join(app, `tsconfig.${resolution}.json`);
      writeFileSync(tsconfig, JSON.stringify(config, null, 2));
      const r = run(process.execPath, [path.join(tools, bin), "-p", tsconfig], { cwd: app });
      assert.equal(r.code, 0, r.out);
    });
  }
}

test("a Vite app builds, loads in Chromium and migrates with no console errors", async () => {
  const site = path.join(app, "vite-app");
  cpSync(path.join(here, "vite-app"), site, { recursive: true });
  const vite = await import(pathToFileURL(path.join(tools, "vite/dist/node/index.js")));
  await vite.build({ root: site, logLevel: "error", configFile: false });
  const server = await serve(path.join(site, "dist"));
  try {
    const { errors, text: result } = await inChromium(`${server.url}/index.html`, async (page) => {
      await page.waitForFunction(() => window.result !== undefined, null, { timeout: 20000 });
      return page.evaluate(() => window.result);
    });
    assert.deepEqual(result, {
      beforeInit: "NotInitializedError",
      outcomes: ["objects.db:created:v4", "filestore.db:created:v1", "sagas.db:created:v1"],
      tooNew: "objects.db 99>4",
      unchanged: true,
      closedAfterFree: true,
      useAfterFree: "ClosedError",
    });
    assert.deepEqual(errors, []);
  } finally {
    server.close();
  }
});

test("lifecycle: close is idempotent, free/dispose close, use after either throws ClosedError", () => {
  const { Database, ClosedError } = pkg;
  for (const end of ["close", "free", Symbol.dispose]) {
    const db = Database.memory();
    db[end]();
    db[end]();
    assert.equal(db.isClosed, true);
    for (const use of [() => db.exec("SELECT 1"), () => db.query("SELECT 1"), () => db.migrate("objects"), () => db.toBytes()]) {
      assert.throws(use, ClosedError);
    }
    db.close();
  }
});

test("no argument of the wrong type ends in a wasm trap", () => {
  const { Database, SchemaError, migrateAll, statusOfBytes } = pkg;
  const weird = [undefined, null, 0, -1, 1.5, NaN, 2n ** 70n, "", "objects", "x".repeat(100000), {}, [], [1], true,
    Symbol("s"), () => 1, new Uint8Array(3), new ArrayBuffer(8), new Date(0)];
  const db = Database.memory();
  const calls = [];
  for (const v of weird) {
    calls.push(() => Database.fromBytes(v), () => db.exec(v), () => db.query(v), () => db.query("SELECT ?1", v),
      () => db.query("SELECT ?1", [v]), () => db.migrate(v), () => db.status(v), () => statusOfBytes(v, "objects"),
      () => statusOfBytes(new Uint8Array(0), v), () => migrateAll(v, db, db));
  }
  let threw = 0;
  for (const call of calls) {
    try {
      call();
    } catch (e) {
      threw++;
      assert.ok(e instanceof TypeError || e instanceof SchemaError, `${call}: ${e?.constructor?.name}: ${e}`);
      assert.ok(!(e instanceof WebAssembly.RuntimeError), `${call}: trapped`);
    }
  }
  assert.ok(threw > calls.length / 2, "most of these calls must be refused");
  // The module is still healthy afterwards.
  assert.equal(Database.memory().migrate("objects").outcome, "created");
});

// -------------------------------------------------------------------------------------------

/** A static file server on 127.0.0.1 (an ephemeral port) for `dir`. */
function serve(dir) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (rel === "/favicon.ico") return res.writeHead(204).end(); // browsers ask; not an error
    const file = path.join(dir, rel);
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

/** Open `url` in headless Chromium, run `body(page)`, and collect console errors and page errors. */
async function inChromium(url, body) {
  const { chromium } = await import(pathToFileURL(path.join(tools, "playwright-core/index.mjs")));
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    const text = await body(page);
    return { errors, text };
  } finally {
    await browser.close();
  }
}
