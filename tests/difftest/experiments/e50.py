from x import *
# What a promotion score is made of (difftest seeds 305 375 385 405 477).
# Promotion scores master-ms-p n1 100, n2 5, n3 as given; what is promoted?
# 1. A clone location counts, INFINITY too (n3 promoted, 5 + INFINITY), but
#    not on a negative promotion score (n3 at -5 with 200: n1 promoted).
# 2. A role = promoted location counts first: n3 without a promotion score
#    (-1) + 100 = 99, then the clone's own score there (its location 50):
#    149, promoted; without the role location n3 stays at -1.
# 3. A dependent of the promoted role counts only on a score that is not
#    negative: n3 at -1 or -5 and r7 (with the promoted role, INFINITY)
#    liking n3 by 200: n1 promoted, r7 follows it.
# 4. A negative promotion score does not enter the instance's allocation:
#    max 1, master -5 on n1, 0 on n2: the instance goes to n1 (first by
#    name), not promoted.
# 5. A finite colocation of the promoted role with r adds r's scores
#    scaled: `ms (promoted) with r 100`, r 50 on n1, master n1 0: n1 gets 1,
#    so n2 (5) is promoted.


def base(m3, pmax=None):
    c = Cluster(); nodes(c, ["n1", "n2", "n3"])
    c.top.append(Clone("ms", Prim("ms-p", promotable_agent=True), promotable=True,
                       promoted_max=pmax))
    c.nodes[0].tattrs["master-ms-p"] = "100"
    c.nodes[1].tattrs["master-ms-p"] = "5"
    if m3 is not None: c.nodes[2].tattrs["master-ms-p"] = m3
    return c


for m3, sc in (("5", INF), ("5", 200), ("-5", 200)):
    c = base(m3); c.locations.append(Location("l", "ms", "n3", sc))
    run(c, "e50-1-%s-%s" % (m3, sc))
for role in (0, 100):
    c = base(None)
    c.locations.append(Location("l", "ms", "n3", 50))
    if role: c.locations.append(Location("lr", "ms", "n3", role, role="promoted"))
    run(c, "e50-2-role%d" % role)
for m3 in (None, "-5", "0"):
    c = base(m3); c.top.append(Prim("r7"))
    c.locations.append(Location("l7", "r7", "n3", 200))
    c.colocations.append(Colocation("c", "r7", "ms", INF, with_role="promoted"))
    run(c, "e50-3-%s" % m3)
c = Cluster(); nodes(c, ["n1", "n2", "n3"])
c.top.append(Clone("ms", Prim("ms-p", promotable_agent=True), promotable=True, max_=1))
c.nodes[0].tattrs["master-ms-p"] = "-5"; c.nodes[1].tattrs["master-ms-p"] = "0"
run(c, "e50-4")
c = Cluster(); nodes(c, ["n1", "n2"])
c.top.append(Prim("r")); c.locations.append(Location("lr", "r", "n1", 50))
c.top.append(Clone("ms", Prim("ms-p", promotable_agent=True), promotable=True))
c.nodes[0].tattrs["master-ms-p"] = "0"; c.nodes[1].tattrs["master-ms-p"] = "5"
c.colocations.append(Colocation("c", "ms", "r", 100, role="promoted"))
run(c, "e50-5")
