#!/usr/bin/env bash
# Build the npm package `agentmux-schema` into ./pkg (wasm-pack, --target web, release).
#
#   scripts/build-pkg.sh                  # the committed package: needs every tool below
#   NO_WASM_OPT=1 scripts/build-pkg.sh    # without the -Oz pass (a pkg/ that differs from the
#                                         # committed one; twiggy optional)
#
# Four steps: wasm-pack builds the module and its bindings; npm binaryen's wasm-opt shrinks the
# module; scripts/assemble-pkg.mjs adds the package's own files (js/, with Cargo.toml's version)
# and the package README's size table; scripts/wasm-size.sh measures README.md's size tables.
# Every step works in a scratch directory under cargo's target directory (target/, or
# $CARGO_TARGET_DIR): pkg/, README.md and js/README.md change only once all of them succeeded, so
# a build that fails leaves the committed files as they were.
#
# Needs: the wasm32-unknown-unknown target, clang-19 + llvm-ar-19 (SQLite's C), wasm-pack, and
# wasm-bindgen-cli at exactly Cargo.lock's wasm-bindgen version on PATH (--mode no-install never
# downloads); npm's binaryen in tools/node_modules (or $WASM_OPT) and twiggy, which
# `bash scripts/setup.sh` installs. Never use Debian's binaryen (wasm-opt 108 breaks current
# wasm-bindgen output).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "build-pkg: $*" >&2
  exit 1
}

# Every tool is checked before anything is written: a pkg/ built without the -Oz pass differs
# from the committed one, so it is made only when asked for.
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$want" != "$have" ]; then
  fail "wasm-bindgen-cli $want required (found '${have:-none}'): bash scripts/setup.sh installs it"
fi
command -v wasm-pack >/dev/null || fail "no wasm-pack: bash scripts/setup.sh installs it"
missing=()
if [ -z "${NO_WASM_OPT:-}" ]; then
  bash scripts/wasm-opt.sh --which >/dev/null || missing+=("wasm-opt (npm's binaryen in tools/node_modules, or \$WASM_OPT)")
  command -v twiggy >/dev/null || missing+=("twiggy (README.md's size tables)")
fi
if ((${#missing[@]})); then
  printf -v list '%s, ' "${missing[@]}"
  fail "missing ${list%, }: install with \`bash scripts/setup.sh\` (or set NO_WASM_OPT=1 for an unoptimised build that differs from the committed pkg/). Nothing was changed."
fi

target=$(bash scripts/target-dir.sh)
mkdir -p "$target"
work=$(mktemp -d "$target/build-pkg.XXXXXX")
# The swap at the end renames pkg/ to pkg.old/ and pkg.new/ to pkg/: whatever stops this script
# puts the previous pkg/ back if the new one is not in place.
swapped=
cleanup() {
  local rc=$?
  if [ ! -e pkg ] && [ -e pkg.old ]; then mv pkg.old pkg; fi
  rm -rf "$work" pkg.new pkg.old
  if [ "$rc" -ne 0 ] && [ -z "$swapped" ]; then
    echo "build-pkg: failed (exit $rc, above); pkg/, README.md and js/README.md are as they were" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The size-tuned settings are Cargo.toml's `wasm-release` profile (the wasm module only; native
# release builds and benchmarks keep the normal optimised profile). SQLite's C is compiled by the
# clang that .cargo/config.toml names (scripts/setup.sh installs it).
out=$work/pkg
# The JS API is the `js` feature (a Rust dependent on wasm32 leaves it off).
wasm-pack build --target web --profile wasm-release --mode no-install --out-dir "$out" --out-name agentmux_schema \
  -- --features js

# The final module keeps its function names here (scripts/wasm-size.sh reads them); assemble-pkg
# writes it into the package without them.
named=$work/agentmux_schema_bg.named.wasm
if [ -n "${NO_WASM_OPT:-}" ]; then
  echo "note: NO_WASM_OPT is set: no -Oz pass, so pkg/ will differ from the committed package" >&2
  cp "$out/agentmux_schema_bg.wasm" "$named"
else
  bash scripts/wasm-opt.sh "$out/agentmux_schema_bg.wasm" "$named"
fi

node scripts/assemble-pkg.mjs "$out" "$named"

readme=
if command -v twiggy >/dev/null; then
  readme=$work/README.md
  bash scripts/wasm-size.sh --named "$named" --module "$out/agentmux_schema_bg.wasm" --readme "$readme" >/dev/null
else
  echo "note: no twiggy (scripts/setup.sh installs it); README.md's size tables were not rewritten" >&2
fi

# Every step succeeded: put the results in place. pkg.new/ is a copy beside pkg/ (the target
# directory may be on another file system), so the swap itself is two renames.
if [ ! -e pkg ] && [ -e pkg.old ]; then mv pkg.old pkg; fi # a previous run killed mid-swap
rm -rf pkg.new pkg.old
cp -R "$out" pkg.new
if [ -e pkg ]; then mv pkg pkg.old; fi
mv pkg.new pkg
swapped=1
rm -rf pkg.old
cp pkg/README.md js/README.md
if [ -n "$readme" ]; then cp "$readme" README.md; fi
cp "$named" "$target/agentmux_schema_bg.named.wasm"
