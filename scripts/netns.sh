#!/usr/bin/env bash
# Runs a command in a private network namespace with only loopback up (needs root: unshare -n), so that
# servers that listen on every interface (server-everything, the conformance suite's client-mode mock servers)
# are reachable on 127.0.0.1 and nowhere else. Background processes the command starts are not killed for you:
# stop what you start before the command returns.
#   scripts/netns.sh conformance client --command ./client --requirements 2026-07-28
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: scripts/netns.sh COMMAND [ARGS...]" >&2; exit 2; }
exec unshare -n bash -c 'ip link set lo up && exec "$@"' netns "$@"
