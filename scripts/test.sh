#!/usr/bin/env bash
# The project's test command: installs what it needs, then runs every suite.
#   1. native: cargo test (unit, behavioural, file-level, CLI, wasm-vs-native parity)
#   2. wasm:   the same behavioural suite + JS API tests under Node, headless Chrome, Firefox
#   3. www:    the browser demo's end-to-end tests in headless Chromium
# Set SKIP_BROWSERS=1 to run only native and Node.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh
bash scripts/build-pkg.sh

echo "== native =="
cargo test --locked

echo "== wasm: node =="
wasm-pack test --node --mode no-install -- --locked

if [ -z "${SKIP_BROWSERS:-}" ]; then
  echo "== wasm: headless chrome + firefox =="
  export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
  export GECKODRIVER="${GECKODRIVER:-$(command -v geckodriver)}"
  WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --chrome --firefox --mode no-install -- --locked
fi
