from x import *
# A clone that is placed but cannot start (the then of a mandatory order
# whose first can run nowhere) stops what is INFINITY-colocated with it, a
# primitive or a group alike, as a primitive primary does (e30); a group
# primary blocked so would not (difftest seed 30: g1 -> cl3 mandatory, g1's
# last member without room, g5 with cl3 INFINITY stops).
for dep in ("prim", "group"):
    c = Cluster(); nodes(c, ["n1", "n2", "n3"])
    d = Prim("r") if dep == "prim" else Group("g", [Prim("a"), Prim("b")])
    c.top = [Prim("f"), Clone("cl", Prim("p")), d]
    c.locations = [Location("ban-f-" + n, "f", node=n, score=-INF) for n in ("n1", "n2", "n3")]
    c.orders = [Order("o1", "f", "cl", "mandatory")]
    c.colocations = [Colocation("c1", d.id, "cl", INF)]
    run(c, "e41-%s" % dep)
