from x import *
# Ties for "the roomiest node" with five nodes (difftest seed 142): a
# group of 3 + 3 fits on no node; n4 and n5 are equally roomy (4 each, the
# others 2). Same names, different node ids: Pacemaker takes the node whose
# id comes first in its hash table, whose order for the ids 1..5 is
# 1 3 5 2 4: n5 with ids 1 2 3 4 5, n4 once the two ids are swapped. corral
# takes n4 (by name) whatever the ids.
for ids in ((1, 2, 3, 4, 5), (1, 2, 3, 5, 4), (5, 4, 3, 2, 1), (2, 3, 1, 4, 5), (1, 2, 4, 3, 5)):
    c = Cluster(); nodes(c, ["n1", "n2", "n3", "n4", "n5"], ids=list(ids))
    c.placement_strategy = "balanced"
    for n, cap in zip(c.nodes, (2, 2, 2, 4, 4)): n.capacity["cpu"] = cap
    c.top = [Group("g", [Prim("a", uses={"cpu": 3}), Prim("b", uses={"cpu": 3})])]
    run(c, "e32-%d%d%d%d%d" % ids)
