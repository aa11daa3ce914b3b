#!/usr/bin/env bash
# The wasm module's bytes by origin (SQLite's C, each Rust crate, the JS entry points, data), for
# deciding what to cut: a release build like scripts/build-pkg.sh's, optimised by the same
# wasm-opt pass but with the function names kept, read by scripts/wasm-size.py.
#
#   scripts/wasm-size.sh [--top N]
#
# Needs what build-pkg.sh needs (wasm-bindgen-cli, npm's binaryen in tools/). Writes only to a
# temporary directory and target/.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --profile wasm-release --lib --target wasm32-unknown-unknown
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wasm-bindgen --target web --keep-debug --out-dir "$work" target/wasm32-unknown-unknown/wasm-release/agentmux_schema.wasm
# The same export removal as build-pkg.sh, from its list.
internal_exports=$(sed -n "s/^internal_exports='\(.*\)'$/\1/p" scripts/build-pkg.sh)
tools/node_modules/.bin/wasm-opt --remove-exports="$internal_exports" -Oz --converge -g --low-memory-unused --enable-bulk-memory \
  --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-reference-types \
  --enable-multivalue "$work/agentmux_schema_bg.wasm" -o "$work/named.wasm"
python3 scripts/wasm-size.py "$work/named.wasm" "$@"
