from x import *
# A group that fits on no node (3 + 5 on nodes of 4 and 7): where does its
# first member go? By name it would be n1; the roomiest node is n2.
for strategy in ("utilization", "balanced"):
    for caps in ((4, 7), (7, 4)):
        c = Cluster(); nodes(c, ["n1", "n2"])
        c.placement_strategy = strategy
        c.nodes[0].capacity["cpu"] = caps[0]
        c.nodes[1].capacity["cpu"] = caps[1]
        c.top = [Group("g", [Prim("a", uses={"cpu": 3}), Prim("b", uses={"cpu": 5})])]
        run(c, "e26-%s-%d-%d" % (strategy, caps[0], caps[1]))
