from x import *
def mk(names=["n1","n2","n3"]):
    c=Cluster(); nodes(c, names); return c
P=Prim
for sc in (15000, 15999, 16000, 16001):
    c=mk(); c.top=[P("r1"),P("r3")]; c.colocations.append(Colocation("co","r1","r3",sc)); c.locations+=[Location("l1","r3","n1",15),Location("l2","r1","n2",1000)]; run(c,"K11-round-%d"%sc)
for r1n2 in (100, 1000, 10000, 100000):
    # does the dependent's contribution depend on absolute values (normalisation)?
    c=mk(); c.top=[P("r1"),P("r3")]; c.colocations.append(Colocation("co","r1","r3",500000)); c.locations+=[Location("l1","r3","n1",r1n2//4),Location("l2","r1","n2",r1n2)]; run(c,"K12-norm-%d"%r1n2)
# negative dependent scores
c=mk(); c.top=[P("r1"),P("r3")]; c.colocations.append(Colocation("co","r1","r3",500000)); c.locations+=[Location("l1","r3","n1",10),Location("l2","r1","n1",-100)]; run(c,"K13-neg-dep-%d"%0)
