from x import *
import re, subprocess
# A group deeper in a merge chain: r0 <- r1 (INFINITY) <- g (20 or
# INFINITY); g-a likes n2 by 100000 (or nothing), g-b likes n3 by 7. Prints
# r0's allocation scores. Pacemaker weighs g by its first member, scaled by
# the colocation (100000 x 20/1,000,000 = 2 on n2), and the members after it
# through the group's chain, unscaled (7 on n3): with INFINITY, r0 n2 100000.
for sc in (20, INF):
    for la in (100000, 0):
        c = Cluster(); nodes(c, ["n1", "n2", "n3"])
        c.top = [Prim("r0", meta={"priority": 10}), Prim("r1", meta={"priority": 5}),
                 Group("g", [Prim("g-a"), Prim("g-b")])]
        c.colocations += [Colocation("c1", "r1", "r0", INF), Colocation("c2", "g", "r1", sc)]
        if la:
            c.locations.append(Location("la", "g-a", "n2", la))
        c.locations.append(Location("lb", "g-b", "n3", 7))
        path = os.path.join(OUT, "e36.xml")
        open(path, "w").write(c.to_cib(probes=True))
        out = subprocess.run(["crm_simulate", "-x", path, "-R", "-s"], capture_output=True, text=True).stdout
        print(sc, la, re.findall(r"primitive_assign: r0 allocation score on (\S+): (\S+)", out))
        run(c, "e36-%d-%d" % (sc, la))
