# Assertions and status queries shared by the cluster scenarios. Source it
# after harness.sh. Each check prints "ok - WHAT" or "not ok - WHAT".

PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
not() { ! "$@"; }

# q I PYEXPR: evaluate PYEXPR over node I's `corral status --json` (as d).
q() { corral_on "$1" status --json | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }
wait_for() { # wait_for SECONDS NODE PYEXPR EXPECTED (seconds of wall clock, however slow q is)
    local end=$((SECONDS + $1)) n=$2 e=$3 want=$4
    while [ "$SECONDS" -lt "$end" ]; do
        [ "$(q "$n" "$e" 2>/dev/null)" = "$want" ] && return 0
        sleep 0.2
    done
    return 1
}
# where I: the node running web in node I's view, or -.
where() { q "$1" "','.join(r['nodes'][0] if r['nodes'] else '-' for r in d['resources'] if r['id']=='web')"; }
starts() { grep -c "start web" "$CL_T/witness"; }
# Every node's view must agree before the next step.
settle() { for i in "$@"; do corral_on "$i" wait --timeout 60s >/dev/null 2>&1; done; }
# Is node I powered (its recorded corosync alive)?
powered() { local pid tag; read -r pid tag < "$CL_T/node$1/corosync.pid" 2>/dev/null && pid_alive "$pid" "$tag"; }
# The end of a scenario script: the tally, and the logs when something failed.
finish() {
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" = 0 ] && exit 0
    for i in $(seq "$CL_N"); do echo "--- node$i corrald"; tail -n 30 "$CL_T/node$i/corrald.log"; done
    exit 1
}
