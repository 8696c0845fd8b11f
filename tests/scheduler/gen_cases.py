#!/usr/bin/env python3
"""Writes the inputs of the scheduler regression cases (config.ini, status.ini,
expected.err) into the directory given; expected.json comes from bless.sh and
is checked against crm_simulate with oracle.py."""
import os, sys, textwrap
OUT = sys.argv[1]
CASES = []
def case(name, shows, body, status=None, cluster="", nodes=("n1","n2","n3"), node_extra=None, oracle_skip=None, err=None, example=None):
    CASES.append((name, shows, body, status, cluster, nodes, node_extra or {}, oracle_skip, err, example))

def R(*ids, extra=""):
    return "".join(f"[resource {i}]\nagent = dummy\n{extra}\n" for i in ids)
STF = "ocf:pacemaker:Stateful"
FENCE = "[fence f1]\nagent = dummy\n"

# ---- basics, tie-breaks, allocation order
case("basic-spread", "fresh cluster: resources spread by fewest assigned, then node name", R("r1","r2","r3","r4","r5"))
case("tie-node-name", "ties between equal nodes break by node name, not config order", R("r1","r2","r3"), nodes=("nb","nc","na"))
case("tie-name-bytewise", "node names compare bytewise: n10 < n2 < n9", R("r1","r2","r3"), nodes=("n9","n2","n10"))
case("priority-first", "higher priority is allocated first and takes the first node", R("r1","r2") + "[resource r3]\nagent = dummy\npriority = 10\n")
case("config-order-not-score", "allocation follows config order, not scores: r1 (first) takes n1", R("r1","r2") +
     "[location l1]\nresource = r1\nnode = n1\nscore = 5\n[location l2]\nresource = r2\nnode = n1\nscore = 10\n[location l3]\nresource = r2\nnode = n2\nscore = 10\n")
case("running-does-not-count", "resources merely running do not count for the tie-break: r1 takes n1", R("r1","r2","r3","r4"),
     status="[resource r4]\nactive-on = n1\n")
case("current-node-wins-tie", "an equal score keeps a resource on its current node (stickiness 0)", R("r1"), status="[resource r1]\nactive-on = n3\n")
case("no-stickiness-moves-off-busy", "stickiness 0: a running resource moves off a node that got busier", R("rA","r1") +
     "[location l1]\nresource = rA\nnode = n3\nscore = 100\n", status="[resource r1]\nactive-on = n3\n")
# ---- locations and rules
case("location-prefers", "a positive location score wins", R("r1") + "[location l1]\nresource = r1\nnode = n2\nscore = 50\n")
case("location-ban", "-INFINITY bans a node", R("r1","r2") + "[location l1]\nresource = r1\nnode = n1\nscore = -INFINITY\n")
case("location-ban-all", "banned from every node: stopped", R("r1") + "".join(f"[location l{n}]\nresource = r1\nnode = {n}\nscore = -INFINITY\n" for n in ("n1","n2","n3")))
case("rule-eq", "a rule on a permanent node attribute", R("r1") + "[location l1]\nresource = r1\nrule = attr.rack eq b\nscore = 100\n",
     node_extra={"n3": "attr.rack = b\n", "n1": "attr.rack = a\n"})
case("rule-transient-overrides", "a transient attribute overrides the permanent one", R("r1") + "[location l1]\nresource = r1\nrule = attr.rack eq b\nscore = 100\n",
     node_extra={"n3": "attr.rack = b\n", "n1": "attr.rack = a\n"}, status="[node n1]\nattr.rack = b\n[node n2]\n[node n3]\nattr.rack = c\n")
case("rule-numeric", "a numeric comparison (10 gt 9 numerically, not as strings)", R("r1") + "[location l1]\nresource = r1\nrule = attr.cores gt 9\nscore = 100\n",
     node_extra={"n1": "attr.cores = 8\n", "n2": "attr.cores = 10\n", "n3": "attr.cores = 9\n"})
case("rule-undefined-ne", "an undefined attribute: ne is true, eq false", R("r1") + "[location l1]\nresource = r1\nrule = attr.zone ne a\nscore = -INFINITY\n",
     node_extra={"n1": "attr.zone = b\n", "n2": "attr.zone = a\n"})
case("rule-or", "rules joined by or", R("r1","r2") + "[location l1]\nresource = r1\nrule = attr.x eq 1 or attr.y eq 1\nscore = -INFINITY\n",
     node_extra={"n1": "attr.x = 1\n", "n2": "attr.y = 1\n"})
case("rule-and", "rules joined by and", R("r1") + "[location l1]\nresource = r1\nrule = attr.x eq 1 and attr.y eq 1\nscore = 100\n",
     node_extra={"n1": "attr.x = 1\n", "n2": "attr.x = 1\nattr.y = 1\n", "n3": "attr.y = 1\n"})
case("rule-defined", "defined / not_defined", R("r1") + "[location l1]\nresource = r1\nrule = attr.gpu not_defined\nscore = -INFINITY\n",
     node_extra={"n3": "attr.gpu = yes\n"})
case("opt-in-no-location", "symmetric = false: without a location a resource does not run", R("r1","r2") + "[location l1]\nresource = r2\nnode = n2\nscore = 0\n", cluster="symmetric = false\n")
case("opt-in-locations", "symmetric = false: runs only where allowed, best score wins", R("r1") + "[location l1]\nresource = r1\nnode = n2\nscore = 10\n[location l2]\nresource = r1\nnode = n3\nscore = 20\n", cluster="symmetric = false\n")
# ---- stickiness
case("stickiness-holds-tie", "stickiness 100 equals location 100 elsewhere: stays", R("r1", extra="stickiness = 100") + "[location l1]\nresource = r1\nnode = n1\nscore = 100\n", status="[resource r1]\nactive-on = n2\n")
case("stickiness-loses", "a better location (101) beats stickiness 100: moves", R("r1", extra="stickiness = 100") + "[location l1]\nresource = r1\nnode = n1\nscore = 101\n", status="[resource r1]\nactive-on = n2\n")
case("default-stickiness", "cluster default-stickiness 50 beats location 40", R("r1") + "[location l1]\nresource = r1\nnode = n1\nscore = 40\n", cluster="default-stickiness = 50\n", status="[resource r1]\nactive-on = n2\n")
case("clone-stickiness-default-1", "an unset stickiness gives a clone instance 1: ties with location 1, stays", "[resource c]\nagent = dummy\n[clone cc]\nresource = c\nmax = 1\n[location l1]\nresource = cc\nnode = n1\nscore = 1\n", status="[resource c]\nactive-on = n3\n")
case("clone-stickiness-beaten", "clone instance stickiness 1 loses to location 2", "[resource c]\nagent = dummy\n[clone cc]\nresource = c\nmax = 1\n[location l1]\nresource = cc\nnode = n1\nscore = 2\n", status="[resource c]\nactive-on = n3\n")
case("clone-default-stickiness-0", "an explicit default-stickiness 0 removes the clone's implicit 1", "[resource c]\nagent = dummy\n[clone cc]\nresource = c\nmax = 1\n[location l1]\nresource = cc\nnode = n1\nscore = 1\n", cluster="default-stickiness = 0\n", status="[resource c]\nactive-on = n3\n")
G3 = R("a","b","c") + "[group g]\nresources = a b c\nstickiness = 10\n"
case("group-stickiness-stays", "group stickiness counts per active member: 30 beats location 25", G3 + "[location l1]\nresource = g\nnode = n1\nscore = 25\n",
     status="[resource a]\nactive-on = n2\n[resource b]\nactive-on = n2\n[resource c]\nactive-on = n2\n")
case("group-stickiness-moves", "group stickiness 30 loses to location 35: the whole group moves in order", G3 + "[location l1]\nresource = g\nnode = n1\nscore = 35\n",
     status="[resource a]\nactive-on = n2\n[resource b]\nactive-on = n2\n[resource c]\nactive-on = n2\n")
case("group-stickiness-partial", "only two members active: stickiness 20 loses to 25", G3 + "[location l1]\nresource = g\nnode = n1\nscore = 25\n",
     status="[resource a]\nactive-on = n2\n[resource b]\nactive-on = n2\n")
case("stickiness-inf-standby", "even INFINITY stickiness does not hold a resource on a standby node", R("r1", extra="stickiness = INFINITY"),
     status="[resource r1]\nactive-on = n1\n", node_extra={"n1": "standby = true\n"})
# ---- colocation
case("coloc-follows", "INFINITY colocation: the dependent goes where the primary runs", R("r1","r2") + "[colocation c1]\nresource = r1\nwith = r2\nscore = INFINITY\n")
case("coloc-primary-first", "the primary is allocated at its dependent's turn", R("r0","r1","r2","r3") + "[colocation c1]\nresource = r1\nwith = r3\nscore = INFINITY\n")
case("coloc-dependent-pulls", "the dependent's location pulls the primary", R("r0","r1","r2","r3") + "[colocation c1]\nresource = r1\nwith = r3\nscore = INFINITY\n[location l1]\nresource = r1\nnode = n3\nscore = 50\n")
case("coloc-dependent-ban-pushes", "the dependent's -INFINITY reaches the primary", R("r0","r1","r2","r3") + "[colocation c1]\nresource = r1\nwith = r3\nscore = INFINITY\n[location l1]\nresource = r3\nnode = n3\nscore = 50\n[location l2]\nresource = r1\nnode = n3\nscore = -INFINITY\n")
case("coloc-finite", "a finite colocation is a preference the location can outweigh", R("r1","r2") + "[colocation c1]\nresource = r2\nwith = r1\nscore = 100\n[location l1]\nresource = r2\nnode = n3\nscore = 200\n")
case("anti-coloc", "-INFINITY colocation keeps two resources apart", R("r1","r2","r3") + "[colocation c1]\nresource = r2\nwith = r1\nscore = -INFINITY\n[colocation c2]\nresource = r3\nwith = r1\nscore = -INFINITY\n[location l1]\nresource = r2\nnode = n1\nscore = 100\n")
case("coloc-stopped-primary-mandatory", "INFINITY with a primary that cannot run: the dependent stops", R("r1","r2") + "[colocation c1]\nresource = r2\nwith = r1\nscore = INFINITY\n[resource r1x]\nagent = dummy\n".replace("[resource r1x]\nagent = dummy\n","") + "[location l1]\nresource = r1\nrule = attr.none defined\nscore = -INFINITY\n[location l2]\nresource = r1\nrule = attr.none not_defined\nscore = -INFINITY\n")
case("coloc-stopped-primary-optional", "a finite colocation with a stopped primary: placed normally", R("r1","r2") + "[colocation c1]\nresource = r2\nwith = r1\nscore = 100\n[location l2]\nresource = r1\nrule = attr.none not_defined\nscore = -INFINITY\n")
case("anti-coloc-finite", "-100 pushes the dependent off the primary's node against location 50", R("r0","r1","r2") + "[colocation c1]\nresource = r2\nwith = r1\nscore = -100\n[location l1]\nresource = r2\nnode = n1\nscore = 50\n")
# ---- groups
case("group-basic", "a group runs on one node, members started in order", R("a","b","c") + "[group g]\nresources = a b c\n")
case("group-member-location", "a later member's location pulls the whole group", R("a","b","c") + "[group g]\nresources = a b c\n[location l1]\nresource = b\nnode = n2\nscore = 100\n")
case("group-member-banned-node", "a member banned from n1 keeps the whole group off n1", R("a","b","c") + "[group g]\nresources = a b c\n[location l1]\nresource = c\nnode = n1\nscore = -INFINITY\n")
case("group-second-banned-everywhere", "second member banned everywhere: the first runs, the rest stop", R("a","b","c") + "[group g]\nresources = a b c\n" + "".join(f"[location l{n}]\nresource = b\nnode = {n}\nscore = -INFINITY\n" for n in ("n1","n2","n3")))
case("group-member-stopped-role", "a member with target-role stopped stops the members after it", R("a") + "[resource b]\nagent = dummy\ntarget-role = stopped\n" + R("c") + "[group g]\nresources = a b c\n",
     status="[resource a]\nactive-on = n1\n[resource b]\nactive-on = n1\n[resource c]\nactive-on = n1\n")
case("group-then-prims", "a group counts once per member for the tie-break", R("a","b","c") + "[group g]\nresources = a b c\n" + R("r1","r2","r3","r4"))
case("group-member-fails", "a failed middle member restarts itself and the members after it", R("a","b","c") + "[group g]\nresources = a b c\n",
     status="[resource a]\nactive-on = n1\n[resource b]\nactive-on = n1\nfailed-on = n1\nfailcount.n1 = 1\n[resource c]\nactive-on = n1\n")
# ---- orders
case("order-mandatory", "a mandatory order: then starts after first", R("r1","r2") + "[order o1]\nfirst = r1\nthen = r2\n")
case("order-first-cannot-run", "mandatory order: first cannot run, so then stops (even though it runs)", R("r1","r2") + "[order o1]\nfirst = r1\nthen = r2\n[location l1]\nresource = r1\nrule = attr.x not_defined\nscore = -INFINITY\n",
     status="[resource r2]\nactive-on = n2\n")
case("order-chain", "mandatory orders chain: r1 stopped stops r2 and r3", R("r1","r2","r3") + "[order o1]\nfirst = r1\nthen = r2\n[order o2]\nfirst = r2\nthen = r3\n[resource r1x]\n".replace("[resource r1x]\n","") + "[location l1]\nresource = r1\nrule = attr.x not_defined\nscore = -INFINITY\n")
case("order-optional", "an optional order does not stop then when first cannot run", R("r1","r2") + "[order o1]\nfirst = r1\nthen = r2\nkind = optional\n[location l1]\nresource = r1\nrule = attr.x not_defined\nscore = -INFINITY\n")
case("order-serialize", "a serialize order: both start, one after the other", R("r1","r2") + "[order o1]\nfirst = r1\nthen = r2\nkind = serialize\n")
case("order-symmetric-stop", "a symmetrical order stops then before first", R("r1","r2") + "[order o1]\nfirst = r1\nthen = r2\n",
     status="[resource r1]\nactive-on = n1\n[resource r2]\nactive-on = n2\n", node_extra={"n1": "standby = true\n", "n2": "standby = true\n"})
case("order-restart-propagates", "mandatory order: first recovering restarts then", R("r1", extra="op.monitor = interval=10s") + R("r2") + "[order o1]\nfirst = r1\nthen = r2\n",
     status="[resource r1]\nactive-on = n1\nfailed-on = n1\nfailcount.n1 = 1\n[resource r2]\nactive-on = n2\n")
case("order-optional-no-restart", "optional order: first recovering does not restart then", R("r1", extra="op.monitor = interval=10s") + R("r2") + "[order o1]\nfirst = r1\nthen = r2\nkind = optional\n",
     status="[resource r1]\nactive-on = n1\nfailed-on = n1\nfailcount.n1 = 1\n[resource r2]\nactive-on = n2\n")
# ---- clones
CL = "[resource c]\nagent = dummy\n"
case("clone-everywhere", "an anonymous clone runs one instance per node by default", CL + "[clone cc]\nresource = c\n")
case("clone-max2-after-prims", "clone max=2 after two primitives: instances go to the least loaded nodes", R("r1","r2") + CL + "[clone cc]\nresource = c\nmax = 2\n")
case("clone-max2-between", "a clone between primitives counts for the later ones", R("r1") + CL + "[clone cc]\nresource = c\nmax = 2\n" + R("r2"))
case("clone-more-than-nodes", "clone max 5 on 3 nodes, per-node 1: three instances", CL + "[clone cc]\nresource = c\nmax = 5\n")
case("clone-per-node", "per-node 2 on an anonymous clone: Pacemaker 2.1.5 still starts one instance per node", CL + "[clone cc]\nresource = c\nmax = 5\nper-node = 2\n")
case("clone-unique-per-node", "a globally unique clone with per-node 2: two instances on each node", CL + "[clone cc]\nresource = c\nmax = 4\nper-node = 2\nunique = true\n", nodes=("n1","n2"))
case("clone-node-lost", "a node with a clone instance is lost: the instance is not replaced elsewhere", CL + "[clone cc]\nresource = c\n",
     status="[node n1]\n[node n2]\n[node n3]\nstate = offline\n[resource c]\nactive-on = n1 n2 n3\n")
case("clone-colocated-pulls", "a primitive colocated with a clone pulls an instance to its node", CL + "[clone cc]\nresource = c\nmax = 2\n" + R("r1") + "[colocation k]\nresource = r1\nwith = cc\nscore = INFINITY\n[location l1]\nresource = r1\nnode = n3\nscore = 10\n")
case("clone-interleave", "interleaved clones: each instance waits only for its node's instance", CL + "[clone cc]\nresource = c\n[resource d]\nagent = dummy\n[clone dc]\nresource = d\ninterleave = true\n[order o1]\nfirst = cc\nthen = dc\n")
case("clone-group", "a clone of a group: every node runs the whole group", R("a","b") + "[group g]\nresources = a b\n[clone gc]\nresource = g\n")
case("clone-failcount-bans", "a failed instance past the threshold bans the whole clone from that node", CL.replace("dummy","dummy\nmigration-threshold = 2") + "[clone cc]\nresource = c\n",
     status="[resource c]\nactive-on = n1 n2 n3\nfailcount.n1 = 2\n")
# ---- promotable
PR = f"[resource db]\nagent = {STF}\n[clone dbc]\nresource = db\npromotable = true\n"
case("promotable-no-score", "no promotion score anywhere: nothing is promoted", PR)
case("promotable-score", "promoted where the promotion score (master-db) is", PR, status="[node n1]\n[node n2]\nattr.master-db = 10\n[node n3]\n")
case("promotable-tie", "equal promotion scores: the first node by name", PR, status="[node n1]\nattr.master-db = 5\n[node n2]\nattr.master-db = 5\n[node n3]\nattr.master-db = 5\n")
case("promotable-location-role", "a location with role promoted decides promotion", PR + "[location l1]\nresource = dbc\nnode = n3\nscore = 100\nrole = promoted\n",
     status="[node n1]\nattr.master-db = 5\n[node n2]\nattr.master-db = 5\n[node n3]\nattr.master-db = 5\n")
case("promotable-max2", "promoted-max 2: two promoted", PR + "promoted-max = 2\n", status="[node n1]\nattr.master-db = 5\n[node n2]\nattr.master-db = 5\n[node n3]\nattr.master-db = 5\n")
case("promotable-promoted-node-dies", "the promoted node goes offline: another instance is promoted", PR,
     status="[node n1]\nattr.master-db = 10\n[node n2]\nstate = offline\n[node n3]\nattr.master-db = 5\n[resource db]\nactive-on = n1 n2 n3\npromoted-on = n2\n")
case("promotable-moves-promotion", "a higher promotion score elsewhere: demote then promote", PR,
     status="[node n1]\nattr.master-db = 10\n[node n2]\nattr.master-db = 5\n[node n3]\n[resource db]\nactive-on = n1 n2 n3\npromoted-on = n2\n")
case("promotable-coloc-pulls", "a dependent of the promoted role pulls the promotion to its node", PR + R("r1") + "[colocation k]\nresource = r1\nwith = dbc\nwith-role = promoted\nscore = INFINITY\n[location l1]\nresource = r1\nnode = n2\nscore = 10\n",
     status="[node n1]\nattr.master-db = 5\n[node n2]\nattr.master-db = 5\n[node n3]\nattr.master-db = 5\n")
case("promotable-coloc-follows", "a resource colocated with the promoted role runs where it is promoted", PR + R("r1") + "[colocation k]\nresource = r1\nwith = dbc\nwith-role = promoted\nscore = INFINITY\n",
     status="[node n1]\nattr.master-db = 5\n[node n2]\nattr.master-db = 5\n[node n3]\nattr.master-db = 50\n")
case("promotable-target-unpromoted", "target-role unpromoted: no promotion", PR + "target-role = unpromoted\n", status="[node n1]\nattr.master-db = 10\n[node n2]\n[node n3]\n")
case("promotable-steady", "a settled promotable clone: nothing to do", PR,
     status="[node n1]\nattr.master-db = 10\n[node n2]\nattr.master-db = 5\n[node n3]\nattr.master-db = 5\n[resource db]\nactive-on = n1 n2 n3\npromoted-on = n1\n")
# ---- failures
case("failcount-below", "a failcount below migration-threshold changes nothing", R("r1", extra="migration-threshold = 3"), status="[resource r1]\nactive-on = n1\nfailcount.n1 = 2\n")
case("failcount-threshold", "failcount reaches migration-threshold: banned from that node, moves", R("r1", extra="migration-threshold = 3"), status="[resource r1]\nactive-on = n1\nfailcount.n1 = 3\n")
case("failcount-threshold-disabled", "migration-threshold 0 disables the ban, even at INFINITY", R("r1", extra="migration-threshold = 0"), status="[resource r1]\nactive-on = n1\nfailcount.n1 = INFINITY\n")
case("failcount-default-infinity", "default threshold INFINITY: failcount 5 keeps it, INFINITY (failed start) bans", R("r1","r2"),
     status="[resource r1]\nactive-on = n1\nfailcount.n1 = 5\n[resource r2]\nfailcount.n1 = INFINITY\nfailcount.n2 = INFINITY\n")
case("start-failure-fatal", "start-failure-is-fatal: a failed start left failcount INFINITY, the node is banned", R("r1"), cluster="start-failure-is-fatal = true\n",
     status="[resource r1]\nfailcount.n1 = INFINITY\nlast-failure.n1 = 2026-11-25T09:59:00Z\n[quorum]\nnow = 2026-11-25T10:00:00Z\n")
case("failure-timeout-expired", "failure-timeout: an old failure no longer counts", R("r1", extra="migration-threshold = 1\nfailure-timeout = 60s"),
     status="[quorum]\nnow = 2026-11-25T10:00:00Z\n[resource r1]\nactive-on = n1\nfailcount.n1 = 1\nlast-failure.n1 = 2026-11-25T09:58:00Z\n")
case("failure-timeout-recent", "failure-timeout: a recent failure still counts", R("r1", extra="migration-threshold = 1\nfailure-timeout = 60s"),
     status="[quorum]\nnow = 2026-11-25T10:00:00Z\n[resource r1]\nactive-on = n1\nfailcount.n1 = 1\nlast-failure.n1 = 2026-11-25T09:59:30Z\n")
MON = "op.monitor = interval=10s timeout=20s"
case("monitor-failed-recover", "a failed monitor is recovered in place (stop, start)", R("r1", extra=MON), status="[resource r1]\nactive-on = n2\nfailed-on = n2\nfailcount.n2 = 1\n")
case("monitor-failed-threshold", "a failed monitor past the threshold recovers elsewhere", R("r1", extra=MON + "\nmigration-threshold = 1"), status="[resource r1]\nactive-on = n2\nfailed-on = n2\nfailcount.n2 = 1\n")
case("on-fail-ignore", "on-fail = ignore: the failure is ignored", R("r1", extra="op.monitor = interval=10s on-fail=ignore\nmigration-threshold = 1"), status="[resource r1]\nactive-on = n2\nfailed-on = n2\nfailcount.n2 = 1\n")
case("on-fail-block", "on-fail = block: the resource is left alone", R("r1", extra="op.monitor = interval=10s on-fail=block"), status="[resource r1]\nactive-on = n2\nfailed-on = n2\nfailcount.n2 = 1\n")
case("on-fail-stop", "on-fail = stop: the resource is stopped and stays stopped", R("r1", extra="op.monitor = interval=10s on-fail=stop"), status="[resource r1]\nactive-on = n2\nfailed-on = n2\nfailcount.n2 = 1\n")
case("on-fail-fence", "on-fail = fence: the node is fenced, the resource recovers elsewhere", R("r1", extra="op.monitor = interval=10s on-fail=fence") + FENCE, cluster="stonith-enabled = true\n",
     status="[resource r1]\nactive-on = n2\nfailed-on = n2\nfailcount.n2 = 1\n")
case("on-fail-standby", "on-fail = standby: every resource leaves the node", R("r1", extra="op.monitor = interval=10s on-fail=standby") + R("r2"),
     status="[resource r1]\nactive-on = n2\nfailed-on = n2\nfailcount.n2 = 1\n[resource r2]\nactive-on = n2\n")
case("on-fail-demote", "on-fail = demote: the failed promoted instance is demoted, another promoted", PR.replace(STF, STF + "\nop.monitor.promoted = interval=9s on-fail=demote\nop.monitor = interval=10s"),
     status="[node n1]\nattr.master-db = 10\n[node n2]\nattr.master-db = 5\n[node n3]\nattr.master-db = 5\n[resource db]\nactive-on = n1 n2 n3\npromoted-on = n1\nfailed-on = n1\nfailcount.n1 = 1\n")
case("stop-failed-fence", "a failed stop with stonith: the node is fenced, the resource starts elsewhere after", R("r1") + FENCE, cluster="stonith-enabled = true\n",
     status="[resource r1]\nactive-on = n1\nstop-failed-on = n1\n")
case("stop-failed-block", "a failed stop without stonith: the resource is blocked where it is", R("r1","r2"),
     status="[resource r1]\nactive-on = n1\nstop-failed-on = n1\n", node_extra={"n1": "standby = true\n"})
case("multiple-active-stop-start", "active on two nodes: stopped on both, started once", R("r1", extra="multiple-active = stop_start"), status="[resource r1]\nactive-on = n1 n2\n")
case("multiple-active-stop-only", "multiple-active = stop_only: stopped everywhere", R("r1", extra="multiple-active = stop_only"), status="[resource r1]\nactive-on = n1 n2\n")
case("multiple-active-block", "multiple-active = block: left alone", R("r1", extra="multiple-active = block"), status="[resource r1]\nactive-on = n1 n2\n")
# ---- nodes
case("unclean-fenced", "an unclean node is fenced before its resources start elsewhere", R("r1","r2") + FENCE, cluster="stonith-enabled = true\n",
     status="[node n1]\nstate = unclean\n[node n2]\n[node n3]\n[resource r1]\nactive-on = n1\n[resource r2]\nactive-on = n2\n")
case("unclean-no-stonith", "an unclean node with fencing disabled counts as down", R("r1","r2"),
     status="[node n1]\nstate = unclean\n[node n2]\n[node n3]\n[resource r1]\nactive-on = n1\n[resource r2]\nactive-on = n2\n")
case("unclean-cannot-fence", "stonith enabled but no device can fence n1: its resource stays, nothing starts elsewhere", R("r1","r2") + "[fence f1]\nagent = dummy\nhosts = n2 n3\n", cluster="stonith-enabled = true\n",
     status="[node n1]\nstate = unclean\n[node n2]\n[node n3]\n[resource r1]\nactive-on = n1\n", oracle_skip="Pacemaker still schedules fencing with a device whose host list lacks the node (and then fails); corral does not schedule what no device can do")
case("unclean-requires-quorum", "requires = quorum: starts do not wait for fencing of other nodes", R("r1", extra="requires = quorum") + R("r2") + FENCE, cluster="stonith-enabled = true\n",
     status="[node n1]\nstate = unclean\n[node n2]\n[node n3]\n[resource r2]\nactive-on = n1\n")
case("pending-node", "a pending node runs nothing yet", R("r1","r2","r3"), status="[node n1]\nstate = pending\n[node n2]\n[node n3]\n")
case("offline-node", "resources of an offline node start elsewhere", R("r1","r2"), status="[node n1]\nstate = offline\n[node n2]\n[node n3]\n[resource r1]\nactive-on = n1\n[resource r2]\nactive-on = n2\n")
case("standby-node", "a standby node runs nothing; its resources move", R("r1","r2","r3"), status="[resource r1]\nactive-on = n1\n", node_extra={"n1": "standby = true\n"})
case("maintenance-node", "a node in maintenance: its resources are left alone, nothing new goes there", R("r1","r2","r3"),
     status="[resource r1]\nactive-on = n1\n", node_extra={"n1": "maintenance = true\n"})
case("unmanaged", "managed = false: left where it is, even in standby", R("r1", extra="managed = false") + R("r2"),
     status="[resource r1]\nactive-on = n1\n", node_extra={"n1": "standby = true\n"})
case("target-role-stopped", "target-role = stopped stops a running resource", R("r1", extra="target-role = stopped") + R("r2"), status="[resource r1]\nactive-on = n1\n")
case("group-target-role", "target-role on a group applies to every member", R("a","b") + "[group g]\nresources = a b\ntarget-role = stopped\n", status="[resource a]\nactive-on = n1\n[resource b]\nactive-on = n1\n")
# ---- quorum
case("no-quorum-stop", "no quorum, policy stop: everything stops", R("r1","r2"), status="[quorum]\nquorate = false\n[resource r1]\nactive-on = n1\n[resource r2]\nactive-on = n2\n")
case("no-quorum-freeze", "no quorum, policy freeze: running resources stay, nothing starts", R("r1","r2","r3"), cluster="no-quorum-policy = freeze\n",
     status="[quorum]\nquorate = false\n[node n1]\n[node n2]\n[node n3]\nstate = offline\n[resource r1]\nactive-on = n1\n[resource r2]\nactive-on = n3\n")
case("no-quorum-ignore", "no quorum, policy ignore: business as usual", R("r1","r2"), cluster="no-quorum-policy = ignore\n", status="[quorum]\nquorate = false\n")
case("no-quorum-demote", "no quorum, policy demote: promoted instances demoted, others stopped", PR + R("r1"), cluster="no-quorum-policy = demote\n",
     status="[quorum]\nquorate = false\n[node n1]\nattr.master-db = 10\n[node n2]\n[node n3]\n[resource db]\nactive-on = n1 n2 n3\npromoted-on = n1\n[resource r1]\nactive-on = n2\n")
case("no-quorum-fence", "no quorum, policy fence: the partition fences itself", R("r1") + FENCE, cluster="stonith-enabled = true\nno-quorum-policy = fence\n",
     status="[quorum]\nquorate = false\n[node n1]\n[node n2]\n[node n3]\n[resource r1]\nactive-on = n1\n", oracle_skip="crm_simulate, which has no local node, only stops; corral fences every online node of the partition (each would fence itself)")
case("requires-nothing", "no quorum: a resource with requires = nothing keeps running and can start", R("r1", extra="requires = nothing") + R("r2"),
     status="[quorum]\nquorate = false\n[resource r2]\nactive-on = n2\n")
# ---- utilization
case("utilization-fits", "utilization: capacity filters, ties break as usual", R("r1","r2","r3","r4","r5","r6", extra="uses.cpu = 1"), cluster="placement-strategy = utilization\n",
     node_extra={"n1": "capacity.cpu = 4\n", "n2": "capacity.cpu = 8\n", "n3": "capacity.cpu = 6\n"})
case("utilization-no-fit", "utilization that does not fit: the last ones stop", R("r1","r2","r3","r4","r5", extra="uses.cpu = 3"), cluster="placement-strategy = utilization\n",
     node_extra={"n1": "capacity.cpu = 4\n", "n2": "capacity.cpu = 4\n", "n3": "capacity.cpu = 4\n"})
case("utilization-balanced", "balanced: most remaining capacity first", R("r1","r2","r3","r4","r5","r6", extra="uses.cpu = 1"), cluster="placement-strategy = balanced\n",
     node_extra={"n1": "capacity.cpu = 4\n", "n2": "capacity.cpu = 8\n", "n3": "capacity.cpu = 6\n"})
case("utilization-group", "a group needs the sum of its members' uses on one node", R("x1","x2", extra="uses.cpu = 3") + R("a","b", extra="uses.cpu = 2") + "[group g]\nresources = a b\n", cluster="placement-strategy = utilization\n",
     node_extra={"n1": "capacity.cpu = 4\n", "n2": "capacity.cpu = 4\n", "n3": "capacity.cpu = 4\n"})
case("utilization-default-ignores", "placement-strategy default ignores utilization", R("r1","r2","r3","r4","r5", extra="uses.cpu = 3"),
     node_extra={"n1": "capacity.cpu = 4\n", "n2": "capacity.cpu = 4\n", "n3": "capacity.cpu = 4\n"})
# ---- bad input
case("bad-status-unknown-node", "a status naming an unknown node is refused with FILE:LINE", R("r1"), status="[node n9]\nstate = online\n", err="status.ini:1: node n9 is not in the configuration")
case("bad-status-unknown-resource", "a status naming an unknown resource is refused", R("r1"), status="[resource nope]\nactive-on = n1\n", err="status.ini:1: resource nope is not in the configuration")
case("bad-status-key", "a status with an unknown key is refused", R("r1"), status="[resource r1]\nactive-on = n1\nbogus = 1\n", err="status.ini:3:")
case("bad-config", "a config failing verification is refused with every error", R("r1") + "[location l1]\nresource = nope\nnode = n1\nscore = 1\n", err="config.ini:")

case("clone-negative-location", "a clone's negative location bans the node for every instance; stickiness does not make up for it",
     "[resource c]\nagent = dummy\n[clone cc]\nresource = c\nstickiness = 50\n[location l1]\nresource = cc\nnode = n3\nscore = -50\n",
     status="[resource c]\nactive-on = n1 n2 n3\n")
case("promoted-dependent-takes-promotion-scores", "INFINITY with the promoted role: the dependent follows the best promoted instance",
     f"[resource db]\nagent = {STF}\n[clone dbc]\nresource = db\npromotable = true\npromoted-max = 2\n[resource r3]\nagent = dummy\npriority = 1\n[colocation k]\nresource = r3\nwith = dbc\nwith-role = promoted\nscore = INFINITY\n",
     nodes=("n1","n2","n3","n4"), status="[node n1]\nattr.master-db = 10\n[node n4]\nattr.master-db = 100\n")

# ---- the redundancy layouts of etc/examples, losing nodes
AP_ON_ALPHA = "[resource vip]\nactive-on = alpha\n[resource data]\nactive-on = alpha\n[resource server]\nactive-on = alpha\n"
case("example-active-passive-fresh", "active/passive: the service starts on its preferred node", "", example="active-passive.ini")
case("example-active-passive-lose-active", "active/passive: the active node is lost, fenced, the service starts on the passive one", "", example="active-passive.ini",
     status="[node alpha]\nstate = unclean\n[node beta]\n" + AP_ON_ALPHA)
case("example-active-passive-no-failback", "active/passive: the first node returns; stickiness keeps the service where it is", "", example="active-passive.ini",
     status=AP_ON_ALPHA.replace("alpha", "beta"))
case("example-active-passive-member-fails", "active/passive: the server's monitor fails; it restarts in place, the rest stays", "", example="active-passive.ini",
     status=AP_ON_ALPHA.replace("[resource server]\nactive-on = alpha\n", "[resource server]\nactive-on = alpha\nfailed-on = alpha\nfailcount.alpha = 1\n"))
NP1 = "[resource svc1]\nactive-on = n1\n[resource svc2]\nactive-on = n2\n[resource svc3]\nactive-on = n3\n"
case("example-n-plus-1-fresh", "N+1: each service on its own node, the spare idle", "", example="n-plus-1.ini")
case("example-n-plus-1-lose-node", "N+1: a node is lost and fenced; its service moves to the spare", "", example="n-plus-1.ini",
     status="[node n2]\nstate = unclean\n" + NP1)
case("example-n-plus-1-lose-two", "N+1: a second node lost while the spare is taken: its service cannot run", "", example="n-plus-1.ini",
     status="[node n2]\nstate = offline\n[node n3]\nstate = offline\n[resource svc1]\nactive-on = n1\n[resource svc2]\nactive-on = spare\n[resource svc3]\nactive-on = n3\n")
case("example-n-plus-1-node-back", "N+1: the lost node returns; its service stays on the spare (stickiness)", "", example="n-plus-1.ini",
     status="[resource svc1]\nactive-on = n1\n[resource svc2]\nactive-on = spare\n[resource svc3]\nactive-on = n3\n")
N2N = "[resource web]\nactive-on = n1 n2 n3\n[resource vip1]\nactive-on = n1\n[resource vip2]\nactive-on = n2\n[resource vip3]\nactive-on = n3\n"
case("example-n-to-n-fresh", "N-to-N: the web clone everywhere, one address per node", "", example="n-to-n.ini")
case("example-n-to-n-steady", "N-to-N: a settled cluster has nothing to do", "", example="n-to-n.ini", status=N2N)
case("example-n-to-n-lose-node", "N-to-N: a node is lost and fenced; its address moves to a survivor", "", example="n-to-n.ini",
     status="[node n3]\nstate = unclean\n" + N2N)
case("example-n-to-n-web-fails", "N-to-N: a web instance fails past its threshold-less restart: recovered in place", "", example="n-to-n.ini",
     status=N2N.replace("active-on = n1 n2 n3\n", "active-on = n1 n2 n3\nfailed-on = n2\nfailcount.n2 = 1\n"))

HERE = os.path.dirname(os.path.abspath(__file__))
for name, shows, body, status, cluster, nodes, node_extra, oracle_skip, err, example in CASES:
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    head = f"# shows: {shows}\n"
    if oracle_skip:
        head += f"# oracle: skip {oracle_skip}\n"
    stonith = "stonith-enabled" in cluster
    cfg = head + "[cluster]\nname = t\n" + ("" if stonith else "stonith-enabled = false\n") + cluster + "\n"
    for n in nodes:
        cfg += f"[node {n}]\n" + node_extra.get(n, "") + "\n"
    cfg += body
    if example:
        cfg = head + open(os.path.join(HERE, "..", "..", "etc", "examples", example)).read()
    open(os.path.join(d, "config.ini"), "w").write(cfg)
    if status is not None:
        open(os.path.join(d, "status.ini"), "w").write(status)
    if err:
        open(os.path.join(d, "expected.err"), "w").write(err + "\n")
print(len(CASES), "cases")
