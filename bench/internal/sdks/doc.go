// Package sdks wires each implementation under test — mcpkit, the official go-sdk, mcp-go and a raw
// net/http ceiling — to the same workload: the add and text4k tools of package workload, served over
// Streamable HTTP, stdio and each SDK's own in-memory transport.
//
// It must not measure anything or know how the load is generated: it only builds servers and clients.
package sdks
