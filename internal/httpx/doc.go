// Package httpx holds what mcpkit's HTTP transports share: the Server-Sent Events writer and reader, the
// Host / Origin policy that keeps DNS rebinding out, and for the clients an unbounded message inbox and
// JSON-RPC error responses made from HTTP failures. It knows nothing of MCP messages.
package httpx
