// Assembles the npm package around what wasm-pack generated: scripts/build-pkg.sh runs it last
// (after wasm-pack and the optional wasm-opt pass), on the directory it builds in, as
//
//   node scripts/assemble-pkg.mjs OUT_DIR NAMED_MODULE.wasm
//
// OUT_DIR is wasm-pack's fresh output (build-pkg.sh moves it to pkg/ once every step has
// succeeded). NAMED_MODULE is the final module with its name section (scripts/wasm-size.sh reads
// that copy); the package ships it without. Everything else comes from committed files: js/ (the
// entries, the error classes' declarations, the package.json template, the README), Cargo.toml's
// version and LICENSE. The only generated files edited are wasm-bindgen's two .d.ts files, for the
// two reasons given below. It writes nothing outside OUT_DIR: the README with this build's size
// table is OUT_DIR/README.md, which build-pkg.sh copies to js/README.md. Run from the repository
// root.
import { execFileSync } from "node:child_process";
import { copyFileSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [out, named] = process.argv.slice(2);
if (!out || !named) fail("usage: node scripts/assemble-pkg.mjs OUT_DIR NAMED_MODULE.wasm");
// It edits wasm-bindgen's output once: OUT_DIR must be wasm-pack's, fresh.
if (readFileSync(`${out}/agentmux_schema.d.ts`, "utf8").includes("type PlatformGlobal")) {
  fail(`${out} is already assembled: run scripts/build-pkg.sh`);
}

// The module, without its name section (function names are for scripts/wasm-size.sh only).
const wasm = withoutCustomSection(readFileSync(named), "name");
writeFileSync(`${out}/agentmux_schema_bg.wasm`, wasm);
const exports = new Set(WebAssembly.Module.exports(new WebAssembly.Module(wasm)).map((e) => e.name));

// build-pkg.sh's wasm-opt pass removes exports that only SQLite's C uses. The JS glue must use
// none of them: every `wasm.name` it calls must still be exported.
const glue = readFileSync(`${out}/agentmux_schema.js`, "utf8");
const gone = [...new Set([...glue.matchAll(/\bwasm\.(\w+)/g)].map((m) => m[1]))].filter((n) => !exports.has(n));
if (gone.length) fail(`the JS glue uses exports the module no longer has: ${gone.join(" ")}`);

// wasm-bindgen declared the module's exports before wasm-opt removed some: drop the removed ones
// from its declarations (`export const` lines in the _bg.wasm.d.ts, and the members of the
// InitOutput interface; class members elsewhere in that file have the same shape).
pruneExportDeclarations(`${out}/agentmux_schema_bg.wasm.d.ts`, null, null);
pruneExportDeclarations(`${out}/agentmux_schema.d.ts`, "export interface InitOutput {", "}");

// wasm-bindgen's declarations name platform types (RequestInfo, BufferSource, WebAssembly.*,
// Symbol.dispose) that only some libs declare, so strict tsc with skipLibCheck: false failed
// under lib ES2022 + @types/node, or DOM without esnext.disposable. Each platform type is looked
// up on globalThis instead (never where no lib declares it), and Symbol.dispose is declared as
// @types/node and lib esnext.disposable both declare it.
lookUpPlatformTypes(`${out}/agentmux_schema.d.ts`);

// The package's own files. index.js and index.d.ts import the error classes from the snippet
// wasm-bindgen copied js/errors.js to (its directory name carries a hash): `__ERRORS__` in them
// is that path, and the classes' declarations go next to it.
const snippet = findErrorsSnippet();
copyFileSync("js/errors.d.ts", `${out}/${snippet.replace(/\.js$/, ".d.ts")}`);
for (const file of ["index.js", "index.d.ts"]) {
  writeFileSync(`${out}/${file}`, readFileSync(`js/${file}`, "utf8").replaceAll("__ERRORS__", `./${snippet}`));
}
copyFileSync("js/node.js", `${out}/node.js`);
copyFileSync("LICENSE", `${out}/LICENSE`);

// package.json: js/package.json with Cargo.toml's version in place of its "__VERSION__".
const manifest = JSON.parse(readFileSync("js/package.json", "utf8"));
if (manifest.version !== "__VERSION__") fail('js/package.json: "version" must be "__VERSION__" (Cargo.toml sets it)');
manifest.version = cargoVersion();
writeFileSync(`${out}/package.json`, `${JSON.stringify(manifest, null, 2)}\n`);

// The README's size table (between its `<!-- size` markers), true to this build; build-pkg.sh
// copies this README to js/README.md, so the committed one never states another build's size.
const sizes = [
  ["agentmux_schema_bg.wasm", "SQLite, the schema code, the OPFS pool; the Rust side of the bindings"],
  ["agentmux_schema.js", "wasm-bindgen's JS bindings"],
  ["index.js", "the browser and bundler entry"],
  ["node.js", "the Node entry"],
  [snippet, "the error classes"],
].map(([file, what]) => {
  const bytes = readFileSync(`${out}/${file}`);
  const shown = file.startsWith("snippets/") ? file.replace(/^snippets\/[^/]+\//, "snippets/…/") : file;
  return `| \`${shown}\` | ${what} | ${n(bytes.length)} | ${n(gzipSize(bytes))} |`;
});
const readme = replaceBetweenMarkers(readFileSync("js/README.md", "utf8"), "size", [
  "| file | what | bytes | `gzip -9` |",
  "|---|---|--:|--:|",
  ...sizes,
]);
writeFileSync(`${out}/README.md`, readme);

// wasm-pack's .gitignore in pkg/ would hide the build from git; the package is committed.
rmSync(`${out}/.gitignore`, { force: true });

// Smoke test: the built package loads and works under Node.
const { Database } = await import(pathToFileURL(`${out}/node.js`).href);
const db = Database.memory();
const report = db.migrate("objects");
if (report.outcome !== "created" || db.userVersion() !== report.toVersion) fail("smoke test: migrate failed");
if (Database.fromBytes(db.toBytes()).userVersion() !== report.toVersion) fail("smoke test: round trip failed");
console.log(`pkg smoke test ok: objects.db v${report.toVersion}`);
console.log(`agentmux_schema_bg.wasm: ${wasm.length} bytes, ${gzipSize(wasm)} with gzip -9`);

function fail(message) {
  console.error(`assemble-pkg: ${message}`);
  process.exit(1);
}

function n(value) {
  return value.toLocaleString("en-US");
}

/** Bytes of `gzip -9` output, no file name in the header (as a server or `gzip -9 <file` sends). */
function gzipSize(bytes) {
  return execFileSync("gzip", ["-9n"], { input: bytes, maxBuffer: 1 << 26 }).length;
}

/** The module without its custom section `name`: a module is an 8-byte header, then sections (id, LEB128 size, content). */
function withoutCustomSection(bytes, name) {
  const kept = [bytes.subarray(0, 8)];
  let i = 8;
  const leb = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[i++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (i < bytes.length) {
    const start = i;
    const id = bytes[i++];
    const size = leb();
    const end = i + size;
    const named = id === 0 && bytes[i] === name.length && bytes.subarray(i + 1, i + 1 + name.length).toString("latin1") === name;
    if (!named) kept.push(bytes.subarray(start, end));
    i = end;
  }
  return Buffer.concat(kept);
}

function pruneExportDeclarations(file, from, to) {
  let inside = from === null;
  const lines = readFileSync(file, "utf8").split("\n").filter((line) => {
    if (from !== null && line.startsWith(from)) inside = true;
    else if (inside && to !== null && line.startsWith(to)) inside = false;
    const m = inside && line.match(/^\s*(?:readonly|export const) (\w+):/);
    return !m || exports.has(m[1]);
  });
  writeFileSync(file, lines.join("\n"));
}

function lookUpPlatformTypes(file) {
  let dts = readFileSync(file, "utf8");
  const swaps = [
    [
      "export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;",
      'export type InitInput = string | Platform<"URL"> | Platform<"Request"> | Platform<"Response"> | ArrayBuffer | ArrayBufferView | Wasm<"Module">;',
    ],
    [
      "export type SyncInitInput = BufferSource | WebAssembly.Module;",
      'export type SyncInitInput = ArrayBuffer | ArrayBufferView | Wasm<"Module">;',
    ],
  ];
  for (const [from, to] of swaps) {
    if (!dts.includes(from)) fail(`${file} no longer has: ${from}`);
    dts = dts.replace(from, to);
  }
  dts = dts.replace(/\bWebAssembly\.(\w+)(?=[;,)>| ])/g, (_, type) => `Wasm<"${type}">`);
  const left = dts.split("\n").filter((l) => !/^\s*(\*|\/\/)/.test(l) && /\b(RequestInfo|BufferSource|WebAssembly\.)/.test(l));
  if (left.length) fail(`platform types left in ${file}:\n${left.join("\n")}`);
  dts += `
// Platform types, looked up where a lib declares them (DOM, WebWorker, @types/node), so these
// declarations compile under any of them; each is \`never\` where none does.
type PlatformGlobal = typeof globalThis;
type Platform<K extends string> = PlatformGlobal extends { [k in K]: { prototype: infer T } } ? T : never;
type Wasm<K extends string> = (PlatformGlobal extends { WebAssembly: infer W } ? W : never) extends { [k in K]: { prototype: infer T } } ? T : never;
declare global {
  interface SymbolConstructor {
    /** As declared by lib esnext.disposable and @types/node (\`using\` calls it). */
    readonly dispose: unique symbol;
  }
}
export {};
`;
  writeFileSync(file, dts);
}

function findErrorsSnippet() {
  const found = readdirSync(`${out}/snippets`, { recursive: true })
    .map((p) => `snippets/${p.split("\\").join("/")}`)
    .filter((p) => p.endsWith("/js/errors.js"))
    .sort();
  if (!found.length) fail("wasm-bindgen did not emit the js/errors.js snippet");
  return found[0];
}

function cargoVersion() {
  const pkgSection = readFileSync("Cargo.toml", "utf8").split(/^\[/m).find((s) => s.startsWith("package]"));
  const version = pkgSection?.match(/^version = "([^"]+)"$/m)?.[1];
  if (!version) fail("no version in Cargo.toml's [package]");
  return version;
}

/** `text` with the lines between `<!-- NAME: … -->` and `<!-- /NAME -->` replaced by `lines`. */
function replaceBetweenMarkers(text, name, lines) {
  const re = new RegExp(`(<!-- ${name}(?:: [^\\n]*)? -->\\n)[\\s\\S]*?(<!-- /${name} -->)`);
  if (!re.test(text)) fail(`no <!-- ${name} --> … <!-- /${name} --> block to fill`);
  return text.replace(re, (_, open, close) => `${open}${lines.join("\n")}\n${close}`);
}
