#!/bin/bash
# The README's demo (etc/demo.ini) as a user meets it, driven only through
# `corral`: everything comes up, the site answers, the ping clone sets
# pingd; a killed web server is restarted by its monitor and its failcount
# shows; stopping corrald stops everything and removes the address.
# Needs root (the demo adds an address to lo); skips, saying why, otherwise.
set -u
BIN=${CORRAL_BIN:?}
SRC=${CORRAL_SOURCE_DIR:?}
[ "$(id -u)" = 0 ] || { echo "SKIP: the demo adds an address to lo: needs root"; exit 0; }
T=$(mktemp -d /tmp/corral-demo-XXXXXX)
export CORRAL_IPC_NAME="corral-demo-it-$$"
PASS=0 FAIL=0 DPID=
cleanup() { [ -n "${KEEPLOG:-}" ] && cp "$T/corrald.log" "/tmp/demo-it-$$.log"; [ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null; pkill -f "http.server 8089 --bind 198.18.0.10"; ip addr del 198.18.0.10/32 dev lo 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
corral() { "$BIN/corral" "$@"; }
q() { corral status --json | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
site() { python3 -c "import urllib.request; urllib.request.urlopen('http://198.18.0.10:8089/', timeout=3)" 2>/dev/null; }

"$BIN/corrald" --standalone --node demo --config "$SRC/etc/demo.ini" --state-dir "$T/state" \
    --foreground --log-file "$T/corrald.log" &
DPID=$!
for _ in $(seq 100); do corral status >/dev/null 2>&1 && break; sleep 0.1; done
corral wait --timeout 90s >/dev/null 2>&1
check "every demo resource runs" test "$(q "sorted(set(r['role'] for r in d['resources']))")" = "['started']"
check "the site answers on 198.18.0.10:8089" site
corral status | grep -q "pingd=100" && ok "the ping clone set pingd=100" || bad "the ping clone set pingd=100"

# Kill the web server by hand: its monitor (15 s) finds it, corral restarts it.
pkill -9 -f "http.server 8089 --bind 198.18.0.10"
for _ in $(seq 150); do [ "$(q "[r['failcount'] for r in d['resources'] if r['id']=='demo-web'][0]" 2>/dev/null)" != "{}" ] && break; sleep 0.2; done
corral wait --timeout 60s >/dev/null 2>&1
check "the killed web server has failcount 1" test "$(q "[r['failcount'] for r in d['resources'] if r['id']=='demo-web'][0]")" = "{'demo': 1}"
check "and the site answers again" site
corral status | grep -q "demo-web on demo: failcount 1" && ok "status shows the failure" || bad "status shows the failure"

kill -TERM "$DPID"
for _ in $(seq 300); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
wait "$DPID" 2>/dev/null; DPID=
check "stopping corrald took the address away" test -z "$(ip -o addr show dev lo | grep 198.18.0.10)"
server_gone() { ! pgrep -f "^python3 -m http.server 8089 --bind 198.18.0.10" >/dev/null; }
check "and stopped the site" server_gone

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ] || { tail -n 40 "$T/corrald.log"; exit 1; }
