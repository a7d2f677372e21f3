#!/usr/bin/env bash
# The precision gate on real repositories: clones every bundle of
# ../shared/corpus/realworld, runs `lockguard check --format json` on each,
# and compares the findings with testdata/realworld/expected.tsv.
# Prints one line per repository, then a table per rule, the total time and
# the slowest repository. CI runs the same test through `go test ./...`.
#
#   scripts/realworld.sh                          # the whole corpus
#   scripts/realworld.sh -realworld.only ipetkov/crane
#   scripts/realworld.sh -realworld.unlabelled /tmp/new.tsv   # rows to judge
set -euo pipefail
cd "$(dirname "$0")/.."
exec go test -count=1 -run '^TestRealWorld$' ./internal/realworld -v -args "$@"
