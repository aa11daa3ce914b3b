// The npm package as a JavaScript developer meets it: `pkg/` is packed with `npm pack`, the
// tarball is installed into a throwaway ESM app, and everything below runs against that install
// with real tools (no mocks): the README's snippets exactly as printed, publint and
// arethetypeswrong, strict `tsc` (5.9 and 7, moduleResolution bundler and node16), a Vite build
// loaded in headless Chromium, and argument fuzzing that must never end in a wasm trap.
//
// Run: node --test tests/npm/   (scripts/test.sh does; needs tools/node_modules and Chromium)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { consumerApp, here, inChromium, readmeBlocks as blocksOf, root, run, serve, tools } from "./helpers.mjs";

let consumer; // the throwaway consumer app
let app;
let tarball;
let pkg; // the installed package's module (node entry)
/** The objects.db version the package under test writes (no test names a version). */
const objectsVersion = () => pkg.stores().find((s) => s.store === "objects").version;

before(async () => {
  consumer = consumerApp();
  ({ app, tarball } = consumer);
  // (No input files: the README's snippets make their own.)
  pkg = await import(pathToFileURL(path.join(app, "node_modules/agentmux-schema/node.js")));
});

after(() => consumer?.remove());

/** Fenced blocks of one language from the installed package's README. */
function readmeBlocks(lang) {
  return blocksOf(readFileSync(path.join(app, "node_modules/agentmux-schema/README.md"), "utf8"), lang);
}

test("every JS snippet of the README runs as printed and prints what it says", () => {
  const snippets = readmeBlocks("js");
  // The Worker example's two files are browser code (Web Locks, OPFS): apps.test.mjs builds them
  // with every bundler the README names and runs them in Chromium.
  const browserOnly = snippets.filter((s) => s.file === "worker.js" || s.file === "main.js");
  assert.deepEqual(browserOnly.map((s) => s.file), ["worker.js", "main.js"]);
  const runnable = snippets.filter((s) => !browserOnly.includes(s));
  assert.ok(runnable.length >= 7, `expected the README's JS recipes, found ${runnable.length}`);
  runnable.forEach(({ code, file }, i) => {
    // CommonJS snippets are named `example.cjs`; the rest are ES modules.
    const name = file?.endsWith(".cjs") ? `readme-snippet-${i + 1}.cjs` : `readme-snippet-${i + 1}.mjs`;
    writeFileSync(path.join(app, name), code);
    const r = run(process.execPath, [name], { cwd: app });
    assert.equal(r.code, 0, `snippet ${i + 1} failed:\n${code}\n--- output ---\n${r.out}`);
    const promised = [...code.matchAll(/\/\/ prints: (.*)$/gm)].map((m) => m[1].trim());
    const printed = r.stdout.trim().split("\n").filter(Boolean);
    assert.deepEqual(printed, promised, `snippet ${i + 1} printed something other than its comments say`);
  });
});

test("CommonJS: require works on this Node, and where require of ES modules is off the README's import() works", () => {
  const cjs = readmeBlocks("js").filter((s) => s.file?.endsWith(".cjs"));
  assert.equal(cjs.length, 2, "the README's CommonJS section has a require and an import() snippet");
  const [withRequire, withImport] = cjs;
  assert.match(withRequire.code, /require\("agentmux-schema"\)/);
  assert.match(withImport.code, /import\("agentmux-schema"\)/);
  writeFileSync(path.join(app, "require.cjs"), withRequire.code);
  writeFileSync(path.join(app, "import.cjs"), withImport.code);
  // As the README says: with require(esm) switched off, require fails and import() works.
  const off = ["--no-experimental-require-module"];
  const required = run(process.execPath, [...off, "require.cjs"], { cwd: app });
  assert.notEqual(required.code, 0);
  assert.match(required.out, /ERR_REQUIRE_ESM/);
  const imported = run(process.execPath, [...off, "import.cjs"], { cwd: app });
  assert.equal(imported.code, 0, imported.out);
  assert.equal(imported.stdout.trim(), "created");
  // engines admits exactly the Node versions whose require loads ES modules without a flag.
  const manifest = JSON.parse(readFileSync(path.join(app, "node_modules/agentmux-schema/package.json"), "utf8"));
  assert.equal(manifest.engines.node, "^20.19.0 || >=22.12.0");
  const [major, minor] = process.versions.node.split(".").map(Number);
  assert.ok((major === 20 && minor >= 19) || major > 22 || (major === 22 && minor >= 12), `this Node (${process.version}) is in range`);
  const plain = run(process.execPath, ["require.cjs"], { cwd: app });
  assert.equal(plain.code, 0, plain.out);
  assert.equal(plain.stdout.trim(), "created");
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
  const [{ code: html }] = readmeBlocks("html");
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

test("the README's state table lists every state the typings declare", () => {
  const dts = readFileSync(path.join(app, "node_modules/agentmux-schema/agentmux_schema.d.ts"), "utf8");
  const declared = [...dts.match(/export type State = (.*);/)[1].matchAll(/"([\w-]+)"/g)].map((m) => m[1]).sort();
  const readme = readFileSync(path.join(app, "node_modules/agentmux-schema/README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## States and reports"), readme.indexOf("## Queries"));
  const documented = [...section.matchAll(/^\| `([\w-]+)` \|/gm)].map((m) => m[1]).filter((s) => s !== "state").sort();
  assert.deepEqual(documented, declared);
  assert.ok(declared.includes("empty"), "an empty database has its own state");
  // And a fresh database reads `empty`, which migrate reports as `created`.
  const db = pkg.Database.memory();
  assert.equal(db.status("objects").state, "empty");
  assert.equal(db.migrate("objects").outcome, "created");
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

const compilers = [
  ["TypeScript 5.9", "typescript/bin/tsc"],
  ["TypeScript 7", "typescript-7/bin/tsc"],
];

/** Runs tsc with `compilerOptions` over `files` (copied from tests/npm/) in the consumer app. */
function tsc(bin, name, compilerOptions, files) {
  for (const f of files) cpSync(path.join(here, f), path.join(app, f));
  const tsconfig = path.join(app, `tsconfig.${name}.json`);
  writeFileSync(tsconfig, JSON.stringify({ compilerOptions: { noEmit: true, ...compilerOptions }, files }, null, 2));
  return run(process.execPath, [path.join(tools, bin), "-p", tsconfig], { cwd: app });
}

for (const [compiler, bin] of compilers) {
  for (const resolution of ["bundler", "node16"]) {
    test(`strict ${compiler} accepts the sample (moduleResolution ${resolution})`, () => {
      const r = tsc(bin, resolution, {
        strict: true, target: "es2022", module: resolution === "bundler" ? "esnext" : "node16", moduleResolution: resolution,
        lib: ["es2022", "dom", "esnext.disposable"], types: [], skipLibCheck: false,
        exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true,
      }, ["sample.ts", "sample-using.ts"]);
      assert.equal(r.code, 0, r.out);
    });
  }
  // The declarations need no particular lib (issue: RequestInfo, BufferSource, WebAssembly and
  // Symbol.dispose each failed under one of these).
  // (tsconfig.json is JSON with /* comments */)
  const jsonc = readFileSync(path.join(here, "vite-ts-template/tsconfig.json"), "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const viteTemplate = JSON.parse(jsonc).compilerOptions;
  for (const [label, options] of [
    ["lib ES2022 + @types/node", { lib: ["ES2022"], types: ["node"] }],
    ["lib ES2022 + DOM, no @types/node", { lib: ["ES2022", "DOM"], types: [] }],
    ["the Vite vanilla-ts template's settings", { ...viteTemplate, types: [] }],
  ]) {
    test(`strict ${compiler} with skipLibCheck: false accepts the declarations under ${label}`, () => {
      const r = tsc(bin, label.replace(/\W+/g, "-"), {
        strict: true, target: "es2022", module: "esnext", moduleResolution: "bundler",
        typeRoots: [path.join(tools, "@types")], ...options, skipLibCheck: false,
      }, ["sample.ts"]);
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
      outcomes: pkg.stores().map((s) => `${s.fileName}:created:v${s.version}`),
      tooNew: `objects.db 99>${objectsVersion()}`,
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

test("the small ones: no constructor, store names only, ArrayBuffer input, console.log, rowsSeeded", async () => {
  const { Database, OpfsPool, SchemaError, UnknownStoreError, statusOfBytes } = pkg;
  // `new Database()` names the factories instead of failing later with a null pointer.
  assert.throws(() => new Database(), { name: "TypeError", message: /use Database\.memory\(\), Database\.fromBytes\(bytes\)/ });
  assert.throws(() => new OpfsPool(), { name: "TypeError", message: /installOpfs/ });
  const db = Database.memory();
  assert.ok(db instanceof Database, "instanceof still works through the exported class");
  // Store names, not file names, as the README says.
  for (const name of ["objects.db", "Objects", "sagas.db"]) {
    assert.throws(() => db.migrate(name), (e) => e instanceof UnknownStoreError && e.store === name && /expected "objects"/.test(e.message));
    assert.throws(() => db.status(name), UnknownStoreError);
  }
  // An ArrayBuffer (what File.arrayBuffer() and fetch give) is accepted like a Uint8Array.
  const image = Database.memory();
  image.migrate("sagas");
  const bytes = image.toBytes();
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  assert.equal(Database.fromBytes(buffer).status("sagas").state, "current");
  assert.equal(statusOfBytes(buffer, "sagas").state, "current");
  // Other objects are named by their class.
  assert.throws(() => Database.fromBytes(new DataView(buffer)), { name: "TypeError", message: "fromBytes: bytes must be a Uint8Array or an ArrayBuffer, got DataView" });
  assert.throws(() => Database.fromBytes({}), { name: "TypeError", message: "fromBytes: bytes must be a Uint8Array or an ArrayBuffer, got object" });
  // console.log shows the state, not wasm-bindgen's pointer.
  const { inspect } = await import("node:util");
  assert.equal(inspect(db), "Database { isClosed: false }");
  db.close();
  assert.equal(inspect(db), "Database { isClosed: true }");
  // rowsSeeded is documented, and counts objects.db's seed rows once.
  const readme = readFileSync(path.join(app, "node_modules/agentmux-schema/README.md"), "utf8");
  assert.match(readme, /`rowsSeeded`: the seed rows inserted/);
  const objects = Database.memory();
  assert.ok(objects.migrate("objects").rowsSeeded > 0);
  // SchemaError itself is named too (a kind-less error from the wasm code).
  assert.equal(new SchemaError("x").name, "SchemaError");
});

test("links: package.json names a repository only with all three links, and every README link resolves from the published package", () => {
  const dir = path.join(app, "node_modules/agentmux-schema");
  const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
  const readme = readFileSync(path.join(dir, "README.md"), "utf8");
  // No public repository is known, so the committed package names none; the README's
  // "Publishing" says the three fields are set to the real one before publishing, all together.
  const fields = ["repository", "homepage", "bugs"].filter((k) => k in manifest);
  let repo = null;
  if (fields.length) {
    assert.deepEqual(fields, ["repository", "homepage", "bugs"], "set all three, or none");
    repo = manifest.repository.url.replace(/^git\+/, "").replace(/\.git$/, "");
    assert.match(repo, /^https:\/\/github\.com\/[\w-]+\/[\w.-]+$/);
    assert.equal(manifest.bugs.url, `${repo}/issues`);
    assert.ok(manifest.homepage.startsWith(`${repo}/`), manifest.homepage);
  } else {
    assert.match(readme, /^## Publishing$/m);
    assert.match(readme, /`repository`, `homepage` or `bugs`/);
    assert.doesNotMatch(readme, /github\.com/, "a repository link without a repository");
  }
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  assert.ok(links.length >= 3, links.join(" "));
  for (const link of links) {
    if (link.startsWith("#")) {
      // An anchor of one of the README's own headings (GitHub's slugs).
      const slugs = [...readme.matchAll(/^#+ (.*)$/gm)].map((m) => m[1].toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-"));
      assert.ok(slugs.includes(link.slice(1)), `${link} is none of ${slugs.join(" ")}`);
    } else if (repo && link.startsWith(`${repo}/`)) {
      // A file of the repository: it must exist here, at the same path.
      const rel = link.slice(repo.length + 1).replace(/^(blob|tree)\/main\//, "");
      assert.ok(existsSync(path.join(root, rel)), `${link}: no ${rel} in the repository`);
    } else {
      assert.match(link, /^https:\/\/developer\.mozilla\.org\//, `an outside link: ${link}`);
    }
  }
  // No bare repository paths that do not ship with the package.
  for (const m of readme.matchAll(/`((?:scripts|vendor|src|tests)\/[^`]*|\.cargo\/[^`]*)`/g)) {
    const before = readme.slice(Math.max(0, m.index - 1), m.index);
    assert.equal(before, "[", `\`${m[1]}\` is not a link to the repository`);
  }
});
