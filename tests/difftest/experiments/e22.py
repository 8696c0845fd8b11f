from x import *
# Promotion: a node without a promotion score (master-<rsc>) but with a
# location of role promoted: is the instance there promoted?
for variant in ["fresh", "was-promoted-on-standby", "other-has-score"]:
    c = Cluster(); nodes(c, ["n1", "n2"])
    cl = Clone("ms", Prim("ms-p", promotable_agent=True), promotable=True)
    c.top.append(cl)
    c.locations.append(Location("l", "ms", "n2", 100, role="promoted"))
    if variant == "was-promoted-on-standby":
        c.nodes[0].standby = True
        c.st("ms-p").active_on = ["n1"]
        c.st("ms-p").promoted_on = ["n1"]
    if variant == "other-has-score":
        c.nodes[0].tattrs["master-ms-p"] = "5"
    run(c, "e22-" + variant)
