package otelmcp

import (
	"context"
	"net/http"

	"github.com/go-json-experiment/json/jsontext"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
)

// With the default propagator (W3C Trace Context and Baggage) the middleware reads and writes
// traceparent and tracestate itself: what propagation.TraceContext does, without the strings its carriers
// trade in (a _meta member is JSON; a header key is canonicalized on every Get). Baggage, rare, still goes
// through propagation.Baggage; a propagator of the caller's goes through the carriers.

// extractMeta returns ctx with the trace context and baggage of a request's _meta m, as
// c.prop.Extract(ctx, metaCarrier{m}) does. It returns ctx itself when m carries the span context ctx
// already has (the same traceparent in the POST's header and in its _meta).
func (c *config) extractMeta(ctx context.Context, m *mcp.RequestMeta) context.Context {
	if !c.w3c {
		return c.prop.Extract(ctx, metaCarrier{m})
	}
	if m.Baggage != nil {
		ctx = propagation.Baggage{}.Extract(ctx, metaCarrier{m})
	}
	if m.TraceParent == nil {
		return ctx
	}
	state := func() string { s, _ := unquote(m.TraceState); return s }
	if raw, ok := jsonStringBytes(m.TraceParent); ok {
		return withRemote(ctx, raw, state)
	}
	if s, ok := unquote(m.TraceParent); ok { // escaped: never needed, still allowed
		return withRemote(ctx, s, state)
	}
	return ctx
}

// extractHeader returns ctx with the trace context and baggage of an HTTP request's headers h, as
// c.prop.Extract(ctx, propagation.HeaderCarrier(h)) does.
func (c *config) extractHeader(ctx context.Context, h http.Header) context.Context {
	if !c.w3c {
		return c.prop.Extract(ctx, propagation.HeaderCarrier(h))
	}
	if len(h["Baggage"]) > 0 {
		ctx = propagation.Baggage{}.Extract(ctx, propagation.HeaderCarrier(h))
	}
	tp := h["Traceparent"] // the server canonicalizes the keys it reads: no need to on every request
	if len(tp) == 0 {
		return ctx
	}
	return withRemote(ctx, tp[0], func() string {
		if ts := h["Tracestate"]; len(ts) > 0 {
			return ts[0]
		}
		return ""
	})
}

// withRemote returns ctx with the remote span context of traceparent tp and the tracestate state returns
// (asked only when tp is valid), or ctx unchanged when tp is not valid or ctx already has that span
// context. A tracestate that does not parse is dropped, the traceparent kept, as the specification says.
func withRemote[S string | []byte](ctx context.Context, tp S, state func() string) context.Context {
	cfg, ok := parseTraceParent(tp)
	if !ok {
		return ctx
	}
	if ts := state(); ts != "" {
		cfg.TraceState, _ = trace.ParseTraceState(ts)
	}
	sc := trace.NewSpanContext(cfg)
	if sc.Equal(trace.SpanContextFromContext(ctx)) {
		return ctx
	}
	return trace.ContextWithRemoteSpanContext(ctx, sc)
}

// inject writes the trace context of ctx (and its baggage) into an outbound request's _meta, as
// c.prop.Inject(ctx, requestCarrier{req}) does.
func (c *config) inject(ctx context.Context, req *client.Request) {
	if !c.w3c {
		c.prop.Inject(ctx, requestCarrier{req})
		return
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		if ts := sc.TraceState().String(); ts != "" {
			requestCarrier{req}.Set(mcp.MetaTraceState, ts)
		}
		b := make([]byte, 0, traceParentLen+2)
		b = append(appendTraceParent(append(b, '"'), sc), '"')
		_ = req.SetMeta(mcp.MetaTraceParent, b) // refused only for the session's own keys
	}
	if baggage.FromContext(ctx).Len() > 0 {
		propagation.Baggage{}.Inject(ctx, requestCarrier{req})
	}
}

// jsonStringBytes returns the bytes between the quotes of a JSON string without escapes (which a
// traceparent never needs); ok is false for anything else (an escaped string is unquoted instead).
func jsonStringBytes(raw jsontext.Value) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, false
	}
	s := raw[1 : len(raw)-1]
	for _, c := range s {
		if c == '\\' {
			return nil, false
		}
	}
	return s, true
}
