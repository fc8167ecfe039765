package otelmcp

import (
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
)

// metaCarrier reads trace context from a request's _meta: traceparent, tracestate and baggage from their
// typed fields, any other key a propagator asks for (b3, …) from the other members.
type metaCarrier struct{ m *mcp.RequestMeta }

// Get returns the string value of key, "" when absent or not a string.
func (c metaCarrier) Get(key string) string {
	var raw jsontext.Value
	switch key {
	case mcp.MetaTraceParent:
		raw = c.m.TraceParent
	case mcp.MetaTraceState:
		raw = c.m.TraceState
	case mcp.MetaBaggage:
		raw = c.m.Baggage
	default:
		raw = c.m.Extra[key]
	}
	s, _ := unquote(raw)
	return s
}

// Set is not used: the server only reads _meta.
func (c metaCarrier) Set(string, string) {}

// Keys returns the names of the members present.
func (c metaCarrier) Keys() []string {
	var keys []string
	for k, v := range map[string]jsontext.Value{mcp.MetaTraceParent: c.m.TraceParent, mcp.MetaTraceState: c.m.TraceState, mcp.MetaBaggage: c.m.Baggage} {
		if v != nil {
			keys = append(keys, k)
		}
	}
	for k := range c.m.Extra {
		keys = append(keys, k)
	}
	return keys
}

// hasTrace reports whether m carries anything a propagator may read.
func hasTrace(m *mcp.RequestMeta) bool {
	return m != nil && (m.TraceParent != nil || m.TraceState != nil || m.Baggage != nil || len(m.Extra) > 0)
}

// requestCarrier writes trace context into an outbound request's _meta.
type requestCarrier struct{ req *client.Request }

// Get is not used: the client only writes.
func (c requestCarrier) Get(string) string { return "" }

// Set adds key as a JSON string member of the request's _meta.
func (c requestCarrier) Set(key, value string) {
	b, err := jsontext.AppendQuote(nil, value)
	if err != nil {
		return // not valid UTF-8: a propagator never produces it
	}
	_ = c.req.SetMeta(key, b) // refused only for the session's own keys, which no propagator uses
}

// Keys is not used.
func (c requestCarrier) Keys() []string { return nil }
