# Helpers for the agent CLI tests (sourced).
: "${CORRAL_BIN:?CORRAL_BIN is set by ctest}"
: "${CORRAL_BUILD_DIR:?CORRAL_BUILD_DIR is set by ctest}"
CORRAL="$CORRAL_BIN/corral"
TMP=$(mktemp -d /tmp/corral-agent-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
failures=0

# run_corral ARGS...: runs corral, leaves the exit code in $rc, output in $TMP/out and $TMP/err.
run_corral() {
    set +e
    "$CORRAL" "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    set -e
}

fail() {
    echo "FAIL: $*" >&2
    echo "  stdout: $(head -c 2000 "$TMP/out")" >&2
    echo "  stderr: $(head -c 2000 "$TMP/err")" >&2
    failures=$((failures + 1))
}

# expect RC 'description' ARGS...: corral ARGS must exit RC.
expect() {
    want=$1
    what=$2
    shift 2
    run_corral "$@"
    if [ "$rc" -ne "$want" ]; then
        fail "$what: corral $* exited $rc, expected $want"
        return 1
    fi
    echo "ok: $what (exit $rc)"
}

# out_has / err_has STRING: the last run printed STRING.
out_has() {
    grep -qF -- "$1" "$TMP/out" || fail "stdout lacks '$1'"
}
err_has() {
    grep -qF -- "$1" "$TMP/err" || fail "stderr lacks '$1'"
}

finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures failure(s)" >&2
        exit 1
    fi
    echo "all passed"
}
