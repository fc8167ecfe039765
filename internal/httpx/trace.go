package httpx

import (
	"bytes"
	"net/http"

	"github.com/go-json-experiment/json"
)

// W3C Trace Context header names, in canonical form.
const (
	HeaderTraceParent = "Traceparent"
	HeaderTraceState  = "Tracestate"
)

// Bounds of the trace context values mirrored into headers: a traceparent of version 00 is 55 bytes
// (later versions may append fields); a tracestate has at most 32 list members, which W3C says
// propagators may cut at 512 bytes.
const (
	maxTraceParent = 256
	maxTraceState  = 512
)

var traceParentKey = []byte(`"traceparent"`)

// TraceContext returns the traceparent and tracestate of a request's params._meta ("" when absent or not
// strings). Params without the key are not decoded.
func TraceContext(params []byte) (traceparent, tracestate string) {
	if !bytes.Contains(params, traceParentKey) {
		return "", ""
	}
	var p struct {
		Meta *struct {
			TraceParent string `json:"traceparent"`
			TraceState  string `json:"tracestate"`
		} `json:"_meta"`
	}
	if json.Unmarshal(params, &p) != nil || p.Meta == nil {
		return "", ""
	}
	return p.Meta.TraceParent, p.Meta.TraceState
}

// SetTraceHeaders mirrors a request's _meta trace context into the HTTP headers of the request that
// carries it (traceparent, tracestate), so that proxies and HTTP-level tracing see the same trace. A
// value that is empty, too long or not visible ASCII is left out (with it, tracestate too), never sent.
func SetTraceHeaders(h http.Header, traceparent, tracestate string) {
	if !headerSafe(traceparent, maxTraceParent) {
		return
	}
	h.Set(HeaderTraceParent, traceparent)
	if headerSafe(tracestate, maxTraceState) {
		h.Set(HeaderTraceState, tracestate)
	}
}

// headerSafe reports whether v is 1..max bytes of visible ASCII, spaces and tabs (no CR, LF or controls).
func headerSafe(v string, max int) bool {
	if v == "" || len(v) > max {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c > 0x7e {
			return false
		}
	}
	return true
}
