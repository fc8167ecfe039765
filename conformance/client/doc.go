// Command client is the MCP client the official conformance suite (@modelcontextprotocol/conformance) drives
// in client mode. The suite starts a mock server per scenario and runs this command with the server's URL as
// the last argument and the environment
//
//	MCP_CONFORMANCE_SCENARIO          the scenario name (required)
//	MCP_CONFORMANCE_PROTOCOL_VERSION  the protocol version to pin: 2025-11-25 and older use the legacy
//	                                  initialize lifecycle, 2026-07-28 the modern one (empty negotiates)
//	MCP_CONFORMANCE_CONTEXT           scenario data as JSON (some scenarios only)
//
// Each scenario connects with mcpkit's public client API (client.Connect over the Streamable HTTP client
// transport, transport/streamable) and does what the scenario's mock server waits for: list the tools,
// call them, answer elicitations, and so on. The mock server scores what it saw; this command only exits
// non-zero when something it needed failed, or when the scenario is unknown. The auth/*
// scenarios log in with client/oauth (auth.go).
//
// Usage:
//
//	MCP_CONFORMANCE_SCENARIO=tools_call MCP_CONFORMANCE_PROTOCOL_VERSION=2026-07-28 \
//	    go run ./conformance/client http://127.0.0.1:3001/mcp
//
// The suite's client-mode mock servers listen on every interface: scripts/conformance.sh runs the client
// legs in a private network namespace (scripts/netns.sh).
package main
