#!/bin/sh
# Check the installed systemd units with systemd-analyze verify, after a
# `cmake --install` into a temporary prefix (which must hold everything).
set -eu
BUILD=$1
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is not installed"; exit 0; }
P=$(mktemp -d /tmp/corral-prefix-XXXXXX)
trap 'rm -rf "$P"' EXIT
cmake --install "$BUILD" --prefix "$P" >/dev/null
PREFIX0=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
fail=0
for u in corrald corrald-standalone; do
    f="$P/lib/systemd/system/$u.service"
    [ -f "$f" ] || f=$(find "$P" -name "$u.service" | head -n 1)
    [ -n "$f" ] && [ -f "$f" ] || { echo "not ok - $u.service installed under the prefix"; fail=1; continue; }
    # The unit names corrald under the configured prefix; verify it against
    # this temporary install by rewriting that prefix.
    mkdir -p "$P/verify"
    sed "s|$PREFIX0|$P|g" "$f" > "$P/verify/$u.service"
    out=$(systemd-analyze verify --man=no "$P/verify/$u.service" 2>&1 || echo "(exit $?)")
    if [ -n "$out" ]; then echo "not ok - $u.service verifies:"; echo "$out"; fail=1
    else echo "ok - $u.service verifies"; fi
done
# Nothing outside the prefix: the install manifest lists only paths under it.
if grep -v "^$P" "$BUILD/install_manifest.txt" >/dev/null 2>&1; then
    echo "not ok - everything installs under the prefix:"; grep -v "^$P" "$BUILD/install_manifest.txt"; fail=1
else echo "ok - everything installs under the prefix"; fi
[ "$fail" = 0 ] && echo "3 passed, 0 failed" || exit 1
