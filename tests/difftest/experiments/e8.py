from x import *
def mk(names=["n1","n2","n3"], cap=(4,4,4), strat="utilization"):
    c=Cluster(); nodes(c, names); c.placement_strategy=strat
    for n,cp in zip(c.nodes,cap): n.capacity={"cpu":cp}
    return c
P=Prim
for strat in ("utilization","balanced"):
    c=mk(strat=strat); c.top=[P("r%d"%i,uses={"cpu":3}) for i in range(1,6)]; run(c,"U1-%s-3of4-x5"%strat)
    c=mk(cap=(4,8,6),strat=strat); c.top=[P("r%d"%i,uses={"cpu":1}) for i in range(1,7)]; run(c,"U2-%s-caps-4-8-6"%strat)
    c=mk(cap=(4,8,6),strat=strat); c.top=[P("r%d"%i,uses={"cpu":2}) for i in range(1,4)]+[P("x")]+[P("r%d"%i,uses={"cpu":2}) for i in range(4,7)]; run(c,"U3-%s-mixed-nouse"%strat)
    c=mk(strat=strat); c.top=[P("big",uses={"cpu":5})]; run(c,"U4-%s-nofit"%strat)
    c=mk(strat=strat); c.top=[P("r1",uses={"cpu":3}), P("r2",uses={"cpu":3}), Group("g",[P("a",uses={"cpu":2}),P("b",uses={"cpu":2})])]; run(c,"U5-%s-group-sum"%strat)
c=mk(cap=(4,4,4), strat="default"); c.top=[P("r%d"%i,uses={"cpu":3}) for i in range(1,6)]; run(c,"U6-default-ignores")
