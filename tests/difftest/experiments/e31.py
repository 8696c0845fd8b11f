from x import *
# Ties for "the roomiest node" (a group of 3 + 3 that fits on no node of 4):
# which of three equally roomy nodes does the first member go to? Same names,
# different node ids: the choice follows the ids' order in Pacemaker's hash
# table, not the names or the configuration order.
for ids in ((1, 2, 3), (2, 3, 1), (3, 1, 2), (1, 3, 2)):
    c = Cluster(); nodes(c, ["n1", "n2", "n3"], ids=list(ids))
    c.placement_strategy = "utilization"
    for n in c.nodes: n.capacity["cpu"] = 4
    c.top = [Group("g", [Prim("a", uses={"cpu": 3}), Prim("b", uses={"cpu": 3})])]
    run(c, "e31-%d%d%d" % ids)
