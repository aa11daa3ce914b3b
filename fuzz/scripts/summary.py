#!/usr/bin/env python3
"""Sum a campaign's logs (fuzz/logs/<target>-*.log) into the figures fuzz/README.md records:
runs, executions, final cov/ft/corpus, crashes and timeouts with their artifacts.
usage: summary.py [--since YYYYMMDDTHHMMSS] [target...]  (--since: only the logs of runs started
then or later, i.e. one campaign, not every campaign the logs directory remembers)"""
import glob, os, re, sys

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
args, since = sys.argv[1:], ""
if args[:1] == ["--since"]:
    since, args = args[1], args[2:]
for target in args or ["image", "legacy", "datadir"]:
    logs = sorted(glob.glob(os.path.join(here, "logs", f"{target}-*.log")))
    logs = [l for l in logs if os.path.basename(l)[len(target) + 1 : -4] >= since]
    if not logs:
        continue
    execs, last, findings = 0, "", []
    for log in logs:
        text = open(log, errors="replace").read()
        m = re.findall(r"stat::number_of_executed_units: (\d+)", text)
        if m:
            execs += int(m[-1])
        else:  # still running: the last status line
            n = re.findall(r"^#(\d+)\s", text, re.M)
            execs += int(n[-1]) if n else 0
        lines = re.findall(r"^#\d+\s+\w+\s+cov: .*$", text, re.M)
        if lines:
            last = lines[-1]
        findings += re.findall(r"Test unit written to (\S+)", text)
    m = re.search(r"cov: (\d+) ft: (\d+) corp: (\S+)", last)
    print(f"{target}: {len(logs)} run(s), {execs} executions, final cov {m and m.group(1)} ft {m and m.group(2)} corp {m and m.group(3)}")
    for f in findings:
        print(f"  finding: {os.path.basename(f)}")
