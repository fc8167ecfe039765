// Package badinput holds only tests: the bad-input corpus that every transport of mcpkit must survive
// (Streamable HTTP in both eras, HTTP+SSE, stdio). Each case is malformed, oversized or mistyped input; the
// test checks that it is answered with a JSON-RPC error or an HTTP 4xx, never a 5xx, a panic or a hang, and
// that a normal tools/call still works after each class. It prints a table of counts per class.
package badinput
