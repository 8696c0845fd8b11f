from x import *
# A clone on every node that can run resources (difftest seed 565): does its
# positive finite colocation still weigh on its instances? `ms with r 100`,
# r on n3, promotion score 5 everywhere: with max 3 (or unset, or with n1
# in standby and max 2) instance 0 goes to n1 and, the promotion scores
# being equal, n1 is promoted; with max 2 of 3 instance 0 goes beside r on
# n3 and n3 is promoted. A negative one (-100) always weighs: instance 0
# avoids n3. (crm_simulate -s shows ms-p:0's score on n3: 5 or 105.)
for name, mx, sc, standby in (("max-unset", None, 100, False), ("max3", 3, 100, False),
                              ("max2", 2, 100, False), ("standby-max2", 2, 100, True),
                              ("neg-max-unset", None, -100, False)):
    c = Cluster(); nodes(c, ["n1", "n2", "n3"])
    c.top.append(Prim("r")); c.locations.append(Location("lr", "r", "n3", 50))
    c.top.append(Clone("ms", Prim("ms-p", promotable_agent=True), promotable=True, max_=mx))
    for n in c.nodes: n.tattrs["master-ms-p"] = "5"
    if standby: c.nodes[0].standby = True
    c.colocations.append(Colocation("c", "ms", "r", sc))
    run(c, "e51-" + name)
