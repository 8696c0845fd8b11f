from x import *
import re, subprocess
# Does a dependent of a group reach the group's own primary when the primary
# weighs its dependents? r1 <- g2 (INFINITY) <- r7 (INFINITY or 100), r7
# banned from n1 or liking n2 by 50; the middle is a group or a primitive.
# Prints r1's allocation scores.
for middle in ("group", "prim"):
    for sc in (INF, 100):
        for loc in (-INF, 50):
            c = Cluster(); nodes(c, ["n1", "n2", "n3"])
            mid = Group("g2", [Prim("g2-a"), Prim("g2-b")]) if middle == "group" else Prim("g2")
            c.top = [Prim("r1"), mid, Prim("r7")]
            c.colocations += [Colocation("c1", "g2", "r1", INF), Colocation("c2", "r7", "g2", sc)]
            c.locations.append(Location("l", "r7", "n1" if loc < 0 else "n2", loc))
            path = os.path.join(OUT, "e29.xml")
            open(path, "w").write(c.to_cib(probes=True))
            out = subprocess.run(["crm_simulate", "-x", path, "-R", "-s"], capture_output=True, text=True).stdout
            print(middle, sc, loc, re.findall(r"primitive_assign: r1 allocation score on (\S+): (\S+)", out))
