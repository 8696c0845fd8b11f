from x import *
def mk(names=["n1","n2","n3"]):
    c=Cluster(); nodes(c, names); return c
P=Prim
def ban(c, r): [c.locations.append(Location("ban-%s-%s"%(r,n),r,n,-INF)) for n in ["n1","n2","n3"]]
c=mk(); c.top=[P("r1"),P("r2")]; ban(c,"r1"); c.orders.append(Order("o","r1","r2")); run(c,"O1-mandatory-first-cannot-run")
c=mk(); c.top=[P("r1"),P("r2")]; ban(c,"r1"); c.orders.append(Order("o","r1","r2","optional")); run(c,"O2-optional-first-cannot-run")
c=mk(); c.top=[P("r1"),P("r2")]; ban(c,"r1"); c.st("r2").active_on=["n2"]; c.orders.append(Order("o","r1","r2")); run(c,"O3-mandatory-then-running")
c=mk(); c.top=[P("r1"),P("r2"),P("r3")]; ban(c,"r1"); c.orders.append(Order("o","r1","r2")); c.orders.append(Order("o2","r2","r3")); run(c,"O4-chain")
c=mk(); c.top=[P("r1"),P("r2")]; c.top[0].meta["target-role"]="stopped"; c.orders.append(Order("o","r1","r2")); run(c,"O5-first-target-stopped")
c=mk(); c.top=[P("r1"),P("r2")]; ban(c,"r1"); c.orders.append(Order("o","r1","r2","serialize")); run(c,"O6-serialize")
c=mk(); c.top=[P("r1"),P("r2")]; ban(c,"r1"); c.colocations.append(Colocation("c","r2","r1",INF)); run(c,"K1-coloc-inf-primary-stopped")
c=mk(); c.top=[P("r1"),P("r2")]; ban(c,"r1"); c.colocations.append(Colocation("c","r2","r1",100)); run(c,"K2-coloc-finite-primary-stopped")
c=mk(); c.top=[P("r1"),P("r2"),P("r3")]; c.colocations.append(Colocation("c","r2","r1",-INF)); c.colocations.append(Colocation("c2","r3","r1",-INF)); run(c,"K3-anti-coloc")
c=mk(); c.top=[P("r1"),P("r2")]; c.colocations.append(Colocation("c","r2","r1",-100)); run(c,"K4-anti-finite")
c=mk(); c.top=[P("r0"),P("r1"),P("r2")]; c.colocations.append(Colocation("c","r2","r1",-100)); c.locations.append(Location("l","r2","n1",50)); run(c,"K5-anti-finite-vs-loc")
