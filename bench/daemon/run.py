#!/usr/bin/env python3
"""corrald --standalone: startup, failure detection and recovery, memory.

    run.py [--bin build/bin] [--runs 10] [--interval 2] [--resources 1000] [--quick]

Three figures (issue 6), each measured on a fresh temp state directory:

1. startup: from exec of `corrald --standalone` on etc/demo.ini to every
   demo resource running (polled through `corral status --json` every 20 ms),
   median of --runs/2 runs; the same for a one-resource config, which shows
   the daemon's own part.
2. recovery: a service (bench/daemon's OCF agent corralbench:Svc, 50 ms
   start) monitored every --interval seconds is killed with SIGKILL at a
   random point of the interval, --runs times. The agent logs when each
   action begins and ends, so each recovery splits into
     detection = failed monitor - kill          (goal: <= interval + 100 ms)
     overhead  = start end - failed monitor - the agent's own stop and start
                 time                            (goal: < 50 ms)
3. memory: VmRSS and VmHWM of corrald with --resources `dummy` resources,
   each monitored every 10 s, once all run (goal: RSS < 20 MB).
"""

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))


class Daemon:
    def __init__(self, args, tmp, config, name, node="bench"):
        self.args = args
        self.env = dict(os.environ)
        self.env["CORRAL_IPC_NAME"] = "corral-bench-%d-%s" % (os.getpid(), name)
        self.env["OCF_ROOT"] = os.path.join(HERE, "ocf")
        self.env.setdefault("CORRAL_PLUGIN_PATH", os.path.join(args.build, "lib", "corral"))
        self.env.setdefault("CORRAL_LUA_PATH", os.path.join(SRC, "lua-agents"))
        self.state = os.path.join(tmp, "state-" + name)
        self.log = os.path.join(tmp, "corrald-%s.log" % name)
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [os.path.join(args.bin, "corrald"), "--standalone", "--node", node,
             "--config", config, "--state-dir", self.state, "--foreground",
             "--log-file", self.log], env=self.env)

    def corral(self, *argv):
        r = subprocess.run([os.path.join(self.args.bin, "corral")] + list(argv), env=self.env,
                           capture_output=True, text=True)
        return r.returncode, r.stdout

    def status(self):
        rc, out = self.corral("status", "--json")
        if rc != 0:
            return None
        try:
            return json.loads(out)
        except ValueError:
            return None

    def wait_all_started(self, timeout=120, poll=0.02):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("corrald exited (%s) before its resources ran (see %s)"
                                   % (self.proc.returncode, self.log))
            d = self.status()
            if d and d["resources"] and all(r["role"] == "started" for r in d["resources"]):
                return time.monotonic() - self.t0
            time.sleep(poll)
        raise RuntimeError("resources did not all start within %d s (see %s)" % (timeout, self.log))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def mem_kb(self):
        """VmRSS/VmHWM of corrald, and VmRSS of its fork server (a child named corral-forksrv)."""
        out = {"forksrv": 0}
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    out[k] = int(v.split()[0])
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open("/proc/%s/status" % pid) as f:
                    st = dict(line.split(":", 1) for line in f if ":" in line)
            except OSError:
                continue
            if st.get("Name", "").strip().startswith("corral-forksr") and \
                    int(st.get("PPid", "0")) == self.proc.pid:
                out["forksrv"] += int(st.get("VmRSS", "0 kB").split()[0])
        return out


def fmt_ms(xs):
    xs = sorted(xs)
    return "median %.0f ms (%.0f–%.0f, n=%d)" % (statistics.median(xs) * 1000, xs[0] * 1000,
                                                xs[-1] * 1000, len(xs))


def startup(args, tmp):
    demo = os.path.join(SRC, "etc", "demo.ini")
    one = os.path.join(tmp, "one.ini")
    with open(one, "w") as f:
        f.write("[cluster]\nname = bench\nstonith-enabled = false\n\n[node bench]\n\n"
                "[resource svc]\nagent = ocf:corralbench:Svc\nparam.dir = %s\n"
                "op.monitor = interval=10s\n" % tmp)
    res = {}
    for name, cfg in (("demo", demo), ("one", one)):
        times = []
        for i in range(max(1, args.runs // 2)):
            d = Daemon(args, tmp, cfg, "%s%d" % (name, i), "demo" if name == "demo" else "bench")
            try:
                times.append(d.wait_all_started())
            finally:
                d.stop()
        res[name] = times
    print("startup to every resource running:")
    print("  etc/demo.ini (address, web server with a 2 s start-wait, Lua check, marker): %s"
          % fmt_ms(res["demo"]))
    print("  one OCF resource with a 50 ms start: %s" % fmt_ms(res["one"]))
    return res


def read_events(path):
    ev = []
    try:
        with open(path) as f:
            for line in f:
                t, what, _ = line.split()
                ev.append((float(t), what))
    except FileNotFoundError:
        pass
    return ev


def recovery(args, tmp):
    d_dir = os.path.join(tmp, "svc")
    os.makedirs(d_dir)
    cfg = os.path.join(tmp, "svc.ini")
    with open(cfg, "w") as f:
        f.write("[cluster]\nname = bench\nstonith-enabled = false\n\n[node bench]\n\n"
                "[resource svc]\nagent = ocf:corralbench:Svc\nparam.dir = %s\n"
                "op.monitor = interval=%ds timeout=10s\nmigration-threshold = 0\n"
                % (d_dir, args.interval))
    d = Daemon(args, tmp, cfg, "svc")
    pidf = os.path.join(d_dir, "svc.pid")
    events = os.path.join(d_dir, "events")
    detect, overhead, total = [], [], []
    try:
        d.wait_all_started()
        for _ in range(args.runs):
            time.sleep(random.uniform(0.5, args.interval + 0.5))  # a random phase
            with open(pidf) as f:
                pid = int(f.read())
            n0 = len(read_events(events))
            t_kill = time.time()
            os.kill(pid, signal.SIGKILL)
            end = time.monotonic() + args.interval + 30
            ev = []
            while time.monotonic() < end:
                ev = read_events(events)[n0:]
                if any(w == "start-end" for _, w in ev):
                    break
                time.sleep(0.01)
            at = {}
            for t, w in ev:
                at.setdefault(w, t)
            if not all(k in at for k in ("monitor-failed", "stop-begin", "stop-end",
                                         "start-begin", "start-end")):
                raise RuntimeError("incomplete recovery: %s (see %s)" % (ev, d.log))
            agent = (at["stop-end"] - at["stop-begin"]) + (at["start-end"] - at["start-begin"])
            detect.append(at["monitor-failed"] - t_kill)
            overhead.append(at["start-end"] - at["monitor-failed"] - agent)
            total.append(at["start-end"] - t_kill)
            d.wait_all_started()
    finally:
        d.stop()
    print("recovery of a killed service, monitor interval %d s, %d kills at random phases:"
          % (args.interval, args.runs))
    print("  detection (kill to failed monitor): %s; goal <= %d ms" %
          (fmt_ms(detect), args.interval * 1000 + 100))
    print("  corrald's overhead (failed monitor to started, minus the agent's own stop+start): "
          "%s; goal < 50 ms" % fmt_ms(overhead))
    print("  kill to running again: %s" % fmt_ms(total))
    return detect, overhead


def memory(args, tmp):
    cfg = os.path.join(tmp, "many.ini")
    with open(cfg, "w") as f:
        f.write("[cluster]\nname = bench\nstonith-enabled = false\n\n[node bench]\n\n")
        for i in range(args.resources):
            f.write("[resource d%d]\nagent = dummy\nparam.state = %s/d%d.state\n"
                    "op.monitor = interval=10s\n\n" % (i, tmp, i))
    d = Daemon(args, tmp, cfg, "many")
    try:
        t = d.wait_all_started(timeout=600, poll=0.5)
        time.sleep(2)
        m = d.mem_kb()
    finally:
        d.stop()
    print("memory with %d dummy resources (all started in %.1f s): corrald VmRSS %.1f MB (peak "
          "VmHWM %.1f MB) + its fork server %.1f MB = %.1f MB; goal RSS < 20 MB"
          % (args.resources, t, m["VmRSS"] / 1024, m["VmHWM"] / 1024, m["forksrv"] / 1024,
             (m["VmRSS"] + m["forksrv"]) / 1024))
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    ap.add_argument("--bin", default=None)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--interval", type=int, default=2)
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="3 runs, 100 resources")
    ap.add_argument("--only", choices=("startup", "recovery", "memory"))
    args = ap.parse_args()
    if args.bin is None:
        args.bin = os.path.join(args.build, "bin")
    if args.quick:
        args.runs, args.resources = 3, 100
    print("# bench/daemon  %s  load: %s" % (time.strftime("%Y-%m-%d %H:%M:%S"),
                                           open("/proc/loadavg").read().split()[:3]))
    tmp = tempfile.mkdtemp(prefix="corral-bench-daemon-")
    os.chmod(tmp, 0o755)
    try:
        if args.only in (None, "startup"):
            startup(args, tmp)
        if args.only in (None, "recovery"):
            recovery(args, tmp)
        if args.only in (None, "memory"):
            memory(args, tmp)
    finally:
        if os.environ.get("BENCH_KEEP"): print("kept", tmp)
        else: shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
