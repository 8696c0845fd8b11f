from x import *
# balanced: in what order are nodes walked when resources are sorted for
# allocation? n1 has room for one resource, n2 for eight. r1 scores n1 20,
# r2 scores n1 10 and n2 5. Walking nodes by name, r1 goes first (n1: 20 > 10)
# and takes n1; walking the roomiest node first, r2 goes first (n2: 5 > 0).
for strategy in ("utilization", "balanced"):
    c = Cluster(); nodes(c, ["n1", "n2"])
    c.placement_strategy = strategy
    c.nodes[0].capacity["cpu"] = 1
    c.nodes[1].capacity["cpu"] = 8
    c.top = [Prim("r1", uses={"cpu": 1}), Prim("r2", uses={"cpu": 1})]
    c.locations += [Location("l1", "r1", "n1", 20), Location("l2", "r2", "n1", 10),
                    Location("l3", "r2", "n2", 5)]
    run(c, "e25-" + strategy)
