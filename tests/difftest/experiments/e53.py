from x import *
# Equal promotion scores (difftest seed 656 of 601-900): which instance is
# promoted? n1 and n3 end at the same score; the one whose first step
# (master-<primitive> plus role = promoted locations) is higher wins,
# whatever the instance numbers or node names:
# - INFINITY locations on both, masters 1 and 5 (or 5 and 1);
# - 50 on both: master 10 + location 40 vs master 30 + location 20;
# - 50 on both: master 10 + role location 30 + location 10 vs master 20 +
#   location 30 (here n1's first step, 40, is the higher).
cases = (("inf-1-5", "1", [("ms", INF, None)], "5", [("ms", INF, None)]),
         ("inf-5-1", "5", [("ms", INF, None)], "1", [("ms", INF, None)]),
         ("50-master", "10", [("ms", 40, None)], "30", [("ms", 20, None)]),
         ("50-role", "10", [("ms", 10, None), ("ms", 30, "promoted")], "20", [("ms", 30, None)]))
for name, m1, l1, m3, l3 in cases:
    c = Cluster(); nodes(c, ["n1", "n2", "n3"])
    c.top.append(Clone("ms", Prim("ms-p", promotable_agent=True), promotable=True))
    c.node("n1").tattrs["master-ms-p"] = m1
    c.node("n3").tattrs["master-ms-p"] = m3
    for node, locs in (("n1", l1), ("n3", l3)):
        for i, (r, sc, role) in enumerate(locs):
            c.locations.append(Location("l-%s-%d" % (node, i), r, node, sc, role=role))
    run(c, "e53-" + name)
