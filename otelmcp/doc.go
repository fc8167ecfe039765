// Package otelmcp traces MCP requests with OpenTelemetry, on the server (ServerMiddleware), on the client
// (ClientMiddleware) and at the HTTP edge (HTTPMiddleware), and the requests a server sends a legacy
// client (ServerOutboundMiddleware on the server, ClientHandlerMiddleware on the client), following the
// OpenTelemetry semantic conventions for MCP: one span per JSON-RPC request named "{mcp.method.name} {target}" (the tool or
// prompt name when there is one), kind server or client, with mcp.method.name, jsonrpc.request.id,
// mcp.protocol.version, mcp.session.id, gen_ai.tool.name, gen_ai.prompt.name, mcp.resource.uri, the
// network attributes of HTTP, and error.type / rpc.response.status_code with an error status when the
// request fails (a JSON-RPC error) or a tool reports an error (isError: error.type "tool_error").
//
// Trace context travels in the request's params._meta (traceparent, tracestate, baggage: the keys the
// 2026-07-28 specification reserves for it) in both protocol eras and on every transport; over HTTP the
// client transports also mirror it into the W3C headers of the POST. The server takes the parent from
// _meta first, else from the context HTTPMiddleware extracted from the headers, and links the header
// context when both are present and differ.
//
// BatchProcessor is a span processor with the SDK's batching semantics that wakes its exporting goroutine
// once per batch rather than per span (what `mcpkit serve --otel` exports through).
//
// The core packages (server, client, transport/..., store, auth) do not import OpenTelemetry: they offer
// the hooks this package plugs into (server.Middleware, client.Middleware, server.HTTPOptions.Wrap,
// server.OutboundMiddleware, client.HandlerMiddleware), so a program that does not import otelmcp links no
// OpenTelemetry code and pays nothing.
package otelmcp
