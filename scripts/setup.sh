#!/usr/bin/env bash
# Installs every tool the test suite and the browser demo need, skipping what is already present.
# Safe to run repeatedly; it never downloads browsers or binaries outside the package registries.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

wasm_bindgen_version() {
  # The CLI must match the wasm-bindgen crate in Cargo.lock exactly.
  awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' "$here/Cargo.lock"
}

need_apt=()
command -v clang >/dev/null || need_apt+=(clang)
command -v llvm-ar >/dev/null || need_apt+=(llvm)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
command -v firefox-esr >/dev/null || need_apt+=(firefox-esr)
if ((${#need_apt[@]})); then
  echo "setup: apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

command -v wasm-pack >/dev/null || cargo install wasm-pack --locked
wbv="$(wasm_bindgen_version)"
if [ -n "$wbv" ] && ! wasm-bindgen --version 2>/dev/null | grep -q " $wbv\$"; then
  # Not --locked: the CLI's own lockfile pins a crate release the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$wbv" --force
fi
command -v geckodriver >/dev/null || cargo install geckodriver
echo "setup: tools ready"
