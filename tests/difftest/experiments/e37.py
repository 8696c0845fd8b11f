from x import *
import re, subprocess
# A group's own dependents weigh on its first member once, through the
# group's chain: g0 (g0-a, g0-b, stickiness 5 each) runs on n3; a dependent
# (primitive, clone or group) with g0 INFINITY likes n2 by 10. Prints g0-a's
# allocation scores: n2 10 (not 20), n3 10 (5 + 5); the tie keeps g0 on n3
# (difftest seed 234).
for dep in ("prim", "clone", "group"):
    for strategy in ("default", "balanced"):
        c = Cluster(); nodes(c, ["n1", "n2", "n3"])
        c.placement_strategy = strategy
        for n in c.nodes:
            n.capacity["cpu"] = 4
        g0 = Group("g0", [Prim("g0-a", meta={"stickiness": 5}), Prim("g0-b", meta={"stickiness": 5})])
        d = {"prim": Prim("r"), "clone": Clone("cl", Prim("cl-p")),
             "group": Group("g", [Prim("g-a"), Prim("g-b")])}[dep]
        c.top = [g0, d]
        for m in g0.members:
            c.st(m.id).active_on = ["n3"]
        c.locations.append(Location("l", d.id, "n2", 10))
        c.colocations.append(Colocation("c", d.id, "g0", INF))
        path = os.path.join(OUT, "e37.xml")
        open(path, "w").write(c.to_cib(probes=True))
        out = subprocess.run(["crm_simulate", "-x", path, "-R", "-s"], capture_output=True, text=True).stdout
        print(dep, strategy, re.findall(r"primitive_assign: g0-a allocation score on (\S+): (\S+)", out))
        run(c, "e37-%s-%s" % (dep, strategy))
