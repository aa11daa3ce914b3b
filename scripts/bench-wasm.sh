#!/usr/bin/env bash
# The WebAssembly benchmark, in one run: the committed pkg/ under Node and in headless Chromium
# beside the native in-memory baseline (benches/native_memory.rs, release build), interleaved in
# rounds (benches/wasm/run.mjs), printed as times (fastest of N) and ratios to native. Timings
# on a shared machine are noisy: compare ratios from one run, not figures across runs.
#
#   bash scripts/bench-wasm.sh          # pkg/ as committed (rebuild with scripts/build-pkg.sh)
#
# Needs: Debian's chromium (or CHROMIUM=path), Node >= 20, www/node_modules (npm ci in www/).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d www/node_modules/playwright-core ] || (cd www && npm ci --no-audit --no-fund --loglevel=error)
cargo bench --quiet --bench native_memory --no-run # build the native side before timing anything
node benches/wasm/run.mjs
