#!/bin/bash
# corral on a real 3-node Corosync cluster in network namespaces: the
# scenarios of the cluster issue, each asserting its outcome.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/harness.sh"
. "$HERE/checks.sh"

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
startup-fencing-grace = 10s

[node node1]
[node node2]
[node node3]

[resource web]
agent = ocf:corraltest:Logger
param.log = $CL_T/witness
op.monitor = interval=2s timeout=10s

[fence broken]
agent = command
param.command = /bin/false %n %a
hosts = node1 node2 node3
level = 1

[fence switch]
agent = command
param.command = $CL_T/fence.sh %n %a
hosts = node1 node2 node3
level = 2
INI


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

# After a node is powered on: every node sees all three online and quorate
# (a just-started corrald may answer before Corosync gave it quorum).
rejoined() {
    for i in 1 2 3; do
        wait_for 60 "$i" "(sorted(n['state'] for n in d['nodes']), d['quorate'])" "(['online', 'online', 'online'], True)" ||
            echo "# node$i does not see all three online and quorate"
    done
}

# CL_ONLY=7 runs scenario 1 and then scenario 7 only (to replay a seed quickly).
if [ "${CL_ONLY:-}" != 7 ]; then
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
check "the fencing is in the history" test "$(q "$survivor" "[f['target'] for f in d['fencing'] if f['result']=='ok']")" = "['$W']"


# 5a. level 1 (a device that always fails) was tried first, level 2 fenced
grep -q "fence device broken: reboot of $W failed" "$CL_T/node${survivor}/corrald.log" "$CL_T"/node*/corrald.log 2>/dev/null
check "fencing tried level 1 first, and level 2 succeeded" test $? = 0 -a "$(q "$survivor" "[f['device'] for f in d['fencing'] if f['result']=='ok']")" = "['switch']"

# The fenced node comes back (a reboot) and rejoins.
node_start "$i"
wait_for 30 "$survivor" "sorted(n['state'] for n in d['nodes'])" "['online', 'online', 'online']"
rejoined; settle 1 2 3
check "the fenced node rejoined" test "$(q "$i" "d['dc']")" = "$(q "$survivor" "d['dc']")"

# 4. kill -9 of the DC (when it does not run web): a new DC, web not restarted
W=$(where 1); DC=$(q 1 "d['dc']")
if [ "$W" = "$DC" ]; then
    corral_on 1 resource move web "$(q 1 "[n['name'] for n in d['nodes'] if n['name'] != '$DC'][0]")" >/dev/null
    rejoined; settle 1 2 3; W=$(where 1)
fi
N0=$(starts)
d=${DC#node}; other=$(( d % 3 + 1 ))
fenced() { q "$other" "len([f for f in d['fencing'] if f['target']=='$1' and f['result']=='ok'])"; }
NF=$(fenced "$DC")
node_kill "$d"
wait_for 30 "$other" "d['dc'] not in (None, '$DC')" True
NEWDC=$(q "$other" "d['dc']")
check "a new DC took over ($DC -> $NEWDC)" test "$NEWDC" != "$DC" -a "$NEWDC" != None
settle "$other"
check "web did not restart when the DC died" test "$(starts)" = "$N0" -a "$(where "$other")" = "$W"
# Power it back on only once it has been fenced (else the fence hits the rebooted node).
wait_for 30 "$other" "len([f for f in d['fencing'] if f['target']=='$DC' and f['result']=='ok']) > $NF" True
node_start "$d"
rejoined; settle 1 2 3

# 6. a push from a non-DC node reaches every node; a node down during a push adopts it on rejoin
DC=$(q 1 "d['dc']"); P=1; [ "node$P" = "$DC" ] && P=2
E=$(q "$P" "d['config']['epoch']")
D3=3; [ "$D3" = "$P" ] && D3=2; [ "node$D3" = "$DC" ] && D3=$(( 6 - P - D3 ))
node_kill "$D3"
wait_for 30 "$P" "[n['state'] for n in d['nodes'] if n['name']=='node$D3'][0]" offline
wait_for 30 "$P" "d['quorate']" True
sed 's/^op.monitor = interval=2s timeout=10s/op.monitor = interval=3s timeout=10s/' "$CL_CONFIG" > "$CL_T/next.ini"
corral_on "$P" config push "$CL_T/next.ini" > "$CL_T/push.out" 2>&1 || { echo "# the push said:"; sed 's/^/#   /' "$CL_T/push.out"; }
LIVE=""; for i in 1 2 3; do [ "$i" = "$D3" ] || LIVE="$LIVE $i"; done
for i in $LIVE; do wait_for 10 "$i" "d['config']['epoch']" "$((E + 1))"; done
epochs() { for i in $LIVE; do q "$i" "d['config']['epoch']"; done | sort -u | tr '\n' ' '; }
check "a push from node$P (not the DC) reaches every live node (epochs: $(epochs))" test "$(epochs)" = "$((E + 1)) "
node_start "$D3"
wait_for 30 "$D3" "d['config']['epoch']" "$((E + 1))"
check "node$D3, down during the push, adopted epoch $((E + 1)) on rejoin" test "$(q "$D3" "d['config']['epoch']")" = "$((E + 1))"
rejoined; settle 1 2 3

# 3. cut the network of the node running web: the two others keep quorum,
# fence it and recover web; the cut node stops web by itself meanwhile. The
# fencing is held back at first (the switch fails for it), so that the cut
# node's own stop shows before the power goes.
W=$(where 1); c=${W#node}; s=$(( c % 3 + 1 ))
N0=$(wc -l < "$CL_T/witness")
touch "$CL_T/fence-fail-$W"
node_cut "$c"
for _ in $(seq 150); do tail -n +"$((N0 + 1))" "$CL_T/witness" | grep -q "stop web $W\$" && break; sleep 0.2; done
check "the cut $W, without quorum, stopped web by itself (no-quorum-policy stop)" \
    grep -q "stop web $W\$" <(tail -n +"$((N0 + 1))" "$CL_T/witness")
check "web was not started elsewhere while $W could not be fenced" \
    not grep -q "start web" <(tail -n +"$((N0 + 1))" "$CL_T/witness")
rm -f "$CL_T/fence-fail-$W"
wait_for 40 "$s" "[r['nodes'] for r in d['resources'] if r['id']=='web'][0] not in ([], ['$W'])" True
W2=$(where "$s")
check "after cutting $W, web runs on $W2 of the quorate side" test "$W2" != "$W" -a "$W2" != "-"
F=$(grep -n "fence $W" "$CL_T/witness" | tail -n 1 | cut -d: -f1)
S=$(grep -n "start web" "$CL_T/witness" | tail -n 1 | cut -d: -f1)
check "the cut node was fenced before web started elsewhere" test -n "$F" -a "${F:-0}" -lt "${S:-0}"
node_heal "$c"

# 5b. every level failing: nothing is recovered and the status says why
node_start "$c"
rejoined; settle 1 2 3
W=$(where 1); c=${W#node}; s=$(( c % 3 + 1 ))
touch "$CL_T/fence-fail-$W"
N0=$(starts)
node_kill "$c"
sleep 12
check "with every fence level failing, web is not started elsewhere" test "$(starts)" = "$N0"
R=$(q "$s" "[f['result'] for f in d['fencing'] if f['target']=='$W'][-1]")
case "$R" in failed*) ok "the status says fencing $W failed: $R" ;; *) bad "the status says fencing $W failed (got: $R)" ;; esac
rm -f "$CL_T/fence-fail-$W"
wait_for 30 "$s" "[r['nodes'] for r in d['resources'] if r['id']=='web'][0] not in ([], ['$W'])" True
check "once fencing works again, web is recovered" test "$(where "$s")" != "$W"
node_start "$c"
wait_for 30 "$s" "sorted(n['state'] for n in d['nodes'])" "['online', 'online', 'online']"

# 8. a clean shutdown (SIGTERM to corrald) of the node running web moves web
# away first, and the node is not fenced.
rejoined; settle 1 2 3
W=$(where 1); c=${W#node}; s=$(( c % 3 + 1 ))
N0=$(wc -l < "$CL_T/witness")
read -r pid tag < "$CL_T/node$c/corrald.pid"
kill -TERM "$pid"
for _ in $(seq 150); do pid_alive "$pid" "$tag" || break; sleep 0.2; done
check "corrald on $W exited after SIGTERM" not pid_alive "$pid" "$tag"
wait_for 30 "$s" "[n['state'] for n in d['nodes'] if n['name']=='$W'][0]" offline
W2=$(where "$s")
STOP=$(tail -n +"$((N0 + 1))" "$CL_T/witness" | grep -n "stop web $W\$" | head -n1 | cut -d: -f1)
START=$(tail -n +"$((N0 + 1))" "$CL_T/witness" | grep -n "start web $W2\$" | head -n1 | cut -d: -f1)
check "a clean shutdown moved web away first ($W -> $W2)" test -n "$STOP" -a -n "$START" -a "${STOP:-0}" -lt "${START:-0}"
check "the cleanly stopped $W is offline, not fenced" test "$(tail -n +"$((N0 + 1))" "$CL_T/witness" | grep -c "fence $W\$")" = 0 -a "$(q "$s" "[n['state'] for n in d['nodes'] if n['name']=='$W'][0]")" = offline

# 9. equal config epochs with different content are a conflict, shown in the
# status and the log, never merged; a push settles it. $W's corrald is down:
# it comes back with its newest stored epoch holding other content.
E=$(q "$s" "d['config']['epoch']")
F="$CL_T/node$c/state/configs/$(printf 'cluster-%010d.ini' "$E")"
sed -i "1s/digest=[0-9a-f]*/digest=$(printf '%064d' 7)/" "$F"
echo "; a copy edited by hand" >> "$F"
corrald_start "$c"
wait_for 30 "$s" "d['config']['conflicts']" "['$W']"
check "a conflict of epoch $E is shown in the status of node$s" test "$(q "$s" "d['config']['conflicts']")" = "['$W']"
check "the conflict is in node$s's log" grep -q "config: conflict: node $W has epoch $E" "$CL_T/node$s/corrald.log"
{ corral_on "$s" config show; echo "; settles the conflict"; } > "$CL_T/settle.ini"
corral_on "$s" config push "$CL_T/settle.ini" >/dev/null 2>&1
for i in 1 2 3; do wait_for 10 "$i" "d['config']['epoch']" "$((E + 1))"; done
check "a push settles the conflict (epoch $((E + 1)) everywhere, no conflict left)" test "$(q "$c" "d['config']['epoch']")" = "$((E + 1))" -a "$(q "$s" "d['config']['conflicts']")" = "[]"
rejoined; settle 1 2 3

fi # CL_ONLY

# 7. split-brain witness: a seeded series of random kills, cuts, heals and
# power-ons, some in the middle of a recovery; then, over the witness (start,
# stop, fence, off, on, cut, heal lines with times, written outside the
# namespaces), web was never active on two nodes at once and never started
# elsewhere before a node that went away while running it was fenced.
SEED=${CL_SEED:-$(( $(date +%s) % 100000 ))}
RANDOM=$SEED
echo "# scenario 7: seed $SEED (CL_SEED=$SEED reruns this series)"
declare -a CUT
impaired() { local k=0; for i in 1 2 3; do { [ -n "${CUT[$i]:-}" ] || ! powered "$i"; } && k=$((k + 1)); done; echo "$k"; }
EVENTS=0 step=0
while [ "$EVENTS" -lt 22 ] && [ "$step" -lt 100 ]; do
    step=$((step + 1))
    i=$(( RANDOM % 3 + 1 ))
    pause=$(( RANDOM % 30 ))
    # With two nodes impaired, only bring one back (a lone node cannot move anything).
    if [ -n "${CUT[$i]:-}" ]; then
        ev=heal
    elif ! powered "$i"; then
        ev=on
    elif [ "$(impaired)" -ge 2 ]; then
        continue
    elif [ $(( RANDOM % 2 )) = 0 ]; then
        ev=kill
    else
        ev=cut
    fi
    cl_log "scenario 7 step $step: $ev node$i, then ${pause}00 ms"
    case $ev in
    kill) node_kill "$i" ;;
    cut) node_cut "$i"; CUT[$i]=1 ;;
    heal) node_heal "$i"; CUT[$i]="" ;;
    on) node_kill "$i"; node_start "$i" >/dev/null 2>&1 ;;
    esac
    EVENTS=$((EVENTS + 1))
    sleep "$(( pause / 10 )).$(( pause % 10 ))"
done
# Bring everything back and let it settle.
for i in 1 2 3; do [ -n "${CUT[$i]:-}" ] && { node_heal "$i"; CUT[$i]=""; }; done
# A node powered on while the others still fence it dies again: power it on again.
end=$((SECONDS + 120))
while [ "$SECONDS" -lt "$end" ]; do
    for i in 1 2 3; do powered "$i" || { node_kill "$i"; node_start "$i" >/dev/null 2>&1; }; done
    [ "$(q 1 "sorted(n['state'] for n in d['nodes'])" 2>/dev/null)" = "['online', 'online', 'online']" ] && break
    sleep 1
done
rejoined; settle 1 2 3
check "scenario 7 ran $EVENTS random events (at least 20)" test "$EVENTS" -ge 20
check "after the series, web runs on exactly one node ($(where 1))" test "$(q 1 "len([r for r in d['resources'] if r['id']=='web'][0]['nodes'])")" = 1
if python3 "$HERE/witness.py" "$CL_T/witness" web; then
    ok "split-brain witness: web never active on two nodes at once, fencing before every recovery (seed $SEED)"
else
    bad "split-brain witness (seed $SEED; CL_SEED=$SEED reruns it)"
fi

finish
