from x import *
def mk(names=["n1","n2","n3"]):
    c=Cluster(); nodes(c, names); return c
P=Prim
for sc in (400, 100, 1):
    c=mk(); c.top=[P("r1"),P("r3")]; c.colocations.append(Colocation("co","r1","r3",sc)); c.locations+=[Location("l2","r1","n2",1000)]; run(c,"K23-ceil-%d"%sc)
for sc in (400, 600):
    c=mk(); c.top=[P("r1"),P("r3")]; c.colocations.append(Colocation("co","r1","r3",sc)); c.locations+=[Location("l2","r1","n2",-1000)]; run(c,"K24-neg-%d"%sc)
