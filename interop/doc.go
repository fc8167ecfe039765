// Package interop tests mcpkit against real MCP peers from npm (the TypeScript SDK clients, the
// Inspector CLI). The tests run when scripts/peers.sh has installed the peers (MCPKIT_PEERS set) and are
// skipped otherwise; scripts/test.sh always installs them, so CI always runs them.
package interop
