from x import *
import re, subprocess
# A clone's dependents with a negative colocation weigh on its instances:
# cl1 (anonymous clone) on n1 n2 n3, r4 (location n3 100000) with cl1 at
# S. Prints cl1's instance allocation scores: with S = -INFINITY instances
# 0 and 1 score -100000 on n3, instance 2 (n1 and n2 taken) 0 (rolled
# back); with -100, -10; with +100 or INFINITY the instances score 0 there
# (only the clone's own row takes the positive part). Then difftest seed
# 423 shrunk: utilization, r0 (3 cpu) fills n2, so the instances (2 cpu)
# may only use n1 and n3; r4 runs on n3 with cl1 -INFINITY: one instance
# on n1, none on n3, r4 stays.
for sc in (-INF, -100, 100, INF):
    c = Cluster(); nodes(c, ["n1", "n2", "n3"])
    c.top = [Clone("cl1", Prim("cl1-p")), Prim("r4", meta={"stickiness": 0})]
    c.locations.append(Location("l", "r4", "n3", 100000))
    c.colocations.append(Colocation("c", "r4", "cl1", sc))
    path = os.path.join(OUT, "e39.xml")
    open(path, "w").write(c.to_cib(probes=True))
    out = subprocess.run(["crm_simulate", "-x", path, "-R", "-s"], capture_output=True, text=True).stdout
    print(sc, " ".join("%s@%s=%s" % m for m in re.findall(
        r"primitive_assign: (cl1-p:\d) allocation score on (\S+): (\S+)", out)))
c = Cluster(); nodes(c, ["n1", "n2", "n3", "n4"])
c.placement_strategy = "utilization"
c.default_stickiness = INF
for n, cap in zip(c.nodes, (2, 4, 2, 8)):
    n.capacity["cpu"] = cap
c.nodes[3].state = "offline"
c.top = [Prim("r0", meta={"stickiness": INF, "priority": 5}, uses={"cpu": 3}),
         Clone("cl1", Prim("cl1-p", meta={"stickiness": 5, "priority": 5}, uses={"cpu": 2})),
         Prim("r4")]
c.st("r4").active_on = ["n3"]
c.colocations.append(Colocation("c", "r4", "cl1", -INF))
run(c, "e39-seed423")
