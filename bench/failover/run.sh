#!/bin/bash
# Failover of corral and of Pacemaker 2.1.5 on the same 3-node Corosync
# cluster in network namespaces (tests/cluster/harness.sh), token 1000 ms.
# See bench/README.md ("Failover"). Root only.
#
#   bench/failover/run.sh [--runs N] [--only corral|pacemaker]
#
# For each tool: N runs of kill -9 of the node running the resource and N
# runs of a network cut of it (half of each hitting the DC), each timed from
# the event to the resource's start line on a survivor, beside Corosync's
# detection (the survivors' first new-membership line) in the same run; then
# (corral) a config push applied on all nodes, and the daemons' RSS per node.
# The resource is ocf:corraltest:Logger with a 50 ms start; the fence device
# is the harness's power switch (both tools run the very same script).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
export CORRAL_SOURCE_DIR=${CORRAL_SOURCE_DIR:-$SRC}
export CORRAL_BIN=${CORRAL_BIN:-$SRC/build/bin}
export CORRAL_PLUGIN_PATH=${CORRAL_PLUGIN_PATH:-$SRC/build/lib/corral}
export CORRAL_LUA_PATH=${CORRAL_LUA_PATH:-$SRC/lua-agents}
RUNS=10 ONLY="" PHASE="" OUT=""
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) RUNS=$2; shift ;;
    --only) ONLY=$2; shift ;;
    --phase) PHASE=$2; shift ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: $0 [--runs N] [--only corral|pacemaker]" >&2; exit 2 ;;
    esac
    shift
done

if [ -z "$PHASE" ]; then
    [ "$(id -u)" = 0 ] || { echo "bench/failover: needs root (network namespaces)"; exit 1; }
    OUT=$(mktemp /tmp/corral-failover-XXXXXX.jsonl)
    echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load:$(uptime | sed 's/.*load average://')"
    echo "# corosync $(corosync -v | sed -n 's/.*version .\([0-9.]*\).*/\1/p'), token 1000 ms, 3 nodes, $RUNS runs per event"
    for tool in corral pacemaker; do
        [ -n "$ONLY" ] && [ "$ONLY" != "$tool" ] && continue
        bash "$0" --phase "$tool" --runs "$RUNS" --out "$OUT" || echo "# $tool: the phase failed (see above)"
    done
    echo "# load after:$(uptime | sed 's/.*load average://')"
    python3 "$HERE/report.py" table "$OUT"
    echo "# raw results: $OUT"
    exit 0
fi

. "$SRC/tests/cluster/harness.sh"
why=$(cluster_can_run) || { echo "bench/failover: $why"; exit 1; }
trap cluster_down EXIT
export CL_OCF_ROOT="$SRC/tests/integration/ocf"
export CL_TOKEN=1000
log() { echo "# $(date +%T.%N | cut -c1-12) [$PHASE] $*" >&2; }
now() { date +%s.%N; }
alive_nodes() { for i in 1 2 3; do [ -z "${DOWN[$i]:-}" ] && echo "$i"; done; }
declare -a DOWN

# ------------------------------------------------------------ per tool

if [ "$PHASE" = corral ]; then
    CL_CONFIG="$CL_T/cluster.ini"
    q() { corral_on "$1" status --json | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }
    t_start() { node_start "$1" >/dev/null; }
    t_dc() { q "$1" "d['dc']" 2>/dev/null; }
    t_where() { q "$1" "','.join(n for r in d['resources'] if r['id']=='web' for n in r['nodes'])" 2>/dev/null; }
    t_online() { q "$1" "sum(1 for n in d['nodes'] if n['state']=='online')" 2>/dev/null; }
    t_move() { corral_on "$1" resource move web "$2" >/dev/null 2>&1; }
    t_clear() { corral_on "$1" resource clear web >/dev/null 2>&1; }
    t_settle() { for i in $(alive_nodes); do corral_on "$i" wait --timeout 60s >/dev/null 2>&1; done; }
    t_pids() { # corrald and its fork server on node I
        local pid tag; read -r pid tag < "$CL_T/node$1/corrald.pid"; echo "$pid"
        pgrep -P "$pid" -x corrald; }
    t_setup() {
        cat > "$CL_CONFIG" <<INI
[cluster]
name = corraltest
stonith-enabled = true

[node node1]
[node node2]
[node node3]

[resource web]
agent = ocf:corraltest:Logger
param.log = $CL_T/witness
param.delay = 0.05
op.monitor = interval=10s timeout=20s

[fence switch]
agent = command
param.command = $CL_T/fence.sh %n %a
hosts = node1 node2 node3
INI
        for i in 1 2 3; do corosync_start "$i"; done
        for i in 1 2 3; do corrald_start "$i"; done
    }
elif [ "$PHASE" = pacemaker ]; then
    command -v pacemakerd >/dev/null || { echo "bench/failover: pacemaker is not installed"; exit 1; }
    id hacluster >/dev/null 2>&1 || { echo "bench/failover: no hacluster user"; exit 1; }
    PCMK_DAEMONS=/usr/lib/pacemaker
    # The harness's switch as a stonith:fence_dummy device: a fence agent
    # speaking the stdin protocol, bound over /usr/sbin/fence_dummy inside
    # each node (the real one's meta-data, so fenced knows its parameters).
    /usr/sbin/fence_dummy -o metadata > "$CL_T/fence_dummy.xml" 2>/dev/null
    cat > "$CL_T/fence_agent" <<SH
#!/bin/bash
action="" port=""
while [ \$# -gt 0 ]; do case "\$1" in -o) action=\$2; shift ;; -n|--plug) port=\$2; shift ;; esac; shift; done
if [ -z "\$action" ] && [ ! -t 0 ]; then
    while IFS= read -r line; do
        case "\$line" in action=*|option=*) action=\${line#*=} ;; port=*|plug=*) port=\${line#*=} ;; esac
    done
fi
case "\$action" in
metadata) cat "$CL_T/fence_dummy.xml"; exit 0 ;;
monitor) exit 0 ;;
list) exec "$CL_T/fence.sh" node1 list ;;
status|off|reboot|on) exec "$CL_T/fence.sh" "\$port" "\$action" ;;
*) exit 1 ;;
esac
SH
    chmod 755 "$CL_T/fence_agent"
    t_pcmk_prepare() {
        local i=$1 d="$CL_T/node$1"
        mkdir -p "$d/var-lib-pacemaker"/{cib,pengine,blackbox,cores} "$d/ocf/corraltest" "$d/log"
        cp "$SRC/tests/integration/ocf/resource.d/corraltest/Logger" "$d/ocf/corraltest/"
        chown -R hacluster:haclient "$d/var-lib-pacemaker" "$d/log"
        on "$i" sh -c "mount --bind $d/var-lib-pacemaker /var/lib/pacemaker &&
            mount --bind $d/ocf /usr/lib/ocf/resource.d &&
            mount --bind $CL_T/fence_agent /usr/sbin/fence_dummy"
    }
    pcmk_start() {
        local i=$1
        nsenter -t "${CL_HOLDER[$i]}" -m -n -u -- env PCMK_logfile="$CL_T/node$i/log/pacemaker.log" \
            "/usr/sbin/pacemakerd" -f >/dev/null 2>&1 &
        disown
        echo "$! $(pid_tag $!)" > "$CL_T/node$i/pacemakerd.pid"
    }
    pcmk_wait() { # until the node's controller knows the DC
        for _ in $(seq 300); do
            [ -n "$(t_dc "$1")" ] && return 0
            sleep 0.2
        done
        log "node$1: pacemaker did not come up"; return 1
    }
    t_start() { corosync_start "$1" && pcmk_start "$1" && pcmk_wait "$1"; }
    t_dc() { on "$1" timeout 10 crmadmin -D -t 5000 2>/dev/null | sed -n 's/.*Controller is: *//p'; }
    t_where() { on "$1" crm_resource --locate -r web -Q 2>/dev/null | paste -sd,; }
    t_online() {
        on "$1" crm_mon -1 --output-as=xml 2>/dev/null |
            python3 -c "import sys,xml.etree.ElementTree as E; r=E.parse(sys.stdin).getroot(); print(sum(1 for n in r.iter('node') if n.get('online')=='true' and n.get('type')=='member'))"
    }
    t_move() { on "$1" crm_resource --move -r web -N "$2" >/dev/null 2>&1; }
    t_clear() { on "$1" crm_resource --clear -r web >/dev/null 2>&1; }
    t_settle() { local i; i=$(alive_nodes | head -n1); on "$i" crm_resource --wait --timeout=60s >/dev/null 2>&1; }
    t_pids() { # pacemakerd and its children (everything of the node but corosync)
        local pid tag; read -r pid tag < "$CL_T/node$1/corosync.pid"
        node_procs "$1" | grep -vx "$pid"; }
    t_setup() {
        for i in 1 2 3; do t_pcmk_prepare "$i"; done
        for i in 1 2 3; do corosync_start "$i"; done
        for i in 1 2 3; do pcmk_start "$i"; done
        for i in 1 2 3; do pcmk_wait "$i" || exit 1; done
        log "pacemaker runs on every node"
        cat > "$CL_T/cib.xml" <<XML
<cib validate-with="pacemaker-3.9" epoch="10" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="o-stonith" name="stonith-enabled" value="true"/>
        <nvpair id="o-nqp" name="no-quorum-policy" value="stop"/>
        <nvpair id="o-name" name="cluster-name" value="corraltest"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources>
      <primitive id="switch" class="stonith" type="fence_dummy">
        <instance_attributes id="switch-ia">
          <nvpair id="switch-hl" name="pcmk_host_list" value="node1 node2 node3"/>
          <nvpair id="switch-hc" name="pcmk_host_check" value="static-list"/>
        </instance_attributes>
        <operations><op id="switch-mon" name="monitor" interval="60s"/></operations>
      </primitive>
      <primitive id="web" class="ocf" provider="corraltest" type="Logger">
        <instance_attributes id="web-ia">
          <nvpair id="web-log" name="log" value="$CL_T/witness"/>
          <nvpair id="web-delay" name="delay" value="0.05"/>
        </instance_attributes>
        <operations><op id="web-mon" name="monitor" interval="10s" timeout="20s"/></operations>
      </primitive>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
XML
        chmod 644 "$CL_T/cib.xml"
        on 1 cibadmin --replace --xml-file "$CL_T/cib.xml" || { log "cibadmin --replace failed"; exit 1; }
    }
else
    echo "unknown phase $PHASE" >&2; exit 2
fi

# ------------------------------------------------------------ common

wait_all_online() {
    local i
    for _ in $(seq 300); do
        i=$(alive_nodes | head -n1)
        [ "$(t_online "$i")" = 3 ] && return 0
        sleep 0.2
    done
    log "not every node came online"; return 1
}

rec() { echo "$1" >> "$OUT"; }

record_rss() {
    local what=$1 kb="" i
    for i in 1 2 3; do
        local sum=0 p
        for p in $(t_pids "$i"); do
            sum=$((sum + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)))
        done
        kb="$kb${kb:+, }\"node$i\": $sum"
    done
    rec "{\"tool\": \"$PHASE\", \"kind\": \"rss\", \"what\": \"$what\", \"kb\": {$kb}}"
}

# The start line of web on a node other than $1, after line $2 of the witness.
new_start() { tail -n +"$(($2 + 1))" "$CL_T/witness" 2>/dev/null | awk -v n="$1" '$2 == "start" && $4 != n {print $1; exit}'; }
lines() { wc -l < "$CL_T/witness" 2>/dev/null || echo 0; }

one_run() { # one_run kill|cut HIT_DC
    local kind=$1 hit_dc=$2 a dc w target tries
    a=$(alive_nodes | head -n1)
    # Put web where this run needs it (a move constraint, cleared after the run).
    for _ in 1 2 3; do
        dc=$(t_dc "$a"); w=$(t_where "$a")
        [ -n "$dc" ] && [ -n "$w" ] && [ "${w#*,}" = "$w" ] || { sleep 1; continue; }
        if [ "$hit_dc" = 1 ] && [ "$w" != "$dc" ]; then t_move "$a" "$dc"; t_settle; continue; fi
        if [ "$hit_dc" = 0 ] && [ "$w" = "$dc" ]; then
            local other; for other in node1 node2 node3; do [ "$other" != "$dc" ] && break; done
            t_move "$a" "$other"; t_settle; continue
        fi
        break
    done
    dc=$(t_dc "$a"); w=$(t_where "$a")
    target=$w
    local ti=${target#node} n0 t0 start="" fence="" detect
    [ -n "$target" ] && [ "${w#*,}" = "$w" ] || { log "web does not run on one node ($w)"; return 1; }
    n0=$(lines)
    t0=$(now)
    if [ "$kind" = kill ]; then node_kill "$ti"; else node_cut "$ti"; fi
    DOWN[$ti]=1
    for _ in $(seq 600); do
        start=$(new_start "$target" "$n0")
        [ -n "$start" ] && break
        sleep 0.05
    done
    fence=$(tail -n +"$((n0 + 1))" "$CL_T/witness" | awk -v n="$target" '$2 == "fence" && $3 == n {print $1; exit}')
    local logs=""
    for i in $(alive_nodes); do logs="$logs $CL_T/node$i/corosync.log"; done
    # shellcheck disable=SC2086
    detect=$(python3 "$HERE/report.py" detect "$t0" $logs)
    case "$detect" in "" | -) detect=null ;; esac
    local isdc=false; [ "$target" = "$dc" ] && isdc=true
    rec "{\"tool\": \"$PHASE\", \"kind\": \"$kind\", \"dc\": $isdc, \"target\": \"$target\", \"t0\": $t0, \"detect\": $detect, \"fence\": ${fence:-null}, \"start\": ${start:-null}}"
    log "$kind $target (DC: $isdc): detection $(python3 -c "print(round(($detect - $t0) * 1000) if '$detect' != 'null' else '-')") ms, running again $(python3 -c "print(round(($start - $t0) * 1000) if '$start' else 'never')") ms after the event"
    # Power the node back on once it is fenced (a reboot), and let the cluster settle.
    for _ in $(seq 200); do
        tail -n +"$((n0 + 1))" "$CL_T/witness" | grep -q "fence $target\$" && break
        sleep 0.1
    done
    t_clear "$(alive_nodes | head -n1)"
    [ "$kind" = cut ] && node_heal "$ti"
    node_kill "$ti" # whatever the fencing left (nothing, normally)
    t_start "$ti"
    DOWN[$ti]=""
    wait_all_online
    t_settle
}

log "setting up"
cluster_build 3
write_fence_script
: > "$CL_T/witness"
t_setup
wait_all_online || exit 1
t_settle
log "cluster up"
record_rss "idle, every node up"

for r in $(seq "$RUNS"); do one_run kill $((r % 2)); done
for r in $(seq "$RUNS"); do one_run cut $((r % 2)); done

if [ "$PHASE" = corral ]; then
    # A config push from a node, until every node has stored the new epoch.
    for r in $(seq 5); do
        e=$(q 1 "d['config']['epoch']")
        { cat "$CL_CONFIG"; echo "# push $r"; } > "$CL_T/push.ini"
        t0=$(now)
        corral_on $(( r % 3 + 1 )) config push "$CL_T/push.ini" >/dev/null 2>&1
        for _ in $(seq 200); do
            n=0
            for i in 1 2 3; do [ -f "$CL_T/node$i/state/configs/$(printf cluster-%010d.ini $((e + 1)))" ] && n=$((n + 1)); done
            [ "$n" = 3 ] && break
            sleep 0.01
        done
        # A store ends with the rename into configs/: that directory's mtime.
        times=$(stat -c %.9Y "$CL_T"/node{1,2,3}/state/configs | sort -n)
        first=$(echo "$times" | head -n1) last=$(echo "$times" | tail -n1)
        rec "{\"tool\": \"$PHASE\", \"kind\": \"push\", \"ms\": $(python3 -c "print(round(($last - $t0) * 1000, 1))"), \"spread_ms\": $(python3 -c "print(round(($last - $first) * 1000, 1))")}"
        t_settle
    done
fi
record_rss "after the runs"
log "done"
