#!/bin/sh
# The `dummy` resource plugin through `corral agent run`: monitor, start, monitor, stop, monitor.
set -eu
. "$(dirname "$0")/lib.sh"
state="$TMP/x"
expect 7 "monitor before start" agent run dummy monitor "state=$state" && out_has "dummy monitor: not running (rc=7)"
expect 0 "start" agent run dummy start "state=$state" && out_has "dummy start: ok (rc=0)"
expect 0 "monitor while started" agent run dummy monitor "state=$state"
expect 0 "stop" agent run dummy stop "state=$state"
expect 7 "monitor after stop" agent run dummy monitor "state=$state"
expect 0 "meta" agent meta dummy && out_has "state"
finish
