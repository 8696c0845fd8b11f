from x import *
# Room for what must run with a resource counts an INFINITY clone
# dependent: one instance's uses (a clone of a group: its members' sum).
# r (uses 2, location n1 10) with `cl with r INFINITY`; n1 has room for 4,
# n2 for 6. An instance of 1 or 2 lets r take n1; an instance of 3 needs 5
# and r goes to n2; so does a clone of a group of 1 + 2. A promotable clone
# counts the same way; a dependent of the promoted role only does not
# (difftest seed 30: ms4 with g1 INFINITY keeps g1 on its node).
def base():
    c = Cluster(); nodes(c, ["n1", "n2"])
    c.placement_strategy = "balanced"
    c.nodes[0].capacity["cpu"] = 4; c.nodes[1].capacity["cpu"] = 6
    c.locations = [Location("l1", "r", node="n1", score=10)]
    return c
for u in (1, 2, 3):
    c = base()
    c.top = [Prim("r", uses={"cpu": 2}), Clone("cl", Prim("p", uses={"cpu": u}))]
    c.colocations = [Colocation("c1", "cl", "r", INF)]
    run(c, "e40-clone-uses-%d" % u)
c = base()
c.top = [Prim("r", uses={"cpu": 2}),
         Clone("cl", Group("g", [Prim("a", uses={"cpu": 1}), Prim("b", uses={"cpu": 2})]))]
c.colocations = [Colocation("c1", "cl", "r", INF)]
run(c, "e40-clone-of-group-1-2")
for role in (None, "promoted"):
    c = base()
    c.top = [Prim("r", uses={"cpu": 2}),
             Clone("ms", Prim("p", uses={"cpu": 3}, promotable_agent=True), promotable=True)]
    c.colocations = [Colocation("c1", "ms", "r", INF, role=role)]
    run(c, "e40-promotable-3-role-%s" % role)
