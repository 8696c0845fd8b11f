#!/usr/bin/env python3
"""Helpers of bench/failover/run.sh.

  report.py detect T0 LOG...   the earliest "A new membership" line of the
                               corosync logs (timestamp: hires) after T0
                               (epoch seconds), as epoch seconds; "-" if none
  report.py table RESULTS      the figures of a results file (JSON lines)
"""
import json
import re
import statistics
import sys
import time

LINE = re.compile(r"^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d)\.(\d+) .*A new membership")


def log_time(m):
    mon, day, hh, mm, ss, frac = m.groups()
    year = time.localtime().tm_year
    t = time.strptime(f"{year} {mon} {day} {hh}:{mm}:{ss}", "%Y %b %d %H:%M:%S")
    return time.mktime(t) + float("0." + frac)


def detect(t0, logs):
    best = None
    for path in logs:
        try:
            with open(path, errors="replace") as f:
                for line in f:
                    m = LINE.match(line)
                    if not m:
                        continue
                    t = log_time(m)
                    # The log has millisecond resolution: a line of T0's own millisecond counts.
                    if t >= t0 - 0.001 and (best is None or t < best):
                        best = t
        except OSError:
            pass
    print("-" if best is None else f"{best:.3f}")


def ms(values):
    return [round(v * 1000) for v in values]


def spread(values):
    if not values:
        return "-"
    v = ms(values)
    return f"median {statistics.median(v):.0f} ms (range {min(v)}–{max(v)}, n={len(v)})"


def table(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    tools = []
    for r in rows:
        if r["tool"] not in tools:
            tools.append(r["tool"])
    for tool in tools:
        mine = [r for r in rows if r["tool"] == tool]
        print(f"== {tool}")
        for kind in ("kill", "cut"):
            runs = [r for r in mine if r.get("kind") == kind]
            ok = [r for r in runs if r.get("start") and r.get("detect")]
            if not runs:
                continue
            print(f"  {kind} -9 of the node running the resource" if kind == "kill"
                  else f"  {kind} of the network of the node running the resource")
            print(f"    runs: {len(runs)} ({sum(1 for r in runs if r['dc'])} hitting the DC), "
                  f"recovered: {len(ok)}")
            print("    failover (event -> running on a survivor): "
                  + spread([r["start"] - r["t0"] for r in ok]))
            print("    Corosync detection (event -> new membership): "
                  + spread([r["detect"] - r["t0"] for r in ok]))
            print("    after detection (new membership -> running): "
                  + spread([r["start"] - r["detect"] for r in ok]))
            fenced = [r for r in ok if r.get("fence")]
            print("      of which to fencing done:                "
                  + spread([r["fence"] - r["detect"] for r in fenced]))
            for dc in (True, False):
                sub = [r["start"] - r["detect"] for r in ok if r["dc"] == dc]
                print(f"      {'DC killed' if dc else 'non-DC   '}: " + spread(sub))
            print("    per run (ms after detection): "
                  + " ".join(f"{'D' if r['dc'] else ''}{round((r['start'] - r['detect']) * 1000)}"
                             for r in ok))
        push = [r for r in mine if r.get("kind") == "push"]
        if push:
            t = [r["ms"] for r in push]
            s = [r["spread_ms"] for r in push]
            print(f"  config push stored on all 3 nodes, from the `corral config push` command: "
                  f"median {statistics.median(t):.0f} ms (range {min(t):.0f}–{max(t):.0f}, "
                  f"n={len(t)}); first to last node: median {statistics.median(s):.0f} ms "
                  f"(range {min(s):.0f}–{max(s):.0f})")
        for r in mine:
            if r.get("kind") == "rss":
                print(f"  RSS per node ({r['what']}): "
                      + ", ".join(f"{k} {v / 1024:.1f} MB" for k, v in sorted(r["kb"].items())))


if __name__ == "__main__":
    if sys.argv[1] == "detect":
        detect(float(sys.argv[2]), sys.argv[3:])
    elif sys.argv[1] == "table":
        table(sys.argv[2])
    else:
        sys.exit(__doc__)
