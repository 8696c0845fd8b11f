from x import *
def mk(names=["n1","n2","n3"]):
    c=Cluster(); nodes(c, names); return c
P=Prim
def ban(c, r): [c.locations.append(Location("ban-%s-%s"%(r,n),r,n,-INF)) for n in ["n1","n2","n3"]]
c=mk(); c.top=[P("r1"),P("r2"),P("r3")]; ban(c,"r1"); c.orders.append(Order("o","r1","r2")); run(c,"O7-blocked-counts")
c=mk(); c.top=[P("r1"),P("r2"),P("r3")]; c.top[1].meta["target-role"]="stopped"; run(c,"O8-target-stopped-counts")
c=mk(); c.top=[P("r1"),P("r2"),P("r3")]; ban(c,"r1"); c.colocations.append(Colocation("c","r2","r1",INF)); run(c,"O9-coloc-stopped-counts")
c=mk(); c.top=[Clone("cl",P("ck"),max_=5,per_node=2), P("r1")]; run(c,"C10-pernode2-then-prim")
c=mk(); c.top=[Clone("cl",P("ck"),max_=5,per_node=2,meta={}), P("r1")]; c.top[0].meta={}; run(c,"C10b")
