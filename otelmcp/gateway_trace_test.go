package otelmcp_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/otelmcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// keyNode marks each participant's spans in the one recorder: "client", "gateway" or "upstream".
const keyNode = attribute.Key("test.node")

// TestTraceThroughGateway: our traced client → package gateway (otelmcp server middleware on its
// downstream server, ClientMiddleware and ClientHandlerMiddleware on its upstream sessions through
// gateway.Options) → a traced upstream server, both legs over loopback Streamable HTTP, in the four era
// pairs. For a call, an isError tool result and a JSON-RPC error: one trace, the chain client span →
// gateway server span → gateway client span → upstream server span, the conventions' attributes (the
// namespaced tool name downstream, the upstream's name upstream, each leg's protocol version, the session
// id on legacy server spans only), error.type and status on every span of a failing call. An
// elicitation the upstream asks during a call is traced in the same trace: a legacy upstream's
// elicitation/create is a client span under its tools/call and the gateway's handling of it a server
// span under that; the gateway's question to a legacy downstream client is a client span under the
// gateway's tools/call and the client's handling a server span under that; a 2026-07-28 downstream's
// input_required rounds are tools/call spans of their own, each with its chain.
func TestTraceThroughGateway(t *testing.T) {
	for _, down := range []string{mcp.Version20251125, mcp.Version20260728} {
		for _, up := range []string{mcp.Version20251125, mcp.Version20260728} {
			t.Run("down="+down+"/up="+up, func(t *testing.T) { traceThroughGateway(t, down, up) })
		}
	}
}

func traceThroughGateway(t *testing.T, downVersion, upVersion string) {
	rec := newRecorder(t)
	node := func(n string) *otelmcp.Options { return rec.opts(keyNode.String(n)) }

	upstream := server.New("upstream", "1", &server.Options{
		Middleware:         []server.Middleware{otelmcp.ServerMiddleware(node("upstream"))},
		OutboundMiddleware: []server.OutboundMiddleware{otelmcp.ServerOutboundMiddleware(node("upstream"))},
	})
	server.Tool(upstream, "add", "adds", func(ctx context.Context, in addArgs) (int, error) { return in.A + in.B, nil })
	server.Tool(upstream, "oops", "fails (isError)", func(ctx context.Context, _ noArgs) (string, error) {
		return "", errors.New("it broke")
	})
	server.Tool(upstream, "bad", "fails (JSON-RPC error)", func(ctx context.Context, _ noArgs) (string, error) {
		return "", &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "bad: no such thing"}
	})
	server.Tool(upstream, "ask", "elicits", func(ctx context.Context, _ noArgs) (string, error) {
		e, err := server.Elicit[nameForm](ctx, "who are you?")
		if err != nil {
			return "", err
		}
		return "hello " + e.Content.Name, nil
	})
	uts := (&httpLink{opts: node("upstream")}).listen(t, upstream)

	g := gateway.New("gw", "1", &gateway.Options{
		Logger: slog.New(slog.DiscardHandler),
		Server: server.Options{
			Middleware:         []server.Middleware{otelmcp.ServerMiddleware(node("gateway"))},
			OutboundMiddleware: []server.OutboundMiddleware{otelmcp.ServerOutboundMiddleware(node("gateway"))},
		},
		UpstreamMiddleware:        []client.Middleware{otelmcp.ClientMiddleware(node("gateway"))},
		UpstreamHandlerMiddleware: []client.HandlerMiddleware{otelmcp.ClientHandlerMiddleware(node("gateway"))},
	})
	t.Cleanup(func() { _ = g.Close() }) // cleanups run last first: after the gateway's server, before the upstream's
	gts := (&httpLink{opts: node("gateway")}).listen(t, g.Server())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := g.Apply(ctx, gateway.Config{Upstreams: []gateway.Upstream{{Name: "up", Dial: func(ctx context.Context, o client.Options) (*client.Session, error) {
		st, err := streamable.NewClient(uts.URL, &streamable.ClientOptions{HTTPClient: uts.Client(), EraCache: &streamable.EraCache{}})
		if err != nil {
			return nil, err
		}
		o.ProtocolVersion = upVersion
		return client.Connect(ctx, st, &o)
	}}}})
	if err != nil {
		t.Fatal(err)
	}
	if s := g.Status(); len(s) != 1 || s[0].State != gateway.StateUp {
		t.Fatalf("upstream not up: %+v", s)
	}
	st, err := streamable.NewClient(gts.URL, &streamable.ClientOptions{HTTPClient: gts.Client(), EraCache: &streamable.EraCache{}})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := client.Connect(ctx, st, &client.Options{ProtocolVersion: downVersion, Logger: slog.New(slog.DiscardHandler),
		Middleware:        []client.Middleware{otelmcp.ClientMiddleware(node("client"))},
		HandlerMiddleware: []client.HandlerMiddleware{otelmcp.ClientHandlerMiddleware(node("client"))},
		OnElicit: func(context.Context, *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: []byte(`{"name":"Ada"}`)}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()

	rec.exp.Reset()
	rctx, root := rec.tp.Tracer("test").Start(ctx, "root")
	if res, err := sess.CallTool(rctx, "up__add", addArgs{A: 2, B: 3}); err != nil || res.IsError {
		t.Fatalf("up__add: %v %+v", err, res)
	}
	if res, err := sess.CallTool(rctx, "up__oops", noArgs{}); err != nil || !res.IsError {
		t.Fatalf("up__oops: %v %+v, want an isError result", err, res)
	}
	_, err = sess.CallTool(rctx, "up__bad", noArgs{})
	var rpcErr *jsonrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != jsonrpc.CodeInvalidParams {
		t.Fatalf("up__bad: %v, want the upstream's -32602", err)
	}
	if res, err := sess.CallTool(rctx, "up__ask", noArgs{}); err != nil || res.IsError || res.Content[0].Text != "hello Ada" {
		t.Fatalf("up__ask: %v %+v", err, res)
	}
	root.End()
	tr := gatewayTrace{t: t, rec: rec, id: root.SpanContext().TraceID()}
	tr.settle()

	// One trace: every span of the calls' methods, on every node, is in the root's trace and hangs from
	// the root through spans of the trace. (Spans of the handshakes and list copies are traces of their
	// own; a server's span of one may end just after the Reset above.)
	inTrace := map[trace.SpanID]bool{}
	for _, s := range rec.exp.GetSpans() {
		inTrace[s.SpanContext.SpanID()] = true
	}
	for _, s := range rec.exp.GetSpans() {
		if m, _ := attr(s, otelmcp.KeyMethodName); m != "tools/call" && m != "elicitation/create" && s.Name != "root" {
			continue
		}
		if s.SpanContext.TraceID() != tr.id {
			t.Errorf("%s (%v) is in trace %s, not the root's %s", s.Name, s.SpanKind, s.SpanContext.TraceID(), tr.id)
		}
		if s.Name != "root" && !inTrace[s.Parent.SpanID()] {
			t.Errorf("%s (%v) hangs from %s, not a span of the trace%s", s.Name, s.SpanKind, s.Parent.SpanID(), rec.list())
		}
	}

	// The chain of each one-round call, with its attributes and error.
	for _, c := range []struct {
		tool    string
		errType string // "" for a success
		code    string // rpc.response.status_code
	}{{"add", "", ""}, {"oops", otelmcp.ErrorTool, ""}, {"bad", "-32602", "-32602"}} {
		chain := []traceStub{
			tr.one("tools/call up__"+c.tool, trace.SpanKindClient, "client"),
			tr.one("tools/call up__"+c.tool, trace.SpanKindServer, "gateway"),
			tr.one("tools/call "+c.tool, trace.SpanKindClient, "gateway"),
			tr.one("tools/call "+c.tool, trace.SpanKindServer, "upstream"),
		}
		parent := root.SpanContext().SpanID()
		for i, s := range chain {
			if s.Parent.SpanID() != parent {
				t.Errorf("%s (%v, %d in the chain): parent %s, want %s%s", s.Name, s.SpanKind, i, s.Parent.SpanID(), parent, rec.list())
			}
			parent = s.SpanContext.SpanID()
			tool, version := "up__"+c.tool, downVersion
			if i >= 2 {
				tool, version = c.tool, upVersion
			}
			want := map[attribute.Key]string{otelmcp.KeyMethodName: "tools/call", otelmcp.KeyToolName: tool,
				otelmcp.KeyOperationName: "execute_tool", otelmcp.KeyProtocolVersion: version}
			if s.SpanKind == trace.SpanKindServer {
				want[otelmcp.KeyNetworkTransport] = "tcp"
				want[otelmcp.KeyClientAddress] = "127.0.0.1"
			}
			if c.errType != "" {
				want[otelmcp.KeyErrorType] = c.errType
			}
			if c.code != "" {
				want[otelmcp.KeyResponseStatusCode] = c.code
			}
			for k, v := range want {
				if got, _ := attr(s, k); got != v {
					t.Errorf("%s (%v): %s = %q, want %q", s.Name, s.SpanKind, k, got, v)
				}
			}
			if got, ok := attr(s, otelmcp.KeyResponseStatusCode); c.code == "" && ok {
				t.Errorf("%s (%v): rpc.response.status_code %q on a result", s.Name, s.SpanKind, got)
			}
			if et, ok := attr(s, otelmcp.KeyErrorType); c.errType == "" && ok {
				t.Errorf("%s (%v): error.type %q on a success", s.Name, s.SpanKind, et)
			}
			if (c.errType != "") != (s.Status.Code == codes.Error) {
				t.Errorf("%s (%v): status %v", s.Name, s.SpanKind, s.Status)
			}
			sid, hasSID := attr(s, otelmcp.KeySessionID)
			if wantSID := s.SpanKind == trace.SpanKindServer && version != mcp.Version20260728; hasSID != wantSID || (hasSID && sid == "") {
				t.Errorf("%s (%v): mcp.session.id %q (present %v), want present %v", s.Name, s.SpanKind, sid, hasSID, wantSID)
			}
		}
		if c.code != "" && chain[0].Status.Description != rpcErr.Message {
			t.Errorf("client status %q, want the upstream's message %q", chain[0].Status.Description, rpcErr.Message)
		}
		for i := 0; i < 4; i += 2 { // the id a client sent is the id its server saw
			cid, _ := attr(chain[i], otelmcp.KeyRequestID)
			sid, _ := attr(chain[i+1], otelmcp.KeyRequestID)
			if cid == "" || cid != sid {
				t.Errorf("%s: client sent id %q, server saw %q", chain[i].Name, cid, sid)
			}
		}
	}

	// The elicitation.
	asks := tr.all("tools/call up__ask", trace.SpanKindClient, "client")
	if want := map[string]int{mcp.Version20251125: 1, mcp.Version20260728: 2}[downVersion]; len(asks) != want {
		t.Fatalf("%d client spans of up__ask, want %d (one per round)%s", len(asks), want, rec.list())
	}
	for _, a := range asks {
		if a.Parent.SpanID() != root.SpanContext().SpanID() || a.Status.Code != codes.Unset {
			t.Errorf("up__ask round: parent %s status %v, want the root and no error", a.Parent.SpanID(), a.Status)
		}
		tr.childOf(a, "tools/call up__ask", trace.SpanKindServer, "gateway")
	}
	if downVersion != mcp.Version20260728 { // the gateway asks the legacy client in a request of its own
		gwCall := tr.one("tools/call up__ask", trace.SpanKindServer, "gateway")
		q := tr.childOf(gwCall, "elicitation/create", trace.SpanKindClient, "gateway")
		h := tr.childOf(q, "elicitation/create", trace.SpanKindServer, "client")
		for _, s := range []traceStub{q, h} {
			if v, _ := attr(s, otelmcp.KeyProtocolVersion); v != downVersion || s.Status.Code != codes.Unset {
				t.Errorf("%s (%v): version %q status %v", s.Name, s.SpanKind, v, s.Status)
			}
		}
	}
	if upVersion != mcp.Version20260728 { // the legacy upstream asks the gateway in a request of its own
		answered := false
		for _, q := range tr.all("elicitation/create", trace.SpanKindClient, "upstream") {
			call := tr.parentOf(q)
			if call.Name != "tools/call ask" || call.SpanKind != trace.SpanKindServer {
				t.Errorf("the upstream's elicitation/create hangs from %s (%v), want its tools/call ask", call.Name, call.SpanKind)
			}
			h := tr.childOf(q, "elicitation/create", trace.SpanKindServer, "gateway")
			answered = answered || (q.Status.Code == codes.Unset && h.Status.Code == codes.Unset)
			if v, _ := attr(h, otelmcp.KeyProtocolVersion); v != upVersion {
				t.Errorf("the gateway's handling of the upstream's elicitation: version %q, want %q", v, upVersion)
			}
		}
		if !answered {
			t.Errorf("no answered elicitation/create from the upstream%s", rec.list())
		}
	}
}

// gatewayTrace finds the spans of one trace in a recorder by name, kind and test.node.
type gatewayTrace struct {
	t   *testing.T
	rec *recorder
	id  trace.TraceID
}

// settle waits (5 s at most) until every client span of the trace has its server span: a server ends
// its span after writing the answer, so the caller may be back before the span is recorded.
func (g gatewayTrace) settle() {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		spans := g.rec.exp.GetSpans()
		served := map[trace.SpanID]bool{}
		for _, s := range spans {
			if s.SpanKind == trace.SpanKindServer {
				served[s.Parent.SpanID()] = true
			}
		}
		missing := false
		for _, s := range spans {
			missing = missing || (s.SpanContext.TraceID() == g.id && s.SpanKind == trace.SpanKindClient && !served[s.SpanContext.SpanID()])
		}
		if !missing {
			return
		}
	}
}

func (g gatewayTrace) all(name string, k trace.SpanKind, node string) []traceStub {
	var out []traceStub
	for _, s := range g.rec.exp.GetSpans() {
		if n, _ := attr(s, keyNode); s.SpanContext.TraceID() == g.id && s.Name == name && s.SpanKind == k && n == node {
			out = append(out, s)
		}
	}
	return out
}

func (g gatewayTrace) one(name string, k trace.SpanKind, node string) traceStub {
	g.t.Helper()
	found := g.all(name, k, node)
	if len(found) != 1 {
		g.t.Fatalf("%d spans %q (%v) of %s in the trace, want 1%s", len(found), name, k, node, g.rec.list())
	}
	return found[0]
}

// childOf returns the one span named name of kind k and node whose parent is p.
func (g gatewayTrace) childOf(p traceStub, name string, k trace.SpanKind, node string) traceStub {
	g.t.Helper()
	var found []traceStub
	for _, s := range g.all(name, k, node) {
		if s.Parent.SpanID() == p.SpanContext.SpanID() {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		g.t.Fatalf("%d spans %q (%v) of %s under %s (%v), want 1%s", len(found), name, k, node, p.Name, p.SpanKind, g.rec.list())
	}
	return found[0]
}

func (g gatewayTrace) parentOf(s traceStub) traceStub {
	for _, p := range g.rec.exp.GetSpans() {
		if p.SpanContext.SpanID() == s.Parent.SpanID() {
			return p
		}
	}
	return traceStub{}
}
