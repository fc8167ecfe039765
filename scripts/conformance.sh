#!/usr/bin/env bash
# Runs the official MCP conformance suite (pinned in scripts/peers.sh) against mcpkit:
#   server legs: conformance/server on 127.0.0.1, --requirements 2025-11-25 and 2026-07-28 against the SAME
#   URL (both eras on one endpoint, no flag).
#   client legs: conformance/client, run by the suite against its mock servers at --requirements 2025-11-25
#   and 2026-07-28, inside a private network namespace (the mock servers listen on every interface; needs
#   root for unshare -n, see scripts/netns.sh).
# Expected failures per leg live in conformance/expected/<leg>.yml. A scored failure not listed there fails
# this script. Results (checks.json per scenario) go to $MCPKIT_CACHE/conformance-results.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/peers.sh

results=${MCPKIT_CACHE:-$PWD/.cache}/conformance-results
rm -rf "$results"
mkdir -p "$results"
bin=$(mktemp -d)
trap 'kill "${server_pid:-}" 2>/dev/null || true; wait "${server_pid:-}" 2>/dev/null || true; rm -rf "$bin"' EXIT

go build -o "$bin/conformance-server" ./conformance/server
go build -o "$bin/conformance-client" ./conformance/client
# A free port on 127.0.0.1: the first port from a random start that nothing answers on (bash only; no
# python3 on a bare CI image).
port=
for _ in $(seq 1 200); do
  p=$((20000 + RANDOM % 40000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { echo "conformance.sh: no free port on 127.0.0.1" >&2; exit 1; }
"$bin/conformance-server" --addr "127.0.0.1:$port" 2>"$results/server.log" &
server_pid=$!
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
url="http://127.0.0.1:$port/mcp"

status=0
summary=()
for req in 2025-11-25 2026-07-28; do
  echo "==> conformance server --requirements $req ($url)"
  out="$results/server-$req"
  if conformance server --url "$url" --requirements "$req" -o "$out" \
       --expected-failures "conformance/expected/server-$req.yml" >"$out.txt" 2>&1; then
    result=pass
  else
    result=FAIL
    status=1
  fi
  sed -n '/=== SUMMARY ===/,$p' "$out.txt"
  total=$(grep -E '^Total: ' "$out.txt" | tail -1 || true)
  summary+=("server $req: ${total#Total: } ($result)")
done

kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=

for req in 2025-11-25 2026-07-28; do
  echo "==> conformance client --requirements $req (private network namespace)"
  out="$results/client-$req"
  if scripts/netns.sh conformance client --command "$bin/conformance-client" --requirements "$req" -o "$out" \
       --expected-failures "conformance/expected/client-$req.yml" >"$out.txt" 2>&1; then
    result=pass
  else
    result=FAIL
    status=1
  fi
  sed -n '/=== SUITE SUMMARY ===/,$p' "$out.txt"
  total=$(grep -E '^Total: ' "$out.txt" | tail -1 || true)
  summary+=("client $req: ${total#Total: } ($result)")
done

echo
echo "==> conformance summary"
printf '%s\n' "${summary[@]}"
exit $status
