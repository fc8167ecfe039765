// Package transport groups mcpkit's transports. Each sub-package moves whole JSON-RPC messages over one kind
// of wire and offers them as a jsonrpc.Stream (or, for HTTP, as an http.Handler and a client stream):
//
//   - transport/memory: an in-process pair, for tests and embedding.
//   - transport/stdio: newline-delimited JSON over a process's stdin and stdout, and a client that spawns a
//     server command.
//
// Transports know nothing of MCP methods or protocol eras; the server and client packages do.
package transport
