package transport

import (
	"context"
	"net/http"
)

type headerKey struct{}

// WithRequestHeader returns ctx carrying the HTTP request headers of the message being served, for checks
// that need both the headers and the server's registries (the 2026-07-28 Mcp-Param-* headers). HTTP
// transports call it; the headers must not be modified.
func WithRequestHeader(ctx context.Context, h http.Header) context.Context {
	return context.WithValue(ctx, headerKey{}, h)
}

// RequestHeader returns the HTTP request headers of the message being served, or nil when it did not
// arrive over HTTP.
func RequestHeader(ctx context.Context) http.Header {
	h, _ := ctx.Value(headerKey{}).(http.Header)
	return h
}
