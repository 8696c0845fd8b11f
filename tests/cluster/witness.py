#!/usr/bin/env python3
"""Split-brain witness of the cluster scenarios.

    witness.py FILE RESOURCE

FILE is written outside the nodes' namespaces, one event a line:
    TIME start|stop RESOURCE NODE   the resource agent (ocf:corraltest:Logger)
    TIME fence NODE                 the harness's fence device (after the kill)
    TIME off NODE / TIME on NODE    the harness powering a node off / on
    TIME cut NODE / TIME heal NODE  the harness cutting / healing its network
    TIME confirm NODE               a person vouching that NODE is off
                                    (the test, before `corral node confirm-down`)
TIME is seconds since the epoch (one clock: every node is on this machine).

A node's activity starts at its start line and ends at its stop, at its
fencing, or when it is powered off. Checks, each printed:
  1. the resource was never active on two nodes at once;
  2. fencing before recovery: when a node went away while active (powered
     off or cut off), the resource started elsewhere only after that node was
     fenced (or confirmed down), or came back (powered on, or healed) and
     told the others what it runs.
Prints a summary; exits 1 on any violation.
"""
import sys


def main(path, rsc):
    events = []
    for n, line in enumerate(open(path)):
        w = line.split()
        if len(w) < 3:
            continue
        try:
            t = float(w[0])
        except ValueError:
            continue
        if w[1] in ("start", "stop") and len(w) >= 4 and w[2] == rsc:
            events.append((t, n, w[1], w[3]))
        elif w[1] in ("fence", "confirm", "off", "on", "cut", "heal"):
            events.append((t, n, w[1], w[2]))
    events.sort()
    active = {}       # node -> start time
    unfenced = set()  # nodes that went away while active, not yet fenced or back on
    bad = []
    counts = {"start": 0, "stop": 0, "fence": 0, "confirm": 0, "off": 0, "on": 0, "cut": 0,
              "heal": 0}
    for t, _, what, node in events:
        counts[what] += 1
        if what == "start":
            others = sorted(x for x in active if x != node)
            if others:
                bad.append(f"{t:.6f}: {rsc} started on {node} while active on {', '.join(others)}"
                           f" (since {', '.join(f'{active[x]:.6f}' for x in others)})")
            waiting = sorted(unfenced - {node})
            if waiting:
                bad.append(f"{t:.6f}: {rsc} started on {node} before {', '.join(waiting)}"
                           " (gone while it ran there) was fenced")
            active.setdefault(node, t)
        elif what == "stop":
            active.pop(node, None)
        elif what in ("fence", "confirm"):
            active.pop(node, None)
            unfenced.discard(node)
        elif what == "off":
            if node in active:
                unfenced.add(node)
            active.pop(node, None)
        elif what == "cut":
            if node in active:
                unfenced.add(node)
        elif what in ("on", "heal"):
            unfenced.discard(node)
    print(f"witness: {counts['start']} starts, {counts['stop']} stops, {counts['fence']} fencings, "
          f"{counts['off']} power-offs, {counts['on']} power-ons, {counts['cut']} cuts, "
          f"{counts['heal']} heals; "
          f"at the end active on: {', '.join(sorted(active)) or 'none'}")
    for b in bad:
        print("VIOLATION " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
