from x import *
def mk(names=["n1","n2","n3"]):
    c=Cluster(); nodes(c, names); return c
P=Prim
c=mk(); c.top=[Clone("cl",P("ck")), P("r1"),P("r2")]; run(c,"C1-clone-then-prims")
c=mk(); c.top=[P("r1"),P("r2"),Clone("cl",P("ck"),max_=2)]; run(c,"C2-prims-then-clone-max2")
c=mk(); c.top=[P("r1"),Clone("cl",P("ck"),max_=2),P("r2")]; run(c,"C2b-prim-clone-prim")
c=mk(); c.top=[Clone("cl",P("ck"),max_=5)]; run(c,"C3-max5-3nodes")
c=mk(); c.top=[Clone("cl",P("ck"),max_=5,per_node=2)]; run(c,"C4-max5-pernode2")
# clone default stickiness 1: instance running on n3, max 1, location n1 0?  -> stays
c=mk(); c.top=[Clone("cl",P("ck"),max_=1)]; c.st("ck").active_on=["n3"]; run(c,"C5-clone-stick1", scores=True)
# clone stickiness 1 vs location +1 on n1
c=mk(); c.top=[Clone("cl",P("ck"),max_=1)]; c.st("ck").active_on=["n3"]; c.locations.append(Location("l","cl","n1",1)); run(c,"C6-clone-stick1-vs-1")
c=mk(); c.top=[Clone("cl",P("ck"),max_=1)]; c.st("ck").active_on=["n3"]; c.locations.append(Location("l","cl","n1",2)); run(c,"C6-clone-stick1-vs-2")
# explicit default stickiness 0 -> clone instance moves?
c=mk(); c.default_stickiness=0; c.top=[Clone("cl",P("ck"),max_=1)]; c.st("ck").active_on=["n3"]; c.locations.append(Location("l","cl","n1",1)); run(c,"C7-default0-clone")
# primitive with no stickiness: unset default gives 0
c=mk(); c.top=[P("r1")]; c.st("r1").active_on=["n3"]; c.locations.append(Location("l","r1","n1",1)); run(c,"C8-prim-unset-stick")
# colocation with clone
c=mk(); c.top=[Clone("cl",P("ck"),max_=2), P("r1")]; c.colocations.append(Colocation("co","r1","cl",INF)); c.locations.append(Location("l","r1","n3",10)); run(c,"C9-prim-with-clone")
