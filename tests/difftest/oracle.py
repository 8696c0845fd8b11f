"""Run crm_simulate (the oracle) and corral simulate on the same cluster and
read both placements as {primitive id: sorted node names} plus
{primitive id: sorted promoted node names}."""

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET

CRM_SIMULATE = os.environ.get("CRM_SIMULATE", "crm_simulate")


def _collect(elem, placement, promoted):
    for r in elem.iter("resource"):
        rid = re.sub(r":\d+$", "", r.get("id"))
        placement.setdefault(rid, set())
        promoted.setdefault(rid, set())
        role = r.get("role")
        if role in ("Stopped", None):
            continue
        for n in r.findall("node"):
            placement[rid].add(n.get("name"))
            if role in ("Promoted", "Master"):
                promoted[rid].add(n.get("name"))


def crm_simulate(cib_path, timeout=600):
    """Simulate the transition; return (placement, promoted, raw xml text)."""
    p = subprocess.run([CRM_SIMULATE, "-x", cib_path, "-S", "--output-as=xml"],
                       capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0 or "<revised_cluster_status>" not in p.stdout:
        raise RuntimeError("crm_simulate failed (rc %d): %s" % (p.returncode, p.stderr.strip()[-2000:]))
    root = ET.fromstring(p.stdout)
    placement, promoted = {}, {}
    _collect(root.find("revised_cluster_status"), placement, promoted)
    return ({k: sorted(v) for k, v in placement.items()},
            {k: sorted(v) for k, v in promoted.items() if v}, p.stdout)


def crm_run(cib_path, timeout=600):
    """Schedule only (crm_simulate -R) and derive the resulting placement from
    the current status plus the transition summary's actions: much faster
    than -S on big clusters, which re-writes its CIB for every simulated op.
    Returns (placement, promoted)."""
    p = subprocess.run([CRM_SIMULATE, "-x", cib_path, "-R", "--output-as=xml"],
                       capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0 or "<cluster_status>" not in p.stdout:
        raise RuntimeError("crm_simulate failed (rc %d): %s" % (p.returncode, p.stderr.strip()[-2000:]))
    return placement_from_run(p.stdout)


def _role_after(a, pr, node):
    """A move, restart or recovery keeps the instance's role (`role`) unless
    it names the role it ends in (`next-role`): `Restart ms:1 ( Unpromoted ->
    Promoted n2 )`, `Move ms:0 ( n1 -> n2 Promoted )`."""
    after = a.get("next-role") or a.get("role")
    if after == "Promoted":
        pr.add(node)
    elif a.get("next-role") and a.get("action") != "start":
        pr.discard(node)


def placement_from_run(text):
    root = ET.fromstring(text)
    placement, promoted = {}, {}
    _collect(root.find("cluster_status"), placement, promoted)
    acts = root.find("actions")
    fenced = set()
    # Two passes: every removal first, then every addition, so that
    # instances trading nodes (ms:0 n1 -> n2 while ms:1 n2 -> n3) do not
    # cancel each other out in the per-resource node sets.
    for step in ("remove", "add"):
        for a in (acts if acts is not None else []):
            if a.tag == "node_action":
                # fencing (or a shutdown): nothing runs there afterwards
                fenced.add(a.get("node"))
                continue
            if a.get("blocked") == "true":
                continue  # listed, but cannot happen (e.g. an unrunnable first of an order)
            rid = re.sub(r":\d+$", "", a.get("resource"))
            pl = placement.setdefault(rid, set())
            pr = promoted.setdefault(rid, set())
            act = a.get("action")
            src, dst = a.get("source"), a.get("dest")
            if act not in ("start", "stop", "move", "migrate", "promote", "demote", "recover",
                           "restart", "reload"):
                raise RuntimeError("crm_simulate: unknown action %r" % ET.tostring(a))
            if step == "remove":
                if act == "stop":
                    pl.discard(a.get("node"))
                    pr.discard(a.get("node"))
                elif act in ("move", "migrate"):
                    pl.discard(src)
                    pr.discard(src)
                elif act in ("promote", "demote") and src and dst and src != dst:
                    pl.discard(src)
                    pr.discard(src)
                elif act == "demote":
                    pr.discard(src or a.get("node"))
                elif act in ("recover", "restart", "reload") and dst:
                    n = a.get("node") or src
                    if n:
                        pl.discard(n)
                        pr.discard(n)
                continue
            if act == "start":
                pl.add(a.get("node"))
                _role_after(a, pr, a.get("node"))
            elif act in ("move", "migrate"):
                pl.add(dst)
                _role_after(a, pr, dst)
            elif act == "promote":
                # a promotion of a running instance names its source; one that is
                # started and promoted in the same transition names its dest
                n = dst or src or a.get("node")
                pl.add(n)
                pr.add(n)
            elif act == "demote":
                if dst and src and dst != src:
                    pl.add(dst)
            elif act in ("recover", "restart", "reload"):
                n = dst or a.get("node") or src
                if n:
                    pl.add(n)
                    _role_after(a, pr, n)
    for n in fenced:
        for v in list(placement.values()) + list(promoted.values()):
            v.discard(n)
    return ({k: sorted(v) for k, v in placement.items()},
            {k: sorted(v) for k, v in promoted.items() if v})


def crm_scores(cib_path):
    """The allocation scores text of crm_simulate -R -s (for reports)."""
    p = subprocess.run([CRM_SIMULATE, "-x", cib_path, "-R", "-s"],
                       capture_output=True, text=True, timeout=600)
    return p.stdout


def corral_simulate(corral, config_path, state_path, timeout=600):
    """Return (placement, promoted, json object) or raise RuntimeError."""
    cmd = [corral, "simulate", "--config", config_path, "--json"]
    if state_path:
        cmd += ["--state", state_path]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("corral simulate failed (rc %d): %s" % (p.returncode, p.stderr.strip()[-2000:]))
    obj = json.loads(p.stdout)
    placement = {k: sorted(v) for k, v in obj.get("placement", {}).items()}
    promoted = {k: sorted(v) for k, v in (obj.get("promoted") or {}).items() if v}
    return placement, promoted, obj
