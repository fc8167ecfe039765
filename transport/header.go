package transport

import "net/http"

// HeaderPeer is implemented by the Peer of a request that arrived over HTTP: it gives the request's
// headers, for checks that need both the headers and the server's registries (the 2026-07-28 Mcp-Param-*
// headers of x-mcp-header arguments). The headers must not be modified.
type HeaderPeer interface {
	RequestHeader() http.Header
}
