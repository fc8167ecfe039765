package otelmcp_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/otelmcp"
	"github.com/mcpkit/mcpkit/server"
)

type addArgs struct {
	A int `json:"a"`
	B int `json:"b"`
}

type noArgs struct{}

type traceStub = tracetest.SpanStub

// TestTraceAcrossGateway: a call crosses client → gateway server → (from inside the gateway's tool
// handler, with a client session of its own) upstream server, on both transports (in-memory streams,
// Streamable HTTP) and in both eras. Every span is in the test's one trace with the right parent: the
// client's span under the test's root, the gateway's server span under it, the gateway's upstream client
// span under that, the upstream server span under that. Attributes follow the conventions; a tool error
// (isError) and a JSON-RPC error give the error status and error.type on both sides; over HTTP the
// client mirrors each request's traceparent into the POST's header.
func TestTraceAcrossGateway(t *testing.T) {
	for _, v := range []string{mcp.Version20251125, mcp.Version20260728} {
		for _, tr := range []string{"memory", "http"} {
			t.Run(v+"/"+tr, func(t *testing.T) { traceAcrossGateway(t, v, tr) })
		}
	}
}

func traceAcrossGateway(t *testing.T, version, tr string) {
	rec := newRecorder(t)
	var toGateway, toUpstream link = memoryLink{}, memoryLink{}
	var gwHTTP, upHTTP *httpLink
	if tr == "http" {
		gwHTTP, upHTTP = &httpLink{opts: rec.opts(), record: true}, &httpLink{opts: rec.opts(), record: true}
		toGateway, toUpstream = gwHTTP, upHTTP
	}

	upstream := server.New("upstream", "1", &server.Options{Middleware: []server.Middleware{otelmcp.ServerMiddleware(rec.opts())}})
	server.Tool(upstream, "add", "adds", func(ctx context.Context, in addArgs) (int, error) { return in.A + in.B, nil })

	gateway := server.New("gateway", "1", nil)
	gateway.Use(otelmcp.ServerMiddleware(rec.opts()))
	var up *client.Session
	server.Tool(gateway, "relay", "adds upstream", func(ctx context.Context, in addArgs) (string, error) {
		res, err := up.CallTool(ctx, "add", in)
		if err != nil {
			return "", err
		}
		return fmt.Sprint(res.StructuredContent), nil
	})
	server.Tool(gateway, "oops", "fails", func(ctx context.Context, _ noArgs) (string, error) {
		return "", errors.New("it broke")
	})
	up = toUpstream.connect(t, upstream, &client.Options{ProtocolVersion: version,
		Middleware: []client.Middleware{otelmcp.ClientMiddleware(rec.opts())}})
	sess := toGateway.connect(t, gateway, &client.Options{ProtocolVersion: version,
		Middleware: []client.Middleware{otelmcp.ClientMiddleware(rec.opts(attribute.String("peer.service", "gateway")))}})

	ctx, root := rec.tp.Tracer("test").Start(context.Background(), "root")
	res, err := sess.CallTool(ctx, "relay", addArgs{A: 2, B: 3})
	if err != nil || res.IsError {
		t.Fatalf("relay: %v %+v", err, res)
	}
	if _, err := sess.CallTool(ctx, "oops", noArgs{}); err != nil {
		t.Fatalf("oops: %v", err)
	}
	_, err = sess.CallTool(ctx, "nope", noArgs{})
	var rpcErr *jsonrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != jsonrpc.CodeInvalidParams {
		t.Fatalf("unknown tool: %v, want -32602", err)
	}
	root.End()

	rootSC := root.SpanContext()
	cRelay := rec.find(t, "tools/call relay", trace.SpanKindClient)
	sRelay := rec.find(t, "tools/call relay", trace.SpanKindServer)
	cAdd := rec.find(t, "tools/call add", trace.SpanKindClient)
	sAdd := rec.find(t, "tools/call add", trace.SpanKindServer)
	for _, hop := range []struct {
		span   string
		got    trace.SpanContext
		parent trace.SpanContext
		want   trace.SpanContext
	}{
		{"client relay", cRelay.SpanContext, cRelay.Parent, rootSC},
		{"gateway relay", sRelay.SpanContext, sRelay.Parent, cRelay.SpanContext},
		{"gateway's client add", cAdd.SpanContext, cAdd.Parent, sRelay.SpanContext},
		{"upstream add", sAdd.SpanContext, sAdd.Parent, cAdd.SpanContext},
	} {
		if hop.got.TraceID() != rootSC.TraceID() {
			t.Errorf("%s: trace %s, want the root's %s", hop.span, hop.got.TraceID(), rootSC.TraceID())
		}
		if hop.parent.SpanID() != hop.want.SpanID() {
			t.Errorf("%s: parent %s, want %s%s", hop.span, hop.parent.SpanID(), hop.want.SpanID(), rec.list())
		}
	}
	if !sRelay.Parent.IsRemote() || !sAdd.Parent.IsRemote() || cAdd.Parent.IsRemote() {
		t.Errorf("remote parents: gateway %v, upstream %v, gateway's client %v; want true, true, false",
			sRelay.Parent.IsRemote(), sAdd.Parent.IsRemote(), cAdd.Parent.IsRemote())
	}
	if len(sRelay.Links) != 0 || len(sAdd.Links) != 0 {
		t.Errorf("links %v %v: the header context is the _meta one, nothing to link", sRelay.Links, sAdd.Links)
	}

	// Attributes per the conventions.
	for name, s := range map[string]struct {
		tool   string
		server bool
		span   traceStub
	}{
		"client relay":         {"relay", false, cRelay},
		"gateway relay":        {"relay", true, sRelay},
		"gateway's client add": {"add", false, cAdd},
		"upstream add":         {"add", true, sAdd},
	} {
		want := map[attribute.Key]string{
			otelmcp.KeyMethodName:      "tools/call",
			otelmcp.KeyToolName:        s.tool,
			otelmcp.KeyOperationName:   "execute_tool",
			otelmcp.KeyProtocolVersion: version,
		}
		if s.server && tr == "http" {
			want[otelmcp.KeyNetworkTransport] = "tcp"
			want[otelmcp.KeyNetworkProtocolName] = "http"
			want[otelmcp.KeyNetworkProtocolVersion] = "1.1"
			want[otelmcp.KeyClientAddress] = "127.0.0.1"
		}
		if name == "client relay" {
			want["peer.service"] = "gateway"
		}
		for k, v := range want {
			if got, _ := attr(s.span, k); got != v {
				t.Errorf("%s: %s = %q, want %q", name, k, got, v)
			}
		}
		if id, ok := attr(s.span, otelmcp.KeyRequestID); !ok || id == "" {
			t.Errorf("%s: no jsonrpc.request.id", name)
		}
		sid, hasSID := attr(s.span, otelmcp.KeySessionID)
		if wantSID := s.server && tr == "http" && version != mcp.Version20260728; hasSID != wantSID || (hasSID && sid == "") {
			t.Errorf("%s: mcp.session.id %q (present %v), want present %v", name, sid, hasSID, wantSID)
		}
		if _, ok := attr(s.span, otelmcp.KeyErrorType); ok || s.span.Status.Code != codes.Unset {
			t.Errorf("%s: a success has error.type or status %v", name, s.span.Status)
		}
	}
	// The id the client sent is the id the server saw.
	for _, pair := range [][2]traceStub{{cRelay, sRelay}, {cAdd, sAdd}} {
		c, _ := attr(pair[0], otelmcp.KeyRequestID)
		s, _ := attr(pair[1], otelmcp.KeyRequestID)
		if c != s {
			t.Errorf("%s: client sent id %q, server saw %q", pair[0].Name, c, s)
		}
	}

	// A tool error and a JSON-RPC error, on both sides.
	for _, kind := range []trace.SpanKind{trace.SpanKindClient, trace.SpanKindServer} {
		oops := rec.find(t, "tools/call oops", kind)
		if et, _ := attr(oops, otelmcp.KeyErrorType); et != otelmcp.ErrorTool || oops.Status.Code != codes.Error {
			t.Errorf("oops (%v): error.type %q status %v, want tool_error and Error", kind, et, oops.Status)
		}
		if _, ok := attr(oops, otelmcp.KeyResponseStatusCode); ok {
			t.Errorf("oops (%v): rpc.response.status_code on a result", kind)
		}
		nope := rec.find(t, "tools/call nope", kind)
		et, _ := attr(nope, otelmcp.KeyErrorType)
		sc, _ := attr(nope, otelmcp.KeyResponseStatusCode)
		if et != "-32602" || sc != "-32602" || nope.Status.Code != codes.Error || nope.Status.Description != rpcErr.Message {
			t.Errorf("nope (%v): error.type %q status code %q status %v, want -32602 and Error %q", kind, et, sc, nope.Status, rpcErr.Message)
		}
		if nope.Parent.SpanID() != map[trace.SpanKind]trace.SpanID{trace.SpanKindClient: rootSC.SpanID(),
			trace.SpanKindServer: rec.find(t, "tools/call nope", trace.SpanKindClient).SpanContext.SpanID()}[kind] {
			t.Errorf("nope (%v): parent %s", kind, nope.Parent.SpanID())
		}
	}

	// Over HTTP the trace context is in the POST's headers too: the traceparent of the span that sent it.
	if tr == "http" {
		for _, c := range []struct {
			l    *httpLink
			span traceStub
		}{{gwHTTP, cRelay}, {upHTTP, cAdd}} {
			want := fmt.Sprintf("00-%s-%s-01", c.span.SpanContext.TraceID(), c.span.SpanContext.SpanID())
			if !c.l.sawHeader(want) {
				t.Errorf("no POST carried traceparent %s (%s)", want, c.span.Name)
			}
		}
	}
}
