#!/usr/bin/env python3
"""Time corral simulate against crm_simulate -R on the same generated clusters.

    run.py [--quick] [--nodes 3,16] [--resources 100,1000] [--scenarios fresh,steady,lost]
           [--runs 3] [--cap 300] [--corral PATH] [--no-crm] [--out DIR]

For every grid point the cluster is generated (gen.py) as corral INI + status
and as a Pacemaker CIB; each tool runs --runs times (best of), in the same
run; wall time, CPU time (user+sys) and peak RSS come from wait4(). crm_simulate
runs with -R (schedule only, the same work as corral simulate) and is killed
at --cap seconds ("> CAP s"). A crm_simulate run longer than --once seconds
is not repeated (best of 1, marked "*").

steady = the placement the cluster settles on: taken from crm_simulate's
fresh result (its transition applied to the empty state), or from corral's
when crm_simulate did not finish. lost = steady with n1 offline.

Results accumulate in OUT/results.json (crm_simulate figures are reused from
there by later runs with --reuse-crm, since they do not depend on corral);
a markdown table is printed at the end.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "difftest"))
import gen  # noqa: E402
import oracle  # noqa: E402


TIME = "/usr/bin/time"


def measure(cmd, cap, stdout_path=None):
    """Run cmd; return dict(wall, cpu, rss_kb, rc, timed_out).

    CPU time and peak RSS come from GNU time (-f), not from our own wait4():
    a child forked from this (big) Python process inherits its RSS high-water
    mark across exec, which would inflate small figures."""
    out = open(stdout_path, "w") if stdout_path else subprocess.DEVNULL
    tf = "%s.time.%d" % (stdout_path or "/tmp/bench", os.getpid())
    t0 = time.monotonic()
    p = subprocess.Popen([TIME, "-o", tf, "-f", "%U %S %M"] + cmd, stdout=out,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    timed_out = []

    seen = {}

    def kill():
        timed_out.append(True)
        seen.update(peek_child(p.pid))
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(cap, kill)
    timer.start()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    timer.cancel()
    rc = os.waitstatus_to_exitcode(status)
    if timed_out:
        if stdout_path:
            out.close()
        if os.path.exists(tf):
            os.unlink(tf)
        return {"wall": wall, "cpu": seen.get("cpu", 0.0), "rss_kb": seen.get("rss_kb", 0),
                "rc": rc, "timed_out": True}
    if stdout_path:
        out.close()
    cpu, rss = ru.ru_utime + ru.ru_stime, 0
    try:
        with open(tf) as f:
            last = f.read().strip().splitlines()[-1].split()
        cpu, rss = float(last[0]) + float(last[1]), int(last[2])
    except (OSError, IndexError, ValueError):
        pass  # killed at the cap: time wrote nothing; keep the rusage figure
    finally:
        if os.path.exists(tf):
            os.unlink(tf)
    return {"wall": wall, "cpu": cpu, "rss_kb": rss, "rc": rc, "timed_out": bool(timed_out)}


def peek_child(pid):
    """CPU seconds and peak RSS so far of the program that GNU time runs."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            kid = int(f.read().split()[0])
        with open("/proc/%d/stat" % kid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        cpu = (int(fields[11]) + int(fields[12])) / tick
        rss = 0
        with open("/proc/%d/status" % kid) as f:
            for ln in f:
                if ln.startswith("VmHWM:"):
                    rss = int(ln.split()[1])
        return {"cpu": cpu, "rss_kb": rss}
    except (OSError, IndexError, ValueError):
        return {}


def best_of(cmd, runs, cap, once, stdout_path=None):
    results = []
    for i in range(runs):
        r = measure(cmd, cap, stdout_path if i == 0 else None)
        results.append(r)
        if r["timed_out"] or r["rc"] != 0 or r["wall"] > once:
            break
    ok = [r for r in results if not r["timed_out"] and r["rc"] == 0]
    if not ok:
        r = results[0]
        return {"ok": False, "timed_out": r["timed_out"], "rc": r["rc"], "runs": len(results),
                "wall": r["wall"], "cpu": r["cpu"], "rss_kb": r["rss_kb"]}
    return {"ok": True, "runs": len(results),
            "wall": min(r["wall"] for r in ok), "cpu": min(r["cpu"] for r in ok),
            "rss_kb": min(r["rss_kb"] for r in ok)}


def key(m, n, sc, seed):
    return "%d/%d/%s/%d" % (m, n, sc, seed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n", 1)[1])
    ap.add_argument("--quick", action="store_true",
                    help="nodes 3,16 x resources 100,1000, one run each")
    ap.add_argument("--nodes", default="3,16,32,100")
    ap.add_argument("--resources", default="100,1000,10000")
    ap.add_argument("--scenarios", default="fresh,steady,lost")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cap", type=float, default=300.0)
    ap.add_argument("--once", type=float, default=60.0,
                    help="do not repeat a crm_simulate run longer than this (s)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--corral", default=os.environ.get("CORRAL", os.path.join(ROOT, "build", "bin", "corral")))
    ap.add_argument("--no-crm", action="store_true", help="time corral only")
    ap.add_argument("--no-corral", action="store_true", help="time crm_simulate only")
    ap.add_argument("--reuse-crm", action="store_true",
                    help="take crm_simulate figures from OUT/results.json when present")
    ap.add_argument("--table-only", action="store_true",
                    help="print the table of OUT/results.json for the grid, run nothing")
    ap.add_argument("--keep-files", action="store_true",
                    help="reuse the cluster files an earlier run generated (same seed)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "out"))
    a = ap.parse_args()
    if a.quick:
        a.nodes, a.resources, a.runs = "3,16", "100,1000", 1
    nodes = [int(x) for x in a.nodes.split(",")]
    resources = [int(x) for x in a.resources.split(",")]
    scenarios = a.scenarios.split(",")
    os.makedirs(a.out, exist_ok=True)
    res_path = os.path.join(a.out, "results.json")
    results = {}
    if os.path.exists(res_path):
        with open(res_path) as f:
            results = json.load(f)
    have_corral = not a.no_corral and os.access(a.corral, os.X_OK)
    if not have_corral and not a.no_corral:
        print("bench: no corral at %s: timing crm_simulate only" % a.corral, file=sys.stderr)

    def save():
        # merge with what another run may have written meanwhile
        merged = {}
        if os.path.exists(res_path):
            with open(res_path) as f:
                merged = json.load(f)
        for k, v in results.items():
            merged.setdefault(k, {}).update(v)
        tmp = res_path + ".tmp.%d" % os.getpid()
        with open(tmp, "w") as f:
            json.dump(merged, f, indent=1, sort_keys=True)
        os.replace(tmp, res_path)

    rows = []
    if a.table_only:
        for n in resources:
            for m in nodes:
                for sc in scenarios:
                    r = results.get(key(m, n, sc, a.seed))
                    if r:
                        rows.append((m, n, sc, r))
        print(table(rows, a.cap))
        return 0
    for n in resources:
        for m in nodes:
            cl = gen.build(m, n, a.seed)  # cheap next to writing the files
            base = os.path.join(a.out, "m%d-n%d" % (m, n))
            placement = None
            for sc in scenarios:
                d = os.path.join(base, sc)
                if a.keep_files and os.path.exists(os.path.join(d, "cib.xml")):
                    pass  # generated by an earlier run with the same seed
                elif sc == "fresh":
                    gen.write(cl, d, False)
                else:
                    if placement is None:
                        placement = settle(cl, base, a, have_corral)
                    c2 = gen.build(m, n, a.seed)
                    gen.apply_placement(c2, placement)
                    if sc == "lost":
                        c2.nodes[0].state = "offline"
                        for s in c2.status.values():
                            s.active_on = [x for x in s.active_on if x != c2.nodes[0].name]
                    gen.write(c2, d, True)
                k = key(m, n, sc, a.seed)
                r = results.get(k, {})
                if not a.no_crm and not (a.reuse_crm and "crm" in r):
                    print("bench: crm_simulate -R  %s ..." % k, file=sys.stderr, flush=True)
                    r["crm"] = best_of(["crm_simulate", "-x", os.path.join(d, "cib.xml"), "-R",
                                        "--output-as=xml"], a.runs, a.cap, a.once,
                                       os.path.join(d, "crm-out.xml"))
                    r["crm"]["when"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                if have_corral:
                    print("bench: corral simulate  %s ..." % k, file=sys.stderr, flush=True)
                    cmd = [a.corral, "simulate", "--config", os.path.join(d, "cluster.ini"), "--json"]
                    if sc != "fresh":
                        cmd += ["--state", os.path.join(d, "state.ini")]
                    r["corral"] = best_of(cmd, max(a.runs, 3), a.cap, 1e9,
                                          os.path.join(d, "corral-out.json"))
                    r["corral"]["when"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                results[k] = r
                save()
                rows.append((m, n, sc, r))
                print(fmt_row(m, n, sc, r, a.cap), flush=True)
    print()
    print(table(rows, a.cap))
    return 0


def settle(cl, base, a, have_corral):
    """The placement a fresh cluster settles on (crm_simulate's, else corral's)."""
    path = os.path.join(base, "settled.json")
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    fresh = os.path.join(base, "fresh")
    if not os.path.exists(os.path.join(fresh, "cib.xml")):
        gen.write(cl, fresh, False)
    placement = None
    out = os.path.join(fresh, "crm-out.xml")
    if os.path.exists(out) and os.path.getsize(out) > 0:
        try:
            with open(out) as f:
                placement = oracle.placement_from_run(f.read())[0]
        except Exception:  # noqa: BLE001 - an unfinished run: fall back below
            placement = None
    # crm_simulate already ran on the fresh cluster in this run (and did not
    # finish within the cap): do not spend the cap a second time
    if placement is None and not a.no_crm and not os.path.exists(out):
        r = measure(["crm_simulate", "-x", os.path.join(fresh, "cib.xml"), "-R", "--output-as=xml"],
                    a.cap, out)
        if r["rc"] == 0 and not r["timed_out"]:
            with open(out) as f:
                placement = oracle.placement_from_run(f.read())[0]
    if placement is None and have_corral:
        placement = oracle.corral_simulate(a.corral, os.path.join(fresh, "cluster.ini"), None)[0]
    if placement is None:
        raise SystemExit("bench: cannot settle %s: crm_simulate did not finish and no corral" % base)
    with open(path, "w") as f:
        json.dump(placement, f)
    return placement


def fig(r, cap):
    if r is None:
        return ("-", "-", "-")
    if not r["ok"]:
        if r.get("timed_out"):
            return ("> %d s" % cap, "≥ %.0f s" % r["cpu"] if r["cpu"] else "-",
                    "≥ %.0f MB" % (r["rss_kb"] / 1024.0) if r["rss_kb"] else "-")
        return ("failed (rc %d)" % r["rc"], "-", "-")
    star = "*" if r["runs"] == 1 else ""
    return ("%.3f s%s" % (r["wall"], star), "%.3f s" % r["cpu"], "%.0f MB" % (r["rss_kb"] / 1024.0))


def ratio(r, x, field):
    """crm_simulate's figure over corral's (GNU time counts CPU in 10 ms steps:
    a corral figure under that is taken as 10 ms and the ratio marked ≥)."""
    if not r or not x or not x["ok"]:
        return "-"
    floor = {"cpu": 0.01, "wall": 1e-3, "rss_kb": 1}[field]
    mark = "≥ " if x[field] < floor else ""
    if not r["ok"]:
        if r.get("timed_out") and field == "wall":
            return "> %.0f×" % (r["wall"] / max(x["wall"], floor))
        return "-"
    return "%s%.0f×" % (mark, r[field] / max(x[field], floor))


def fmt_row(m, n, sc, r, cap):
    c, x = r.get("crm"), r.get("corral")
    return "| %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        (m, n, sc) + fig(c, cap) + fig(x, cap)
        + (ratio(c, x, "wall"), ratio(c, x, "cpu"), ratio(c, x, "rss_kb")))


def table(rows, cap):
    h = ("| nodes | resources | scenario | crm_simulate -R wall | crm cpu | crm peak RSS "
         "| corral wall | corral cpu | corral peak RSS | wall ratio | cpu ratio | RSS ratio |\n"
         "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    return "\n".join([h] + [fmt_row(m, n, sc, r, cap) for (m, n, sc, r) in rows])


if __name__ == "__main__":
    sys.exit(main())
