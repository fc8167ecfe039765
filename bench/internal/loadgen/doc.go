// Package loadgen drives servers with pre-encoded requests and measures them: a minimal HTTP/1.1 client
// (one keep-alive connection per simulated client, requests written as ready bytes), a line-oriented stdio
// driver, response checks, and a latency histogram. It measures nothing of the server's memory: that is
// read from the server's own process (package child).
//
// It must not import any SDK: every implementation is driven by the same bytes.
package loadgen
