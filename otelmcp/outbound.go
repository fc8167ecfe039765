package otelmcp

import (
	"context"

	"github.com/go-json-experiment/json/jsontext"
	"go.opentelemetry.io/otel/attribute"

	"github.com/mcpkit/mcpkit/server"
)

// ServerOutboundMiddleware returns middleware that gives every request a server sends to a legacy
// client (elicitation/create, sampling/createMessage, roots/list: the server is the client of those) a
// span of kind client, child of the asking handler's context — the server span of ServerMiddleware when
// the request is traced — and writes the span's trace context into the request's params._meta
// (traceparent, tracestate, baggage), where the client's ClientHandlerMiddleware takes it from. Install
// it with server.Options.OutboundMiddleware. The span has mcp.method.name, jsonrpc.request.id (on the
// transports that report it: stdio, in-memory, Streamable HTTP, HTTP+SSE), mcp.protocol.version and
// mcp.session.id of the asking request, and error.type / rpc.response.status_code when the client
// answers with a JSON-RPC error.
func ServerOutboundMiddleware(opts *Options) server.OutboundMiddleware {
	c := newConfig(opts)
	return func(next server.OutboundInvoker) server.OutboundInvoker {
		return func(ctx context.Context, req *server.OutboundRequest) (jsontext.Value, error) {
			t := c.methodTarget(req.Method)
			ctx, span := c.tracer.Start(ctx, t.spanName, clientStart...)
			defer span.End()
			recording := span.IsRecording()
			if recording {
				attrs := make([]attribute.KeyValue, 0, 4+len(c.attrs))
				attrs = append(attrs, KeyMethodName.String(req.Method))
				if r := req.Request; r != nil {
					if r.ProtocolVersion != "" {
						attrs = append(attrs, KeyProtocolVersion.String(r.ProtocolVersion))
					}
					if r.SessionID != "" {
						attrs = append(attrs, KeySessionID.String(r.SessionID))
					}
				}
				span.SetAttributes(append(attrs, c.attrs...)...)
			}
			c.prop.Inject(ctx, outboundCarrier{req})
			res, err := next(ctx, req)
			if recording {
				if kv, ok := requestID(req.ID); ok {
					span.SetAttributes(kv)
				}
				finish(ctx, span, req.Method, res, err, nil)
			}
			return res, err
		}
	}
}

// outboundCarrier writes trace context into a server-to-client request's _meta.
type outboundCarrier struct{ req *server.OutboundRequest }

// Get is not used: the server only writes.
func (c outboundCarrier) Get(string) string { return "" }

// Set adds key as a JSON string member of the request's _meta.
func (c outboundCarrier) Set(key, value string) {
	b, err := jsontext.AppendQuote(nil, value)
	if err != nil {
		return // not valid UTF-8: a propagator never produces it
	}
	_ = c.req.SetMeta(key, b) // refused only for the server's own keys, which no propagator uses
}

// Keys is not used.
func (c outboundCarrier) Keys() []string { return nil }
