#!/usr/bin/env bash
# Prints cargo's target directory for this checkout: ./target, or wherever CARGO_TARGET_DIR (or a
# cargo config's build.target-dir) puts it. The package scripts keep their intermediate files
# there, so they work wherever cargo builds.
#   target=$(bash scripts/target-dir.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --format-version 1 --no-deps --offline |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).target_directory))'
