from x import *
# A primary that is placed but cannot start (the "then" of a mandatory order
# whose "first", r0, is banned everywhere): what becomes of its INFINITY
# dependent r6? The primary is a primitive r4 or a group g4; r4/g4 and r6
# are running on n2 or not.
for kind in ("prim", "group"):
    for running in (False, True):
        c = Cluster(); nodes(c, ["n1", "n2", "n3"])
        prim = Prim("r4") if kind == "prim" else Group("r4", [Prim("r4-a"), Prim("r4-b")])
        c.top = [Prim("r0"), prim, Prim("r6")]
        c.locations += [Location("b%d" % i, "r0", n.name, -INF) for i, n in enumerate(c.nodes)]
        c.orders.append(Order("o", "r0", "r4", "mandatory"))
        c.colocations.append(Colocation("co", "r6", "r4", INF))
        if running:
            for p in ([prim] if kind == "prim" else prim.members) + [c.top[2]]:
                c.st(p.id).active_on = ["n2"]
        run(c, "e30-%s-%s" % (kind, "running" if running else "fresh"))
