#!/bin/bash
# corral on a real 3-node Corosync cluster in network namespaces: the
# scenarios of the cluster issue, each asserting its outcome.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/harness.sh"

PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

why=$(cluster_can_run) || { echo "SKIP: cluster tests: $why"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
trap cluster_down EXIT

export CL_OCF_ROOT="$CORRAL_SOURCE_DIR/tests/integration/ocf"
cluster_build 3
write_fence_script
CL_CONFIG="$CL_T/cluster.ini"
cat > "$CL_CONFIG" <<INI
[cluster]
name = corraltest
stonith-enabled = true
startup-fencing-grace = 5min

[node node1]
[node node2]
[node node3]

[resource web]
agent = ocf:corraltest:Logger
param.log = $CL_T/witness
op.monitor = interval=2s timeout=10s

[fence switch]
agent = command
param.command = $CL_T/fence.sh %n %a
hosts = node1 node2 node3
INI

q() { corral_on "$1" status --json | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }
wait_for() { # wait_for SECONDS NODE PYEXPR EXPECTED
    local t=$1 n=$2 e=$3 want=$4
    for _ in $(seq $((t * 5))); do
        [ "$(q "$n" "$e" 2>/dev/null)" = "$want" ] && return 0
        sleep 0.2
    done
    return 1
}
where() { q "$1" "','.join(r['nodes'][0] if r['nodes'] else '-' for r in d['resources'] if r['id']=='web')"; }

# 1. three nodes come up, elect one DC, agree on the config epoch, place as simulate says
for i in 1 2 3; do corosync_start "$i"; done
for i in 1 2 3; do corrald_start "$i"; done
wait_for 30 1 "sorted(n['state'] for n in d['nodes'])" "['online', 'online', 'online']"
corral_on 1 wait --timeout 60s >/dev/null 2>&1
DC1=$(q 1 "d['dc']"); DC2=$(q 2 "d['dc']"); DC3=$(q 3 "d['dc']")
check "one DC, the same on every node ($DC1)" test "$DC1" != None -a "$DC1" = "$DC2" -a "$DC2" = "$DC3"
E=$(q 1 "d['config']['epoch']")
check "every node has config epoch $E" test "$(q 2 "d['config']['epoch']")" = "$E" -a "$(q 3 "d['config']['epoch']")" = "$E"
SIM=$(corral_on 1 simulate --config "$CL_CONFIG" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['placement']['web'][0])")
W=$(where 1)
check "web runs where simulate places it ($SIM)" test "$W" = "$SIM"

# 2. kill -9 of the node running web: fenced first, then web starts on a survivor
i=${W#node}
T0=$(date +%s.%N)
node_kill "$i"
survivor=$(( i % 3 + 1 ))
wait_for 30 "$survivor" "[r['nodes'] for r in d['resources'] if r['id']=='web'][0] not in ([], ['$W'])" True
W2=$(where "$survivor")
check "web moved off the killed node ($W -> $W2)" test "$W2" != "$W" -a "$W2" != "-"
F=$(grep -n "fence $W" "$CL_T/witness" | tail -n 1 | cut -d: -f1)
S=$(grep -n "start web" "$CL_T/witness" | tail -n 1 | cut -d: -f1)
check "the dead node was fenced before web started elsewhere" test -n "$F" -a -n "$S" -a "${F:-0}" -lt "${S:-0}"
check "the fencing is in the history" test "$(q "$survivor" "[f['target'] for f in d['fencing']]")" = "['$W']"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ] || { for i in 1 2 3; do echo "--- node$i corrald"; tail -n 30 "$CL_T/node$i/corrald.log"; done; exit 1; }
