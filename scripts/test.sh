#!/usr/bin/env bash
# The project's test command (README "Quick start"): formatting, vet, staticcheck, the race-enabled test
# suite, and every fuzz target for a short run. FUZZTIME (default 15s) sets the length of each fuzz run;
# FUZZTIME=0 skips fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK_VERSION=v0.8.2
FUZZTIME=${FUZZTIME:-15s}
GOBIN_DIR=${MCPKIT_CACHE:-$PWD/.cache}/bin
export PATH="$GOBIN_DIR:$PATH"

step() { printf '\n==> %s\n' "$*"; }

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "staticcheck $STATICCHECK_VERSION"
if ! staticcheck -version 2>/dev/null | grep -q "(${STATICCHECK_VERSION#v})"; then
  GOBIN="$GOBIN_DIR" go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi
staticcheck ./...

step "go test -race"
go test -race -count=1 ./...

if [ "$FUZZTIME" != "0" ]; then
  # Every fuzz target, each for FUZZTIME.
  grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '/.cache/' | sort | while read -r file; do
    pkg="./$(dirname "${file#./}")"
    for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //'); do
      step "fuzz $pkg $target ($FUZZTIME)"
      go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"
    done
  done
fi

step "all checks passed"
