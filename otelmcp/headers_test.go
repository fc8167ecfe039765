package otelmcp_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/mcpkit/mcpkit/otelmcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestHeaderParent: a request without trace context in _meta takes its parent from the W3C traceparent
// header of its POST (HTTPMiddleware), in both eras; with both, _meta wins and the header's span is
// linked, as the conventions say (the MCP context is the parent, the transport's is linked).
func TestHeaderParent(t *testing.T) {
	rec := newRecorder(t)
	s := server.New("t", "1", &server.Options{Middleware: []server.Middleware{otelmcp.ServerMiddleware(rec.opts())}})
	server.Tool(s, "add", "", func(ctx context.Context, in addArgs) (int, error) { return in.A + in.B, nil })
	ts := (&httpLink{opts: rec.opts()}).listen(t, s)
	const (
		headerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
		headerSpan  = "00f067aa0ba902b7"
		metaTrace   = "0af7651916cd43dd8448eb211c80319c"
		metaSpan    = "b7ad6b7169203331"
	)
	header := "00-" + headerTrace + "-" + headerSpan + "-01"
	post := func(body string, extra map[string]string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, ts.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("traceparent", header)
		for k, v := range extra {
			req.Header.Set(k, v)
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"result"`) {
			t.Fatalf("%s: HTTP %d %s", body, resp.StatusCode, b)
		}
	}
	const modernMeta = `"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}`
	modern := map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "add"}

	// Legacy: initialize with the header only.
	post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`, nil)
	init := rec.find(t, "initialize", trace.SpanKindServer)
	// 2026-07-28: tools/call with the header only, then with _meta trace context too.
	post(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},"_meta":{`+modernMeta+`}}}`, modern)
	headerOnly := rec.find(t, "tools/call add", trace.SpanKindServer)
	for name, s := range map[string]traceStub{"initialize": init, "tools/call": headerOnly} {
		if s.Parent.TraceID().String() != headerTrace || s.Parent.SpanID().String() != headerSpan || !s.Parent.IsRemote() {
			t.Errorf("%s: parent %s/%s, want the header's %s/%s", name, s.Parent.TraceID(), s.Parent.SpanID(), headerTrace, headerSpan)
		}
		if len(s.Links) != 0 {
			t.Errorf("%s: links %v", name, s.Links)
		}
	}
	rec.exp.Reset()
	post(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},"_meta":{`+modernMeta+
		`,"traceparent":"00-`+metaTrace+`-`+metaSpan+`-01","tracestate":"k=v"}}}`, modern)
	both := rec.find(t, "tools/call add", trace.SpanKindServer)
	if both.Parent.TraceID().String() != metaTrace || both.Parent.SpanID().String() != metaSpan {
		t.Errorf("parent %s/%s, want _meta's %s/%s", both.Parent.TraceID(), both.Parent.SpanID(), metaTrace, metaSpan)
	}
	if both.Parent.TraceState().Get("k") != "v" {
		t.Errorf("tracestate %q, want k=v from _meta", both.Parent.TraceState())
	}
	if len(both.Links) != 1 || both.Links[0].SpanContext.SpanID().String() != headerSpan {
		t.Errorf("links %v, want one to the header's span %s", both.Links, headerSpan)
	}
}
