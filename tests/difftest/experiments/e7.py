from x import *
def mk(names=["n1","n2","n3"]):
    c=Cluster(); nodes(c, names); return c
P=Prim
c=mk(); c.top=[P("r1",meta={"migration-threshold":3})]; c.st("r1").active_on=["n1"]; c.st("r1").failcount={"n1":2}; run(c,"F1-fc2-mt3")
c=mk(); c.top=[P("r1",meta={"migration-threshold":3})]; c.st("r1").active_on=["n1"]; c.st("r1").failcount={"n1":3}; run(c,"F2-fc3-mt3")
c=mk(); c.top=[P("r1")]; c.st("r1").active_on=["n1"]; c.st("r1").failcount={"n1":5}; run(c,"F3-fc5-default-mt")
c=mk(); c.top=[P("r1")]; c.st("r1").active_on=["n1"]; c.st("r1").failcount={"n1":INF}; run(c,"F4-fcINF-default-mt")
c=mk(); c.top=[P("r1",meta={"migration-threshold":0})]; c.st("r1").active_on=["n1"]; c.st("r1").failcount={"n1":INF}; run(c,"F5-fcINF-mt0")
c=mk(); c.top=[P("r1",meta={"migration-threshold":3}), P("r2")]; c.st("r1").failcount={"n1":1}; run(c,"F6-fc1-mt3-fresh")
c=mk(); c.top=[P("r1"),P("r2"),P("r3")]; c.node("n1").standby=True; run(c,"N1-standby-n1")
c=mk(); c.top=[P("r1"),P("r2"),P("r3")]; c.node("n1").state="offline"; run(c,"N2-offline-n1")
c=mk(); c.top=[P("r1"),P("r2"),P("r3")]; c.node("n1").state="unclean"; c.st("r1").active_on=["n1"]; run(c,"N3-unclean-n1-nostonith")
c=mk(); c.top=[P("r1"),P("r2"),P("r3")]; c.node("n2").state="offline"; c.st("r1").active_on=["n2"]; run(c,"N4-offline-with-history")
c=mk(); c.top=[P("r1"),P("r2"),P("r3")]; c.node("n1").standby=True; c.st("r1").active_on=["n1"]; c.top[0].meta["stickiness"]=INF; run(c,"N5-standby-running-stickyINF")
