# A real Corosync cluster on one machine, for corral's cluster tests.
# Source it from bash; see tests/cluster/README.md. Every node is a holder
# process owning its own network, mount and UTS namespaces (per
# ../shared/CLUSTER-TESTING.md); corosync, corrald and every `corral` run
# inside them. Addresses come only from 198.18.0.0/15.
#
#   cluster_up N            build N nodes (node1..nodeN) and start them
#   node_start I / node_kill I / node_cut I / node_heal I
#   on I CMD...             run CMD inside node I's namespaces
#   corral_on I ARGS...     run `corral ARGS` on node I
#   cluster_down            tear everything down (also on EXIT)

set -u
: "${CORRAL_BIN:?}" "${CORRAL_SOURCE_DIR:?}"
CL_RUN=${CL_RUN:-$(printf '%04x' $((RANDOM % 65536)))}
CL_T=$(mktemp -d /tmp/corral-cluster-XXXXXX)
chmod 755 "$CL_T"
CL_N=0
CL_HUB="crl${CL_RUN}hub"
declare -a CL_HOLDER CL_COROSYNC CL_CORRALD

cl_log() { echo "# $(date +%T.%N | cut -c1-12) $*" >&2; }

# Can this machine run the cluster tests? Prints why not.
cluster_can_run() {
    [ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; return 1; }
    command -v corosync >/dev/null || { echo "corosync is not installed"; return 1; }
    command -v ip >/dev/null || { echo "iproute2 is not installed"; return 1; }
    ip netns add "crl${CL_RUN}probe" 2>/dev/null || { echo "cannot create network namespaces"; return 1; }
    ip netns del "crl${CL_RUN}probe"
    return 0
}

ns_of() { echo "crl${CL_RUN}n$1"; }

# Record a pid with its start time, so a reused pid is never mistaken for it.
pid_tag() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; } # empty when it is gone
pid_alive() { local pid=$1 tag=$2; [ -n "$pid" ] && [ "$(pid_tag "$pid")" = "$tag" ]; }

write_corosync_conf() {
    local i=$1 f="$CL_T/node$1/etc-corosync/corosync.conf"
    {
        echo "totem {"
        echo "  version: 2"
        echo "  cluster_name: corraltest"
        echo "  transport: knet"
        echo "  crypto_cipher: none"
        echo "  crypto_hash: none"
        echo "  token: ${CL_TOKEN:-1000}"
        echo "}"
        echo "nodelist {"
        for k in $(seq "$CL_N"); do
            printf '  node {\n    ring0_addr: 198.18.0.%s\n    name: node%s\n    nodeid: %s\n  }\n' "$k" "$k" "$k"
        done
        echo "}"
        # Two nodes: each half of a split keeps quorum (votequorum's two_node,
        # which implies wait_for_all), as two-node clusters are run.
        if [ "$CL_N" = 2 ]; then
            printf 'quorum {\n  provider: corosync_votequorum\n  two_node: 1\n}\n'
        else
            printf 'quorum {\n  provider: corosync_votequorum\n}\n'
        fi
        echo "logging {"
        echo "  to_logfile: yes"
        echo "  logfile: $CL_T/node$i/corosync.log"
        echo "  to_stderr: no"
        echo "  to_syslog: no"
        echo "  timestamp: hires"
        echo "}"
    } > "$f"
}

# Build the namespaces and holders of nodes 1..N (nothing started yet).
cluster_build() {
    CL_N=$1
    ip netns add "$CL_HUB"
    ip netns exec "$CL_HUB" ip link add br0 type bridge
    ip netns exec "$CL_HUB" ip link set br0 up
    ip netns exec "$CL_HUB" ip link set lo up
    for i in $(seq "$CL_N"); do
        local ns; ns=$(ns_of "$i")
        local d="$CL_T/node$i"
        mkdir -p "$d/etc-corosync" "$d/var-lib-corosync" "$d/run" "$d/state" "$d/etc-corral"
        ip netns add "$ns"
        ip link add "crl${CL_RUN}v$i" type veth peer name e0 netns "$ns"
        ip link set "crl${CL_RUN}v$i" netns "$CL_HUB"
        ip netns exec "$CL_HUB" ip link set "crl${CL_RUN}v$i" master br0 up
        ip netns exec "$ns" ip link set lo up
        ip netns exec "$ns" ip addr add "198.18.0.$i/24" dev e0
        ip netns exec "$ns" ip link set e0 up
        ip netns exec "$ns" unshare -m -u --propagation private sh -c "
            hostname node$i
            mount --bind $d/etc-corosync /etc/corosync
            mount --bind $d/var-lib-corosync /var/lib/corosync
            mount --bind $d/run /run
            mount -t tmpfs tmpfs /dev/shm
            exec sleep infinity" &
        CL_HOLDER[$i]=$!
        disown # stopped by pid; no job notices when it is killed
        echo "${CL_HOLDER[$i]} $(pid_tag "${CL_HOLDER[$i]}")" > "$d/holder"
    done
    for i in $(seq "$CL_N"); do
        for _ in $(seq 50); do [ "$(cat "/proc/${CL_HOLDER[$i]}/comm" 2>/dev/null)" = sleep ] && break; sleep 0.05; done
        write_corosync_conf "$i"
    done
}

on() { local i=$1; shift; nsenter -t "${CL_HOLDER[$i]}" -m -n -u -- "$@"; }
corral_on() { local i=$1; shift; on "$i" env CORRAL_IPC_NAME=corral "$CORRAL_BIN/corral" "$@"; }

corosync_start() {
    local i=$1
    # Not through on(): $! must be corosync itself (nsenter execs it), not a subshell.
    nsenter -t "${CL_HOLDER[$i]}" -m -n -u -- corosync -f >/dev/null 2>&1 &
    CL_COROSYNC[$i]=$!
    disown
    echo "${CL_COROSYNC[$i]} $(pid_tag "${CL_COROSYNC[$i]}")" > "$CL_T/node$i/corosync.pid"
    local end=$((SECONDS + 15))
    while [ "$SECONDS" -lt "$end" ] && [ -e "/proc/${CL_COROSYNC[$i]}" ]; do
        on "$i" corosync-cfgtool -s >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    cl_log "node$i: corosync did not start"; return 1
}

corrald_start() {
    local i=$1
    nsenter -t "${CL_HOLDER[$i]}" -m -n -u -- env CORRAL_IPC_NAME=corral OCF_ROOT="${CL_OCF_ROOT:-/usr/lib/ocf}" \
        CORRAL_PLUGIN_PATH="${CORRAL_PLUGIN_PATH:-}" CORRAL_LUA_PATH="${CORRAL_LUA_PATH:-}" \
        "$CORRAL_BIN/corrald" --config "$CL_CONFIG" --state-dir "$CL_T/node$i/state" \
        --foreground --log-file "$CL_T/node$i/corrald.log" --verbose &
    CL_CORRALD[$i]=$!
    disown
    echo "${CL_CORRALD[$i]} $(pid_tag "${CL_CORRALD[$i]}")" > "$CL_T/node$i/corrald.pid"
    local end=$((SECONDS + 15))
    while [ "$SECONDS" -lt "$end" ] && [ -e "/proc/${CL_CORRALD[$i]}" ]; do
        corral_on "$i" status >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    cl_log "node$i: corrald did not start"; tail -n 20 "$CL_T/node$i/corrald.log" >&2; return 1
}

# Power node I on. The witness (a file outside the namespaces, where the
# resource agent and the fence device write too) gets "TIME on nodeI".
node_start() {
    echo "$EPOCHREALTIME on node$1" >> "$CL_T/witness"
    corosync_start "$1" && corrald_start "$1"
}

# Every process of node I but its holder (all share the holder's mount namespace).
node_procs() {
    local hpid=${CL_HOLDER[$1]} p
    [ -e "/proc/$hpid/ns/mnt" ] || return 0
    for p in /proc/[0-9]*; do
        [ "$p" != "/proc/$hpid" ] && [ "$p/ns/mnt" -ef "/proc/$hpid/ns/mnt" ] && echo "${p#/proc/}"
    done
}

# Power off node I as a switch would: kill every process of the node at
# once (corosync first, so that it sends nothing more), note "TIME off
# nodeI" in the witness, then wipe its volatile state (/run, /dev/shm).
node_kill() {
    local i=$1 pid tag pids=""
    for f in corosync corrald; do
        read -r pid tag 2>/dev/null < "$CL_T/node$i/$f.pid" || continue
        pid_alive "$pid" "$tag" && pids="$pids $pid"
    done
    # shellcheck disable=SC2086
    [ -n "$pids" ] && kill -9 $pids
    pids=$(node_procs "$i")
    # shellcheck disable=SC2086
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null
    echo "$EPOCHREALTIME off node$i" >> "$CL_T/witness"
    sleep 0.1
    on "$i" sh -c 'rm -rf /run/* /dev/shm/* 2>/dev/null; true'
}

node_cut() {
    ip netns exec "$CL_HUB" ip link set "crl${CL_RUN}v$1" down
    echo "$EPOCHREALTIME cut node$1" >> "$CL_T/witness"
}
node_heal() {
    echo "$EPOCHREALTIME heal node$1" >> "$CL_T/witness"
    ip netns exec "$CL_HUB" ip link set "crl${CL_RUN}v$1" up
}

# The fence device of the harness: a script for the `command` fence plugin.
# It is the "fast device" of the benchmarks too: bash builtins only, but for
# one rm (no process of its own between the kill and the witness line).
write_fence_script() {
    cat > "$CL_T/fence.sh" <<SH
#!/bin/bash
# fence.sh NODE ACTION: the harness's power switch.
node=\$1 action=\$2
i=\${node#node}
[ -d "$CL_T/node\$i" ] || exit 1
[ -f "$CL_T/fence-fail-\$node" ] && exit 1
# pid_of corosync|corrald: the recorded pid, if that process still runs
pid_of() {
    local pid tag st
    read -r pid tag < "$CL_T/node\$i/\$1.pid" 2>/dev/null || return 1
    read -r -a st < "/proc/\$pid/stat" 2>/dev/null || return 1
    [ "\${st[21]}" = "\$tag" ] && echo "\$pid"
}
case "\$action" in
status|monitor) pid_of corosync >/dev/null && exit 0; exit 7 ;;
list) for d in $CL_T/node*; do echo "\${d##*/}"; done; exit 0 ;;
on) exit 0 ;;
off|reboot)
    read -r hpid htag < "$CL_T/node\$i/holder"
    pids="\$(pid_of corosync) \$(pid_of corrald)"
    [ -n "\${pids// /}" ] && kill -9 \$pids
    # Then whatever else runs on the node (agents, clients): a power switch
    # spares nothing. Same mount namespace as the holder = same node.
    pids=""
    for p in /proc/[0-9]*; do
        [ "\$p" != "/proc/\$hpid" ] && [ "\$p/ns/mnt" -ef "/proc/\$hpid/ns/mnt" ] && pids="\$pids \${p#/proc/}"
    done
    [ -n "\$pids" ] && kill -9 \$pids 2>/dev/null
    echo "\$EPOCHREALTIME fence \$node" >> "$CL_T/witness"
    # Volatile state goes with the power: its /run (bound from here) and /dev/shm.
    rm -rf "$CL_T/node\$i/run/"* "/proc/\$hpid/root/dev/shm/"* 2>/dev/null
    exit 0 ;;
*) exit 3 ;;
esac
SH
    chmod 755 "$CL_T/fence.sh"
}

cluster_down() {
    local pid tag
    for i in $(seq "$CL_N"); do
        # Whatever still runs on the node (pacemaker's daemons, agents), then the recorded ones.
        if [ -n "${CL_HOLDER[$i]:-}" ] && read -r pid tag < "$CL_T/node$i/holder" 2>/dev/null &&
            pid_alive "$pid" "$tag"; then
            # shellcheck disable=SC2046
            kill -9 $(node_procs "$i") 2>/dev/null
        fi
        for f in corrald corosync holder; do
            { read -r pid tag < "$CL_T/node$i/$f.pid" || read -r pid tag < "$CL_T/node$i/$f"; } 2>/dev/null || continue
            pid_alive "$pid" "$tag" && kill -9 "$pid" 2>/dev/null
        done
        ip netns del "$(ns_of "$i")" 2>/dev/null
    done
    ip netns del "$CL_HUB" 2>/dev/null
    if [ -n "${CL_KEEP:-}" ]; then cl_log "kept $CL_T"; else rm -rf "$CL_T"; fi
}
