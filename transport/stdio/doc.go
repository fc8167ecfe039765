// Package stdio is the MCP stdio transport: newline-delimited JSON-RPC messages over a pair of byte streams.
//
// NewStream frames any reader and writer (a server uses os.Stdin and os.Stdout; logs go to stderr, never to
// stdout). Command starts a server process and speaks to it over its stdin and stdout, drains its stderr, and
// shuts it down in the order the specification gives: close stdin, then SIGTERM, then SIGKILL.
//
// It must not depend on the server or client packages.
package stdio
