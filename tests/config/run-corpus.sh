#!/bin/sh
# The configuration corpus, run through `corral config verify` as a user runs it.
#
#   run-corpus.sh bad  CORRAL DIR   every DIR/*.ini is refused (exit 2) with exactly the
#                                   lines of its .expect on stderr (FILE relative to DIR)
#   run-corpus.sh good CORRAL DIR   every DIR/*.ini verifies (exit 0, one summary line);
#                                   stderr is empty, or exactly its .expect (warnings)
#   run-corpus.sh docs CORRAL DIR   every ```ini block of DIR/*.md verifies (a block whose
#                                   info string has a second word, e.g. ```ini status, is
#                                   not a config and is skipped)
#
# Agents are checked for real: CORRAL_PLUGIN_PATH and CORRAL_LUA_PATH come from the test
# environment (tests/CMakeLists.txt).
set -u
mode=$1
corral=$2
dir=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
count=0

fail() {
    echo "FAIL: $*"
    failed=$((failed + 1))
}

# verify DIR FILE: runs in DIR so that messages name FILE as given; sets rc, out, err.
verify() {
    (cd "$1" && "$corral" config verify "$2" >"$tmp/out" 2>"$tmp/err")
    rc=$?
}

case "$mode" in
bad)
    for f in "$dir"/*.ini; do
        name=$(basename "$f")
        count=$((count + 1))
        verify "$dir" "$name"
        expect="${f%.ini}.expect"
        if [ ! -f "$expect" ]; then
            fail "$name: no $(basename "$expect")"
            continue
        fi
        [ "$rc" = 2 ] || fail "$name: exit $rc, expected 2"
        [ -s "$tmp/out" ] && fail "$name: printed a summary for a bad file: $(cat "$tmp/out")"
        if ! cmp -s "$expect" "$tmp/err"; then
            fail "$name: messages differ (expected -, got +):"
            diff -u "$expect" "$tmp/err" | tail -n +3
        fi
    done
    ;;
good)
    for f in "$dir"/*.ini; do
        name=$(basename "$f")
        count=$((count + 1))
        verify "$dir" "$name"
        [ "$rc" = 0 ] || { fail "$name: exit $rc, expected 0:"; cat "$tmp/err"; continue; }
        grep -Eq '^[0-9]+ nodes, [0-9]+ resources, [0-9]+ groups, [0-9]+ clones, [0-9]+ constraints, [0-9]+ fence devices$' "$tmp/out" ||
            fail "$name: unexpected summary: $(cat "$tmp/out")"
        expect="${f%.ini}.expect"
        [ -f "$expect" ] || expect=/dev/null
        if ! cmp -s "$expect" "$tmp/err"; then
            fail "$name: stderr differs (expected -, got +):"
            diff -u "$expect" "$tmp/err" | tail -n +3
        fi
    done
    ;;
docs)
    for md in "$dir"/*.md; do
        [ -f "$md" ] || continue
        base=$(basename "$md" .md)
        # Each ```ini block becomes BASE-LINE.ini, LINE being the block's first line in the .md.
        awk -v out="$tmp/$base" '
            /^```ini[ \t]*$/ { inside = 1; file = out "-" (NR + 1) ".ini"; printf "" > file; next }
            /^```/ && inside { inside = 0; close(file); next }
            inside { print > file }
        ' "$md"
    done
    for f in "$tmp"/*.ini; do
        [ -f "$f" ] || continue
        count=$((count + 1))
        verify "$tmp" "$(basename "$f")"
        [ "$rc" = 0 ] || { fail "$(basename "$f") (docs/FILE.md from that line): exit $rc:"; cat "$tmp/err"; }
    done
    ;;
*)
    echo "usage: $0 bad|good|docs CORRAL DIR" >&2
    exit 2
    ;;
esac
echo "$mode: $count files, $failed failed"
[ "$count" -gt 0 ] || { echo "no files found in $dir"; exit 1; }
[ "$failed" = 0 ]
