#!/usr/bin/env bash
# The project's test command: installs what is missing, then runs every suite.
#   1. native   cargo test: behavioural suite, file-level, CLI, doc tests, and the wasm-vs-native
#               parity test (migrates fixtures with the built pkg/ under Node)
#   2. wasm     the same behavioural suite + JS API tests under Node, then headless Chrome and
#               Firefox (tests/js_opfs.rs adds OPFS tests in a dedicated worker)
#   3. npm      the packed package installed into a throwaway app: README snippets run as printed,
#               publint, arethetypeswrong, strict tsc, a Vite build in Chromium (tests/npm/)
#   4. www      the browser demo's end-to-end tests in headless Chromium, over the release pkg/
# SKIP_BROWSERS=1 runs only native and Node.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
start=$SECONDS
stage() { printf '\n== %s (%ss) ==\n' "$1" "$((SECONDS - start))"; }

stage setup
bash scripts/setup.sh
stage "build pkg/"
bash scripts/build-pkg.sh

stage "lint: rustfmt + clippy (native and wasm32)"
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
cargo clippy --locked --all-targets --target wasm32-unknown-unknown -- -D warnings

stage "native: cargo test"
cargo test --locked

# The same test files again, compiled for wasm32 (doc tests are native-only: see src/lib.rs).
stage "wasm: node"
wasm-pack test --node --mode no-install -- --locked

if [ -z "${SKIP_BROWSERS:-}" ]; then
  # The runner picks Firefox whenever GECKODRIVER is set, so each browser gets its own run.
  stage "wasm: headless chrome"
  env -u GECKODRIVER CHROMEDRIVER="$(command -v chromedriver)" WASM_BINDGEN_USE_BROWSER=1 \
    wasm-pack test --headless --chrome --mode no-install -- --locked
  stage "wasm: headless firefox"
  env -u CHROMEDRIVER GECKODRIVER="$(command -v geckodriver)" WASM_BINDGEN_USE_BROWSER=1 \
    wasm-pack test --headless --firefox --mode no-install -- --locked

  # The packed tarball as a JS developer meets it: README snippets, publint, attw, strict tsc,
  # a Vite app in Chromium, argument fuzzing (tests/npm/).
  stage "npm package: consumer tests"
  node --test tests/npm/

  stage "www: e2e (chromium)"
  (cd www && npm ci --no-audit --no-fund --loglevel=error && npm test)
fi
stage done
