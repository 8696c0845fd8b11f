from x import *
def mk(strat="utilization", names=["n1","n2","n3"], cap=8):
    c=Cluster(); nodes(c, names); c.placement_strategy=strat
    for n in c.nodes: n.capacity={"cpu":cap}
    return c
P=Prim
c=mk(); c.top=[P("r1"),P("r2")]; c.locations+=[Location("a","r1","n1",10),Location("b","r1","n2",-20),Location("c","r2","n1",5),Location("d","r2","n3",5)]; run(c,"U13-walk-vs-sum")
# running: r1 runs n2 (loc n2 5), r2 runs n3 (loc n3 10), r0 free; r0 after both
c=mk(); c.top=[P("r1"),P("r2")]; c.locations+=[Location("a","r1","n1",10),Location("c","r2","n1",20)]; c.st("r1").active_on=["n3"]; c.st("r2").active_on=["n3"]; run(c,"U14-running")
