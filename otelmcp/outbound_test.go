package otelmcp_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/otelmcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/sse"
)

// TestServerToClient: in a legacy (2025-11-25) session, a traced client calls a tool that elicits,
// samples and lists roots. Each question the server sends is a span of kind client under the tool's
// server span, and the client's handling of it a span of kind server under that (its parent from the
// request's _meta), all in the test's one trace, with the conventions' attributes and the same
// jsonrpc.request.id on both sides. A client handler that answers a JSON-RPC error (-1, the user
// refused) or fails with a Go error (answered -32603) gives both spans the error status, error.type and
// rpc.response.status_code. Over in-memory streams, Streamable HTTP and HTTP+SSE.
func TestServerToClient(t *testing.T) {
	for _, tr := range []string{"memory", "http", "sse"} {
		t.Run(tr, func(t *testing.T) { serverToClient(t, tr) })
	}
}

func serverToClient(t *testing.T, tr string) {
	rec := newRecorder(t)
	var l link = memoryLink{}
	switch tr {
	case "http":
		l = &httpLink{opts: rec.opts()}
	case "sse":
		l = sseLink{opts: rec.opts()}
	}
	s := server.New("t", "1", &server.Options{
		Middleware:         []server.Middleware{otelmcp.ServerMiddleware(rec.opts())},
		OutboundMiddleware: []server.OutboundMiddleware{otelmcp.ServerOutboundMiddleware(rec.opts())},
	})
	server.Tool(s, "ask", "asks the client three things", func(ctx context.Context, _ noArgs) (string, error) {
		e, err := server.Elicit[nameForm](ctx, "who are you?")
		if err != nil {
			return "", err
		}
		reply, err := server.SampleText(ctx, "say hi", 10)
		if err != nil {
			return "", err
		}
		roots, err := server.Roots(ctx)
		if err != nil {
			return "", err
		}
		return e.Content.Name + " " + reply + " " + roots[0].URI, nil
	})
	server.Tool(s, "refused", "samples; the client refuses", func(ctx context.Context, _ noArgs) (string, error) {
		return server.SampleText(ctx, "refuse", 10)
	})
	server.Tool(s, "broken", "elicits; the client's handler fails", func(ctx context.Context, _ noArgs) (string, error) {
		_, err := server.Elicit[nameForm](ctx, "fail")
		return "", err
	})
	sess := l.connect(t, s, &client.Options{ProtocolVersion: mcp.Version20251125, Logger: slog.New(slog.DiscardHandler),
		Middleware:        []client.Middleware{otelmcp.ClientMiddleware(rec.opts())},
		HandlerMiddleware: []client.HandlerMiddleware{otelmcp.ClientHandlerMiddleware(rec.opts(attribute.String("peer.service", "app")))},
		OnElicit: func(_ context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			if p.Message == "fail" {
				return nil, errors.New("the form broke")
			}
			return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: []byte(`{"name":"Ada"}`)}, nil
		},
		OnSample: func(_ context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
			if p.Messages[0].Content.Blocks[0].Text == "refuse" {
				return nil, &jsonrpc.Error{Code: -1, Message: "the user refused"}
			}
			return &mcp.CreateMessageResult{Role: mcp.RoleAssistant, Content: mcp.SamplingBlock(mcp.TextContent("hi")), Model: "m"}, nil
		},
		Roots: []mcp.Root{{URI: "file:///w"}},
	})

	ctx, root := rec.tp.Tracer("test").Start(context.Background(), "root")
	res, err := sess.CallTool(ctx, "ask", noArgs{})
	if err != nil || res.IsError || res.Content[0].Text != "Ada hi file:///w" {
		t.Fatalf("ask: %v %+v", err, res)
	}
	for _, name := range []string{"refused", "broken"} {
		if res, err := sess.CallTool(ctx, name, noArgs{}); err != nil || !res.IsError {
			t.Fatalf("%s: %v %+v, want an isError result", name, err, res)
		}
	}
	root.End()

	rootSC := root.SpanContext()
	for _, sp := range rec.exp.GetSpans() {
		if sp.SpanContext.TraceID() != rootSC.TraceID() && sp.Name != "initialize" && sp.Name != "notifications/initialized" {
			t.Errorf("span %q (%v) is in trace %s, not the root's", sp.Name, sp.SpanKind, sp.SpanContext.TraceID())
		}
	}
	sAsk := rec.find(t, "tools/call ask", trace.SpanKindServer)
	if cAsk := rec.find(t, "tools/call ask", trace.SpanKindClient); sAsk.Parent.SpanID() != cAsk.SpanContext.SpanID() {
		t.Fatalf("tools/call ask: server span's parent %s, want the client span %s", sAsk.Parent.SpanID(), cAsk.SpanContext.SpanID())
	}
	for _, method := range []string{mcp.MethodElicitationCreate, mcp.MethodSamplingCreateMessage, mcp.MethodRootsList} {
		out := childOf(t, rec, sAsk, method, trace.SpanKindClient)
		in := childOf(t, rec, out, method, trace.SpanKindServer)
		if out.Parent.IsRemote() || !in.Parent.IsRemote() {
			t.Errorf("%s: remote parents %v (server's span) %v (client's), want false, true", method, out.Parent.IsRemote(), in.Parent.IsRemote())
		}
		for side, sp := range map[string]traceStub{"server's": out, "client's": in} {
			want := map[attribute.Key]string{otelmcp.KeyMethodName: method, otelmcp.KeyProtocolVersion: mcp.Version20251125}
			if side == "client's" {
				want["peer.service"] = "app"
			}
			for k, v := range want {
				if got, _ := attr(sp, k); got != v {
					t.Errorf("%s %s span: %s = %q, want %q", side, method, k, got, v)
				}
			}
			if _, ok := attr(sp, otelmcp.KeyErrorType); ok || sp.Status.Code != codes.Unset {
				t.Errorf("%s %s span: a success has error.type or status %v", side, method, sp.Status)
			}
		}
		sentID, ok := attr(out, otelmcp.KeyRequestID)
		if gotID, _ := attr(in, otelmcp.KeyRequestID); !ok || sentID == "" || gotID != sentID {
			t.Errorf("%s: the server sent id %q, the client saw %q", method, sentID, gotID)
		}
		sid, hasSID := attr(out, otelmcp.KeySessionID)
		if want := tr != "memory"; hasSID != want || (hasSID && sid == "") {
			t.Errorf("%s: mcp.session.id %q (present %v), want present %v", method, sid, hasSID, want)
		}
	}

	// The client's errors, on both sides.
	for _, c := range []struct {
		tool, method, code, desc string
	}{
		{"refused", mcp.MethodSamplingCreateMessage, "-1", "the user refused"},
		{"broken", mcp.MethodElicitationCreate, "-32603", "internal error"},
	} {
		out := childOf(t, rec, rec.find(t, "tools/call "+c.tool, trace.SpanKindServer), c.method, trace.SpanKindClient)
		in := childOf(t, rec, out, c.method, trace.SpanKindServer)
		for side, sp := range map[string]traceStub{"server's": out, "client's": in} {
			et, _ := attr(sp, otelmcp.KeyErrorType)
			sc, _ := attr(sp, otelmcp.KeyResponseStatusCode)
			if et != c.code || sc != c.code || sp.Status.Code != codes.Error || sp.Status.Description != c.desc {
				t.Errorf("%s: %s %s span: error.type %q status code %q status %v, want %s and Error %q",
					c.tool, side, c.method, et, sc, sp.Status, c.code, c.desc)
			}
		}
	}
}

// childOf returns the one span named name of kind k whose parent is parent; it fails the test when there
// is none or several.
func childOf(t *testing.T, rec *recorder, parent traceStub, name string, k trace.SpanKind) traceStub {
	t.Helper()
	var found []traceStub
	for _, s := range rec.exp.GetSpans() {
		if s.Name == name && s.SpanKind == k && s.Parent.SpanID() == parent.SpanContext.SpanID() &&
			s.SpanContext.TraceID() == parent.SpanContext.TraceID() {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d spans %q of kind %v under %q, want 1; spans: %s", len(found), name, k, parent.Name, rec.list())
	}
	return found[0]
}

// sseLink connects over HTTP+SSE to an httptest server whose endpoints are wrapped in HTTPMiddleware.
type sseLink struct{ opts *otelmcp.Options }

func (l sseLink) connect(t testing.TB, s *server.Server, opts *client.Options) *client.Session {
	t.Helper()
	h := sse.NewHandler(s, nil)
	mw := otelmcp.HTTPMiddleware(l.opts)
	mux := http.NewServeMux()
	mux.Handle("/sse", mw(h.SSE()))
	mux.Handle("/messages", mw(h.Messages()))
	ts := httptest.NewServer(mux)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := sse.Dial(ctx, ts.URL+"/sse", &sse.ClientOptions{HTTPClient: ts.Client()})
	if err != nil {
		ts.Close()
		t.Fatal(err)
	}
	sess, err := client.Connect(ctx, c, opts)
	if err != nil {
		c.Close()
		ts.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sess.Close()
		cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer ccancel()
		_ = h.Close(cctx)
		ts.CloseClientConnections()
		ts.Close()
	})
	return sess
}

// TestServerToClientTask: a 2025-11-25 task asks the client on a tasks/result stream, its params' _meta
// already carrying the related-task member: the request still gets its client span, in the caller's
// trace, with the trace context added beside related-task, and the client's handler span is its child.
func TestServerToClientTask(t *testing.T) {
	rec := newRecorder(t)
	s := server.New("t", "1", &server.Options{
		Middleware:         []server.Middleware{otelmcp.ServerMiddleware(rec.opts())},
		OutboundMiddleware: []server.OutboundMiddleware{otelmcp.ServerOutboundMiddleware(rec.opts())},
	})
	server.TaskTool(s, "ask", "", mcp.TaskRequired, func(ctx context.Context, _ noArgs) (string, error) {
		e, err := server.Elicit[nameForm](ctx, "who are you?")
		if err != nil {
			return "", err
		}
		return "hello " + e.Content.Name, nil
	})
	var related atomic.Bool
	sess := memoryLink{}.connect(t, s, &client.Options{ProtocolVersion: mcp.Version20251125, Tasks: true, TaskPollMin: 5 * time.Millisecond,
		Middleware:        []client.Middleware{otelmcp.ClientMiddleware(rec.opts())},
		HandlerMiddleware: []client.HandlerMiddleware{otelmcp.ClientHandlerMiddleware(rec.opts())},
		OnElicit: func(_ context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			related.Store(p.Meta != nil && p.Meta.Extra[mcp.MetaRelatedTask] != nil && p.Meta.TraceParent != nil)
			return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: []byte(`{"name":"Ada"}`)}, nil
		}})
	ctx, root := rec.tp.Tracer("test").Start(context.Background(), "root")
	res, err := sess.CallTool(ctx, "ask", noArgs{})
	root.End()
	if err != nil || res.IsError || res.Content[0].Text != "hello Ada" {
		t.Fatalf("ask: %v %+v", err, res)
	}
	if !related.Load() {
		t.Error("the task's elicitation lacks related-task or traceparent in _meta")
	}
	// The task runs under the context of the tools/call that created it: its question is that span's child.
	out := childOf(t, rec, rec.find(t, "tools/call ask", trace.SpanKindServer), mcp.MethodElicitationCreate, trace.SpanKindClient)
	in := childOf(t, rec, out, mcp.MethodElicitationCreate, trace.SpanKindServer)
	if out.SpanContext.TraceID() != root.SpanContext().TraceID() {
		t.Errorf("the task's elicitation is in trace %s, not the root's:%s", out.SpanContext.TraceID(), rec.list())
	}
	if id, _ := attr(in, otelmcp.KeyRequestID); id == "" {
		t.Error("the client's handler span has no jsonrpc.request.id")
	}
}
