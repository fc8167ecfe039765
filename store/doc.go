// Package store holds the state that may leave the process: legacy sessions, the SSE event log used for
// resumability, the message bus that carries notifications between nodes, and the key ring that seals
// multi round-trip request state. Each is a small interface with an in-memory implementation here (the only
// one mcpkit ships today); servers and transports use only the interfaces, so an implementation backed by
// shared storage (for several nodes) can replace it without changing them.
//
// Values are plain data (strings, bytes, JSON) so that every implementation can serialise them. This
// package must not import the server, client or transport packages, nor mcp.
package store
