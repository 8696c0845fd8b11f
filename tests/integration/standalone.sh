#!/bin/bash
# corrald --standalone end to end, driven only through `corral`:
# resources come up; a killed service is restarted and its failcount shows;
# past migration-threshold it stays stopped; cleanup brings it back; a bad
# push is refused with its line and the old config keeps running; a restart
# of corrald starts nothing twice; stopping corrald stops everything in
# reverse order.
set -u
BIN=${CORRAL_BIN:?}
SRC=${CORRAL_SOURCE_DIR:?}
T=$(mktemp -d /tmp/corral-it-XXXXXX)
chmod 755 "$T"
export CORRAL_IPC_NAME="corral-it-$$"
export OCF_ROOT="$SRC/tests/integration/ocf"
PASS=0
FAIL=0
DPID=

cleanup() {
    [ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
    # Anything our resources started.
    [ -f "$T/svc.pid" ] && kill -9 "$(cat "$T/svc.pid")" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

corral() { "$BIN/corral" "$@"; }
json() { corral status --json; }
# jq-free JSON queries through python3.
q() { json | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

start_daemon() {
    "$BIN/corrald" --standalone --node it1 --config "$T/cluster.ini" --state-dir "$T/state" \
        --foreground --log-file "$T/corrald.log" --verbose &
    DPID=$!
    for _ in $(seq 100); do corral status >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "corrald did not come up:"; cat "$T/corrald.log"; exit 1
}

stop_daemon() {
    kill -TERM "$DPID"
    for _ in $(seq 300); do kill -0 "$DPID" 2>/dev/null || { wait "$DPID"; DPID=; return 0; }; sleep 0.1; done
    bad "corrald stopped within 30 s"; kill -9 "$DPID"; DPID=
}

# A long-lived service (the process agent) with a fast monitor, and a
# group of loggers whose starts and stops land in $T/events.
cat > "$T/svc.sh" <<SH
#!/bin/sh
echo \$\$ > $T/svc.pid
exec sleep 100000
SH
chmod +x "$T/svc.sh"
cat > "$T/cluster.ini" <<INI
[cluster]
name = it
stonith-enabled = false

[node it1]

[resource svc]
agent = process
param.command = $T/svc.sh
op.monitor = interval=1s timeout=5s
migration-threshold = 2

[resource a]
agent = ocf:corraltest:Logger
param.log = $T/events
param.state = $T/a.state

[resource b]
agent = ocf:corraltest:Logger
param.log = $T/events
param.state = $T/b.state

[resource c]
agent = ocf:corraltest:Logger
param.log = $T/events
param.state = $T/c.state

[group abc]
resources = a b c
INI

start_daemon
corral wait --timeout 60s >/dev/null 2>&1
check "the resources come up" test "$(q "[r['role'] for r in d['resources']]")" = "['started', 'started', 'started', 'started']"
check "the group started in order" test "$(awk '{print $2 $3}' "$T/events" | tr '\n' ' ')" = "starta startb startc "
PID1=$(cat "$T/svc.pid")

# 1. a killed service is restarted and its failcount shows
kill -9 "$PID1"
for _ in $(seq 100); do [ "$(cat "$T/svc.pid")" != "$PID1" ] && break; sleep 0.1; done
corral wait --timeout 30s >/dev/null 2>&1
PID2=$(cat "$T/svc.pid")
check "a killed service is started again" test "$PID2" != "$PID1" -a -d "/proc/$PID2"
check "its failcount shows 1" test "$(q "d['resources'][0]['failcount']")" = "{'it1': 1}"
corral status | grep -q "svc on it1: failcount 1" && ok "status text shows the failure" || bad "status text shows the failure"

# 1b. the HTML page: self-contained, grouped as configured, with the failure
corral status --output html > "$T/status.html"
python3 - "$T/status.html" > "$T/html.out" 2>&1 <<'PY'
import sys
from html.parser import HTMLParser
text = open(sys.argv[1]).read()
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []; self.data = []; self.bad = []
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("src", "href") or (v and "url(" in v):
                self.bad.append("external asset: %s=%s" % (k, v))
        if tag not in ("meta", "br", "link", "img"): self.stack.append(tag)
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.bad.append("unbalanced </%s> (open: %s)" % (tag, self.stack[-3:]))
        else: self.stack.pop()
    def handle_data(self, d): self.data.append(d)
p = P(); p.feed(text)
words = " ".join(" ".join(p.data).split())
for want in ("group abc", "Failures", "svc it1 1", "viewport"):
    if want not in words and want not in text: p.bad.append("missing: " + want)
if "<link" in text or "<script" in text: p.bad.append("external or script content")
print("\n".join(p.bad) or "fine")
PY
check "status --output html is self-contained, grouped, and shows the failure ($(head -n 3 "$T/html.out" | tr '\n' ';'))" test "$(cat "$T/html.out")" = fine

# 2. past migration-threshold it stays stopped
kill -9 "$PID2"
sleep 3
corral wait --timeout 30s >/dev/null 2>&1
check "past migration-threshold it stays stopped" test "$(q "d['resources'][0]['role']")" = "stopped"
corral resource why svc > "$T/why" 2>&1
grep -q "migration-threshold" "$T/why" && ok "why names the threshold" || { bad "why names the threshold"; cat "$T/why"; }

# 3. cleanup brings it back
corral resource cleanup svc >/dev/null
sleep 1
corral wait --timeout 30s >/dev/null 2>&1
check "cleanup brings it back" test "$(q "d['resources'][0]['role']")" = "started"
check "cleanup cleared the failcount" test "$(q "d['resources'][0]['failcount']")" = "{}"

# 4. a bad push is refused with its line, the old config keeps running
EPOCH=$(q "d['config']['epoch']")
sed 's/^migration-threshold = 2/migration-threshold = lots/' "$T/cluster.ini" > "$T/bad.ini"
corral config push "$T/bad.ini" > "$T/push.out" 2>&1
RC=$?
check "a bad push exits 2" test "$RC" = 2
grep -q "bad.ini:11:" "$T/push.out" && ok "the error names the line" || { bad "the error names the line"; cat "$T/push.out"; }
check "the epoch is unchanged" test "$(q "d['config']['epoch']")" = "$EPOCH"
check "everything still runs" test "$(q "[r['role'] for r in d['resources']]")" = "['started', 'started', 'started', 'started']"

# 5. a good push changes only what it changes
PIDS=$(cat "$T/svc.pid")
sed 's/^op.monitor = interval=1s timeout=5s/op.monitor = interval=2s timeout=5s/' "$T/cluster.ini" > "$T/good.ini"
corral config push "$T/good.ini" >/dev/null 2>&1
corral wait --timeout 30s >/dev/null 2>&1
check "a good push raises the epoch" test "$(q "d['config']['epoch']")" = "$((EPOCH + 1))"
check "the loggers were not restarted" test "$(wc -l < "$T/events")" = 3
check "a changed monitor interval restarts nothing (svc keeps pid $PIDS)" test "$(cat "$T/svc.pid")" = "$PIDS"

# 5b. changing a group member restarts it and the members after it, in order
sed "s|^param.state = $T/b.state\$|param.state = $T/b2.state|" "$T/good.ini" > "$T/b.ini"
corral config diff "$T/b.ini" > "$T/diff.out" 2>&1
grep -q "restart  c (depends on a restarted one)" "$T/diff.out" && ok "config diff names the member restarting with b" || { bad "config diff names the member restarting with b"; cat "$T/diff.out"; }
corral config push "$T/b.ini" >/dev/null 2>&1
corral wait --timeout 30s >/dev/null 2>&1
check "b and c restarted in group order, a did not" test "$(tail -n +4 "$T/events" | awk '{print $2 $3}' | tr '\n' ' ')" = "stopc stopb startb startc "

# 5c. simulate --live: the running cluster as input, changing nothing
corral simulate --live > "$T/live.out" 2>&1
grep -q "svc .*Started .*it1" "$T/live.out" && ! grep -q "\* Start\|\* Stop\|\* Restart\|\* Move" "$T/live.out" && ok "simulate --live: everything stays where it runs" || { bad "simulate --live: everything stays where it runs"; cat "$T/live.out"; }
grep -v '^\[resource svc\]' "$T/b.ini" | sed '/^agent = process$/,/^migration-threshold = 2$/d' > "$T/whatif.ini"
E2=$(q "d['config']['epoch']")
corral simulate --live --config "$T/whatif.ini" > "$T/whatif.out" 2>&1
grep -q "Resource svc is not in this configuration: corrald would stop it on it1" "$T/whatif.out" && ok "simulate --live with a what-if config says what it would stop" || { bad "simulate --live with a what-if config says what it would stop"; cat "$T/whatif.out"; }
check "simulate --live changed nothing" test "$(q "d['config']['epoch']")" = "$E2" -a "$(q "d['resources'][0]['role']")" = "started"

# 5d. SIGHUP pushes the --config file after verifying it; a broken one changes nothing
E3=$(q "d['config']['epoch']")
cp "$T/b.ini" "$T/cluster.ini.new" && mv "$T/cluster.ini.new" "$T/cluster.ini"
sed -i 's/^op.monitor = interval=2s timeout=5s$/op.monitor = interval=3s timeout=5s/' "$T/cluster.ini"
kill -HUP "$DPID"
for _ in $(seq 100); do [ "$(q "d['config']['epoch']")" = "$((E3 + 1))" ] && break; sleep 0.1; done
check "SIGHUP pushed the edited --config file (epoch $E3 -> $((E3 + 1)))" test "$(q "d['config']['epoch']")" = "$((E3 + 1))"
corral config show | grep -q "interval=3s" && ok "the pushed file is the active config" || bad "the pushed file is the active config"
sed -i 's/^migration-threshold = 2$/migration-threshold = lots/' "$T/cluster.ini"
kill -HUP "$DPID"
sleep 1
check "SIGHUP with a broken file changes nothing" test "$(q "d['config']['epoch']")" = "$((E3 + 1))"
grep -q "cluster.ini:11:" "$T/corrald.log" && ok "the log names the broken line" || bad "the log names the broken line"
sed -i 's/^migration-threshold = lots$/migration-threshold = 2/' "$T/cluster.ini"
corral wait --timeout 30s >/dev/null 2>&1
# The monitor set up again at its new interval still watches svc.
corral resource cleanup svc >/dev/null; corral wait --timeout 30s >/dev/null 2>&1
PIDH=$(cat "$T/svc.pid"); kill -9 "$PIDH"
for _ in $(seq 100); do [ "$(cat "$T/svc.pid" 2>/dev/null)" != "$PIDH" ] && break; sleep 0.1; done
corral wait --timeout 30s >/dev/null 2>&1
check "after the interval change the monitor still finds a dead svc and it restarts" test "$(cat "$T/svc.pid")" != "$PIDH" -a -d "/proc/$(cat "$T/svc.pid")"

# 5e. who may talk to corrald: root and the haclient group; nobody else
if getent group haclient >/dev/null && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
    cp "$BIN/corral" "$T/corral-copy" && chmod 755 "$T/corral-copy"
    as() { setpriv --reuid=nobody --regid="$1" --clear-groups env CORRAL_IPC_NAME="$CORRAL_IPC_NAME" "$T/corral-copy" "${@:2}"; }
    as nogroup status > "$T/acl.out" 2>&1
    RC=$?
    check "a user outside haclient is refused (rc $RC: $(head -n 1 "$T/acl.out"))" test "$RC" != 0
    as haclient status > "$T/acl.out" 2>&1
    check "a haclient member reads the status" grep -q "Cluster it" "$T/acl.out"
else
    echo "# SKIP: the IPC access checks need the haclient group, the nobody user and setpriv"
fi

# 6. restarting corrald starts nothing twice
PID3=$(cat "$T/svc.pid")
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
start_daemon
corral wait --timeout 60s >/dev/null 2>&1
check "after a restart the service keeps its pid" test "$(cat "$T/svc.pid")" = "$PID3"
check "after a restart nothing started twice" test "$(wc -l < "$T/events")" = 7
check "after a restart everything runs" test "$(q "[r['role'] for r in d['resources']]")" = "['started', 'started', 'started', 'started']"

# 7. stopping corrald stops everything, the group in reverse order
stop_daemon
check "the group stopped in reverse order" test "$(tail -n 3 "$T/events" | awk '{print $2 $3}' | tr '\n' ' ')" = "stopc stopb stopa "
gone() { [ ! -d "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }  # a zombie is gone too
check "the service is gone" gone "$PID3"

# 8. `corral wait --timeout` answers at its deadline even while nothing happens
cat > "$T/slow.ini" <<INI
[cluster]
name = it-slow
stonith-enabled = false

[node it1]

[resource slow]
agent = dummy
param.state = $T/slow.state
param.start-delay = 30s
op.start = timeout=60s
INI
"$BIN/corrald" --standalone --node it1 --config "$T/slow.ini" --state-dir "$T/state-slow" \
    --foreground --log-file "$T/corrald-slow.log" &
DPID=$!
for _ in $(seq 100); do corral status >/dev/null 2>&1 && break; sleep 0.1; done
sleep 1
timeout 20 "$BIN/corral" wait --timeout 1s > "$T/wait.out" 2>&1
RC=$?
check "wait --timeout 1s gives up while a 30 s start runs (rc $RC)" test "$RC" = 1
grep -q "timed out" "$T/wait.out" && ok "wait says it timed out" || { bad "wait says it timed out"; cat "$T/wait.out"; }
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ] || { echo "--- corrald log"; tail -n 80 "$T/corrald.log"; exit 1; }
