// Package streamable is MCP's Streamable HTTP transport: one endpoint (conventionally /mcp) that serves
// both protocol eras (Handler), and the client that speaks to it (Client, a jsonrpc.Stream for
// client.Connect, which also falls back to the 2024-11-05 HTTP+SSE transport for servers that only have it).
//
//   - 2025-03-26 … 2025-11-25 (legacy): initialize opens a session (Mcp-Session-Id); each POST answers with
//     JSON or an SSE stream; GET opens the session's standalone stream; DELETE ends the session; SSE
//     streams are resumable with Last-Event-ID from the store's event log.
//   - 2026-07-28 (modern): every POST is stateless; MCP-Protocol-Version, Mcp-Method and Mcp-Name are
//     checked against the body; the response is JSON or an SSE stream that closes with the result, and
//     closing it cancels the request; subscriptions/listen holds a stream open for change notifications.
//
// The handler also enforces the safe defaults: Host and Origin checks against DNS rebinding, a body size
// limit, a session limit with a clear answer when it is reached, and keep-alive comments on long streams.
//
// It implements the HTTP binding only: what a request means is the server's business, reached through
// transport.Server, and the client's business on the other side. It must not import the server or client
// packages.
package streamable
