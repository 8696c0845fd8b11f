from x import *
def mk(names=["n1","n2","n3"]):
    c=Cluster(); nodes(c, names); return c
P=Prim
# group counts per member for tie-break
c=mk(); c.top=[Group("g",[P("a"),P("b"),P("c")]), P("r1"),P("r2"),P("r3"),P("r4")]; run(c,"G1-group-count")
# group later member pref pulls group
c=mk(); c.top=[Group("g",[P("a"),P("b"),P("c")])]; c.locations.append(Location("l","b","n2",100)); run(c,"G2-member-pref")
# group second member banned everywhere
c=mk(); c.top=[Group("g",[P("a"),P("b"),P("c")])]; [c.locations.append(Location("l"+n,"b",n,-INF)) for n in ["n1","n2","n3"]]; run(c,"G3-second-banned")
# group first member banned on n1 -> group elsewhere
c=mk(); c.top=[Group("g",[P("a"),P("b"),P("c")])]; c.locations.append(Location("l","c","n1",-INF)); run(c,"G4-last-banned-n1")
# group stickiness: members running on n2 with group stickiness 10 each vs location g n1 25 / 35
for sc in (25,35):
    c=mk(); c.top=[Group("g",[P("a"),P("b"),P("c")],meta={"stickiness":10})]; c.locations.append(Location("l","g","n1",sc))
    for m in "abc": c.st(m).active_on=["n2"]
    run(c,"G5-group-stick-vs-%d"%sc)
# group stickiness with only 2 members active
for sc in (15,25):
    c=mk(); c.top=[Group("g",[P("a"),P("b"),P("c")],meta={"stickiness":10})]; c.locations.append(Location("l","g","n1",sc))
    for m in "ab": c.st(m).active_on=["n2"]
    run(c,"G6-group-2active-vs-%d"%sc)
# primitive stickiness vs location
for sc in (99,100,101):
    c=mk(); c.top=[P("r1",meta={"stickiness":100})]; c.locations.append(Location("l","r1","n1",sc)); c.st("r1").active_on=["n2"]; run(c,"S1-stick100-vs-%d"%sc)
# default stickiness via rsc_defaults
c=mk(); c.default_stickiness=50; c.top=[P("r1")]; c.locations.append(Location("l","r1","n1",40)); c.st("r1").active_on=["n2"]; run(c,"S2-default-stick50-vs-40")
