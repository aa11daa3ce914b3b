#!/usr/bin/env bash
# The scale benchmark, in one run: status and migrate of generated files (a legacy objects.db and
# a filestore.db of each size, benches/scale/generate.rs) by the native CLI, the package under
# Node and the package in headless Chromium and Firefox (OPFS), with time and memory side by side
# (benches/scale/run.mjs says how each is measured). Sizes in MiB; the default is CI's 10.
#
#   bash scripts/bench-scale.sh                  # 10 MiB
#   BENCH_PROFILE=debug bash scripts/bench-scale.sh   # CI: 10 MiB on the debug builds (a check
#                                                # that every runtime works; not for figures)
#   bash scripts/bench-scale.sh 10 400 1024 3072 # the README's table; ~10 GB of files in
#                                                # target/scale (SCALE_DIR=...), deleted at the end
#                                                # unless KEEP_SCALE=1
#
# BENCH_BROWSERS=chromium (or firefox) runs one browser.
#
# Needs: the committed pkg/ (scripts/build-pkg.sh), Debian's chromium (or CHROMIUM=path) and
# firefox-esr with geckodriver (FIREFOX=, GECKODRIVER=), Node >= 20, www/node_modules (npm ci in
# www/), /usr/bin/time. Exits non-zero if any operation
# failed (except Node's migrate of a file of 2 GiB or more, which Node cannot hold: see README).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d www/node_modules/playwright-core ] || (cd www && npm ci --no-audit --no-fund --loglevel=error)
profile=${BENCH_PROFILE:-release}
if [ "$profile" = release ]; then
  cargo build --quiet --release --bin agentmux-schema --example scale-gen
else
  cargo build --quiet --bin agentmux-schema --example scale-gen
fi
export SCALE_DIR="${SCALE_DIR:-$PWD/target/scale}"
[ -n "${KEEP_SCALE:-}" ] || trap 'rm -rf "$SCALE_DIR"' EXIT
node benches/scale/run.mjs "${@:-10}"
