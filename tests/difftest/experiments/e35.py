from x import *
# Room for what must run with a group: n1 with room for 8, n2 and n3 for 4;
# g2 (1 + 3) with location n2 10; a dependent colocated with g2 INFINITY:
# a group g5 (2 + 2) or a primitive r5 (4), or none. With a dependent, g2
# needs room for 8 (the group's members count like the primitive) and goes
# to n1; without one it goes to n2. With n1 at 7 nothing fits all of it and
# g2 keeps its location's node (difftest seeds 179 and 285).
for variant in ("group-dep", "no-coloc", "prim-dep", "n1-7"):
    c = Cluster(); nodes(c, ["n1", "n2", "n3"])
    c.placement_strategy = "balanced"
    for n, cap in zip(c.nodes, (7 if variant == "n1-7" else 8, 4, 4)):
        n.capacity["cpu"] = cap
    g2 = Group("g2", [Prim("g2-a", uses={"cpu": 1}), Prim("g2-b", uses={"cpu": 3})])
    if variant == "prim-dep":
        dep = Prim("r5", uses={"cpu": 4})
    else:
        dep = Group("g5", [Prim("g5-a", uses={"cpu": 2}), Prim("g5-b", uses={"cpu": 2})])
    c.top = [g2, dep]
    c.locations.append(Location("l", "g2", "n2", 10))
    if variant != "no-coloc":
        c.colocations.append(Colocation("c", dep.id, "g2", INF))
    run(c, "e35-" + variant)
