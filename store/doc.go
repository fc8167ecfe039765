// Package store holds the state that may leave the process: legacy sessions, the SSE event log used for
// resumability, the message bus that carries notifications between nodes, and the key ring that seals
// multi round-trip request state. Each is a small interface with an in-memory implementation here; a Redis
// implementation lives in store/redis, so servers and transports never know which one they use.
//
// Values are plain data (strings, bytes, JSON) so that every implementation can serialise them. This
// package must not import the server, client or transport packages, nor mcp.
package store
