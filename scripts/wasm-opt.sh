#!/usr/bin/env bash
# The package's wasm-opt pass, shared by scripts/build-pkg.sh and scripts/wasm-floor.sh so both
# measure modules shrunk the same way.
#   scripts/wasm-opt.sh IN OUT     # exit 3 (and no OUT) when no wasm-opt is available
#   scripts/wasm-opt.sh --which    # print the wasm-opt it would run; exit 3 when there is none
# wasm-opt is npm's binaryen (tools/, installed by scripts/setup.sh) or $WASM_OPT; never Debian's
# binaryen (wasm-opt 108 breaks current wasm-bindgen output).
set -euo pipefail
cd "$(dirname "$0")/.."
opt=${WASM_OPT:-}
if [ -z "$opt" ] && [ -x tools/node_modules/.bin/wasm-opt ]; then opt=$PWD/tools/node_modules/.bin/wasm-opt; fi
[ -n "$opt" ] || exit 3
if [ "$1" = --which ]; then
  echo "$opt"
  exit 0
fi
in=$1 out=$2
# rustc exports every #[no_mangle] function of a cdylib's dependencies: the C runtime hooks of
# sqlite-wasm-rs, which only SQLite's C calls. Removing those exports lets -Oz drop whatever is
# then unreachable (assemble-pkg checks the JS glue calls none of them).
# --low-memory-unused: nothing lives below address 1024 (Rust's stack and data start above it).
# -g keeps the names; it changes no code (the package's module is the same without it).
"$opt" --remove-exports='sqlite3_os_*,rust_sqlite_wasm_*' -Oz --converge --low-memory-unused \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  --enable-reference-types --enable-multivalue --strip-producers --strip-target-features -g \
  "$in" -o "$out"
