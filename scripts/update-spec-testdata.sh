#!/usr/bin/env bash
# Refreshes mcp/testdata/spec — the MCP specification's JSON schemas and example messages that package mcp's
# tests validate against — from a local checkout of the specification repository:
#
#   git clone https://github.com/modelcontextprotocol/modelcontextprotocol /tmp/mcp-spec
#   ./scripts/update-spec-testdata.sh /tmp/mcp-spec
#
# It copies only what the tests read: schema/<version>/schema.json for every version mcpkit supports and the
# examples of the newest version (schema/<newest>/examples/<Type>/*.json), plus the repository's LICENSE,
# and writes the checkout's commit into mcp/testdata/spec/README.md. Review the diff and run
# `go test ./mcp` before committing.
set -euo pipefail

usage() { awk 'NR>1 && !/^#/ {exit} NR>1 {sub(/^# ?/, ""); print}' "$0"; }
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") usage >&2; echo >&2; echo "error: missing the path of a checkout of the specification repository" >&2; exit 2 ;;
esac
src=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."

versions="2024-11-05 2025-03-26 2025-06-18 2025-11-25 2026-07-28"   # mcp.SupportedVersions
examples_version=2026-07-28                                          # the newest: TestSpecExamplesRoundTrip
dst=mcp/testdata/spec

for v in $versions; do
  [ -f "$src/schema/$v/schema.json" ] || { echo "error: $src/schema/$v/schema.json not found" >&2; exit 1; }
done
[ -d "$src/schema/$examples_version/examples" ] || { echo "error: $src/schema/$examples_version/examples not found" >&2; exit 1; }

commit=$(git -C "$src" rev-parse HEAD 2>/dev/null || echo unknown)
date=$(git -C "$src" log -1 --format=%cs 2>/dev/null || echo unknown)

rm -rf "$dst/schema" "$dst/examples"
for v in $versions; do
  mkdir -p "$dst/schema/$v"
  cp "$src/schema/$v/schema.json" "$dst/schema/$v/schema.json"
done
mkdir -p "$dst/examples/$examples_version"
cp -R "$src/schema/$examples_version/examples/." "$dst/examples/$examples_version/"
find "$dst/examples" -type f ! -name '*.json' -delete
[ -f "$src/LICENSE" ] && cp "$src/LICENSE" "$dst/LICENSE"

# Record the source in the README (the lines between the markers).
awk -v commit="$commit" -v date="$date" '
  /^<!-- source -->$/ { print; print "Commit: `" commit "` (" date ")."; skip=1; next }
  /^<!-- \/source -->$/ { skip=0 }
  !skip { print }' "$dst/README.md" >"$dst/README.md.new"
mv "$dst/README.md.new" "$dst/README.md"

echo "updated $dst from $src at $commit ($date): $(find "$dst" -type f | wc -l) files, $(du -sh "$dst" | cut -f1)"
