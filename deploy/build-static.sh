#!/bin/sh
# Builds the static mcpkit binary that the container image holds: no cgo (so no libc: it runs in an empty
# `FROM scratch` image), no paths of the build machine in it, symbols stripped. The Dockerfile's build stage
# and deploy/'s image test both run this script, so the binary they check is the one users ship.
#
# Usage: deploy/build-static.sh OUT   (run from the repository root)
set -eu
out=${1:?usage: deploy/build-static.sh OUT}
CGO_ENABLED=0 GOOS=${GOOS:-linux} go build -trimpath -ldflags='-s -w' -o "$out" ./cmd/mcpkit
