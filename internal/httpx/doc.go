// Package httpx holds what mcpkit's HTTP transports share: the Server-Sent Events writer and the Host /
// Origin policy that keeps DNS rebinding out. It knows nothing of MCP messages.
package httpx
