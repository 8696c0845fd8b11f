from x import *
# Promotion when the promoted instance's node goes away (three nodes,
# promotion scores everywhere): standby, offline, banned
for variant in ["standby", "offline", "ban", "none"]:
    c = Cluster(); nodes(c, ["n1", "n2", "n3"])
    cl = Clone("ms", Prim("ms-p", promotable_agent=True), promotable=True)
    c.top.append(cl)
    for n in c.nodes: n.tattrs["master-ms-p"] = "5"
    c.st("ms-p").active_on = ["n1", "n2"]
    c.st("ms-p").promoted_on = ["n1"]
    if variant == "standby": c.nodes[0].standby = True
    if variant == "offline": c.nodes[0].state = "offline"
    if variant == "ban": c.locations.append(Location("b", "ms", "n1", -INF))
    run(c, "e23-" + variant)
