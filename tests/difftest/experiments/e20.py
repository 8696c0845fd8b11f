from x import *
import subprocess, re
def mk(names=["n1","n2","n3"]):
    c=Cluster(); nodes(c, names); return c
P=Prim
print("dep-score coloc base -> r3@n2")
for base in (0, 5):
  for dep in (1000, -1000):
    for sc in (400, 500, 600, 1400, 1500, 2500):
        c=mk(); c.top=[P("r1"),P("r3")]; c.colocations.append(Colocation("co","r1","r3",sc)); c.locations+=[Location("l2","r1","n2",dep)]
        if base: c.locations.append(Location("b","r3","n2",base))
        open(os.path.join(OUT,"k.xml"),"w").write(c.to_cib())
        out=subprocess.run(["crm_simulate","-x",os.path.join(OUT,"k.xml"),"-R","-s"],capture_output=True,text=True).stdout
        m=re.search(r"r3 allocation score on n2: (\S+)", out)
        print("%6d x %7.4f + %d -> %s   (exact %.1f)" % (dep, sc/1e6, base, m.group(1), base+dep*sc/1e6))
