// Package store holds the state that may leave the process: legacy sessions, the SSE event log used for
// resumability, the message bus that carries notifications between nodes, the key ring that seals
// multi round-trip request state, and tasks (calls that outlive their request, polled from any node). Each is a small interface with an in-memory implementation here and one on
// Redis in store/redis (for several nodes); servers and transports use only the interfaces, so either can be
// used without changing them.
//
// Values are plain data (strings, bytes, JSON) so that every implementation can serialise them. This
// package must not import the server, client or transport packages, nor mcp.
package store
