#!/usr/bin/env python3
"""Generate one benchmark cluster as corral INI (+ status INI) and a Pacemaker CIB.

    gen.py --nodes M --resources N --scenario fresh|steady|lost --out DIR [--seed S]
           [--placement FILE.json]

N counts primitives (group members and a clone's primitive each count one).
The mix: groups of 3 (about 30% of the primitives), anonymous clones (about
5%), the rest plain primitives; location constraints on about a third of the
top-level resources, colocations and orders on about a tenth, each between a
resource and an earlier one (so no loops). Everything is seeded.

fresh: every node online, nothing running.
steady: everything runs where the cluster settles. The placement comes from
  --placement (a JSON {primitive: [nodes]}, e.g. the "placement" object of
  `corral simulate --json` or what run.py reads back from crm_simulate), so
  both tools get exactly the same running state.
lost: the steady state with node n1 gone (offline).

DIR receives cluster.ini, state.ini (not for fresh) and cib.xml.
"""

import argparse
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "difftest"))
from cluster import (INF, Clone, Cluster, Colocation, Group, Location,  # noqa: E402
                     Node, Order, Prim)


def node_name(i, m):
    return "n%0*d" % (len(str(m)), i + 1)


def build(m, n, seed):
    rnd = random.Random(seed)
    c = Cluster()
    c.name = "bench"
    c.default_stickiness = 100
    for i in range(m):
        c.nodes.append(Node(node_name(i, m), str(i + 1), attrs={"rack": "r%d" % (i % 4)}))
    made = 0
    tops = []  # (id, kind) of top-level resources usable in constraints
    while made < n:
        left = n - made
        x = rnd.random()
        if x < 0.10 and left >= 3:
            gid = "g%d" % len(tops)
            members = [Prim("%s-m%d" % (gid, k)) for k in range(3)]
            c.top.append(Group(gid, members))
            tops.append((gid, "group"))
            made += 3
        elif x < 0.15:
            cid = "c%d" % len(tops)
            c.top.append(Clone(cid, Prim("%s-p" % cid), max_=min(m, rnd.choice([2, 3, m]))))
            tops.append((cid, "clone"))
            made += 1
        else:
            rid = "r%d" % len(tops)
            c.top.append(Prim(rid))
            tops.append((rid, "primitive"))
            made += 1
    names = [nd.name for nd in c.nodes]
    for i, (rid, kind) in enumerate(tops):
        x = rnd.random()
        if x < 0.30:
            c.locations.append(Location("loc-%s" % rid, rid, rnd.choice(names),
                                        rnd.choice([50, 100, 200, 500])))
        elif x < 0.33:
            c.locations.append(Location("avoid-%s" % rid, rid, rnd.choice(names), -INF))
        elif x < 0.36:
            c.locations.append(Location("rack-%s" % rid, rid, None, 150,
                                        rule=("and", [("rack", "eq", "r%d" % rnd.randrange(4))])))
        if i == 0 or kind == "clone":
            continue
        y = rnd.random()
        if y < 0.10:
            # with an earlier resource: primaries come first in config order
            j = rnd.randrange(i)
            c.colocations.append(Colocation("col-%s" % rid, rid, tops[j][0],
                                            rnd.choice([INF, 100, 500, -500])))
        elif y < 0.20:
            j = rnd.randrange(i)
            c.orders.append(Order("ord-%s" % rid, tops[j][0], rid,
                                  rnd.choice(["mandatory", "optional"])))
    return c


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nodes", type=int, required=True)
    ap.add_argument("--resources", type=int, required=True)
    ap.add_argument("--scenario", choices=["fresh", "steady", "lost"], default="fresh")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--placement", help="JSON {primitive: [nodes]} for steady/lost")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    c = build(a.nodes, a.resources, a.seed)
    if a.scenario != "fresh":
        if not a.placement:
            ap.error("--placement is needed for steady and lost")
        with open(a.placement) as f:
            placement = json.load(f)
        apply_placement(c, placement)
        if a.scenario == "lost":
            # n1 went down: nothing runs there any more (a cleanly offline
            # node's history is void for Pacemaker too).
            c.nodes[0].state = "offline"
            for s in c.status.values():
                s.active_on = [x for x in s.active_on if x != c.nodes[0].name]
    write(c, a.out, a.scenario != "fresh")


def apply_placement(c, placement):
    for p, _ in c.primitives():
        on = placement.get(p.id, [])
        if on:
            c.st(p.id).active_on = list(on)


def write(c, out, with_state, probes=True):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "cluster.ini"), "w") as f:
        f.write(c.to_ini())
    if with_state:
        with open(os.path.join(out, "state.ini"), "w") as f:
            f.write(c.to_status_ini())
    elif os.path.exists(os.path.join(out, "state.ini")):
        os.unlink(os.path.join(out, "state.ini"))
    with open(os.path.join(out, "cib.xml"), "w") as f:
        f.write(c.to_cib(probes=probes))


if __name__ == "__main__":
    main()
