import sys; import os; sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from cluster import *
import oracle, subprocess
def run(c, name, scores=False):
    open(name+'.xml','w').write(c.to_cib())
    pl, pr, raw = oracle.crm_simulate(name+'.xml')
    print('==', name, {k:v for k,v in pl.items()}, 'promoted', pr)
    if scores:
        print(oracle.crm_scores(name+'.xml'))
    return pl, pr
def nodes(c, names, ids=None):
    for i,n in enumerate(names):
        c.nodes.append(Node(n, str(ids[i] if ids else i+1)))
