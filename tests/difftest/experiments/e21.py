from x import *
# Allocation order with a placement strategy: a group against a primitive with
# equal (zero) scores, and a standby node
for strat in ["balanced", "utilization"]:
    for standby in [False, True]:
        for gfirst in [True, False]:
            c = Cluster(); nodes(c, ["n1", "n2", "n3"])
            c.placement_strategy = strat
            for n in c.nodes: n.capacity["cpu"] = 8
            if standby: c.nodes[1].standby = True
            g = Group("g", [Prim("g-a"), Prim("g-b")])
            r = Prim("r1")
            for p in g.members + [r]: p.uses["cpu"] = 1
            c.top = [g, r] if gfirst else [r, g]
            run(c, "e21-%s-%s-%s" % (strat, "sb" if standby else "nosb", "gfirst" if gfirst else "rfirst"))
