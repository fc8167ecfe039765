// Package exampleserve is the command line the book's small examples share: --addr to serve Streamable
// HTTP (both eras) and HTTP+SSE on a loopback address, --stdio to serve over stdin/stdout, and a context
// that ends on SIGINT or SIGTERM so that each example shuts down in order.
package exampleserve
