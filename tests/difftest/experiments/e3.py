from x import *
def base(names=["n1","n2","n3"], k=3, pre=()):
    c=Cluster(); nodes(c, names)
    for p in pre: c.top.append(Prim(p))
    for i in range(1,k+1): c.top.append(Prim("r%d"%i))
    return c
c=base(k=1,pre=["rA"]); c.locations.append(Location("l","rA","n3",100)); c.st("r1").active_on=["n3"]; run(c,"B2-current-vs-count")
c=base(k=2); c.locations.append(Location("l1","r1","n1",5)); c.locations.append(Location("l2","r2","n1",10)); c.locations.append(Location("l3","r2","n2",10)); run(c,"F3-sort-by-score")
c=base(k=3,pre=["r0"]); c.colocations.append(Colocation("col","r1","r3",INF)); run(c,"E2-primary-first")
c=base(k=3); c.colocations.append(Colocation("col","r1","r3",INF)); c.locations.append(Location("l","r1","n3",50)); run(c,"E3-dependent-pref-pulls-primary")
c=base(k=3); c.colocations.append(Colocation("col","r1","r3",100)); c.locations.append(Location("l","r1","n3",50)); run(c,"E4-dependent-pref-finite")
c=base(k=3); c.colocations.append(Colocation("col","r1","r3",INF)); c.locations.append(Location("l","r3","n3",50)); c.locations.append(Location("l2","r1","n3",-INF)); run(c,"E5-dep-banned-on-primary-node")
