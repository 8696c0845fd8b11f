from x import *
# A finite colocation with a promotable clone applies its penalty instance
# by instance, and rolls back the one that would leave the dependent no
# usable node. In which order? r with ms -100, ms on n1 n2 n3 (running in
# that order, so its instances are numbered by node), promotion scores
# varied: r lands on the node with the LOWEST promotion score (its penalty
# comes last and is rolled back), not on n3 (the last instance): the
# instances come in the promotion order, highest score first, ties in
# instance order, no score last (difftest seed 9: r1 with ms0 -100).
for master in ((10, 5, 100), (5, 10, 100), (100, 5, 10), (None, 5, 10), (10, 10, 10)):
    c = Cluster(); nodes(c, ["n1", "n2", "n3"])
    c.top = [Clone("ms", Prim("p", promotable_agent=True), promotable=True, promoted_max=1),
             Prim("r")]
    for n, v in zip(c.nodes, master):
        if v is not None:
            n.tattrs["master-p"] = str(v)
    c.st("p").active_on = ["n1", "n2", "n3"]
    c.colocations = [Colocation("c1", "r", "ms", -100)]
    run(c, "e34-%s" % "-".join("x" if v is None else str(v) for v in master))
