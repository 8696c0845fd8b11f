#!/bin/sh
# bless CASE...: write CASE/expected.json from the current corral output.
# Review every change (git diff) and check it with oracle.py before committing.
for d in "$@"; do
  [ -f "$d/expected.err" ] && continue
  st=""; [ -f "$d/status.ini" ] && st="--state $d/status.ini"
  ${CORRAL:-build/bin/corral} simulate --config $d/config.ini $st --json > $d/expected.json 2>/tmp/bless.err || { echo "FAIL $d"; cat /tmp/bless.err; rm -f $d/expected.json; }
done
