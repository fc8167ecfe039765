// Package cli is mcpbench: the side-by-side benchmark of mcpkit, go-sdk, mcp-go and a raw net/http
// ceiling. The parent process plans the cases, drives each server with the load generator and prints
// the table; every server runs in a child process (the same binary, started with a serve-* or run-inmem
// subcommand) so that its allocations, CPU time and memory are measured apart from the generator's.
//
// It must not contain SDK-specific code (package sdks) or wire-level code (package loadgen).
package cli
