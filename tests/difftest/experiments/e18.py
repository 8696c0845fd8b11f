from x import *
def mk(names=["n1","n2","n3"]):
    c=Cluster(); nodes(c, names); return c
P=Prim
for s4 in (INF, 999999, 500000, 10000):
    c=mk(); c.top=[P("g0"), P("r2"), P("r4")]
    c.locations+=[Location("l","g0","n2",200), Location("l4","r4","n3",s4)]
    c.colocations+= [Colocation("c1","r2","g0",20), Colocation("c2","r4","r2",INF)]
    run(c,"K20-chain-loc-%d"%s4)
for c2 in (INF, 500000):
    c=mk(); c.top=[P("g0"), P("r2"), P("r4")]
    c.locations+=[Location("l","g0","n2",200), Location("l4","r4","n3",INF)]
    c.colocations+= [Colocation("c1","r2","g0",20), Colocation("c2","r4","r2",c2)]
    run(c,"K21-chain-c2-%d"%c2)
