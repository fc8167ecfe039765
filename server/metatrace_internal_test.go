package server

import (
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/mcp"
)

// TestSplitTrace: the trace members come off a _meta whatever their place and the spacing, the rest is
// kept byte for byte; a duplicate trace member or an escaped name is left to the decoder.
func TestSplitTrace(t *testing.T) {
	for _, c := range []struct {
		in, rest      string
		parent, state string
		baggage       string
		ok            bool
	}{
		{`{"traceparent":"a","io.modelcontextprotocol/protocolVersion":"v"}`, `{"io.modelcontextprotocol/protocolVersion":"v"}`, `"a"`, "", "", true},
		{`{ "x" : 1 , "traceparent" : "a" ,"tracestate":"s", "y":[1, 2] ,"baggage":"b"}`, `{"x" : 1,"y":[1, 2]}`, `"a"`, `"s"`, `"b"`, true},
		{`{"traceparent":"a"}`, `{}`, `"a"`, "", "", true},
		{`{"tracestate":{"odd":true},"k":"traceparent"}`, `{"k":"traceparent"}`, "", `{"odd":true}`, "", true},
		{`{"traceparent":"a","traceparent":"b"}`, "", "", "", "", false},
		{`{"trace\u0070arent":"a"}`, "", "", "", "", false},
		{`{"traceparent":"a"`, "", "", "", "", false},
		{`["traceparent"]`, "", "", "", "", false},
	} {
		var tr traceMembers
		rest, ok := splitTrace([]byte(c.in), nil, &tr)
		if ok != c.ok || (ok && (string(rest) != c.rest || string(tr.parent) != c.parent || string(tr.state) != c.state || string(tr.baggage) != c.baggage)) {
			t.Errorf("%s: rest %s parent %s state %s baggage %s ok %v; want %s %s %s %s %v", c.in, rest, tr.parent, tr.state, tr.baggage, ok,
				c.rest, c.parent, c.state, c.baggage, c.ok)
		}
	}
}

// TestMetaCacheTraceContext: requests whose _meta differ only in trace context share one cache entry
// (traced clients do not churn the cache), each request still gets its own trace context, the shared
// entry carries none, and a duplicate traceparent is refused as before.
func TestMetaCacheTraceContext(t *testing.T) {
	clearMetaCache()
	decode := func(meta string) (*mcp.RequestMeta, error) {
		var p struct {
			Meta *mcp.RequestMeta `json:"_meta"`
		}
		err := json.Unmarshal([]byte(`{"_meta":`+meta+`}`), &p, decodeOpts)
		return p.Meta, err
	}
	const base = `"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}`
	var metas []*mcp.RequestMeta
	for _, tp := range []string{"00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"} {
		m, err := decode(`{"traceparent":"` + tp + `",` + base + `,"tracestate":"k=v"}`)
		if err != nil || m.ProtocolVersion != "2026-07-28" || string(m.TraceParent) != `"`+tp+`"` || string(m.TraceState) != `"k=v"` {
			t.Fatalf("decode: %v %+v", err, m)
		}
		metas = append(metas, m)
	}
	if _, entries := cachedMetaBytes(); entries != 1 {
		t.Fatalf("%d cache entries, want 1 for the shared rest", entries)
	}
	if metas[0].ClientCapabilities != metas[1].ClientCapabilities {
		t.Error("the requests do not share the decoded rest")
	}
	plain, err := decode(`{` + base + `}`)
	if err != nil || plain.TraceParent != nil || plain.ProtocolVersion != "2026-07-28" {
		t.Fatalf("untraced: %v %+v", err, plain)
	}
	if _, err := decode(`{"traceparent":"a","traceparent":"b",` + base + `}`); err == nil {
		t.Fatal("a duplicate traceparent was accepted")
	}
}

// FuzzSplitTrace: whenever splitTrace takes a _meta apart, decoding the rest and putting the trace members
// back gives what decoding the whole gives, and both decodes agree on failing.
func FuzzSplitTrace(f *testing.F) {
	for _, s := range []string{
		`{"traceparent":"a","io.modelcontextprotocol/protocolVersion":"v"}`,
		`{ "x" : 1 , "traceparent" : "a" ,"tracestate":"s", "y":[1, 2] ,"baggage":"b"}`,
		`{"traceparent":"a","traceparent":"b"}`, `{"progressToken":1,"tracestate":null}`,
		`{"io.modelcontextprotocol/clientCapabilities":{"roots":{}},"baggage":"k=v","x":"traceparent"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var tr traceMembers
		rest, ok := splitTrace([]byte(raw), nil, &tr)
		if !ok {
			return
		}
		var whole, split mcp.RequestMeta
		errW := json.Unmarshal([]byte(raw), &whole)
		errS := json.Unmarshal(rest, &split)
		if (errW == nil) != (errS == nil) {
			t.Fatalf("%s: whole %v, rest %s %v", raw, errW, rest, errS)
		}
		if errW != nil {
			return
		}
		split.TraceParent, split.TraceState, split.Baggage = tr.parent, tr.state, tr.baggage
		a, _ := json.Marshal(&whole, json.Deterministic(true))
		b, _ := json.Marshal(&split, json.Deterministic(true))
		if string(a) != string(b) {
			t.Fatalf("%s: whole %s, split %s", raw, a, b)
		}
	})
}
