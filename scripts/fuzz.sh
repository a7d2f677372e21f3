#!/usr/bin/env bash
# Run every fuzz target for DURATION each (default 1m), one after another
# (among them checks FuzzLG401Rewrite: LG401's rewrite-and-reparse round trip).
#   scripts/fuzz.sh 10m
# New crashers land in <package>/testdata/fuzz/<Target>/ (Go's corpus
# format); commit them: `go test ./...` then replays them as regression tests.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-1m}
summary=()
status=0
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "== $pkg $target ($duration)"
    log=$(mktemp)
    if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$duration" "$pkg" 2>&1 | tee "$log" | grep -E '^(fuzz: elapsed|--- FAIL|FAIL|ok|PASS)' | tail -n 3; then :; fi
    execs=$(grep -oE 'execs: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
    if grep -q -- '--- FAIL' "$log"; then
      summary+=("$pkg $target: FAIL after ${execs:-?} execs")
      status=1
    else
      summary+=("$pkg $target: ok, ${execs:-?} execs")
    fi
    rm -f "$log"
  done
done
echo
printf '%s\n' "${summary[@]}"
exit $status
