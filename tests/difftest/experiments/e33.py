from x import *
# The allocation order (balanced) adds a dependent's colocation primaries'
# scores, scaled; if that would leave the dependent no usable node, the
# addition is rolled back, as in a merge. r6 with p 100, p banned from both
# nodes: r6 would score -100 everywhere; it sorts as if it had no
# colocation and, configured first, takes the first slot (r8 finds no
# room). With p banned from n1 only, r6 keeps its -100 on n1 and sorts
# after r7 and r8 (difftest seed 125: r6 with a clone that can run nowhere).
for banned, coloc in ((["n1", "n2"], True), (["n1"], True), (["n1", "n2"], False)):
    c = Cluster(); nodes(c, ["n1", "n2"])
    c.placement_strategy = "balanced"
    for n in c.nodes: n.capacity["cpu"] = 1
    c.top = [Prim("p"), Prim("r6", uses={"cpu": 1}), Prim("r7", uses={"cpu": 1}),
             Prim("r8", uses={"cpu": 1})]
    c.locations = [Location("ban-p-" + n, "p", node=n, score=-INF) for n in banned]
    if coloc:
        c.colocations = [Colocation("c1", "r6", "p", 100)]
    run(c, "e33-p-banned-%s%s" % ("-".join(banned), "" if coloc else "-no-coloc"))
