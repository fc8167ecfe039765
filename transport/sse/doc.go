// Package sse is the server side of the deprecated HTTP+SSE transport of protocol 2024-11-05, which many
// deployed clients still use: GET on the SSE endpoint opens a stream whose first event, "endpoint", names
// the URL to POST messages to (…/messages?session_id=…); every POST is answered 202 and the response
// travels on the stream. A session lives as long as its stream.
//
// It serves the same transport.Server as the Streamable HTTP endpoint, so both transports see the same
// tools, resources and prompts. It must not import the server package.
package sse
