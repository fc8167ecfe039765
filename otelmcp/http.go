package otelmcp

import (
	"context"
	"net"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
)

// HTTPMiddleware returns an HTTP middleware for the MCP endpoints (server.HTTPOptions.Wrap, or around
// server.Handler / streamable.NewHandler yourself): it extracts the W3C trace context of a POST's headers
// into the request's context, where ServerMiddleware takes the parent from when the request's _meta has
// none, and notes the network attributes (network.transport tcp, network.protocol.name http and version,
// client.address and client.port) for the spans of the requests the POST carries. It creates no span of
// its own: MCP spans are per JSON-RPC request, and one HTTP request may carry several.
//
// GETs (streams) keep their context: their trace context would otherwise become the parent of every
// message of an HTTP+SSE session, whose requests run under the stream's context.
func HTTPMiddleware(opts *Options) func(http.Handler) http.Handler {
	c := newConfig(opts)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if r.Method == http.MethodPost {
				ctx = c.extractHeader(ctx, r.Header)
			}
			next.ServeHTTP(w, r.WithContext(&httpCtx{Context: ctx, info: httpInfo{major: r.ProtoMajor, minor: r.ProtoMinor, remote: r.RemoteAddr}}))
		})
	}
}

type httpInfoKey struct{}

// httpCtx is the context HTTPMiddleware gives a request: its parent with the connection's httpInfo as
// the value of httpInfoKey (context.WithValue would allocate the value and the context apart).
type httpCtx struct {
	context.Context
	info httpInfo
}

// Value returns the httpInfo for httpInfoKey, else the parent's value.
func (c *httpCtx) Value(key any) any {
	if _, ok := key.(httpInfoKey); ok {
		return &c.info
	}
	return c.Context.Value(key)
}

// httpInfo is what the spans of the MCP requests an HTTP request carries say about the connection, as
// the request had it: turned into attributes only for spans that are recorded.
type httpInfo struct {
	major, minor int
	remote       string // host:port
}

// appendHTTPAttrs appends the network attributes HTTPMiddleware noted in ctx, if any.
func appendHTTPAttrs(ctx context.Context, attrs []attribute.KeyValue) []attribute.KeyValue {
	in, _ := ctx.Value(httpInfoKey{}).(*httpInfo)
	if in == nil {
		return attrs
	}
	attrs = append(attrs, KeyNetworkTransport.String("tcp"), KeyNetworkProtocolName.String("http"),
		KeyNetworkProtocolVersion.String(httpVersion(in.major, in.minor)))
	if host, port, err := net.SplitHostPort(in.remote); err == nil && host != "" {
		attrs = append(attrs, KeyClientAddress.String(host))
		if p, err := strconv.Atoi(port); err == nil && p > 0 {
			attrs = append(attrs, KeyClientPort.Int(p))
		}
	}
	return attrs
}

// httpVersion is network.protocol.version of an HTTP request: "1.1", "2", "3"; constants for the
// versions there are, so that a span allocates no string for it.
func httpVersion(major, minor int) string {
	switch {
	case major == 1 && minor == 1:
		return "1.1"
	case major == 1 && minor == 0:
		return "1.0"
	case major == 2:
		return "2"
	case major == 3:
		return "3"
	case major == 1:
		return "1." + strconv.Itoa(minor)
	}
	return strconv.Itoa(major)
}
