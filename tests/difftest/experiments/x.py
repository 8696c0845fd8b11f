"""Helpers for the experiment scripts e*.py: build a cluster with cluster.py,
write its CIB under $EXPERIMENT_OUT (default /tmp/difftest-experiments) and
print where crm_simulate places everything. Run one as `python3 e4.py`."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from cluster import *  # noqa: F401,F403,E402
import oracle  # noqa: E402

OUT = os.environ.get("EXPERIMENT_OUT", "/tmp/difftest-experiments")
os.makedirs(OUT, exist_ok=True)


def run(c, name, scores=False):
    path = os.path.join(OUT, name + '.xml')
    open(path, 'w').write(c.to_cib())
    pl, pr = oracle.crm_run(path)
    print('==', name, pl, 'promoted', pr)
    if scores:
        print(oracle.crm_scores(path))
    return pl, pr


def nodes(c, names, ids=None):
    for i, n in enumerate(names):
        c.nodes.append(Node(n, str(ids[i] if ids else i + 1)))  # noqa: F405
