// The tables of scripts/wasm-size.sh (read its header): twiggy's items of the module with names,
// grouped by origin. twiggy measures each item; this file only decides, from an item's name,
// where it comes from, and checks the items add up to the package's module.
//
//   node scripts/wasm-size.mjs TWIGGY_TOP.json PKG_MODULE.wasm [--top N] [--readme [OUT]]
//
// --readme writes README.md with the new tables to OUT (README.md itself when OUT is not given).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

const args = process.argv.slice(2);
const [itemsFile, moduleFile] = args;
const readme = args.includes("--readme");
const readmeArg = args[args.indexOf("--readme") + 1];
const readmeOut = readme && readmeArg && !readmeArg.startsWith("--") ? readmeArg : "README.md";
const top = Number(args[args.indexOf("--top") + 1]) || 10;
const items = JSON.parse(readFileSync(itemsFile, "utf8")).map((i) => ({ name: i.name, size: i.shallow_size }));
const module = readFileSync(moduleFile);

// Item names as twiggy gives them: a function by its name-section name (`code[N]` if it has
// none), everything else by kind (`data segment ".rodata"`, `type[3]: …`, `export "memory"`,
// `code section headers`, the name section's `"function names" subsection`, …).
const C = "SQLite's C, and the libc sqlite-wasm-rs gives it";
const SHIMS = "wasm-bindgen's export shims (the JS API's entry points, with what wasm-opt inlined into them)";
function origin(name) {
  if (/^"[^"]+" subsection$|^custom section 'name' headers$/.test(name)) return null; // not shipped
  if (/^data segment |^data\[\d+\]$|^data section headers$/.test(name)) return "data";
  if (/^(type|elem|table|memory|global)\[\d+\]|^(import|export) |section headers$|^wasm magic$/.test(name)) return "other";
  if (/^code\[\d+\]$/.test(name)) return "unnamed";
  if (/ (externref|multivalue) shim$/.test(name)) return SHIMS;
  if (/^(__wbindgen_|__wbg_|__externref_)/.test(name)) return "Rust: `wasm_bindgen`"; // its #[no_mangle] helpers
  if (!name.includes("::") && !name.startsWith("<")) return C; // with sqlite-wasm-rs's Rust libc (rust_sqlite_wasm_*)
  return `Rust: \`${crateOf(name.replace(/\[[0-9a-f]+\]/g, ""))}\``;
}

// A Rust path's crate is its first segment; `<Type as Trait>::f` is Type's, or the trait's when
// Type is a primitive, slice, tuple or type parameter; `<str>::f` (a primitive's method) `core`'s.
// Drop glue, `core::ptr::drop_in_place<Type>`, is the dropped type's.
function crateOf(path) {
  const dropped = path.match(/^core::ptr::drop_in_place<(.*)>(::h[0-9a-f]{16})?$/);
  if (dropped) return crateOf(dropped[1]);
  const self = path.match(/^<?(?:&(?:mut )?|dyn )*([A-Za-z_]\w*)(::)?/);
  if (self?.[2]) return self[1];
  return path.match(/ as <?(?:&(?:mut )?|dyn )*([a-z_]\w*)::/)?.[1] ?? "core";
}

const groups = new Map();
for (const item of items) {
  const key = origin(item.name);
  if (key === null) continue;
  const g = groups.get(key) ?? { size: 0, count: 0 };
  g.size += item.size;
  g.count += 1;
  groups.set(key, g);
}
const total = [...groups.values()].reduce((sum, g) => sum + g.size, 0);
if (total !== module.length) {
  fail(`twiggy's items without the name section add up to ${total} bytes, but ${moduleFile} has ${module.length}: is the named copy from the same build? (run scripts/build-pkg.sh)`);
}

const n = (v) => v.toLocaleString("en-US");
const pct = (v) => `${((100 * v) / total).toFixed(1)} %`;
const take = (key) => {
  const g = groups.get(key) ?? { size: 0, count: 0 };
  groups.delete(key);
  return g;
};
// Rust crates below 2,000 bytes share one row.
const small = { size: 0, count: 0, crates: 0 };
const rust = [];
for (const [key, g] of groups) {
  if (!key.startsWith("Rust: ")) continue;
  groups.delete(key);
  if (g.size >= 2000) rust.push([key, g]);
  else Object.assign(small, { size: small.size + g.size, count: small.count + g.count, crates: small.crates + 1 });
}
rust.sort((a, b) => b[1].size - a[1].size);
const row = (what, g) => `| ${what} | ${n(g.size)} | ${pct(g.size)} | ${g.count === undefined ? "" : n(g.count)} |`;
const code = (key) => row(`code: ${key}`, take(key));
const originTable = [
  "| where | bytes | of the module | functions |",
  "|---|--:|--:|--:|",
  code(C),
  ...rust.map(([key, g]) => row(`code: Rust, ${key.replace(/^Rust: /, "")}`, g)),
  row(`code: Rust, ${small.crates} crates of under 2,000 bytes each`, small),
  code(SHIMS),
  row("code: functions without a name (made by wasm-opt)", take("unnamed")),
  row("data: constants and initial values (strings, SQLite's tables)", { size: take("data").size }),
  row("the rest: types, imports, exports, function table, section headers", { size: take("other").size }),
  `| **the module** (\`gzip -9\`: ${n(gzipSize(module))}) | **${n(total)}** | 100 % |  |`,
];
if (groups.size) fail(`unclassified items: ${[...groups.keys()].join(", ")}`);

const short = (name) =>
  name
    .replace(/\[[0-9a-f]+\]/g, "")
    .replace(/::h[0-9a-f]{16}$/, "")
    .replaceAll("|", "\\|");
const from = (key) => (key === C ? "SQLite" : key === SHIMS ? "wasm-bindgen shim" : key === "unnamed" ? "wasm-opt" : key.replace(/^Rust: /, ""));
const largest = items
  .map((i) => ({ ...i, key: origin(i.name) }))
  .filter((i) => i.key !== null && i.key !== "data" && i.key !== "other")
  .sort((a, b) => b.size - a.size || a.name.localeCompare(b.name))
  .slice(0, top)
  .map((i) => `| \`${short(i.name)}\` | ${from(i.key)} | ${n(i.size)} |`);
const functionTable = ["| largest functions | from | bytes |", "|---|---|--:|", ...largest];

if (readme) {
  let text = readFileSync("README.md", "utf8");
  text = replaceBetweenMarkers(text, "wasm-size-origins", originTable);
  text = replaceBetweenMarkers(text, "wasm-size-functions", functionTable);
  writeFileSync(readmeOut, text);
}
console.log([...originTable, "", ...functionTable].join("\n"));

function fail(message) {
  console.error(`wasm-size: ${message}`);
  process.exit(1);
}

/** Bytes of `gzip -9` output, no file name in the header (as assemble-pkg.mjs measures). */
function gzipSize(bytes) {
  return execFileSync("gzip", ["-9n"], { input: bytes, maxBuffer: 1 << 26 }).length;
}

/** `text` with the lines between `<!-- NAME: … -->` and `<!-- /NAME -->` replaced by `lines`. */
function replaceBetweenMarkers(text, name, lines) {
  const re = new RegExp(`(<!-- ${name}(?:: [^\\n]*)? -->\\n)[\\s\\S]*?(<!-- /${name} -->)`);
  if (!re.test(text)) fail(`README.md has no <!-- ${name} --> … <!-- /${name} --> block`);
  return text.replace(re, (_, open, close) => `${open}${lines.join("\n")}\n${close}`);
}
