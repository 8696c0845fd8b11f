from x import *
def mk(strat="utilization", names=["n1","n2","n3"], cap=8):
    c=Cluster(); nodes(c, names); c.placement_strategy=strat
    for n in c.nodes: n.capacity={"cpu":cap}
    return c
P=Prim
for st in ("utilization","balanced","minimal"):
    c=mk(st); c.top=[P("r1"),P("r2")]; c.locations.append(Location("l","r2","n1",10)); run(c,"U7-%s-r2-pref"%st)
    c=mk(st); c.top=[P("r1"),P("r2")]; c.locations.append(Location("l","r1","n3",-INF)); run(c,"U8-%s-r1-ban"%st)
    c=mk(st); c.top=[P("r1"),P("r2")]; c.locations+=[Location("l1","r1","n1",5),Location("l2","r2","n1",10),Location("l3","r2","n2",10)]; run(c,"U10-%s-F3"%st)
    c=mk(st,cap=3); c.top=[P("r1",uses={"cpu":1}),P("r2",uses={"cpu":3})]; run(c,"U11-%s-bigger-first"%st)
    c=mk(st); c.top=[P("r1"),P("r2")]; c.locations+=[Location("l1","r1","n2",-5)]; run(c,"U12-%s-neg5"%st)
