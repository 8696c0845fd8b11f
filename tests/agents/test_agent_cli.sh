#!/bin/sh
# `corral agent list|meta|run` against the broken fixture plugins.
set -eu
. "$(dirname "$0")/lib.sh"
CORRAL_PLUGIN_PATH="$CORRAL_BUILD_DIR/tests/fixtures:${CORRAL_PLUGIN_PATH:-}"
export CORRAL_PLUGIN_PATH

# Usage first.
expect 0 "agent --help" agent --help && out_has "corral agent run"
expect 0 "agent list --help" agent list --help && out_has "Usage: corral agent list"
expect 0 "agent meta --help" agent meta --help && out_has "Usage: corral agent meta"
expect 0 "agent run --help" agent run --help && out_has "--timeout T"
expect 2 "agent without subcommand" agent
expect 2 "unknown agent subcommand" agent frobnicate && err_has "unknown agent subcommand 'frobnicate'"
expect 2 "run without action" agent run crasher
expect 2 "run with a bad parameter" agent run crasher start novalue && err_has "'novalue' is not a key=value parameter"
expect 2 "run with a bad timeout" agent run --timeout soon crasher start && err_has "--timeout 'soon'"
expect 2 "meta without agent" agent meta

# Unknown and refused agents.
expect 2 "unknown agent" agent run no_such_agent start && err_has "no resource agent 'no_such_agent' is installed"
expect 2 "unknown agent meta" agent meta no_such_agent
expect 2 "a resource agent is not a fence agent" agent run --fence crasher off
expect 1 "wrong ABI is refused" agent run bad_abi start && err_has "bad_abi.so: refused: ABI major 2, this host speaks 1"
expect 1 "missing monitor is refused" agent meta no_monitor && err_has "required action 'monitor' missing"

# list: good fixtures listed, refused ones not (their refusals logged).
expect 0 "agent list" agent list
out_has "$(printf 'crasher\tresource')"
out_has "$(printf 'offon\tfence')"
if grep -q "^bad_abi" "$TMP/out"; then fail "a refused plugin is listed"; fi
err_has "bad_abi.so: refused"
out_has "$(printf 'fixbridge:echo\tresource')"
out_has "$(printf 'fixbridge:fence\tfence')"
err_has "wrongname.so: refused: bridge calls itself 'fixbridge', not 'wrongname'"

# meta
expect 0 "meta of a resource plugin" agent meta exiter
out_has "exiter (resource agent), version 1.0"
out_has "code (integer, optional, default \"3\")"
expect 0 "meta of a fence plugin" agent meta --fence offon && out_has "log (string, required)"

# run: every kind of misbehaviour costs one failed op, with the code it deserves.
expect 1 "crash" agent run crasher start && out_has "crasher start: generic error (rc=1): killed by signal 11 (Segmentation fault)"
expect 1 "hang past the timeout" agent run --timeout 300ms hanger start && out_has "hanger start: timed out after 300ms"
expect 4 "exit() gives its code" agent run exiter start code=4 && out_has "exiter start: insufficient privileges (rc=4)"
expect 3 "exit() default parameter" agent run --id e1 exiter monitor
expect 1 "garbage code" agent run garbage stop && out_has "returned an invalid code 42"
expect 0 "flood is drained" agent run flooder start mb=2 && out_has "flooder start: ok (rc=0)"
expect 0 "grandchild not waited for" agent run forker start seconds=30 && out_has "forker start: ok (rc=0)"
gc=$(sed -n 's/^grandchild //p' "$TMP/out")
if [ -z "$gc" ] || ! kill -0 "$gc" 2>/dev/null; then fail "the forker's grandchild is not running"; fi
[ -n "$gc" ] && kill "$gc" 2>/dev/null || true
expect 3 "unimplemented action" agent run garbage promote && out_has "unimplemented (rc=3)"
expect 0 "meta-data action" agent run exiter meta-data && out_has '<resource-agent name="exiter"'

# bridged agents
expect 0 "bridged agent" agent run fixbridge:echo start msg=hi && out_has "fixbridge:echo start: ok (rc=0)"
out_has "hi"
expect 0 "bridged agent meta" agent meta fixbridge:echo && out_has "msg (string, optional, default \"hello\")"
expect 1 "broken bridged agent" agent run fixbridge:broken start && err_has "broken.fix:3: syntax error"
expect 2 "unknown bridge" agent run nobridge:x start

# fence: reboot without a reboot function is off then on.
expect 0 "fence reboot" agent run --fence offon reboot --target n1 "log=$TMP/fence.log"
[ "$(cat "$TMP/fence.log")" = "$(printf 'off n1\non n1')" ] || fail "reboot did not run off then on"
expect 6 "fence validate without the required parameter" agent run --fence offon validate && out_has "required parameter 'log'"

finish
