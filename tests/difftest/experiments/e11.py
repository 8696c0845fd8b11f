from x import *
def mk(names=["n1","n2","n3"]):
    c=Cluster(); nodes(c, names); return c
P=Prim
c=mk(); c.top=[Group("g",[P("a"),P("b")])]; c.locations+= [Location("l1","a","n1",20), Location("l2","b","n2",30)]; run(c,"G7-member-locs-sum")
c=mk(); c.top=[Group("g",[P("a"),P("b")])]; c.locations+= [Location("l1","a","n1",40), Location("l2","b","n2",30)]; run(c,"G8-member-locs-sum2")
c=mk(); c.top=[Group("g",[P("a"),P("b")])]; c.locations+= [Location("l1","a","n1",20), Location("l2","b","n2",30), Location("l3","g","n1",15)]; run(c,"G9-group-loc-plus-members")
for sc in (500, 100000, 999999, INF):
    c=mk(); c.top=[P("r1"),P("r3")]; c.colocations.append(Colocation("co","r1","r3",sc)); c.locations+=[Location("l1","r3","n1",10),Location("l2","r1","n2",1000)]; run(c,"K6-factor-%d"%sc)
c=mk(); c.top=[P("r1"),P("r2"),P("r3")]; c.colocations+=[Colocation("c1","r1","r2",INF),Colocation("c2","r2","r3",INF)]; c.locations.append(Location("l","r1","n3",10)); run(c,"K7-chain-pull")
c=mk(); c.top=[P("r1"),P("r2"),P("r3")]; c.colocations+=[Colocation("c1","r1","r2",100),Colocation("c2","r2","r3",100)]; c.locations.append(Location("l","r1","n3",10)); run(c,"K8-chain-finite-pull", scores=True)
c=mk(); c.top=[Group("g",[P("a"),P("b")]), P("r1")]; c.colocations.append(Colocation("c","r1","g",INF)); c.locations.append(Location("l","r1","n2",10)); run(c,"K9-prim-with-group")
c=mk(); c.top=[P("r1"), Group("g",[P("a"),P("b")])]; c.colocations.append(Colocation("c","g","r1",INF)); c.locations.append(Location("l","b","n2",10)); run(c,"K10-group-with-prim")
c=mk(); c.top=[Clone("cl",P("ck"))]; c.st("ck").active_on=["n2"]; c.top.append(P("r1")); run(c,"C11-clone-partly-running")
c=mk(["n1","n2","n3","n4"]); c.top=[Clone("cl",P("ck"),max_=2)]; c.st("ck").active_on=["n3","n4"]; c.locations.append(Location("l","cl","n1",1)); run(c,"C12-clone-running-loc1")
