// Package streamable is the server side of MCP's Streamable HTTP transport: one endpoint (conventionally
// /mcp) that serves both protocol eras.
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
// transport.Server. It must not import the server package.
package streamable
