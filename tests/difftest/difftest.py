#!/usr/bin/env python3
"""Differential test: corral's scheduler against Pacemaker 2.1.5's crm_simulate.

For each seed, a random cluster is written both as corral INI + status INI and
as a Pacemaker CIB; `crm_simulate -x cib.xml -R` (the oracle) and
`corral simulate --config cluster.ini --state state.ini --json` are run and
their placements (and promoted sets) compared. Mismatches are shrunk (items
removed while the difference persists) and reported with the seed.

    difftest.py --seeds 1-300 [--features all|LIST] [--corral PATH]
                [--min-match PCT] [--report FILE] [--keep DIR] [--oracle-only]

Features (comma-separated; `all` = every one):
  loc      location constraints by node, and by rule on node attributes
  stick    resources running (status), resource and default stickiness
  coloc    colocations, +-INFINITY and finite
  group    groups (of 2-3)
  order    mandatory / optional orders
  clone    anonymous clones
  promo    promotable clones (ocf:pacemaker:Stateful, master-<rsc> scores)
  standby  standby nodes
  offline  offline nodes
  fail     failcounts against migration-threshold
  util     placement-strategy utilization / balanced
  prio     resource priorities
  unclean  stonith enabled with a fence device, and an unclean node whose
           resources must move once it is fenced
Exit status: 0 when the match rate is at least --min-match (default 0), else 1.
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import oracle  # noqa: E402
from cluster import (INF, Clone, Cluster, Colocation, Group, Location,  # noqa: E402
                     Node, Order, Prim)

ALL_FEATURES = ["loc", "stick", "coloc", "group", "order", "clone", "promo",
                "standby", "offline", "fail", "util", "prio", "unclean"]


def gen(seed, features):
    """A random cluster using only the given features."""
    f = set(features)
    rnd = random.Random(seed)
    c = Cluster()
    nn = rnd.randint(2, 5)
    for i in range(nn):
        n = Node("n%d" % (i + 1), str(i + 1))
        if "loc" in f:
            n.attrs["rack"] = rnd.choice(["a", "b"])
            if rnd.random() < 0.5:
                n.tattrs["ping"] = str(rnd.randint(0, 3))
        c.nodes.append(n)
    if "standby" in f and rnd.random() < 0.4:
        rnd.choice(c.nodes).standby = True
    if "offline" in f and rnd.random() < 0.4 and nn > 2:
        rnd.choice(c.nodes[1:]).state = "offline"
    if "unclean" in f and rnd.random() < 0.5:
        c.stonith_enabled = True
        c.fence_device = True
        if nn > 2 and rnd.random() < 0.8:
            rnd.choice([n for n in c.nodes[1:] if n.state == "online"] or c.nodes[1:]).state = "unclean"
    if "util" in f and rnd.random() < 0.7:
        c.placement_strategy = rnd.choice(["utilization", "balanced"])
        for n in c.nodes:
            n.capacity["cpu"] = rnd.choice([2, 4, 4, 8])
    if "stick" in f and rnd.random() < 0.5:
        c.default_stickiness = rnd.choice([0, 10, 100, INF])
    names = [n.name for n in c.nodes]

    def prim(rid, promotable=False):
        p = Prim(rid, promotable_agent=promotable)
        if "stick" in f and rnd.random() < 0.3:
            p.meta["stickiness"] = rnd.choice([0, 5, 50, 200, INF])
        if "prio" in f and rnd.random() < 0.3:
            p.meta["priority"] = rnd.choice([1, 5, 10])
        if "fail" in f and rnd.random() < 0.3:
            p.meta["migration-threshold"] = rnd.choice([0, 1, 2, 3])
        if c.placement_strategy and rnd.random() < 0.8:
            p.uses["cpu"] = rnd.choice([1, 1, 2, 3])
        return p

    nres = rnd.randint(2, 8)
    tops = []
    for i in range(nres):
        x = rnd.random()
        if "group" in f and x < 0.25:
            g = Group("g%d" % i, [prim("g%d-%s" % (i, m)) for m in "abc"[:rnd.randint(2, 3)]])
            if "stick" in f and rnd.random() < 0.3:
                g.meta["stickiness"] = rnd.choice([5, 50, 100])
            c.top.append(g)
        elif "promo" in f and x < 0.35:
            cl = Clone("ms%d" % i, prim("ms%d-p" % i, promotable=True), promotable=True)
            if rnd.random() < 0.3:
                cl.promoted_max = 2
            for n in c.nodes:
                if rnd.random() < 0.7:
                    n.tattrs["master-%s" % cl.child.id] = str(rnd.choice([1, 5, 10, 100]))
            c.top.append(cl)
        elif "clone" in f and x < 0.45:
            cl = Clone("cl%d" % i, prim("cl%d-p" % i))
            if rnd.random() < 0.5:
                cl.max = rnd.randint(1, nn)
            c.top.append(cl)
        else:
            c.top.append(prim("r%d" % i))
        tops.append(c.top[-1])

    def kind(t):
        return "group" if isinstance(t, Group) else "clone" if isinstance(t, Clone) else "prim"

    # constraints
    if "loc" in f:
        for t in tops:
            if rnd.random() < 0.5:
                if rnd.random() < 0.25:
                    attr, op, val = rnd.choice([("rack", "eq", "a"), ("rack", "ne", "b"),
                                                ("ping", "gt", "1"), ("ping", "defined", None),
                                                ("ping", "lte", "2")])
                    c.locations.append(Location("loc-%s-rule" % t.id, t.id, None,
                                                rnd.choice([-INF, 50, 100, INF]),
                                                rule=("and", [(attr, op, val)])))
                else:
                    n = rnd.choice(names)
                    sc = rnd.choice([-INF, -50, 10, 50, 100, 200, INF])
                    role = None
                    if isinstance(t, Clone) and t.promotable and rnd.random() < 0.5:
                        role = "promoted"
                        sc = abs(sc) if abs(sc) < INF else 100
                    c.locations.append(Location("loc-%s-%s" % (t.id, n), t.id, n, sc, role=role))
    if "coloc" in f and len(tops) > 1:
        for i, t in enumerate(tops[1:], 1):
            if rnd.random() < 0.35:
                w = tops[rnd.randrange(i)]
                sc = rnd.choice([INF, INF, -INF, 100, -100, 20])
                with_role = None
                if isinstance(w, Clone) and w.promotable and rnd.random() < 0.6:
                    with_role = "promoted"
                if isinstance(t, Clone) and isinstance(w, Clone):
                    continue
                c.colocations.append(Colocation("col-%s-%s" % (t.id, w.id), t.id, w.id, sc,
                                                with_role=with_role))
    if "order" in f and len(tops) > 1:
        for i, t in enumerate(tops[1:], 1):
            if rnd.random() < 0.3:
                w = tops[rnd.randrange(i)]
                c.orders.append(Order("ord-%s-%s" % (w.id, t.id), w.id, t.id,
                                      rnd.choice(["mandatory", "optional"])))
    if "loc" in f and rnd.random() < 0.15:
        # a resource banned everywhere (exercises stopped primaries and firsts)
        t = rnd.choice(tops)
        for n in names:
            c.locations.append(Location("ban-%s-%s" % (t.id, n), t.id, n, -INF))

    # status: where things run now
    online = [n.name for n in c.nodes if n.state in ("online", "unclean")]
    if "stick" in f or "fail" in f or "promo" in f or "unclean" in f:
        for t in tops:
            if rnd.random() < 0.5 or not online:
                continue
            if isinstance(t, Prim):
                c.st(t.id).active_on = [rnd.choice(online)]
            elif isinstance(t, Group):
                n = rnd.choice(online)
                for m in t.members[:rnd.randint(1, len(t.members))]:
                    c.st(m.id).active_on = [n]
            else:
                k = rnd.randint(1, min(len(online), t.max or len(online)))
                on = sorted(rnd.sample(online, k))
                c.st(t.child.id).active_on = on
                if t.promotable and rnd.random() < 0.6:
                    c.st(t.child.id).promoted_on = [rnd.choice(on)]
    if "fail" in f:
        for p, _ in c.primitives():
            if rnd.random() < 0.3:
                c.st(p.id).failcount[rnd.choice(names)] = rnd.choice([1, 2, 3, INF])
        if rnd.random() < 0.3:
            c.default_migration_threshold = rnd.choice([1, 2, 3])
    return c


# -- shrinking ---------------------------------------------------------------

def _without_top(c, t):
    """A copy of c without top-level item t and everything that names it."""
    import copy
    d = copy.deepcopy(c)
    d.top = [x for x in d.top if x.id != t.id]
    ids = {t.id}
    if isinstance(t, Group):
        ids |= {m.id for m in t.members}
    elif isinstance(t, Clone):
        ids.add(t.child.id)
        if isinstance(t.child, Group):
            ids |= {m.id for m in t.child.members}
    d.locations = [l for l in d.locations if l.rsc not in ids]
    d.colocations = [x for x in d.colocations if x.rsc not in ids and x.with_ not in ids]
    d.orders = [o for o in d.orders if o.first not in ids and o.then not in ids]
    for i in ids:
        d.status.pop(i, None)
    return d


def _candidates(c):
    import copy
    for lst in ("locations", "colocations", "orders"):
        for i in range(len(getattr(c, lst))):
            d = copy.deepcopy(c)
            del getattr(d, lst)[i]
            yield d
    for t in list(c.top):
        if len(c.top) > 1:
            yield _without_top(c, t)
    for rid, s in c.status.items():
        if s.active_on or s.failcount:
            d = copy.deepcopy(c)
            del d.status[rid]
            yield d


def compare(c, workdir, corral, timeout=120):
    """Returns (verdict, oracle result, corral result); verdict is 'match',
    'mismatch', 'corral-error' or 'oracle-error'."""
    os.makedirs(workdir, exist_ok=True)
    cfg = os.path.join(workdir, "cluster.ini")
    state = os.path.join(workdir, "state.ini")
    cib = os.path.join(workdir, "cib.xml")
    with open(cfg, "w") as fh:
        fh.write(c.to_ini())
    with open(state, "w") as fh:
        fh.write(c.to_status_ini())
    with open(cib, "w") as fh:
        fh.write(c.to_cib(probes=True))
    try:
        want = oracle.crm_run(cib, timeout=timeout)
    except Exception as e:  # noqa: BLE001 - reported, not hidden
        return "oracle-error", str(e), None
    if not corral:
        return "match", want, None
    try:
        got = oracle.corral_simulate(corral, cfg, state, timeout=timeout)[:2]
    except Exception as e:  # noqa: BLE001
        return "corral-error", want, str(e)
    return ("match" if normalise(c, want) == normalise(c, got) else "mismatch"), want, got


def normalise(c, res):
    placement, promoted = res
    ids = [p.id for p, _ in c.primitives()]
    return ({i: sorted(placement.get(i, [])) for i in ids},
            {i: sorted(promoted.get(i, [])) for i in ids if promoted.get(i)})


def shrink(c, workdir, corral, budget=60):
    """Greedy one-at-a-time removal while the mismatch persists."""
    cur = c
    tries = 0
    changed = True
    while changed and tries < budget:
        changed = False
        for d in _candidates(cur):
            tries += 1
            if compare(d, workdir, corral)[0] == "mismatch":
                cur = d
                changed = True
                break
            if tries >= budget:
                break
    return cur


def diff_text(c, want, got):
    w, g = normalise(c, want), normalise(c, got)
    out = []
    for i in w[0]:
        if w[0][i] != g[0].get(i):
            out.append("%s: pacemaker %s, corral %s" % (i, w[0][i] or "stopped", g[0].get(i) or "stopped"))
    for i in sorted(set(w[1]) | set(g[1])):
        if w[1].get(i) != g[1].get(i):
            out.append("%s promoted: pacemaker %s, corral %s" % (i, w[1].get(i, []), g[1].get(i, [])))
    return "; ".join(out)


def parse_seeds(s):
    out = []
    for part in s.split(","):
        if "-" in part:
            a, b = part.split("-")
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n", 1)[1])
    ap.add_argument("--seeds", default="1-50")
    ap.add_argument("--features", default="all")
    ap.add_argument("--corral", default=os.environ.get("CORRAL", ""),
                    help="path of the corral program (default: $CORRAL, or $CORRAL_BIN/corral)")
    ap.add_argument("--oracle-only", action="store_true",
                    help="only check that crm_simulate accepts every generated CIB")
    ap.add_argument("--min-match", type=float, default=0.0)
    ap.add_argument("--report", help="append a markdown report to this file")
    ap.add_argument("--keep", help="keep every case under this directory")
    ap.add_argument("--no-shrink", action="store_true")
    ap.add_argument("--fail-on-error", action="store_true",
                    help="exit 1 when crm_simulate or corral fails on any case")
    a = ap.parse_args()
    feats = ALL_FEATURES if a.features == "all" else a.features.split(",")
    for x in feats:
        if x not in ALL_FEATURES:
            ap.error("unknown feature %r" % x)
    corral = a.corral
    if not corral and os.environ.get("CORRAL_BIN"):
        corral = os.path.join(os.environ["CORRAL_BIN"], "corral")
    if a.oracle_only:
        corral = ""
    elif not corral:
        ap.error("no corral program: give --corral, $CORRAL or $CORRAL_BIN (or --oracle-only)")
    seeds = parse_seeds(a.seeds)
    base = a.keep or tempfile.mkdtemp(prefix="difftest-")
    t0 = time.time()
    counts = {"match": 0, "mismatch": 0, "corral-error": 0, "oracle-error": 0}
    lines = []
    for seed in seeds:
        c = gen(seed, feats)
        wd = os.path.join(base, "seed-%d" % seed)
        verdict, want, got = compare(c, wd, corral)
        counts[verdict] += 1
        if verdict == "match":
            if not a.keep:
                shutil.rmtree(wd, ignore_errors=True)
            continue
        if verdict == "oracle-error":
            msg = "seed %d: crm_simulate failed: %s" % (seed, want)
        elif verdict == "corral-error":
            msg = "seed %d: corral simulate failed: %s" % (seed, got)
        else:
            small = c if a.no_shrink else shrink(c, os.path.join(wd, "shrink"), corral)
            v2, w2, g2 = compare(small, os.path.join(wd, "min"), corral)
            if v2 != "mismatch":
                small, w2, g2 = c, want, got
                compare(small, os.path.join(wd, "min"), corral)
            msg = "seed %d: %s\n  minimal case (%s):\n%s" % (
                seed, diff_text(small, w2, g2), os.path.join(wd, "min"),
                "\n".join("    " + ln for ln in small.to_ini().splitlines() if ln.strip())
                + "\n  status:\n" +
                "\n".join("    " + ln for ln in small.to_status_ini().splitlines()
                          if ln.strip() and not ln.startswith(("now", "quorate", "[quorum]"))))
        print(msg)
        lines.append(msg)
    n = len(seeds)
    rate = 100.0 * counts["match"] / n if n else 0.0
    summary = ("difftest: %d/%d match (%.1f%%), %d mismatch, %d corral error, %d oracle error; "
               "features %s; seeds %s; %.0f s" % (counts["match"], n, rate, counts["mismatch"],
                                                  counts["corral-error"], counts["oracle-error"],
                                                  ",".join(feats), a.seeds, time.time() - t0))
    print(summary)
    if a.report:
        with open(a.report, "a") as fh:
            fh.write("\n### %s (%s)\n\n%s\n\n" % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                                 "oracle only" if not corral else "corral vs pacemaker",
                                                 summary))
            for ln in lines:
                fh.write("```\n%s\n```\n" % ln)
    if not a.keep:
        shutil.rmtree(base, ignore_errors=True)
    if a.fail_on_error and (counts["corral-error"] or counts["oracle-error"]):
        return 1
    return 0 if rate >= a.min_match else 1


if __name__ == "__main__":
    sys.exit(main())
