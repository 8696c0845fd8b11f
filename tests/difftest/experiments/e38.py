from x import *
# The allocation order follows colocations past the first primary: g1
# (0 + 1 + 2 cpu), r3 (1 cpu, location n1 L), r4 (3 cpu, banned from n1 and
# n2, with r3 INFINITY), r6 (1 cpu, with r4 -100); balanced, n1 and n2 of 4,
# n3 in standby. r4 is -INFINITY everywhere, so r6 takes nothing from it
# (a double negative), but the merge goes on to r3 with factor -1. L = 50:
# r6 sorts with -50 on n1, after g1 (r3 n1, g1 n2, r6 n1). L = -50 (a
# double negative again) or none: r6 keeps 0 everywhere and, a primitive
# scoring 0 on the standby node where the group has -INFINITY, sorts
# before g1 (r6 takes the roomier node before g1 does). Difftest seed 339.
for loc in (50, -50, 0):
    c = Cluster(); nodes(c, ["n1", "n2", "n3"])
    c.placement_strategy = "balanced"
    for n in c.nodes:
        n.capacity["cpu"] = 4
    c.nodes[2].standby = True
    g1 = Group("g1", [Prim("g1-a"), Prim("g1-b", uses={"cpu": 1}), Prim("g1-c", uses={"cpu": 2})])
    c.top = [g1, Prim("r3", uses={"cpu": 1}), Prim("r4", uses={"cpu": 3}), Prim("r6", uses={"cpu": 1})]
    if loc:
        c.locations.append(Location("l3", "r3", "n1", loc))
    c.locations += [Location("b1", "r4", "n1", -INF), Location("b2", "r4", "n2", -INF)]
    c.colocations += [Colocation("c4", "r4", "r3", INF), Colocation("c6", "r6", "r4", -100)]
    run(c, "e38-%d" % loc)
