from x import *
# Is an instance that moves promotable? ms running on n1 (promoted) and n2;
# n1 goes standby, so the n1 instance moves to n3; promotion scores as given
for name, scores in [("n3-best", {"n2": "5", "n3": "10"}), ("n2-best", {"n2": "10", "n3": "5"}),
                     ("n3-only", {"n3": "10"})]:
    c = Cluster(); nodes(c, ["n1", "n2", "n3"])
    cl = Clone("ms", Prim("ms-p", promotable_agent=True), promotable=True)
    c.top.append(cl)
    for n in c.nodes:
        if n.name in scores: n.tattrs["master-ms-p"] = scores[n.name]
    c.st("ms-p").active_on = ["n1", "n2"]
    c.st("ms-p").promoted_on = ["n1"]
    c.nodes[0].standby = True
    run(c, "e24-" + name)
