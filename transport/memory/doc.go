// Package memory is an in-process transport: Pipe returns two connected jsonrpc.Streams. Messages are copied
// on Write, so both sides may reuse their buffers. It is meant for tests and for embedding a server in the
// same process as its client.
//
// It must not depend on the server or client packages.
package memory
