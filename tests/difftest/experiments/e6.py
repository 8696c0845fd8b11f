from x import *
def mk(names=["n1","n2","n3"]):
    c=Cluster(); nodes(c, names); return c
P=Prim
def pc(**kw): return Clone("db",P("d",promotable_agent=True),promotable=True,**kw)
c=mk(); c.top=[pc()]; run(c,"M1-no-scores")
c=mk(); c.top=[pc()]; c.node("n2").tattrs["master-d"]="10"; run(c,"M2-master-n2")
c=mk(); c.top=[pc()]; c.node("n2").tattrs["master-d"]="10"; c.node("n3").tattrs["master-d"]="10"; run(c,"M3-tie-n2-n3")
c=mk(); c.top=[pc()]; [c.node(n).tattrs.__setitem__("master-d","5") for n in ["n1","n2","n3"]]; run(c,"M4-all5")
c=mk(); c.top=[pc()]; [c.node(n).tattrs.__setitem__("master-d","5") for n in ["n1","n2","n3"]]; c.locations.append(Location("l","db","n3",100,role="promoted")); run(c,"M5-loc-promoted-n3")
c=mk(); c.top=[pc()]; c.node("n1").tattrs["master-d"]="10"; c.node("n2").tattrs["master-d"]="5"; c.st("d").active_on=["n1","n2","n3"]; c.st("d").promoted_on=["n2"]; run(c,"M6-promoted-n2-higher-n1")
c=mk(); c.top=[pc(promoted_max=2)]; [c.node(n).tattrs.__setitem__("master-d","5") for n in ["n1","n2","n3"]]; run(c,"M7-pmax2")
c=mk(); c.top=[pc(), P("r1")]; [c.node(n).tattrs.__setitem__("master-d","5") for n in ["n1","n2","n3"]]; c.colocations.append(Colocation("co","r1","db",INF,with_role="promoted")); c.locations.append(Location("l","r1","n2",10)); run(c,"M8-prim-with-promoted")
c=mk(); c.top=[pc()]; c.node("n1").tattrs["master-d"]="10"; c.node("n2").tattrs["master-d"]="5"; c.st("d").active_on=["n1","n2","n3"]; c.st("d").promoted_on=["n2"]; c.node("n2").state="offline"; c.st("d").active_on=["n1","n3"]; c.st("d").promoted_on=[]; run(c,"M9-promoted-lost")
