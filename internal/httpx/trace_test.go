package httpx

import (
	"net/http"
	"strings"
	"testing"
)

// TestTraceHeaders: the trace context of a request's _meta is mirrored into headers; a value that would
// break the header block or is out of bounds is left out, and tracestate never goes without traceparent.
func TestTraceHeaders(t *testing.T) {
	tp := "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"
	for _, c := range []struct {
		params         string
		wantTP, wantTS string
	}{
		{`{"_meta":{"traceparent":"` + tp + `","tracestate":"a=b"},"name":"x"}`, tp, "a=b"},
		{`{"name":"x","_meta":{"traceparent":"` + tp + `"}}`, tp, ""},
		{`{"name":"traceparent"}`, "", ""},
		{`{"_meta":{"traceparent":"a\r\nX-Evil: 1"}}`, "", ""},
		{`{"_meta":{"traceparent":"` + tp + `","tracestate":"a\nb"}}`, tp, ""},
		{`{"_meta":{"traceparent":"` + strings.Repeat("a", 300) + `"}}`, "", ""},
		{`{"_meta":{"tracestate":"a=b"}}`, "", ""},
		{`{"_meta":{"traceparent":5}}`, "", ""},
	} {
		h := http.Header{}
		tp, ts := TraceContext([]byte(c.params))
		SetTraceHeaders(h, tp, ts)
		if h.Get("traceparent") != c.wantTP || h.Get("tracestate") != c.wantTS {
			t.Errorf("%s: traceparent %q tracestate %q, want %q %q", c.params, h.Get("traceparent"), h.Get("tracestate"), c.wantTP, c.wantTS)
		}
	}
}
