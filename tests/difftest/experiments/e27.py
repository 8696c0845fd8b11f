from x import *
# e24 again, with and without probe results ("not running") on the nodes
# where nothing runs: does Pacemaker take the promotion score of a node where
# the clone's state was never probed?
def run_p(c, name):
    path = os.path.join(OUT, name + '.xml')
    open(path, 'w').write(c.to_cib(probes=True))
    print('==', name, oracle.crm_run(path))
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
    run(c, "e27-" + name)
    run_p(c, "e27-probes-" + name)
