#!/usr/bin/env bash
# The project's test command: installs what is missing, then runs every suite.
#   0. pkg/     scripts/build-pkg.sh in a fresh copy of the checkout, with CARGO_TARGET_DIR
#               outside it, must rebuild the committed pkg/ exactly; without its tools, or
#               failing half-way, it must leave pkg/ untouched (tests/build-pkg.sh)
#   1. native   cargo test: behavioural suite, file-level, CLI, doc tests, and the wasm-vs-native
#               parity test (migrates fixtures with the built pkg/ under Node)
#   2. wasm     the same behavioural suite + JS API tests under Node, then headless Chrome and
#               Firefox (tests/js_opfs.rs adds OPFS tests in a dedicated worker)
#   3. npm      the packed package installed into throwaway apps: README snippets run as printed,
#               publint, arethetypeswrong, strict tsc, and in Chromium the README's Worker example
#               built by Vite, esbuild, Rollup and webpack (OPFS, tabs, errors) (tests/npm/)
#   4. www      the browser demo's end-to-end tests in headless Chromium, over the release pkg/,
#               a migration killed mid-way in Chromium and Firefox (www/tests/kill.test.mjs),
#               then the scale benchmark at 10 MiB (native CLI, Node, Chromium, Firefox)
#   5. fuzz     each cargo-fuzz target (fuzz/) for FUZZ_SECONDS (60) from the committed corpus;
#               any crash fails. Needs the nightly toolchain: without it the stage says so loudly
#               and skips (REQUIRE_FUZZ=1 makes that an error). SKIP_FUZZ=1 skips it on purpose.
# SKIP_BROWSERS=1 runs only native and Node.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
start=$SECONDS
# Everything the run puts in the temporary directory (browser profiles and the directories Chromium
# leaves behind when a test kills it, scratch files of the Node tests) goes in one directory that
# is removed at the end, pass or fail.
scratch_root=$(mktemp -d "${TMPDIR:-/tmp}/agentmux-test.XXXXXX")
# Searchable by all, as /tmp is: tests/cli.rs runs the CLI as an unprivileged user on files here.
chmod 755 "$scratch_root"
trap 'rm -rf "$scratch_root"' EXIT
export TMPDIR=$scratch_root
stage() { printf '\n== %s (%ss) ==\n' "$1" "$((SECONDS - start))"; }

# Run one wasm test command, showing its output, and fail unless it really ran the suites: the
# runner exits 0 when it skips a suite. `wasm-pack test` without `--test` runs every file of
# tests/, so a new behavioural file (tests/schema.rs, tests/refusals.rs, …) runs on all three wasm
# runtimes with no change here. A browser run without WASM_BINDGEN_USE_BROWSER=1 skips every
# Node-configured suite (the behavioural files, tests/js_api.rs) and runs only the worker one,
# so both "a suite was skipped in a browser run" and "zero tests in total" fail here. (Under Node
# the worker-only tests/js_opfs.rs is skipped by design.)
wasm_tests() {
  local label=$1 log passed
  shift
  log=$(mktemp)
  if ! "$@" 2>&1 | tee "$log"; then
    rm -f "$log"
    return 1
  fi
  passed=$(grep -Eo 'test result: ok\. [0-9]+ passed' "$log" | awk '{n += $4} END {print n + 0}')
  if grep -q 'only configured to run in node.js' "$log"; then
    rm -f "$log"
    echo "error: $label skipped a Node-configured suite (is WASM_BINDGEN_USE_BROWSER=1 set?)" >&2
    return 1
  fi
  rm -f "$log"
  if [ "$passed" -eq 0 ]; then
    echo "error: $label executed zero tests (the runner skipped them all); treating this as a failure" >&2
    return 1
  fi
  echo "$label: $passed tests passed"
}

stage setup
bash scripts/setup.sh
# pkg/ is committed and the build is reproducible, so a fresh build must match it; the parity
# test (tests/wasm_parity.rs) reads the committed pkg/ and would otherwise test stale code. The
# build also rewrites the size tables of README.md and js/README.md, which must match too.
# tests/build-pkg.sh makes that build (the only package build here) in a fresh copy of the
# checkout with CARGO_TARGET_DIR outside it, after checking that a build without its tools, or
# one that fails after wasm-pack, leaves pkg/ as it was. Its copy and target directory are kept
# under target/build-pkg-test, so a rerun rebuilds only this crate.
stage "build pkg/ (tests/build-pkg.sh)"
bash tests/build-pkg.sh

stage "lint: rustfmt + clippy (native and wasm32) + rustdoc"
cargo fmt --check
cargo clippy --locked --workspace --all-targets -- -D warnings
cargo clippy --locked --workspace --all-targets --target wasm32-unknown-unknown -- -D warnings
# The JS API (the npm package's) is the `js` feature's: lint it too.
cargo clippy --locked --workspace --all-targets --target wasm32-unknown-unknown --features js -- -D warnings
# The server links the library with `default-features = false`: it must build, lint clean and
# pull in none of the CLI's dependencies.
cargo clippy --locked --lib --no-default-features -- -D warnings
if cargo tree --locked -e normal --no-default-features --prefix none | grep -E '^(clap|clap_complete|serde_json) '; then
  echo "error: the library without its default features still depends on the CLI's crates (above)" >&2
  exit 1
fi
# The documentation is the API: no broken or hidden-item links in either crate's docs.
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --workspace

stage "native: cargo test"
cargo test --locked --workspace

# The same test files again, compiled for wasm32 (doc tests are native-only: see src/lib.rs).
stage "wasm: node"
# With the `js` feature: the JS API's test files require it (Cargo.toml).
wasm_tests "wasm: node" wasm-pack test --node --mode no-install -- --locked --features js

if [ -z "${SKIP_BROWSERS:-}" ]; then
  # The runner's webdriver requests time out with the test timeout (20 s by default): the
  # schema suite's heaviest test (a 4 MiB temp-table sort in a debug build) blocks the page for
  # 13-16 s in Chrome on a busy 2-core machine, and went past 20 s there twice. 60 s leaves room.
  export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-60}"
  # The runner picks Firefox whenever GECKODRIVER is set, so each browser gets its own run.
  stage "wasm: headless chrome"
  wasm_tests "wasm: headless chrome" env -u GECKODRIVER CHROMEDRIVER="$(command -v chromedriver)" \
    WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --chrome --mode no-install -- --locked --features js
  stage "wasm: headless firefox"
  wasm_tests "wasm: headless firefox" env -u CHROMEDRIVER GECKODRIVER="$(command -v geckodriver)" \
    WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --firefox --mode no-install -- --locked --features js

  # The packed tarball as a JS developer meets it: README snippets, publint, attw, strict tsc,
  # argument fuzzing, and the README's Worker example built by every bundler it names, in
  # Chromium (tests/npm/).
  stage "npm package: consumer tests"
  node --test tests/npm/

  # tests/kill.test.mjs drives Firefox too (geckodriver over WebDriver, tests/firefox.mjs).
  stage "www: e2e (chromium; the killed migration also in firefox)"
  (cd www && npm ci --no-audit --no-fund --loglevel=error && npm test)

  # The scale benchmark at its smallest size on the debug CLI: generated 10 MiB files through the
  # native CLI, Node, Chromium and Firefox (OPFS, streamed), so every path of README's "Files of
  # any size" table keeps working; the large sizes are a documented command, not a CI stage.
  stage "scale: generated 10 MiB files through the CLI, Node, Chromium and Firefox"
  BENCH_PROFILE=debug bash scripts/bench-scale.sh
fi
# Coverage-guided fuzz smoke (fuzz/README.md): every target from the committed seeds, on a
# scratch corpus directory so the repository's corpus does not grow; libFuzzer exits non-zero on
# a crash, a leak, a timeout (10 s per input) or running out of memory, and the artifact is named.
fuzz_smoke() {
  local seconds=${FUZZ_SECONDS:-60} target scratch
  if ! rustup toolchain list 2>/dev/null | grep -q '^nightly' || ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    printf '\n%s\n' "################################################################################"
    echo "## FUZZ SMOKE SKIPPED: no nightly toolchain or no cargo-fuzz here. The fuzz targets"
    echo "## (fuzz/: image, legacy, datadir) were NOT built or run. Install nightly, then run"
    echo "## scripts/setup.sh (it installs cargo-fuzz), or set REQUIRE_FUZZ=1 to fail instead."
    printf '%s\n' "################################################################################"
    [ -z "${REQUIRE_FUZZ:-}" ] || return 1
    return 0
  fi
  (cd fuzz && cargo +nightly fuzz build -a)
  for target in image legacy datadir; do
    scratch=$(mktemp -d)
    echo "fuzz: $target for ${seconds}s"
    # The first corpus directory is the one libFuzzer adds new inputs to.
    # shellcheck disable=SC2046
    if ! (cd fuzz && cargo +nightly fuzz run "$target" "$scratch" "corpus/$target" -a -- -max_total_time="$seconds" \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 $([ "$target" = image ] && echo -dict=image.dict -max_len=65536)); then
      rm -rf "$scratch"
      echo "error: fuzz target $target found a crash (input in fuzz/artifacts/$target/; see fuzz/README.md)" >&2
      return 1
    fi
    rm -rf "$scratch"
  done
}
if [ -z "${SKIP_FUZZ:-}" ]; then
  stage "fuzz: cargo-fuzz smoke (${FUZZ_SECONDS:-60}s per target)"
  fuzz_smoke
fi
stage done
