from x import *
def mk(names=["n1","n2","n3"]):
    c=Cluster(); nodes(c, names); return c
P=Prim
c=mk(); c.stonith_enabled=True; c.fence_device=True; c.top=[P("r1"),P("r2")]; run(c,"Z1-fencer-last-plain")
c=mk(); c.stonith_enabled=True; c.fence_device=True; c.top=[P("r1"),P("r2")]; c.locations.append(Location("l","r1","n3",-INF)); run(c,"Z2-fencer-r1-ban-n3")
c=mk(); c.top=[P("r1"),P("r2")]; c.locations.append(Location("l","r1","n3",-INF)); run(c,"Z3-r1-ban-n3-r2")
c=mk(); c.top=[P("r1"),P("r2")]; c.locations.append(Location("l","r1","n3",-10)); run(c,"Z4-r1-neg10-n3")
c=mk(); c.top=[P("r1"),P("r2")]; c.locations.append(Location("l","r1","n3",10)); run(c,"Z5-r1-pos10-n3")
c=mk(); c.top=[P("r1"),P("r2")]; c.locations.append(Location("l","r1","n1",-10)); run(c,"Z6-r1-neg10-n1")
c=mk(); c.top=[P("r1"),P("r2")]; c.locations.append(Location("l","r1","n1",10)); c.locations.append(Location("l2","r2","n1",20)); run(c,"Z7-r1-n1-10-r2-n1-20")
