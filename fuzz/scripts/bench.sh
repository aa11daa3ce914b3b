#!/usr/bin/env bash
# Executions per CPU second of the built targets over a fixed set of inputs: each input of
# DIR/<target> runs once (`-runs=0`), no mutation, so two builds or two settings see the same
# inputs. CPU time (user + sys) rather than wall time, so the figure does not depend on what else
# the machine is doing. Build first (`cargo +nightly fuzz build -a [-s none]`).
#   usage: fuzz/scripts/bench.sh DIR [TARGET_DIR] [targets...]
#   e.g.   ASAN_OPTIONS=... fuzz/scripts/bench.sh /tmp/bench target image legacy datadir
set -uo pipefail
cd "$(dirname "$0")/.."
dir=$1 target_dir=${2:-target}
shift $(($# < 2 ? $# : 2))
targets=("$@")
((${#targets[@]})) || targets=(image legacy datadir)
for t in "${targets[@]}"; do
  bin=$target_dir/x86_64-unknown-linux-gnu/release/$t
  n=$(find "$dir/$t" -type f | wc -l)
  times=$(mktemp)
  /usr/bin/time -o "$times" -f "%U %S" "$bin" -runs=0 -timeout=10 -rss_limit_mb=2048 "$dir/$t" >/dev/null 2>&1 ||
    echo "$t: exited $? (a crash or timeout in the inputs?)" >&2
  read -r user sys <"$times"
  rm -f "$times"
  awk -v t="$t" -v n="$n" -v u="$user" -v s="$sys" \
    'BEGIN { printf "%-8s %4d inputs  %6.2f s CPU  %6.1f exec per CPU second\n", t, n, u + s, n / (u + s) }'
done
