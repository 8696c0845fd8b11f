from x import *
# A clone's instance asks room for the clone's INFINITY dependents too. cl
# (max 1, an instance 2, location n1 10) and `r with cl INFINITY`, r 3;
# n1 has room for 4, n2 for 6: with r at 2 both fit on n1; with r at 3 the
# instance needs 5 and both go to n2 (difftest seed 735: cl0 max 1, r4
# with cl0 INFINITY preferring a node of 2 that cannot hold both).
for ru in (2, 3):
    c = Cluster(); nodes(c, ["n1", "n2"])
    c.placement_strategy = "balanced"
    c.nodes[0].capacity["cpu"] = 4; c.nodes[1].capacity["cpu"] = 6
    c.top = [Clone("cl", Prim("p", uses={"cpu": 2}), max_=1), Prim("r", uses={"cpu": ru})]
    c.locations = [Location("l1", "cl", node="n1", score=10)]
    c.colocations = [Colocation("c1", "r", "cl", INF)]
    run(c, "e42-r-uses-%d" % ru)
