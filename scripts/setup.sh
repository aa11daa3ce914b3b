#!/usr/bin/env bash
# Installs every tool the tests and the browser demo need, skipping whatever is already present,
# so it is cheap on a warm machine. Only package registries are used (apt, crates.io, npm):
# no tool here is allowed to download browsers or prebuilt binaries of its own.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

need_apt=()
# SQLite's C for wasm32: the clang and llvm-ar that .cargo/config.toml names.
command -v clang-19 >/dev/null || need_apt+=(clang-19)
command -v llvm-ar-19 >/dev/null || need_apt+=(llvm-19)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
command -v firefox-esr >/dev/null || need_apt+=(firefox-esr)
command -v node >/dev/null || need_apt+=(nodejs npm)
if ((${#need_apt[@]})); then
  echo "setup: apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Never Debian's binaryen: its wasm-opt silently breaks current wasm-bindgen output.
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt

command -v wasm-pack >/dev/null || cargo install --quiet wasm-pack --locked
# wasm-bindgen-cli must be exactly the version Cargo.lock pins for the wasm-bindgen crate.
want="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$here/Cargo.lock")"
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [ -n "$want" ] && [ "$want" != "$have" ]; then
  # Not --locked: the CLI's own lockfile pins a crate release the registry no longer serves.
  cargo install --quiet wasm-bindgen-cli --version "$want" --force
fi
command -v geckodriver >/dev/null || cargo install --quiet geckodriver
# twiggy measures the wasm module's functions and data for scripts/wasm-size.sh (README's size tables).
command -v twiggy >/dev/null || cargo install --quiet twiggy --locked
# cargo-fuzz for the fuzz smoke (fuzz/README.md); it needs a nightly toolchain, which this script
# never installs: without one, scripts/test.sh says loudly that it skipped the fuzz targets.
if rustup toolchain list | grep -q '^nightly'; then
  command -v cargo-fuzz >/dev/null || cargo install --quiet cargo-fuzz --locked
fi

# npm tools (binaryen's wasm-opt for the package build; TypeScript, Vite, esbuild, Rollup, webpack, publint, attw and
# playwright-core for the package's consumer tests)
# from the committed lockfile.
# Reinstalled whenever the lockfile changed since the last install.
if [ -f "$here/tools/package.json" ] && ! cmp -s "$here/tools/package-lock.json" "$here/tools/node_modules/.installed-lock.json"; then
  (cd "$here/tools" && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.installed-lock.json)
fi
echo "setup: tools ready"
