// Package jsonrpc implements JSON-RPC 2.0 for mcpkit: the wire types, strict decoding, and Conn, the engine
// that runs one connection over a message Stream.
//
// Conn correlates outbound requests with their responses, runs inbound requests concurrently behind a bounded
// queue, handles inbound notifications in arrival order, propagates cancellation both ways, and serialises
// writes. Params and results stay raw (jsontext.Value) until a handler decodes them.
//
// This package knows nothing of MCP: method names, eras and capabilities belong to the server and client
// packages. The one MCP-shaped hook, the name of the cancellation notification, is an option.
package jsonrpc
