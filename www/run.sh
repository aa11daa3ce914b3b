#!/usr/bin/env bash
# The demo's one command, from a fresh machine: install the tools, build the npm package into
# ../pkg, install www's dependencies from the lockfile, and serve www/ on 127.0.0.1.
#
#   bash www/run.sh                 # http://127.0.0.1:8080/ (or a free port if 8080 is taken)
#   PORT=9000 bash www/run.sh
#   SKIP_BUILD=1 bash www/run.sh    # reuse the existing ../pkg
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

if [ -z "${SKIP_BUILD:-}" ]; then
  bash "$here/../scripts/setup.sh"
  bash "$here/../scripts/build-pkg.sh"
elif [ ! -f "$here/../pkg/agentmux_schema_bg.wasm" ]; then
  echo "run: ../pkg is not built; run without SKIP_BUILD" >&2
  exit 1
fi

cd "$here"
npm ci --no-audit --no-fund --loglevel=error
exec node server.mjs --port "${PORT:-8080}"
