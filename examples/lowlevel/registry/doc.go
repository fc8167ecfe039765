// Package registry is a tool registry that knows nothing of MCP: plain Go functions taking and returning
// untyped values, each with the JSON Schema of its arguments as a Go map. It imports nothing but the
// standard library; examples/lowlevel adapts it to an MCP server.
package registry
