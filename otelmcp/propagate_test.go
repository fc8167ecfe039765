package otelmcp_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/otelmcp"
	"github.com/mcpkit/mcpkit/server"
)

// seen is what a tool handler saw of its context: the baggage member "user" and the span's trace state.
type seen struct {
	mu    sync.Mutex
	user  string
	state string
}

func (s *seen) tool(ctx context.Context, in addArgs) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user = baggage.FromContext(ctx).Member("user").Value()
	s.state = trace.SpanContextFromContext(ctx).TraceState().String()
	return in.A + in.B, nil
}

func (s *seen) get() (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.user, s.state
}

// TestBaggageAndStateThroughMeta: with the default propagator, the client writes the caller's tracestate
// and baggage into _meta beside traceparent and the server reads them back: the handler sees the baggage,
// and its span (child of the client's) carries the trace state.
func TestBaggageAndStateThroughMeta(t *testing.T) {
	rec := newRecorder(t)
	var sw seen
	s := server.New("t", "1", &server.Options{Middleware: []server.Middleware{otelmcp.ServerMiddleware(rec.opts())}})
	server.Tool(s, "add", "", sw.tool)
	sess := memoryLink{}.connect(t, s, &client.Options{Middleware: []client.Middleware{otelmcp.ClientMiddleware(rec.opts())}})

	ts, err := trace.ParseTraceState("vendor=abc")
	if err != nil {
		t.Fatal(err)
	}
	parent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5, 6},
		TraceFlags: trace.FlagsSampled, TraceState: ts, Remote: true})
	m, _ := baggage.NewMemberRaw("user", "alice")
	bg, _ := baggage.New(m)
	ctx := baggage.ContextWithBaggage(trace.ContextWithRemoteSpanContext(context.Background(), parent), bg)
	if _, err := sess.CallTool(ctx, "add", &addArgs{A: 1, B: 2}); err != nil {
		t.Fatal(err)
	}
	if user, state := sw.get(); user != "alice" || state != "vendor=abc" {
		t.Fatalf("the handler saw baggage user=%q, tracestate %q; want alice, vendor=abc", user, state)
	}
	srv := rec.find(t, "tools/call add", trace.SpanKindServer)
	cli := rec.find(t, "tools/call add", trace.SpanKindClient)
	if srv.Parent.SpanID() != cli.SpanContext.SpanID() || srv.SpanContext.TraceID() != parent.TraceID() {
		t.Fatalf("server span's parent %v, want the client span %v in trace %v", srv.Parent, cli.SpanContext, parent.TraceID())
	}
}

// TestBaggageFromHeader: over HTTP without trace context in _meta, the POST's baggage and tracestate
// headers reach the handler (HTTPMiddleware), beside the traceparent header's parent.
func TestBaggageFromHeader(t *testing.T) {
	rec := newRecorder(t)
	var sw seen
	s := server.New("t", "1", &server.Options{Middleware: []server.Middleware{otelmcp.ServerMiddleware(rec.opts())}})
	server.Tool(s, "add", "", sw.tool)
	h := s.Handler(nil)
	hs := httptest.NewServer(otelmcp.HTTPMiddleware(rec.opts())(h))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		hs.CloseClientConnections()
		hs.Close()
	})
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},` +
		`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
	req, _ := http.NewRequest(http.MethodPost, hs.URL, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", "tools/call")
	req.Header.Set("Mcp-Name", "add")
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	req.Header.Set("tracestate", "vendor=abc")
	req.Header.Set("baggage", "user=alice")
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"result"`) {
		t.Fatalf("HTTP %d %s", resp.StatusCode, b)
	}
	if user, state := sw.get(); user != "alice" || state != "vendor=abc" {
		t.Fatalf("the handler saw baggage user=%q, tracestate %q; want alice, vendor=abc", user, state)
	}
	if srv := rec.find(t, "tools/call add", trace.SpanKindServer); srv.Parent.SpanID().String() != "00f067aa0ba902b7" {
		t.Fatalf("server span's parent %v, want the header's", srv.Parent)
	}
}
