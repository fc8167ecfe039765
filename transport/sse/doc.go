// Package sse is the deprecated HTTP+SSE transport of protocol 2024-11-05, which many deployed clients
// and servers still use: GET on the SSE endpoint opens a stream whose first event, "endpoint", names the
// URL to POST messages to (…/messages?session_id=…); every POST is answered 202 and the response travels
// on the stream. A session lives as long as its stream.
//
// Handler is the server side. It serves the same transport.Server as the Streamable HTTP endpoint, so
// both transports see the same tools, resources and prompts; it must not import the server package.
// Client (Dial) is the client side, a jsonrpc.Stream for client.Connect; it must not know MCP methods.
package sse
