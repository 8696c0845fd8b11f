#!/usr/bin/env python3
"""Check scheduler regression cases against Pacemaker (crm_simulate).

For each case directory (config.ini, status.ini?, expected.json) write the
same cluster as a Pacemaker 2.1.5 CIB, run `crm_simulate -S`, and compare
its resulting placement, promoted instances and fenced nodes with the
case's expected.json. A case whose config.ini has a line
`# oracle: skip <reason>` is a deliberate divergence (documented in
docs/scheduler.md) or outside what crm_simulate can express; it is listed,
not compared.

Usage: oracle.py CASE_DIR...      (exit 1 when any compared case differs)
Standard library only; a developer's tool, not part of ctest (the expected
files are what ctest checks).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from xml.sax.saxutils import quoteattr as q

INF = 1000000
FEATURE_SET = "3.16.1"  # crm_simulate 2.1.5 discards ops of a newer feature set
DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"  # Dummy with no parameters


def read_ini(path):
    """[(kind, id, {key: value}, comments)] in file order, with continuations joined."""
    sections = []
    cur = None
    last = None
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            s = line.strip()
            if not s or s[0] in ";#":
                continue
            if line[0] in " \t" and cur is not None and last:
                cur[2][last] += " " + re.split(r"\s;", s)[0].strip()
                continue
            if s.startswith("["):
                words = s[1:s.index("]")].split()
                cur = (words[0], words[1] if len(words) > 1 else None, {})
                sections.append(cur)
                last = None
                continue
            k, v = s.split("=", 1)
            v = re.split(r"\s;", v)[0].strip()
            last = k.strip()
            cur[2][last] = v
    return sections


def score(v):
    v = v.strip()
    if v.upper() in ("INFINITY", "+INFINITY"):
        return "INFINITY"
    if v.upper() == "-INFINITY":
        return "-INFINITY"
    return v


def dur(v):
    v = v.strip()
    return v if re.search(r"[a-z]$", v) else v + "s"


ROLE = {"promoted": "Promoted", "unpromoted": "Unpromoted", "started": "Started",
        "stopped": "Stopped"}


def to_cib(cfg, st):
    cl = next((s[2] for s in cfg if s[0] == "cluster"), {})
    nodes = [s for s in cfg if s[0] == "node"]
    res = {s[1]: s for s in cfg if s[0] == "resource"}
    groups = {s[1]: s for s in cfg if s[0] == "group"}
    clones = {s[1]: s for s in cfg if s[0] == "clone"}
    fences = [s for s in cfg if s[0] == "fence"]
    in_group = {m: g for g, s in groups.items() for m in s[2]["resources"].split()}
    in_clone = {s[2]["resource"]: c for c, s in clones.items()}
    promotable = set()
    for c, s in clones.items():
        if s[2].get("promotable", "false") in ("true", "yes", "on", "1"):
            child = s[2]["resource"]
            promotable.update(groups[child][2]["resources"].split() if child in groups else [child])
    stonith = cl.get("stonith-enabled", "true") in ("true", "yes", "on", "1")
    sst = {s[1]: s[2] for s in st if s[0] == "node"}
    srs = {s[1]: s[2] for s in st if s[0] == "resource"}
    quorum = next((s[2] for s in st if s[0] == "quorum"), {})
    quorate = quorum.get("quorate", "true") in ("true", "yes", "on", "1")
    ids = {s[1]: str(i + 1) for i, s in enumerate(nodes)}
    L = []
    a = L.append
    a('<cib crm_feature_set="%s" validate-with="pacemaker-3.9" epoch="1" num_updates="0" '
      'admin_epoch="0" have-quorum="%d">' % (FEATURE_SET, 1 if quorate else 0))
    a('<configuration><crm_config><cluster_property_set id="o">')
    props = {"stonith-enabled": "true" if stonith else "false"}
    if "symmetric" in cl:
        props["symmetric-cluster"] = cl["symmetric"]
    for k in ("start-failure-is-fatal", "placement-strategy"):
        if k in cl:
            props[k] = cl[k]
    if "no-quorum-policy" in cl:
        props["no-quorum-policy"] = {"fence": "suicide"}.get(cl["no-quorum-policy"],
                                                               cl["no-quorum-policy"])
    for k, v in props.items():
        a('<nvpair id="o-%s" name="%s" value="%s"/>' % (k, k, v))
    a("</cluster_property_set></crm_config><nodes>")
    for _, name, kv in nodes:
        nid = ids[name]
        a('<node id="%s" uname=%s>' % (nid, q(name)))
        attrs = {k[5:]: v for k, v in kv.items() if k.startswith("attr.")}
        if kv.get("standby") in ("true", "yes", "on", "1"):
            attrs["standby"] = "on"
        if kv.get("maintenance") in ("true", "yes", "on", "1"):
            attrs["maintenance"] = "true"
        if attrs:
            a('<instance_attributes id="na%s">' % nid)
            for k, v in attrs.items():
                a('<nvpair id="na%s-%s" name=%s value=%s/>' % (nid, k, q(k), q(v)))
            a("</instance_attributes>")
        cap = {k[9:]: v for k, v in kv.items() if k.startswith("capacity.")}
        if cap:
            a('<utilization id="nu%s">' % nid)
            for k, v in cap.items():
                a('<nvpair id="nu%s-%s" name=%s value=%s/>' % (nid, k, q(k), q(v)))
            a("</utilization>")
        a("</node>")
    a("</nodes><resources>")

    META = {"stickiness": "resource-stickiness", "priority": "priority",
            "target-role": "target-role", "migration-threshold": "migration-threshold",
            "failure-timeout": "failure-timeout", "requires": "requires",
            "multiple-active": "multiple-active", "managed": "is-managed"}

    def meta(owner, kv, extra=()):
        items = []
        for k, v in kv.items():
            if k in META:
                if k == "target-role":
                    v = ROLE[v]
                elif k in ("stickiness", "migration-threshold"):
                    v = score(v)
                elif k == "failure-timeout":
                    v = dur(v)
                items.append((META[k], v))
        items.extend(extra)
        if items:
            a('<meta_attributes id="%s-m">' % owner)
            for k, v in items:
                a('<nvpair id="%s-m-%s" name="%s" value=%s/>' % (owner, k, k, q(v)))
            a("</meta_attributes>")

    def prim(rid):
        kv = res[rid][2]
        typ = "Stateful" if rid in promotable else "Dummy"
        a('<primitive id="%s" class="ocf" provider="pacemaker" type="%s">' % (rid, typ))
        meta(rid, kv)
        uses = {k[5:]: v for k, v in kv.items() if k.startswith("uses.")}
        if uses:
            a('<utilization id="%s-u">' % rid)
            for k, v in uses.items():
                a('<nvpair id="%s-u-%s" name="%s" value="%s"/>' % (rid, k, k, v))
            a("</utilization>")
        ops = [(k, v) for k, v in kv.items() if k.startswith("op.")]
        if ops:
            a("<operations>")
            for k, v in ops:
                parts = k.split(".")
                opts = dict(x.split("=", 1) for x in v.split())
                attrs = 'name="%s" interval="%s"' % (parts[1], dur(opts.get("interval", "0")))
                if len(parts) > 2:
                    attrs += ' role="%s"' % ROLE[parts[2]]
                if "timeout" in opts:
                    attrs += ' timeout="%s"' % dur(opts["timeout"])
                if "on-fail" in opts:
                    attrs += ' on-fail="%s"' % opts["on-fail"]
                a('<op id="%s-%s" %s/>' % (rid, k.replace(".", "-"), attrs))
            a("</operations>")
        a("</primitive>")

    def group(gid):
        a('<group id="%s">' % gid)
        meta(gid, groups[gid][2])
        for m in groups[gid][2]["resources"].split():
            prim(m)
        a("</group>")

    CLONE = {"max": "clone-max", "per-node": "clone-node-max", "promotable": "promotable",
             "promoted-max": "promoted-max", "promoted-per-node": "promoted-node-max",
             "interleave": "interleave", "unique": "globally-unique", "notify": "notify"}
    for kind, sid, kv in cfg:
        if kind == "resource" and sid not in in_group and sid not in in_clone:
            prim(sid)
        elif kind == "group" and sid not in in_clone:
            group(sid)
        elif kind == "clone":
            a('<clone id="%s">' % sid)
            meta(sid, kv, [(CLONE[k], v) for k, v in kv.items() if k in CLONE])
            child = kv["resource"]
            group(child) if child in groups else prim(child)
            a("</clone>")
    # Fence devices last: allocated after everything else, they do not sway ties.
    for _, fid, kv in fences:
        a('<primitive id="%s" class="stonith" type="fence_dummy">' % fid)
        if "hosts" in kv:
            a('<instance_attributes id="%s-i"><nvpair id="%s-i-h" name="pcmk_host_list" '
              'value=%s/></instance_attributes>' % (fid, fid, q(kv["hosts"])))
        a("</primitive>")
    a("</resources><constraints>")
    for kind, sid, kv in cfg:
        if kind == "location":
            role = ' role="%s"' % ROLE[kv["role"]] if "role" in kv else ""
            if "rule" in kv:
                words = kv["rule"].split()
                joiner = "or" if "or" in words else "and"
                exprs, cur = [], []
                for w in words + [joiner]:
                    if w in ("and", "or"):
                        exprs.append(cur)
                        cur = []
                    else:
                        cur.append(w)
                a('<rsc_location id="%s" rsc="%s"%s><rule id="%s-r" score="%s" boolean-op="%s">'
                  % (sid, kv["resource"], role, sid, score(kv["score"]), joiner))
                for i, e in enumerate(exprs):
                    attr = e[0][5:] if e[0].startswith("attr.") else e[0]
                    if len(e) == 2:
                        a('<expression id="%s-e%d" attribute=%s operation="%s"/>'
                          % (sid, i, q(attr), e[1]))
                    else:
                        typ = "number" if re.fullmatch(r"-?\d+", e[2]) else "string"
                        a('<expression id="%s-e%d" attribute=%s operation="%s" value=%s type="%s"/>'
                          % (sid, i, q(attr), e[1], q(e[2]), typ))
                a("</rule></rsc_location>")
            else:
                a('<rsc_location id="%s" rsc="%s" node=%s score="%s"%s/>'
                  % (sid, kv["resource"], q(kv["node"]), score(kv["score"]), role))
        elif kind == "colocation":
            extra = ""
            if "role" in kv:
                extra += ' rsc-role="%s"' % ROLE[kv["role"]]
            if "with-role" in kv:
                extra += ' with-rsc-role="%s"' % ROLE[kv["with-role"]]
            a('<rsc_colocation id="%s" rsc="%s" with-rsc="%s" score="%s"%s/>'
              % (sid, kv["resource"], kv["with"], score(kv["score"]), extra))
        elif kind == "order":
            extra = ""
            if "first-action" in kv:
                extra += ' first-action="%s"' % kv["first-action"]
            if "then-action" in kv:
                extra += ' then-action="%s"' % kv["then-action"]
            if "symmetrical" in kv:
                extra += ' symmetrical="%s"' % kv["symmetrical"]
            kind_x = {"mandatory": "Mandatory", "optional": "Optional",
                      "serialize": "Serialize"}[kv.get("kind", "mandatory")]
            a('<rsc_order id="%s" first="%s" then="%s" kind="%s"%s/>'
              % (sid, kv["first"], kv["then"], kind_x, extra))
    a("</constraints>")
    defaults = []
    if "default-stickiness" in cl:
        defaults.append(("resource-stickiness", score(cl["default-stickiness"])))
    if "default-migration-threshold" in cl:
        defaults.append(("migration-threshold", score(cl["default-migration-threshold"])))
    if defaults:
        a('<rsc_defaults><meta_attributes id="rd">')
        for k, v in defaults:
            a('<nvpair id="rd-%s" name="%s" value="%s"/>' % (k, k, v))
        a("</meta_attributes></rsc_defaults>")
    a("</configuration><status>")
    call = [10]

    def op(rid, node, operation, rc, interval=0, suffix="last_0"):
        call[0] += 1
        tk = "%d:0:0:00000000-0000-0000-0000-000000000000" % call[0]
        typ = "Stateful" if rid in promotable else "Dummy"
        a('<lrm_rsc_op id="%s_%s" operation_key="%s_%s_%d" operation="%s" crm-debug-origin="x" '
          'crm_feature_set="%s" transition-key="%s" transition-magic="0:%d;%s" exit-reason="" '
          'on_node=%s call-id="%d" rc-code="%d" op-status="0" interval="%d" '
          'last-rc-change="1764064800" exec-time="0" queue-time="0" op-digest="%s"/>'
          % (rid, suffix, rid, operation, interval, operation, FEATURE_SET, tk, rc, tk, q(node),
             call[0], rc, interval, DIGEST))
        return typ

    prims = list(res)
    for _, name, _kv in nodes:
        nid = ids[name]
        state = sst.get(name, {}).get("state", "online")
        attrs = {"online": 'in_ccm="true" crmd="online" join="member" expected="member"',
                 "offline": 'in_ccm="false" crmd="offline" join="down" expected="down"',
                 "unclean": 'in_ccm="false" crmd="offline" join="member" expected="member"',
                 "pending": 'in_ccm="true" crmd="offline" join="pending" expected="member"'}[state]
        a('<node_state id="%s" uname=%s %s crm-debug-origin="x">' % (nid, q(name), attrs))
        tattrs = {k[5:]: v for k, v in sst.get(name, {}).items() if k.startswith("attr.")}
        for rid in prims:
            kv = srs.get(rid, {})
            if "failcount." + name in kv:
                tattrs["fail-count-%s#monitor_10000" % rid] = score(kv["failcount." + name])
                lf = kv.get("last-failure." + name)
                if lf:
                    import calendar
                    import time
                    t = calendar.timegm(time.strptime(lf.rstrip("Z"), "%Y-%m-%dT%H:%M:%S"))
                    tattrs["last-failure-%s#monitor_10000" % rid] = str(t)
        if tattrs:
            a('<transient_attributes id="%s"><instance_attributes id="ta%s">' % (nid, nid))
            for k, v in tattrs.items():
                a('<nvpair id="ta%s-%s" name=%s value=%s/>' % (nid, re.sub(r"[#]", "-", k), q(k), q(v)))
            a("</instance_attributes></transient_attributes>")
        a('<lrm id="%s"><lrm_resources>' % nid)
        for rid in prims:
            kv = srs.get(rid, {})
            # corral: nothing runs on a node that is down cleanly
            if name not in kv.get("active-on", "").split() or state == "offline":
                # corral's status is complete (every node probes every
                # resource when it starts): record "not running" where the
                # node is up, or Pacemaker treats the node as unprobed (it
                # then ignores a promotion score there, for one)
                if state == "online":
                    typ = "Stateful" if rid in promotable else "Dummy"
                    a('<lrm_resource id="%s" type="%s" class="ocf" provider="pacemaker">'
                      % (rid, typ))
                    op(rid, name, "monitor", 7, 0, "last_0")
                    a("</lrm_resource>")
                continue
            typ = "Stateful" if rid in promotable else "Dummy"
            a('<lrm_resource id="%s" type="%s" class="ocf" provider="pacemaker">' % (rid, typ))
            if name in kv.get("stop-failed-on", "").split():
                op(rid, name, "stop", 1)
            elif name in kv.get("promoted-on", "").split():
                op(rid, name, "promote", 0)
            else:
                op(rid, name, "start", 0)
            if name in kv.get("failed-on", "").split():
                iv = 10000
                pmon = res[rid][2].get("op.monitor.promoted")
                if pmon and name in kv.get("promoted-on", "").split():
                    o = dict(x.split("=", 1) for x in pmon.split())
                    m = re.fullmatch(r"(\d+)(ms|s|min|h)?", o.get("interval", "0"))
                    iv = int(m.group(1)) * {"ms": 1, "s": 1000, None: 1000, "min": 60000,
                                            "h": 3600000}[m.group(2)]
                op(rid, name, "monitor", 1, iv, "monitor_%d" % iv)
            a("</lrm_resource>")
        a("</lrm_resources></lrm></node_state>")
    a("</status></cib>")
    now = quorum.get("now")
    return "\n".join(L) + "\n", now


def crm(cib, now):
    with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
        f.write(cib)
        path = f.name
    try:
        cmd = ["crm_simulate", "-x", path, "-S"]
        if now:
            cmd += ["-t", now.replace("T", " ").rstrip("Z")]
        text = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
        xml = subprocess.run(cmd + ["--output-as=xml"], capture_output=True, text=True,
                             timeout=120).stdout
    finally:
        os.unlink(path)
    fence = sorted(set(re.findall(r"\* Fence \((?:reboot|off)\) (\S+)", text)))
    root = ET.fromstring(xml)
    placement, promoted = {}, {}
    for r in root.find("revised_cluster_status").iter("resource"):
        rid = re.sub(r":\d+$", "", r.get("id"))
        placement.setdefault(rid, set())
        role = r.get("role")
        if role in ("Stopped", None) or r.get("failed") == "true" and role == "Stopped":
            continue
        for n in r.findall("node"):
            placement[rid].add(n.get("name"))
            if role in ("Promoted", "Master"):
                promoted.setdefault(rid, set()).add(n.get("name"))
    return ({k: sorted(v) for k, v in placement.items()},
            {k: sorted(v) for k, v in promoted.items()}, fence, text)


def check(d):
    cfg_path = os.path.join(d, "config.ini")
    with open(cfg_path) as f:
        head = f.read(2000)
    m = re.search(r"^# oracle: skip (.*)$", head, re.M)
    if m:
        return "skip", m.group(1)
    exp_path = os.path.join(d, "expected.json")
    if not os.path.exists(exp_path):
        return "skip", "no expected.json (an error case)"
    cfg = read_ini(cfg_path)
    st_path = os.path.join(d, "status.ini")
    st = read_ini(st_path) if os.path.exists(st_path) else []
    cib, now = to_cib(cfg, st)
    pl, pr, fence, text = crm(cib, now)
    exp = json.load(open(exp_path))
    problems = []
    for rid, nodes in exp["placement"].items():
        if pl.get(rid, []) != sorted(nodes):
            problems.append("%s: corral %s, pacemaker %s" % (rid, sorted(nodes), pl.get(rid, [])))
    for rid, nodes in (exp.get("promoted") or {}).items():
        if pr.get(rid, []) != sorted(nodes):
            problems.append("%s promoted: corral %s, pacemaker %s" % (rid, sorted(nodes), pr.get(rid, [])))
    ef = sorted(x["node"] for x in exp.get("fence", []))
    if ef != fence:
        problems.append("fence: corral %s, pacemaker %s" % (ef, fence))
    if problems:
        return "DIFF", "; ".join(problems) + "\n" + text
    return "ok", ""


def main():
    bad = 0
    for d in sys.argv[1:]:
        res, why = check(d.rstrip("/"))
        print("%-5s %s %s" % (res, os.path.basename(d.rstrip("/")), why if res != "DIFF" else ""))
        if res == "DIFF":
            print(why)
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
