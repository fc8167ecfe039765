package otelmcp

import (
	"context"
	"net"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
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
				ctx = c.prop.Extract(ctx, propagation.HeaderCarrier(r.Header))
			}
			ctx = context.WithValue(ctx, httpInfoKey{}, newHTTPInfo(r))
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

type httpInfoKey struct{}

// httpInfo is what the spans of the MCP requests an HTTP request carries say about the connection.
type httpInfo struct {
	version string // "1.1", "2"
	addr    string
	port    int
}

func newHTTPInfo(r *http.Request) *httpInfo {
	in := &httpInfo{version: strconv.Itoa(r.ProtoMajor)}
	if r.ProtoMajor == 1 {
		in.version = "1." + strconv.Itoa(r.ProtoMinor)
	}
	if host, port, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		in.addr = host
		in.port, _ = strconv.Atoi(port)
	}
	return in
}

// maxHTTPAttrs is the most attributes appendHTTPAttrs appends.
const maxHTTPAttrs = 5

// appendHTTPAttrs appends the network attributes HTTPMiddleware noted in ctx, if any.
func appendHTTPAttrs(ctx context.Context, attrs []attribute.KeyValue) []attribute.KeyValue {
	in, _ := ctx.Value(httpInfoKey{}).(*httpInfo)
	if in == nil {
		return attrs
	}
	attrs = append(attrs, KeyNetworkTransport.String("tcp"), KeyNetworkProtocolName.String("http"),
		KeyNetworkProtocolVersion.String(in.version))
	if in.addr != "" {
		attrs = append(attrs, KeyClientAddress.String(in.addr))
		if in.port > 0 {
			attrs = append(attrs, KeyClientPort.Int(in.port))
		}
	}
	return attrs
}
