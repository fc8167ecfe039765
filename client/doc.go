// Package client is the MCP client SDK. Connect negotiates the protocol era with whatever server is on the
// other end of a stream (a 2026-07-28 server/discover probe first, falling back to the legacy initialize
// handshake), then offers typed calls (ListTools, CallTool, ReadResource, GetPrompt, Complete, …),
// iterators over paginated lists, and handlers for the server's notifications.
//
// One Session hides the era: in the modern era every request carries _meta with the protocol version,
// client capabilities and client info; in the legacy era the session remembers what initialize agreed.
//
// This package must not depend on a concrete transport: it runs over any jsonrpc.Stream.
package client
