#!/bin/sh
# `corral config`'s command line: help, usage errors and an unreadable file.
set -u
corral=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# expect EXIT STDOUT-GREP STDERR-EXACT -- ARGS...
expect() {
    want_rc=$1 want_out=$2 want_err=$3
    shift 4
    "$corral" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" != "$want_rc" ]; then
        echo "FAIL: corral $*: exit $rc, expected $want_rc"
        failed=$((failed + 1))
    fi
    if [ -n "$want_out" ] && ! grep -q -- "$want_out" "$tmp/out"; then
        echo "FAIL: corral $*: stdout lacks '$want_out':"
        cat "$tmp/out"
        failed=$((failed + 1))
    fi
    if [ "$want_err" != "-" ] && [ "$(cat "$tmp/err")" != "$want_err" ]; then
        echo "FAIL: corral $*: stderr is '$(cat "$tmp/err")', expected '$want_err'"
        failed=$((failed + 1))
    fi
}

printf '[resource web]\nagent = dummy\n' >"$tmp/ok.ini"
printf '[resource web]\nagent = dummy\nstickyness = 1\n' >"$tmp/bad.ini"

expect 0 "config" "" -- --help
expect 0 "verify FILE" "" -- config --help
expect 0 "verify FILE" "" -- config verify --help
expect 2 "" - -- config
expect 2 "" "corral: config verify takes one FILE (see corral config --help)." -- config verify
expect 2 "" "corral: config verify takes one FILE (see corral config --help)." -- config verify a b
expect 2 "" "corral: unknown config command 'frobnicate' (see corral config --help)." -- config frobnicate
expect 2 "" "$tmp/none.ini: cannot read the file: No such file or directory" -- config verify "$tmp/none.ini"
expect 0 "^0 nodes, 1 resources, 0 groups, 0 clones, 0 constraints, 0 fence devices$" "" -- config verify "$tmp/ok.ini"
expect 2 "" "$tmp/bad.ini:3: resource web: unknown key 'stickyness' (did you mean 'stickiness'?)" -- config verify "$tmp/bad.ini"
[ -s "$tmp/out" ] && { echo "FAIL: a refused file printed a summary"; failed=$((failed + 1)); }

echo "cli: $failed failed"
[ "$failed" = 0 ]
