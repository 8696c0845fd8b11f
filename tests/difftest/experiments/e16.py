from x import *
def mk(names=["n1","n2","n3"]):
    c=Cluster(); nodes(c, names); return c
P=Prim
c=mk(); c.top=[P("r1"),P("r3")]; c.colocations.append(Colocation("co","r1","r3",20)); c.locations+=[Location("l1","r3","n1",200),Location("l2","r1","n2",INF)]; run(c,"K14-INF-dep-finite-coloc")
c=mk(); c.top=[P("r1"),P("r3")]; c.colocations.append(Colocation("co","r1","r3",20)); c.locations+=[Location("l1","r3","n1",200),Location("l2","r1","n2",999999)]; run(c,"K15-999999-dep-finite-coloc")
c=mk(); c.top=[P("r1"),P("r3")]; c.colocations.append(Colocation("co","r1","r3",20)); c.locations+=[Location("l1","r3","n1",200)]; c.top[0].meta["stickiness"]=INF; c.st("r1").active_on=["n2"]; run(c,"K16-stickyINF-dep-finite-coloc")
c=mk(); c.top=[P("r1"),P("r3")]; c.colocations.append(Colocation("co","r1","r3",-20)); c.locations+=[Location("l2","r1","n1",INF)]; run(c,"K17-INF-dep-neg-finite")
c=mk(); c.top=[P("r1"),P("r3")]; c.colocations.append(Colocation("co","r1","r3",20)); c.locations+=[Location("l1","r3","n1",200),Location("l2","r1","n1",-INF)]; run(c,"K18-negINF-dep-finite")
c=mk(); c.top=[Clone("cl",P("ck"),meta={"stickiness":50})]; c.st("ck").active_on=["n1","n2","n3"]; c.locations.append(Location("l","cl","n3",-50)); run(c,"C13-clone-neg-compensated")
c=mk(); c.top=[P("r1",meta={"stickiness":50})]; c.st("r1").active_on=["n3"]; c.locations.append(Location("l","r1","n3",-50)); run(c,"S3-prim-neg-compensated")
c=mk(); c.top=[Clone("cl",P("ck"),meta={"stickiness":60})]; c.st("ck").active_on=["n1","n2","n3"]; c.locations.append(Location("l","cl","n3",-50)); run(c,"C14-clone-neg-overcompensated")
