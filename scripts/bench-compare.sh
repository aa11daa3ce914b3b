#!/usr/bin/env bash
# Old and new code side by side in one run: `cargo bench --bench migrate` built at a base commit
# (default: main) in a temporary git worktree under target/, and at this worktree's code, then
# run interleaved (old, new, old, new, ...) so both see the same machine load over time. Prints,
# per case, the median of criterion's per-run medians for each side and their ratio.
#
#   scripts/bench-compare.sh [BASE] [ROUNDS] [FILTER]
#
# BASE defaults to main, ROUNDS to 3, FILTER (a criterion regex) to the cases the migration
# itself runs in: fresh, warm and v11 adoption, with their floors as a reference for drift.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-main}
rounds=${2:-3}
filter=${3:-'^(fresh/(floor|migrate)|warm/(floor|migrate)|legacy/(floor|adopt)_(200|20000))$'}
root=$PWD
target=$root/target
old=$target/bench-compare/old
out=$target/bench-compare/results
mkdir -p "$out"
rm -f "$out"/*.tsv

if [ -e "$old" ]; then git worktree remove --force "$old"; fi
git worktree add --detach "$old" "$base" >/dev/null
trap 'git worktree remove --force "$old" >/dev/null 2>&1 || true' EXIT
echo "old: $(git -C "$old" log --oneline -1)"
echo "new: $(git log --oneline -1)$(git diff --quiet HEAD -- src crates || echo ' (+ uncommitted changes)')"

# One target directory for both, so the dependencies are built once. Cargo names this package's
# artifacts alike for both checkouts (a path package's hash leaves its path out) and would take
# one checkout's build as up to date for the other, so the package is cleaned before each build
# and each binary copied aside as soon as it is built.
bench_bin() { # checkout copy-to
    local built
    (cd "$1" && CARGO_TARGET_DIR=$target cargo clean --release -p agentmux-schema)
    # The core crate too, in a checkout that has it (from the workspace split on).
    if [ -d "$1/crates/core" ]; then
        (cd "$1" && CARGO_TARGET_DIR=$target cargo clean --release -p agentmux-schema-core)
    fi
    built=$( (cd "$1" && CARGO_TARGET_DIR=$target cargo bench --bench migrate --no-run --message-format=json) |
        python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "migrate" and m.get("executable"):
        print(m["executable"])' | tail -1)
    [ -n "$built" ] || { echo "bench build failed in $1" >&2; exit 1; }
    cp "$built" "$2"
}
old_bin=$target/bench-compare/migrate-old
new_bin=$target/bench-compare/migrate-new
bench_bin "$old" "$old_bin"
bench_bin "$root" "$new_bin"

# Criterion writes each case's estimates to target/criterion/<group>/<case>/new/estimates.json;
# they are read right after each run, before the other side overwrites them.
run() { # side round
    local side=$1 bin=$2
    (cd "$root" && CRITERION_HOME=$target/bench-compare/criterion "$bin" --bench --noplot \
        --warm-up-time 1 --measurement-time 4 "$filter" >/dev/null 2>&1)
    python3 - "$target/bench-compare/criterion" "$side" >>"$out/medians.tsv" <<'PY'
import json, os, sys
root, side = sys.argv[1], sys.argv[2]
for d, _, files in os.walk(root):
    if d.endswith("/new") and "estimates.json" in files:
        case = os.path.relpath(os.path.dirname(d), root)
        med = json.load(open(os.path.join(d, "estimates.json")))["median"]["point_estimate"]
        print(f"{case}\t{side}\t{med}")
PY
    rm -rf "$target/bench-compare/criterion"
}
# The table so far (printed after every round, so a cut-short run still says something).
summary() {
python3 - "$out/medians.tsv" <<'PY'
import statistics, sys
from collections import defaultdict
runs = defaultdict(lambda: defaultdict(list))
for line in open(sys.argv[1]):
    case, side, ns = line.split("\t")
    runs[case][side].append(float(ns))
def fmt(ns):
    for unit, div in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= div:
            return f"{ns / div:.3f} {unit}"
    return f"{ns:.0f} ns"
print(f"{'case':<24}{'old median':>14}{'new median':>14}{'new/old':>9}  runs")
for case in sorted(runs):
    o, n = statistics.median(runs[case]["old"]), statistics.median(runs[case]["new"])
    print(f"{case:<24}{fmt(o):>14}{fmt(n):>14}{n / o:>9.3f}  {len(runs[case]['old'])}+{len(runs[case]['new'])}")
PY
}
for r in $(seq "$rounds"); do
    echo "round $r/$rounds"
    run old "$old_bin"
    run new "$new_bin"
    summary
done

