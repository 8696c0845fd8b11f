from x import *
import re, subprocess
# A finite colocation with a clone that has an instance it cannot place
# (three instances, n3 in standby): what does the unplaced instance do to
# the dependent's scores? Prints r's allocation scores.
for sc in (100, -100, 20):
    for role in (None, "promoted"):
        c = Cluster(); nodes(c, ["n1", "n2", "n3"])
        c.nodes[2].standby = True
        cl = Clone("cl", Prim("cl-p", promotable_agent=bool(role)), promotable=bool(role))
        if role:
            for n in c.nodes: n.tattrs["master-cl-p"] = "5"
        c.top = [cl, Prim("r")]
        c.locations.append(Location("l", "r", "n1", 250))
        c.colocations.append(Colocation("co", "r", "cl", sc, with_role=role))
        path = os.path.join(OUT, "e28.xml")
        open(path, "w").write(c.to_cib(probes=True))
        out = subprocess.run(["crm_simulate", "-x", path, "-R", "-s"], capture_output=True, text=True).stdout
        print(sc, role, re.findall(r"primitive_assign: r allocation score on (\S+): (\S+)", out),
              oracle.crm_run(path))
