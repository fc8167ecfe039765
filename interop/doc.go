// Package interop tests mcpkit against real MCP peers from npm (the TypeScript SDK clients, the
// Inspector CLI). The tests run when scripts/peers.sh has installed the peers (MCPKIT_PEERS set); otherwise
// they are skipped on a developer's machine and fail in CI (CI=true), so CI never passes without them.
// scripts/test.sh installs the peers unless MCPKIT_SKIP_PEERS=1, which it refuses when CI=true.
package interop
