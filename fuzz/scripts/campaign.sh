#!/usr/bin/env bash
# A campaign: run one target for SECONDS of wall time in total, restarting after each finding (a
# crash stops libFuzzer), at the lowest priority, one process. Logs go to fuzz/logs/ (not
# committed); findings to fuzz/artifacts/<target>/. Figures for fuzz/README.md:
#   grep -E '^#[0-9]+.*(DONE|pulse)|stat::|SUMMARY|deadly|Test unit written' fuzz/logs/<target>-*.log
#   usage: fuzz/scripts/campaign.sh <target> <seconds>
# Two campaigns of one target may run at once, one per core: they share the corpus directory
# (libFuzzer re-reads it every second for what the other found) and each log is named after its
# own process.
# Built without a sanitizer by default (3-5x the executions per second of an ASan build; why this
# is the trade-off taken, and how the corpus is then replayed under ASan: fuzz/README.md, "Speed").
# SANITIZER=address gives the ASan build instead. Each sanitizer has its own target directory, so
# switching between a campaign and the CI smoke (ASan) does not rebuild everything.
set -uo pipefail
cd "$(dirname "$0")/.."
target=$1 total=$2
mkdir -p logs
end=$((SECONDS + total))
run=0
sanitizer=${SANITIZER:-none}
build=(-a -s "$sanitizer")
[[ $sanitizer == address ]] || build+=(--target-dir "target/sanitizer-$sanitizer")
declare -A extra=([image]="-dict=image.dict -max_len=65536" [legacy]="-max_len=512" [datadir]="-max_len=512")
while ((SECONDS < end)); do
  run=$((run + 1))
  left=$((end - SECONDS))
  log="logs/$target-$(date -u +%Y%m%dT%H%M%S)-$$.log"
  echo "campaign $target: run $run, ${left}s left, sanitizer $sanitizer, log $log"
  nice -n 19 cargo +nightly fuzz run "$target" "${build[@]}" -- -max_total_time="$left" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 ${extra[$target]} >"$log" 2>&1
  status=$? took=$((SECONDS - (end - left)))
  echo "campaign $target: run $run exited $status after ${took}s"
  # A run that fails within seconds is failing on the corpus itself (or a broken harness): a
  # restart would only fail again, as fast, for the rest of the campaign.
  if ((status != 0 && took < 15)); then
    echo "campaign $target: run $run failed within ${took}s; stopping (see $log)" >&2
    exit 1
  fi
done
