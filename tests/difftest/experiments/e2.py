from x import *
def base(names=["n1","n2","n3"], k=3):
    c=Cluster(); nodes(c, names)
    for i in range(1,k+1): c.top.append(Prim("r%d"%i))
    return c
c=base(["a","B","c"]); run(c,"case")
c=base(); c.st("r1").active_on=["n3"]; run(c,"B-running-nostick")
c=base(k=4); c.st("r4").active_on=["n1"]; run(c,"C-count-running")
c=base(); c.top[2].meta["priority"]=10; run(c,"D-priority")
c=base(); c.colocations.append(Colocation("col","r1","r3",100)); run(c,"E-coloc-finite")
c=base(); c.colocations.append(Colocation("col","r1","r3",INF)); run(c,"E-coloc-inf")
c=base(k=2); [c.locations.append(Location("l%s"%n,"r2",n,10)) for n in ["n1","n2","n3"]]; run(c,"F-scores-order")
c=base(k=2); c.locations.append(Location("l","r2","n3",10)); run(c,"F2-scores-order-onenode")
