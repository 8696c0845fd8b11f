#!/bin/bash
# corral on a real two-node Corosync cluster (votequorum's two_node): a
# network split leaves two quorate halves that could fence each other at
# once. two-node-fence-delay makes the half running web shoot first, so
# exactly one node is fenced and web never runs twice.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/harness.sh"
. "$HERE/checks.sh"

why=$(cluster_can_run) || { echo "SKIP: cluster tests: $why"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
trap cluster_down EXIT

export CL_OCF_ROOT="$CORRAL_SOURCE_DIR/tests/integration/ocf"
DELAY=3 # seconds of two-node-fence-delay
cluster_build 2
write_fence_script
CL_CONFIG="$CL_T/cluster.ini"
cat > "$CL_CONFIG" <<INI
[cluster]
name = corraltest
stonith-enabled = true
two-node-fence-delay = ${DELAY}s

[node node1]
[node node2]

[resource web]
agent = ocf:corraltest:Logger
param.log = $CL_T/witness
op.monitor = interval=2s timeout=10s

[fence switch]
agent = command
param.command = $CL_T/fence.sh %n %a
hosts = node1 node2
INI

both_online() {
    for i in 1 2; do
        wait_for 60 "$i" "(sorted(n['state'] for n in d['nodes']), d['quorate'])" "(['online', 'online'], True)" ||
            echo "# node$i does not see both nodes online and quorate"
    done
    settle 1 2
}
since() { tail -n +"$(($1 + 1))" "$CL_T/witness"; } # witness lines after line N
line_of() { since "$1" | grep -n "$2" | head -n1 | cut -d: -f1; }
time_of() { since "$1" | grep "$2" | head -n1 | cut -d' ' -f1; }

for i in 1 2; do corosync_start "$i"; done
for i in 1 2; do corrald_start "$i"; done
both_online
W=$(where 1); w=${W#node}; p=$((3 - w)); P=node$p
check "two nodes up, web runs on one of them ($W)" test "$W" = node1 -o "$W" = node2

# 1. a network split: both halves keep quorum; the half running web fences
# its peer at once, the peer's own fencing of it waits the delay and dies
# with it, and web never moves.
N0=$(wc -l < "$CL_T/witness")
node_cut "$w"
for _ in $(seq 150); do since "$N0" | grep -q "fence $P\$" && break; sleep 0.2; done
sleep $((DELAY + 2)) # past the peer's delay: had it still been alive, it would have shot by now
check "after the split, $W (running web) fenced its peer $P" test -n "$(line_of "$N0" "fence $P\$")"
check "$W was not fenced: $P waited two-node-fence-delay and was shot first" test -z "$(line_of "$N0" "fence $W\$")"
check "web stayed on $W, never stopped or started elsewhere" test -z "$(since "$N0" | grep -E 'start web|stop web')" -a "$(where "$w")" = "$W"
check "$P had held its fencing of $W for two-node-fence-delay" grep -q "fencing $W (.*) from $P in ${DELAY}000 ms (two-node-fence-delay" "$CL_T/node$p/corrald.log"
node_heal "$w"
node_start "$p" >/dev/null
both_online

# 2. kill -9 of the node running web: the survivor waits the delay (it
# cannot tell a dead peer from a cut one), fences it, then starts web.
W=$(where 1); w=${W#node}; p=$((3 - w)); P=node$p
N0=$(wc -l < "$CL_T/witness")
node_kill "$w"
wait_for 60 "$p" "[r['nodes'] for r in d['resources'] if r['id']=='web'][0]" "['$P']"
F=$(line_of "$N0" "fence $W\$"); S=$(line_of "$N0" "start web $P\$")
check "after $W was killed, web runs on $P" test "$(where "$p")" = "$P"
check "$W was fenced before web started on $P" test -n "$F" -a -n "$S" -a "${F:-0}" -lt "${S:-1}"
OFF=$(time_of "$N0" "off $W\$"); FT=$(time_of "$N0" "fence $W\$")
check "the fencing came at least two-node-fence-delay after the kill (+$(python3 -c "print(round(${FT:-0} - ${OFF:-0}, 2))") s)" \
    python3 -c "import sys; sys.exit(0 if ${FT:-0} - ${OFF:-0} >= $DELAY else 1)"
node_start "$w" >/dev/null
both_online

# 3. `corral node fence` by hand, of the node running web (a member: no delay).
W=$(where 1); w=${W#node}; p=$((3 - w)); P=node$p
N0=$(wc -l < "$CL_T/witness")
corral_on "$p" node fence "$W" --force > "$CL_T/fence.out" 2>&1
check "corral node fence $W --force is accepted" grep -q "node $W: fencing requested" "$CL_T/fence.out"
wait_for 60 "$p" "[r['nodes'] for r in d['resources'] if r['id']=='web'][0]" "['$P']"
F=$(line_of "$N0" "fence $W\$"); S=$(line_of "$N0" "start web $P\$")
check "fenced by hand, $W went down before web started on $P" test -n "$F" -a -n "$S" -a "${F:-0}" -lt "${S:-1}"
check "the manual fencing is in $P's fencing history" test "$(q "$p" "[f['result'] for f in d['fencing'] if f['target']=='$W'][-1]")" = ok
node_start "$w" >/dev/null
both_online

# 4. no device can fence the lost node: nothing is recovered until a person
# vouches with `corral node confirm-down`.
W=$(where 1); w=${W#node}; p=$((3 - w)); P=node$p
N0=$(wc -l < "$CL_T/witness")
touch "$CL_T/fence-fail-$W"
node_kill "$w"
wait_for 30 "$p" "[f['result'] for f in d['fencing'] if f['target']=='$W'][-1].startswith('failed')" True
check "with fencing of $W failing, web is not started on $P" test -z "$(line_of "$N0" "start web")"
echo "$EPOCHREALTIME confirm $W" >> "$CL_T/witness" # what the person vouches for
corral_on "$p" node confirm-down "$W" --force > "$CL_T/confirm.out" 2>&1
check "corral node confirm-down $W is accepted" grep -q "node $W: recorded as down" "$CL_T/confirm.out"
wait_for 30 "$p" "[r['nodes'] for r in d['resources'] if r['id']=='web'][0]" "['$P']"
check "after confirm-down, web runs on $P" test -n "$(line_of "$N0" "start web $P\$")"
check "the confirmation is in the fencing history" test "$(q "$p" "[f['device'] for f in d['fencing'] if f['target']=='$W'][-1]")" = "confirmed down by uid 0"
check "confirm-down of a member is refused" not corral_on "$p" node confirm-down "$P" --force
rm -f "$CL_T/fence-fail-$W"
node_start "$w" >/dev/null
both_online
check "both nodes back, web on exactly one ($(where 1))" test "$(q 1 "len([r for r in d['resources'] if r['id']=='web'][0]['nodes'])")" = 1

if python3 "$HERE/witness.py" "$CL_T/witness" web; then
    ok "split-brain witness: web never active on two nodes at once, fencing before every recovery"
else
    bad "split-brain witness"
fi
finish
