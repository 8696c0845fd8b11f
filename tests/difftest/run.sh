#!/bin/sh
# Full differential run against Pacemaker's crm_simulate:
#   tests/difftest/run.sh [N] [FEATURES]
# N seeds (default 300), FEATURES a comma list or "all" (default; see
# difftest.py --help). Prints every mismatch (shrunk) and the match rate.
# corral is $CORRAL, else $CORRAL_BIN/corral, else build/bin/corral.
# Exits 1 when a run errs (crm_simulate or corral fails on a case) or the
# match rate is below $DIFFTEST_MIN_MATCH (default 0: mismatches are
# reported, not fatal). $DIFFTEST_REPORT appends a markdown report there.
# Mismatches are printed as they are; DIFFTEST_SHRINK=1 shrinks each one
# first (slow: up to 60 extra runs of both tools per mismatch).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
n=${1:-300}
features=${2:-all}
corral=${CORRAL:-${CORRAL_BIN:+$CORRAL_BIN/corral}}
corral=${corral:-$root/build/bin/corral}
set -- --seeds "1-$n" --features "$features" --corral "$corral" \
    --min-match "${DIFFTEST_MIN_MATCH:-0}" --fail-on-error
if [ "${DIFFTEST_SHRINK:-0}" != 1 ]; then
    set -- "$@" --no-shrink
fi
if [ -n "${DIFFTEST_REPORT:-}" ]; then
    set -- "$@" --report "$DIFFTEST_REPORT"
fi
exec python3 "$here/difftest.py" "$@"
