#!/bin/sh
# The README's main command: install the dependencies, build, install into
# ./_demo/prefix, and start the single-node demo cluster (corrald
# --standalone on etc/demo.ini), then show `corral status`.
#
#   ./scripts/demo.sh          set up and start the demo (idempotent)
#   ./scripts/demo.sh stop     stop the demo's corrald (it stops its resources)
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
DEMO=$TOP/_demo
PREFIX=$DEMO/prefix
export CORRAL_IPC_NAME=${CORRAL_IPC_NAME:-corral-demo}

corral() { "$PREFIX/sbin/corral" "$@"; }

if [ "${1:-}" = stop ]; then
    if [ -f "$DEMO/corrald.pid" ] && kill -0 "$(cat "$DEMO/corrald.pid")" 2>/dev/null; then
        kill -TERM "$(cat "$DEMO/corrald.pid")"
        while kill -0 "$(cat "$DEMO/corrald.pid")" 2>/dev/null; do sleep 0.2; done
        echo "demo stopped"
    else
        echo "the demo is not running"
    fi
    exit 0
fi

./scripts/deps.sh
# Its own build, configured for the demo's prefix: the installed programs
# find their plugins and agents there with no environment set.
BUILD_DIR=build-demo ./scripts/build.sh -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCORRAL_TESTS=OFF >/dev/null
cmake --install build-demo >/dev/null

mkdir -p "$DEMO"
if [ -f "$DEMO/corrald.pid" ] && kill -0 "$(cat "$DEMO/corrald.pid")" 2>/dev/null; then
    echo "the demo's corrald is already running (pid $(cat "$DEMO/corrald.pid"))"
else
    corral config verify etc/demo.ini
    "$PREFIX/sbin/corrald" --standalone --node demo --config "$TOP/etc/demo.ini" \
        --state-dir "$DEMO/state" --foreground --log-file "$DEMO/corrald.log" &
    echo $! > "$DEMO/corrald.pid"
    for _ in $(seq 50); do corral status >/dev/null 2>&1 && break; sleep 0.1; done
fi
corral wait --timeout 60s
corral status
cat <<TXT

The demo runs in the background (log: $DEMO/corrald.log). Try:
  export CORRAL_IPC_NAME=$CORRAL_IPC_NAME PATH=$PREFIX/sbin:\$PATH
  curl -s http://198.18.0.10:8089/ | head -5       # the demo's web site
  pkill -f "http.server 8089"; sleep 16; corral status   # corral restarts it
  corral resource why demo-web
  ./scripts/demo.sh stop
TXT
