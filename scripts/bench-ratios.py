#!/usr/bin/env python3
"""Print the ratios the benchmarks are judged by, from criterion's estimates of the last run.

Medians, not means: every fresh/legacy iteration ends in an fsync whose cost on a shared disk has
a long tail, and one slow flush should not decide a ratio.
"""
import json, pathlib, sys

root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"

def mean(group, name):
    f = root / group / name / "new" / "estimates.json"
    return json.loads(f.read_text())["median"]["point_estimate"] / 1e6  # ms

rows = [
    ("fresh: migrate / floor (target <= 1.1)", "fresh", "migrate", "fresh", "floor"),
    ("fresh: seed_way / floor", "fresh", "seed_way", "fresh", "floor"),
    ("warm: migrate / floor (target <= 1.2)", "warm", "migrate", "warm", "floor"),
    ("legacy: 20,000 / 200 agents (target <= 1.2)", "legacy", "adopt_20000", "legacy", "adopt_200"),
    ("legacy floor: 20,000 / 200 agents (any implementation)", "legacy", "floor_20000", "legacy", "floor_200"),
    ("legacy 20,000: migrate / floor", "legacy", "adopt_20000", "legacy", "floor_20000"),
]
for label, g1, n1, g2, n2 in rows:
    try:
        a, b = mean(g1, n1), mean(g2, n2)
    except FileNotFoundError as e:
        sys.exit(f"missing estimate ({e.filename}); run `cargo bench` first")
    print(f"{label:48} {a:9.3f} ms / {b:9.3f} ms = {a / b:5.2f}x")
