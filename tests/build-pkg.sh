#!/usr/bin/env bash
# scripts/build-pkg.sh as a maintainer meets it: in a fresh copy of this checkout (its tracked
# files and untracked ones git does not ignore, so what a clone of the commit plus the working
# changes holds: no target/, no tools/node_modules), with CARGO_TARGET_DIR outside that copy.
#
#   1. no npm binaryen          exits non-zero before building, names `bash scripts/setup.sh`
#   2. no twiggy                the same
#   3. wasm-opt fails           (after wasm-pack built the module) exits non-zero
#   4. NO_WASM_OPT=1, no tools  builds the unoptimised package, as asked
#   5. every tool               builds, and pkg/, README.md and js/README.md equal this checkout's
#
# 1-3 leave pkg/, README.md and js/README.md byte for byte as they were, and no scratch files.
# 5 is the check that the committed pkg/ is what the sources build (scripts/test.sh runs this
# file as its only package build), and that nothing is written to the copy's ./target.
#
# The copy and its target directory are kept under this checkout's target directory
# (build-pkg-test/) at fixed paths, so a rerun rebuilds only this crate and the vendored one,
# not SQLite and the other dependencies. One wasm-release build in all: 3 fails after it, and 4
# and 5 reuse it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
base=$(bash scripts/target-dir.sh)/build-pkg-test
copy=$base/checkout
target=$base/target # CARGO_TARGET_DIR for every build below: outside $copy
scratch=$base/scratch
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

rm -rf "$copy" "$scratch"
mkdir -p "$copy" "$target" "$scratch"
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar --null -T - -cf - | tar -xf - -C "$copy"

# What a build must leave alone when it fails: the package and the two READMEs it rewrites.
state() { (cd "$1" && find pkg -type f -print0 | sort -z | xargs -0 sha256sum && sha256sum README.md js/README.md); }
before=$(state "$copy")
[ "$before" = "$(state "$root")" ] || fail "the copy differs from the checkout before any build"

# A PATH without twiggy: each directory that has it is replaced by one with links to the rest.
path_without_twiggy() {
  local dir out=() i=0 shadow
  IFS=: read -r -a dirs <<<"$PATH"
  for dir in "${dirs[@]}"; do
    if [ -x "$dir/twiggy" ]; then
      shadow=$scratch/path-$i && i=$((i + 1))
      mkdir -p "$shadow"
      for f in "$dir"/*; do [ "$(basename "$f")" = twiggy ] || ln -s "$f" "$shadow/"; done
      dir=$shadow
    fi
    out+=("$dir")
  done
  (IFS=: && echo "${out[*]}")
}
nopath=$(path_without_twiggy)
PATH=$nopath command -v twiggy >/dev/null && fail "could not hide twiggy"
command -v twiggy >/dev/null || fail "twiggy is not installed (bash scripts/setup.sh)"

# build NAME [ENV...]: runs build-pkg.sh in the copy; its exit code in $rc, its output in $log.
build() {
  local name=$1
  shift
  log=$scratch/$name.log
  echo "-- $name"
  rc=0
  (cd "$copy" && env -u WASM_OPT -u NO_WASM_OPT CARGO_TARGET_DIR="$target" "$@" bash scripts/build-pkg.sh) >"$log" 2>&1 || rc=$?
}
untouched() {
  local name=$1
  [ "$rc" -ne 0 ] || fail "$name: exit 0"
  [ "$(state "$copy")" = "$before" ] || fail "$name: pkg/ or a README changed"
  leftovers "$name"
}
leftovers() {
  [ ! -e "$copy/pkg.new" ] && [ ! -e "$copy/pkg.old" ] || fail "$1: pkg.new/ or pkg.old/ left behind"
  if compgen -G "$target/build-pkg.*" >/dev/null; then fail "$1: scratch directory left in $target"; fi
}
setup_named() { grep -q 'bash scripts/setup.sh' "$log" || fail "$1: the message does not name bash scripts/setup.sh"; }
not_built() { if grep -q 'Compiling\|\[INFO\]' "$log"; then fail "$1: it started building"; fi; }

build no-binaryen
untouched no-binaryen
setup_named no-binaryen
grep -q 'wasm-opt' "$log" || fail "no-binaryen: the message does not name wasm-opt"
not_built no-binaryen

ln -s "$root/tools/node_modules" "$copy/tools/node_modules"
[ -x "$copy/tools/node_modules/.bin/wasm-opt" ] || fail "no npm binaryen in this checkout (bash scripts/setup.sh)"
build no-twiggy PATH="$nopath"
untouched no-twiggy
setup_named no-twiggy
grep -q 'twiggy' "$log" || fail "no-twiggy: the message does not name twiggy"
not_built no-twiggy
rm "$copy/tools/node_modules"

printf '#!/bin/sh\necho "wasm-opt: forced failure" >&2\nexit 1\n' >"$scratch/wasm-opt"
chmod +x "$scratch/wasm-opt"
build failing-wasm-opt WASM_OPT="$scratch/wasm-opt"
untouched failing-wasm-opt
grep -q 'wasm-opt: forced failure' "$log" || fail "failing-wasm-opt: it did not get as far as wasm-opt"
grep -q 'are as they were' "$log" || fail "failing-wasm-opt: no message that pkg/ was kept"
[ ! -e "$copy/target" ] || fail "failing-wasm-opt: the build wrote to the copy's ./target, not CARGO_TARGET_DIR"

build no-wasm-opt NO_WASM_OPT=1 PATH="$nopath"
[ "$rc" -eq 0 ] || fail "NO_WASM_OPT=1: exit $rc"
leftovers no-wasm-opt
if [ "$rc" -eq 0 ]; then
  a=$(wc -c <"$root/pkg/agentmux_schema_bg.wasm") b=$(wc -c <"$copy/pkg/agentmux_schema_bg.wasm")
  [ "$b" -gt "$a" ] || fail "NO_WASM_OPT=1: the module ($b bytes) is not the unoptimised one (the committed is $a)"
  cmp -s "$copy/pkg/README.md" "$copy/js/README.md" || fail "NO_WASM_OPT=1: js/README.md is not the package's README"
  cmp -s "$copy/README.md" "$root/README.md" || fail "NO_WASM_OPT=1 without twiggy rewrote README.md"
fi

ln -s "$root/tools/node_modules" "$copy/tools/node_modules"
build release
if [ "$rc" -ne 0 ]; then
  tail -40 "$log" >&2
  fail "the build with every tool and CARGO_TARGET_DIR=$target: exit $rc"
elif [ "$(state "$copy")" != "$before" ]; then
  diff <(echo "$before") <(state "$copy") >&2 || true
  fail "the freshly built pkg/ or a README's size table differs from this checkout's (above): rebuild with
      bash scripts/build-pkg.sh, then commit pkg/ README.md js/README.md with the source change"
fi
leftovers release
[ -f "$target/agentmux_schema_bg.named.wasm" ] || fail "release: no named module in CARGO_TARGET_DIR"
[ ! -e "$copy/target" ] || fail "release: the build wrote to the copy's ./target, not CARGO_TARGET_DIR"

if [ "$failures" -ne 0 ]; then
  echo "build-pkg tests: $failures failed (logs in $scratch)" >&2
  exit 1
fi
echo "build-pkg tests: all passed"
