#!/usr/bin/env bash
# How much of the package's module is the engine, and how much is this crate: builds two scratch
# modules with exactly the package's settings (.cargo/config.toml's SQLite options and clang,
# Cargo.toml's `wasm-release` profile and [patch], Cargo.lock's versions, scripts/wasm-opt.sh)
# and prints their `gzip -9` sizes beside pkg/'s module:
#
#   engine   SQLite alone (scripts/wasm-floor/engine: sqlite-wasm-rs, one raw C API export)
#   driver   + rusqlite, the OPFS pool and a minimal JS API (scripts/wasm-floor/driver)
#   package  pkg/agentmux_schema_bg.wasm (run scripts/build-pkg.sh first)
#
#   bash scripts/wasm-floor.sh            # builds in target/wasm-floor (about a minute, twice)
#
# target/ is cargo's target directory ($CARGO_TARGET_DIR when set, which the scratch builds' cargo
# also uses).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$(bash scripts/target-dir.sh)/wasm-floor
[ -f pkg/agentmux_schema_bg.wasm ] || { echo "wasm-floor: no pkg/ module: run scripts/build-pkg.sh first" >&2; exit 1; }
rm -rf "$out/engine" "$out/driver"
mkdir -p "$out/.cargo"
cp .cargo/config.toml "$out/.cargo/"
cp rust-toolchain.toml Cargo.lock "$out/"
cp -r scripts/wasm-floor/engine scripts/wasm-floor/driver "$out/"

# The versions of the package's own dependencies (one place: Cargo.toml's wasm32 table).
dep() { awk -v d="$1" '$1 == d && $2 == "=" { sub(/^[^=]*= /, ""); print; exit }' Cargo.toml; }
{
  echo '[workspace]'
  echo 'members = ["engine", "driver"]'
  echo 'resolver = "2"'
  echo
  awk '/^\[profile.wasm-release\]/ { p = 1 } p && /^$/ { exit } p' Cargo.toml
  echo
  awk '/^\[patch.crates-io\]/ { p = 1; print; next } /^\[/ { p = 0 } p && !/^#/' Cargo.toml |
    sed "s|path = \"|path = \"$root/|"
} >"$out/Cargo.toml"
manifest() {
  echo "[package]"
  echo "name = \"floor-$1\""
  echo 'version = "0.0.0"'
  echo 'edition = "2021"'
  echo 'publish = false'
  echo '[lib]'
  echo 'crate-type = ["cdylib"]'
  echo '[package.metadata.wasm-pack.profile.release]'
  echo 'wasm-opt = false'
  echo '[dependencies]'
  echo "sqlite-wasm-rs = $(dep sqlite-wasm-rs)"
  echo "wasm-bindgen = $(dep wasm-bindgen)"
  if [ "$1" = driver ]; then
    echo 'rusqlite = { version = "0.43", default-features = false, features = ["ffi-sqlite-wasm-rs", "serialize"] }'
    echo "sqlite-wasm-vfs = $(dep sqlite-wasm-vfs)"
    echo "js-sys = $(dep js-sys)"
    echo "wasm-bindgen-futures = $(dep wasm-bindgen-futures)"
  fi
}
manifest engine >"$out/engine/Cargo.toml"
manifest driver >"$out/driver/Cargo.toml"

gz() { gzip -9nc "$1" | wc -c; }
declare -A size
for m in engine driver; do
  (cd "$out/$m" && wasm-pack build --target web --profile wasm-release --mode no-install --out-dir pkg --out-name floor) \
    >"$out/$m.log" 2>&1 || { tail -30 "$out/$m.log" >&2; exit 1; }
  bash scripts/wasm-opt.sh "$out/$m/pkg/floor_bg.wasm" "$out/$m/named.wasm" || cp "$out/$m/pkg/floor_bg.wasm" "$out/$m/named.wasm"
  # The name section only serves twiggy; the package's module is measured without it too.
  node -e '
    const fs = require("fs"); const b = fs.readFileSync(process.argv[1]); const out = [b.subarray(0, 8)];
    for (let i = 8; i < b.length;) {
      const start = i, id = b[i++]; let size = 0, shift = 0, byte;
      do { byte = b[i++]; size |= (byte & 0x7f) << shift; shift += 7; } while (byte & 0x80);
      const end = i + size; let name = null;
      if (id === 0) { let n = 0, s = 0, c; do { c = b[i++]; n |= (c & 0x7f) << s; s += 7; } while (c & 0x80); name = b.subarray(i, i + n).toString(); }
      if (name !== "name") out.push(b.subarray(start, end));
      i = end;
    }
    fs.writeFileSync(process.argv[2], Buffer.concat(out));' "$out/$m/named.wasm" "$out/$m/final.wasm"
  size[$m]=$(gz "$out/$m/final.wasm")
done
size[package]=$(gz pkg/agentmux_schema_bg.wasm)
# Thousands separated, as in README.md.
n() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
printf '| module | gzip -9 | over the previous row |\n|---|--:|--:|\n'
printf '| engine: SQLite alone (sqlite-wasm-rs, its in-memory VFS and C runtime) | %s | |\n' "$(n "${size[engine]}")"
printf '| driver: + rusqlite, the OPFS pool, a minimal JS API | %s | +%s |\n' "$(n "${size[driver]}")" "$(n $((size[driver] - size[engine])))"
printf '| package: + the schema layer and the package'"'"'s JS API | %s | +%s |\n' "$(n "${size[package]}")" "$(n $((size[package] - size[driver])))"
