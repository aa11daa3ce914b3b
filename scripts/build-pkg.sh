#!/usr/bin/env bash
# Build the npm package `agentmux-schema` into ./pkg (wasm-pack, --target web, release).
#
#   scripts/build-pkg.sh            # build; run wasm-opt -Oz if WASM_OPT is set or npm binaryen is available
#   NO_WASM_OPT=1 scripts/build-pkg.sh
#
# Three steps: wasm-pack builds the module and its bindings; npm binaryen's wasm-opt shrinks the
# module; scripts/assemble-pkg.mjs adds the package's own files (js/, with Cargo.toml's version)
# and the README's size table. Then scripts/wasm-size.sh rewrites README.md's size tables.
#
# Needs: the wasm32-unknown-unknown target, clang-19 + llvm-ar-19 (SQLite's C), wasm-pack, and
# wasm-bindgen-cli at exactly Cargo.lock's wasm-bindgen version on PATH (--mode no-install never
# downloads); twiggy for the size tables. Never use Debian's binaryen (wasm-opt 108 breaks current
# wasm-bindgen output); the optional pass uses npm's `binaryen` package.
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

# The final module keeps its function names here (scripts/wasm-size.sh reads them); assemble-pkg
# writes it into pkg/ without them.
wasm=pkg/agentmux_schema_bg.wasm
named=target/agentmux_schema_bg.named.wasm
if [ -n "${NO_WASM_OPT:-}" ]; then
  cp "$wasm" "$named"
elif bash scripts/wasm-opt.sh "$wasm" "$named"; then
  :
else
  rc=$?
  [ "$rc" = 3 ] || exit "$rc"
  echo "note: no wasm-opt (npm binaryen) found; skipping the -Oz pass" >&2
  cp "$wasm" "$named"
fi

node scripts/assemble-pkg.mjs "$named"

if command -v twiggy >/dev/null; then
  bash scripts/wasm-size.sh --readme >/dev/null
else
  echo "note: no twiggy (scripts/setup.sh installs it); README.md's size tables were not rewritten" >&2
fi
