#!/usr/bin/env bash
# Regenerate vendor/sqlite-wasm-vfs: the crates.io release named below, unpacked from cargo's own
# download (checked against Cargo.lock's checksum) with vendor/patches/sqlite-wasm-vfs.patch applied.
# Cargo.toml's [patch.crates-io] points the build at it.
#
#   scripts/vendor-crates.sh
#
# Why a patch: two size cuts with no change of behaviour (the patch's header gives the figures):
# an error message that linked all of Rust's float formatting prints an integer instead, and the
# pool's name maps are a Vec of pairs instead of HashMaps (no hashbrown or SipHash in the module).
set -euo pipefail
cd "$(dirname "$0")/.."

name=sqlite-wasm-vfs
version=0.3.0
# The release's SHA-256 as crates.io serves it (Cargo.lock drops it once the patch points here).
sum=11859fbd5ce417c37e9e8c1993b55b9dc21ea7dd6452ba9097115f06e54a7e4a

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Cargo's registry cache holds the .crate once any build has resolved it; fetch it if not.
crate=$(find "${CARGO_HOME:-$HOME/.cargo}/registry/cache" -name "$name-$version.crate" 2>/dev/null | head -n 1)
if [ -z "$crate" ]; then
  mkdir -p "$work/fetch/src"
  printf '[package]\nname = "fetch"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\n%s = "=%s"\n' "$name" "$version" \
    > "$work/fetch/Cargo.toml"
  touch "$work/fetch/src/lib.rs"
  cargo fetch --quiet --manifest-path "$work/fetch/Cargo.toml"
  crate=$(find "${CARGO_HOME:-$HOME/.cargo}/registry/cache" -name "$name-$version.crate" | head -n 1)
fi
echo "$sum  $crate" | sha256sum -c --quiet -

tar -C "$work" -xzf "$crate"
rm -f "$work/$name-$version/.cargo-ok" "$work/$name-$version/.cargo_vcs_info.json" "$work/$name-$version/Cargo.lock"
(cd "$work/$name-$version" && patch --quiet -p1 < "$OLDPWD/vendor/patches/$name.patch")
rm -rf "vendor/$name"
mv "$work/$name-$version" "vendor/$name"
echo "vendor/$name: $name $version (sha256 $sum) + vendor/patches/$name.patch" >&2
