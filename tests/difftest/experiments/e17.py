from x import *
def mk(names=["n1","n2","n3"]):
    c=Cluster(); nodes(c, names); return c
P=Prim
def case(name, prim_g=False, sticky_default=INF, stick_r4=None):
    c=mk(); c.default_stickiness=sticky_default
    g = P("g0") if prim_g else Group("g0",[P("a"),P("b")])
    c.top=[g, P("r2"), P("r4")]
    c.locations.append(Location("l","g0","n2",200))
    c.colocations+= [Colocation("c1","r2","g0",20), Colocation("c2","r4","r2",INF)]
    c.st("r4").active_on=["n3"]
    run(c,name)
case("K19-seed99-group")
case("K19-seed99-prim", prim_g=True)
case("K19-seed99-prim-stick100", prim_g=True, sticky_default=100)
case("K19-seed99-group-stick100", sticky_default=100)
