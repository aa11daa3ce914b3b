#!/usr/bin/env bash
# Where the bytes of the package's wasm module are: code by origin (SQLite's C, each Rust crate,
# wasm-bindgen's export shims), data, and the largest functions, as Markdown tables.
#
#   bash scripts/wasm-size.sh [--top N]   # print the tables (the N largest functions; 10)
#   bash scripts/wasm-size.sh --readme    # rewrite README.md's tables (build-pkg.sh does this)
#   bash scripts/wasm-size.sh --named FILE --module FILE --readme OUT   # build-pkg.sh's call:
#                                         # another build's modules; README.md with its tables to OUT
#
# It reads the copy of pkg/'s module with its function names that scripts/build-pkg.sh leaves in
# cargo's target directory (target/, or $CARGO_TARGET_DIR; so run that first), and twiggy
# (scripts/setup.sh installs it) measures every item of it. twiggy names each function and data
# segment but has no notion of a crate or of C versus Rust, so scripts/wasm-size.mjs groups
# twiggy's items by their names; the same copy answers twiggy's other questions directly, e.g. why
# a function is in the module (target/ here is cargo's target directory):
#
#   twiggy paths --regex target/agentmux_schema_bg.named.wasm 'serde_wasm_bindgen::ser'  # who calls it
#   twiggy top --retained -n 30 target/agentmux_schema_bg.named.wasm  # what removing each would save
#   twiggy monos target/agentmux_schema_bg.named.wasm               # generics' copies
set -euo pipefail
cd "$(dirname "$0")/.."
named=$(bash scripts/target-dir.sh)/agentmux_schema_bg.named.wasm
module=pkg/agentmux_schema_bg.wasm
args=()
while [ $# -gt 0 ]; do
  case $1 in
  --named) named=$2 && shift 2 ;;
  --module) module=$2 && shift 2 ;;
  *) args+=("$1") && shift ;;
  esac
done
if [ ! -f "$named" ]; then
  echo "wasm-size: no $named: run scripts/build-pkg.sh first" >&2
  exit 1
fi
items=$(mktemp)
trap 'rm -f "$items"' EXIT
twiggy top -f json -o "$items" "$named"
node scripts/wasm-size.mjs "$items" "$module" ${args[@]+"${args[@]}"}
