from x import *
# Not yet in corral (no difftest seed shows it): `ms (promoted) with r
# 500000`, r `location n1 300`, ms `location n1 200`. Pacemaker's r scores
# 400 on n1 (its own 300 plus half of ms's 200: the clone's preferences
# reach r although the colocation names a role), so ms's promotion score on
# n1 is 10 + 200 + 400 / 2 = 410 and beats n2's 400; corral leaves a
# role-bound dependent out of r's scores, counts 10 + 200 + 150 = 360 and
# promotes n2. (crm_simulate -s: "r allocation score on n1: 400".)
c = Cluster(); nodes(c, ["n1", "n2"])
c.top.append(Prim("r")); c.locations.append(Location("lr", "r", "n1", 300))
c.top.append(Clone("ms", Prim("ms-p", promotable_agent=True), promotable=True))
c.nodes[0].tattrs["master-ms-p"] = "10"; c.nodes[1].tattrs["master-ms-p"] = "400"
c.locations.append(Location("lp", "ms", "n1", 200))
c.colocations.append(Colocation("c", "ms", "r", 500000, role="promoted"))
run(c, "e55")
