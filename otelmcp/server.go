package otelmcp

import (
	"context"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/server"
)

// wireInternal is what a server answers a handler's Go error with (jsonrpc.Conn and the HTTP transports).
var wireInternal = &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "internal error"}

// ServerMiddleware returns middleware that gives every request the server serves a span of kind server
// (install it with server.Options.Middleware or Server.Use, first, so that it sees the whole chain). The
// parent is the trace context of the request's _meta when it has one, else the context's (which
// HTTPMiddleware takes from the HTTP headers); when both exist and differ, the span links the context's.
// The handler runs under the span, so requests it makes upstream with a ClientMiddleware session are its
// children. Requests the server refuses before its middleware (an unknown method in a legacy session, an
// unsupported protocol version) get no span.
func ServerMiddleware(opts *Options) server.Middleware {
	c := newConfig(opts)
	return func(next server.Handler) server.Handler {
		return func(ctx context.Context, r *server.Request) (res jsontext.Value, err error) {
			parent, links := c.serverParent(ctx, r)
			t := c.describe(r.Method, r.Params)
			var span trace.Span
			if links == nil {
				ctx, span = c.tracer.Start(parent, t.spanName, serverStart...)
			} else {
				ctx, span = c.tracer.Start(parent, t.spanName, trace.WithSpanKind(trace.SpanKindServer), trace.WithLinks(links...))
			}
			recording := span.IsRecording() // asked once: each call takes the span's lock
			if recording {                  // attributes cost nothing when the span is not recorded
				buf := attrPool.Get().(*[]attribute.KeyValue)
				attrs := c.serverAttrs(ctx, r, t, (*buf)[:0])
				span.SetAttributes(attrs...)
				clear(attrs) // drop the strings' references while the slice waits in the pool
				*buf = attrs[:0]
				attrPool.Put(buf)
			}
			defer func() {
				if p := recover(); p != nil {
					span.SetAttributes(KeyResponseStatusCode.String("-32603"), KeyErrorType.String("-32603"))
					span.SetStatus(codes.Error, "internal error (the handler panicked)")
					span.End()
					panic(p)
				}
				if recording {
					finishAs(ctx, span, r.ToolError(), err, wireInternal)
				}
				span.End()
			}()
			return next(ctx, r)
		}
	}
}

// serverStart are the options of a server span without links (a slice made once: no allocation per span).
var serverStart = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}

// attrPool holds the slices the attributes of server spans are gathered in: the SDK copies what
// SetAttributes is given (a variadic function must not keep its caller's slice), so one slice per
// goroutine in flight serves every span.
var attrPool = sync.Pool{New: func() any {
	s := make([]attribute.KeyValue, 0, 16)
	return &s
}}

// serverAttrs appends the attributes of a recorded server span to attrs.
func (c *config) serverAttrs(ctx context.Context, r *server.Request, t *target, attrs []attribute.KeyValue) []attribute.KeyValue {
	attrs = append(attrs, KeyMethodName.String(r.Method))
	attrs = append(attrs, t.attrs...)
	if kv, ok := requestID(r.ID); ok {
		attrs = append(attrs, kv)
	}
	if r.ProtocolVersion != "" {
		attrs = append(attrs, KeyProtocolVersion.String(r.ProtocolVersion))
	}
	if r.SessionID != "" {
		attrs = append(attrs, KeySessionID.String(r.SessionID))
	}
	attrs = appendHTTPAttrs(ctx, attrs)
	return append(attrs, c.attrs...)
}

// serverParent chooses the parent of a request's span: the trace context of its _meta, else ctx's. The
// context's span is linked when _meta gave another.
func (c *config) serverParent(ctx context.Context, r *server.Request) (context.Context, []trace.Link) {
	if !hasTrace(r.Meta) {
		return ctx, nil
	}
	pctx := c.extractMeta(ctx, r.Meta)
	sc := trace.SpanContextFromContext(pctx)
	ambient := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() || sc.Equal(ambient) || !ambient.IsValid() {
		return pctx, nil
	}
	return pctx, []trace.Link{{SpanContext: ambient}}
}
