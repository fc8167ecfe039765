// Package stdio is the MCP stdio transport: newline-delimited JSON-RPC messages over a pair of byte streams.
//
// NewStream frames any reader and writer (a server uses os.Stdin and os.Stdout; logs go to stderr, never to
// stdout). Command starts a server process and speaks to it over its stdin and stdout, drains its stderr, and
// shuts it down in the order the specification gives: close stdin, then SIGTERM, then SIGKILL.
//
// Close interrupts a Read blocked on the input, so that a server stops when asked while its client keeps
// stdin open. An *os.File in blocking mode (stdin usually is) cannot be interrupted as it is; on Linux
// NewStream reads it through a duplicate descriptor in non-blocking mode, with the runtime poller, and Close
// puts the file description back into blocking mode. When the output is the same description (one terminal,
// one socket), it is written through the poller too, so a full buffer makes Write wait rather than fail.
// While the stream is open, other holders of the description (os.Stderr on the same terminal) see it
// non-blocking.
//
// It must not depend on the server or client packages.
package stdio
