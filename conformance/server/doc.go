// Command server serves the conformance fixtures (package conformance/fixture) for the official MCP
// conformance suite: every tool, resource and prompt its server scenarios name, both protocol eras, no flag.
//
// Usage:
//
//	go run ./conformance/server            # serve over stdin/stdout
//	go run ./conformance/server --addr :3001
//
// Only stdio is served for now: --addr (Streamable HTTP, which the suite drives) is refused with an error
// until the HTTP transport exists. Logs go to stderr; on stdio, stdout carries only protocol messages.
package main
