#!/usr/bin/env bash
# Build the npm package `agentmux-schema` into ./pkg (wasm-pack, --target web, release).
#
#   scripts/build-pkg.sh            # build; run wasm-opt -Oz if WASM_OPT is set or npm binaryen is available
#   NO_WASM_OPT=1 scripts/build-pkg.sh
#
# Needs: the wasm32-unknown-unknown target, clang-19 + llvm-ar-19 (SQLite's C), wasm-pack, and
# wasm-bindgen-cli at exactly Cargo.lock's wasm-bindgen version on PATH (--mode no-install never
# downloads). Never use Debian's binaryen (wasm-opt 108 breaks current wasm-bindgen output); the
# optional pass uses npm's `binaryen` package.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$want" != "$have" ]; then
  echo "wasm-bindgen-cli $want required (found '${have:-none}'): cargo install wasm-bindgen-cli --version $want" >&2
  exit 1
fi

# The size-tuned settings are Cargo.toml's `wasm-release` profile (the wasm module only; native
# release builds and benchmarks keep the normal optimised profile). SQLite's C is compiled by the
# clang that .cargo/config.toml names (scripts/setup.sh installs it).
rm -rf pkg
wasm-pack build --target web --profile wasm-release --mode no-install --out-dir pkg --out-name agentmux_schema

wasm=pkg/agentmux_schema_bg.wasm
internal_exports='sqlite3_os_*,rust_sqlite_wasm_*'
if [ -z "${NO_WASM_OPT:-}" ]; then
  opt=${WASM_OPT:-}
  if [ -z "$opt" ] && [ -x tools/node_modules/.bin/wasm-opt ]; then opt=tools/node_modules/.bin/wasm-opt; fi
  if [ -n "$opt" ]; then
    # rustc exports every #[no_mangle] function of a cdylib's dependencies: the C runtime hooks
    # of sqlite-wasm-rs, which only SQLite's C calls. Removing those exports first lets -Oz drop
    # whatever is then unreachable. The check first proves the JS glue uses none of them.
    node --input-type=module -e '
      import { readFileSync } from "node:fs";
      const [wasm, patterns] = process.argv.slice(1);
      const glue = readFileSync("pkg/agentmux_schema.js", "utf8");
      const internal = new RegExp("^(" + patterns.split(",").map((p) => p.replaceAll("*", ".*")).join("|") + ")$");
      const names = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(wasm))).map((e) => e.name);
      const used = names.filter((n) => internal.test(n) && glue.includes(n));
      if (used.length) { console.error("build-pkg: the JS glue uses exports listed as internal: " + used.join(" ")); process.exit(1); }
    ' "$wasm" "$internal_exports"
    # --low-memory-unused: nothing lives below address 1024 (Rust's stack and data start above it).
    "$opt" --remove-exports="$internal_exports" -Oz --converge --low-memory-unused --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue --strip-producers --strip-target-features \
      "$wasm" -o "$wasm.opt"
    mv "$wasm.opt" "$wasm"
    # wasm-bindgen's declarations of the module's exports (InitOutput) list the removed ones too.
    node --input-type=module -e '
      import { readFileSync, writeFileSync } from "node:fs";
      const kept = new Set(WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(process.argv[1]))).map((e) => e.name));
      // Only the export declarations: `export const` in the _bg.wasm.d.ts, and the members of the
      // InitOutput interface (class members in the same file have the same shape).
      const prune = (file, from, to) => {
        let inside = from === null;
        const lines = readFileSync(file, "utf8").split("\n").filter((l) => {
          if (from !== null && l.startsWith(from)) inside = true;
          else if (inside && to !== null && l.startsWith(to)) inside = false;
          const m = inside && l.match(/^\s*(?:readonly|export const) (\w+):/);
          return !m || kept.has(m[1]);
        });
        writeFileSync(file, lines.join("\n"));
      };
      prune("pkg/agentmux_schema_bg.wasm.d.ts", null, null);
      prune("pkg/agentmux_schema.d.ts", "export interface InitOutput {", "}");
    ' "$wasm"
  else
    echo "note: no wasm-opt (npm binaryen) found; skipping the -Oz pass" >&2
  fi
fi

# The package's own files (js/): the entries, the error classes' declarations next to the
# snippet wasm-bindgen copied, and package.json with the crate's version.
snippet=$(cd pkg && find snippets -path '*/js/errors.js' | sort | head -n 1)
if [ -z "$snippet" ]; then
  echo "build-pkg: wasm-bindgen did not emit the js/errors.js snippet" >&2
  exit 1
fi
cp js/errors.d.ts "pkg/${snippet%.js}.d.ts"
for f in index.js index.d.ts; do
  sed "s#__ERRORS__#./$snippet#g" "js/$f" > "pkg/$f"
done
cp js/node.js pkg/node.js
# wasm-bindgen's declarations name platform types (RequestInfo, BufferSource, WebAssembly.*,
# Symbol.dispose) that only some libs declare, so strict tsc with skipLibCheck: false failed
# under lib ES2022 + @types/node, or DOM without esnext.disposable. Each platform type is looked
# up on globalThis instead (never where no lib declares it), and Symbol.dispose is declared as
# @types/node and lib esnext.disposable both declare it.
node --input-type=module -e '
  import { readFileSync, writeFileSync } from "node:fs";
  const file = "pkg/agentmux_schema.d.ts";
  let dts = readFileSync(file, "utf8");
  const swaps = [
    ["export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;",
     "export type InitInput = string | Platform<\"URL\"> | Platform<\"Request\"> | Platform<\"Response\"> | ArrayBuffer | ArrayBufferView | Wasm<\"Module\">;"],
    ["export type SyncInitInput = BufferSource | WebAssembly.Module;",
     "export type SyncInitInput = ArrayBuffer | ArrayBufferView | Wasm<\"Module\">;"],
  ];
  for (const [from, to] of swaps) {
    if (!dts.includes(from)) { console.error("build-pkg: agentmux_schema.d.ts no longer has: " + from); process.exit(1); }
    dts = dts.replace(from, to);
  }
  dts = dts.replace(/\bWebAssembly\.(\w+)(?=[;,)>| ])/g, (_, name) => `Wasm<"${name}">`);
  const left = dts.split("\n").filter((l) => !/^\s*(\*|\/\/)/.test(l) && /\b(RequestInfo|BufferSource|WebAssembly\.)/.test(l));
  if (left.length) { console.error("build-pkg: platform types left in agentmux_schema.d.ts:\n" + left.join("\n")); process.exit(1); }
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
'
version=$(awk -F'"' '/^version = /{print $2; exit}' Cargo.toml)
sed "s#__VERSION__#$version#" js/package.json > pkg/package.json
# The package README states the module's size: keep it true to this build.
raw=$(wc -c < "$wasm")
gz=$(gzip -9c "$wasm" | wc -c)
sed -E -i "s/^(\`agentmux_schema_bg\.wasm\` \(SQLite and the schema code\) is )[0-9]+ bytes, [0-9]+ bytes/\1$raw bytes, $gz bytes/" js/README.md
grep -q "is $raw bytes, $gz bytes" js/README.md || { echo "build-pkg: js/README.md has no size line to update" >&2; exit 1; }
cp js/README.md pkg/README.md
cp LICENSE pkg/LICENSE
# wasm-pack's .gitignore in pkg/ would hide the build from git; the package is committed.
rm -f pkg/.gitignore

# Smoke test: the built package loads and works under Node.
node --input-type=module -e '
import { Database } from "./pkg/node.js";
const db = Database.memory();
const r = db.migrate("objects");
if (r.outcome !== "created" || db.userVersion() !== r.toVersion) throw new Error("smoke test failed");
const copy = Database.fromBytes(db.toBytes());
if (copy.userVersion() !== r.toVersion) throw new Error("round trip failed");
console.log("pkg smoke test ok: objects.db v" + r.toVersion);
'
printf 'gzip -9 %s: %s bytes\n' "$wasm" "$(gzip -9c "$wasm" | wc -c)"
