package otelmcp

import (
	"context"

	"github.com/go-json-experiment/json/jsontext"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpkit/mcpkit/client"
)

// ClientMiddleware returns middleware that gives every request a client session sends a span of kind
// client, child of the caller's context, and writes the span's trace context into the request's
// params._meta (traceparent, tracestate, baggage), where the server takes it from; over HTTP the client
// transports mirror it into the POST's W3C headers. Install it with client.Options.Middleware. Each wire
// request is one span: each round of a 2026-07-28 input_required exchange, each task poll.
func ClientMiddleware(opts *Options) client.Middleware {
	c := newConfig(opts)
	return func(next client.Invoker) client.Invoker {
		return func(ctx context.Context, req *client.Request) (jsontext.Value, error) {
			t := c.describe(req.Method, req.Params)
			ctx, span := c.tracer.Start(ctx, t.spanName, clientStart...)
			defer span.End()
			recording := span.IsRecording()
			if recording { // attributes cost nothing when the span is not recorded
				buf := attrPool.Get().(*[]attribute.KeyValue)
				attrs := append((*buf)[:0], KeyMethodName.String(req.Method))
				attrs = append(attrs, t.attrs...)
				if req.ProtocolVersion != "" {
					attrs = append(attrs, KeyProtocolVersion.String(req.ProtocolVersion))
				}
				attrs = append(attrs, c.attrs...)
				span.SetAttributes(attrs...)
				clear(attrs)
				*buf = attrs[:0]
				attrPool.Put(buf)
			}
			c.inject(ctx, req)
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

// clientStart are the options of a client span (a slice made once: no allocation per span).
var clientStart = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}
