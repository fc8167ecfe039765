package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"net/http/httptest"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/otelmcp"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// TestServeOTelOutbound: with `mcpkit serve --otel`, the sampling request the demo's create_product sends
// a legacy (2025-11-25) client is exported as a client span under the tool's server span, and a client
// with ClientHandlerMiddleware handles it in a server span under that one, all in the caller's trace.
func TestServeOTelOutbound(t *testing.T) {
	recv := &otlpReceiver{}
	collector := httptest.NewServer(recv)
	t.Cleanup(collector.Close)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50") // ms: export batches at once
	url := serveHTTP(t, "--otel")

	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stream, err := streamable.NewClient(url, &streamable.ClientOptions{EraCache: &streamable.EraCache{}})
	if err != nil {
		t.Fatal(err)
	}
	oo := &otelmcp.Options{TracerProvider: tp}
	sess, err := client.Connect(ctx, stream, &client.Options{ProtocolVersion: mcp.Version20251125,
		Middleware:        []client.Middleware{otelmcp.ClientMiddleware(oo)},
		HandlerMiddleware: []client.HandlerMiddleware{otelmcp.ClientHandlerMiddleware(oo)},
		OnSample: func(context.Context, *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
			return &mcp.CreateMessageResult{Role: mcp.RoleAssistant, Content: mcp.SamplingBlock(mcp.TextContent("A fine mug.")), Model: "m"}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	cctx, root := tp.Tracer("test").Start(ctx, "root")
	res, err := sess.CallTool(cctx, "create_product", map[string]string{"product_name": "mug", "keywords": "blue"})
	root.End()
	if err != nil || res.IsError {
		t.Fatalf("create_product: %v %+v", err, res)
	}
	traceID := root.SpanContext().TraceID().String()
	var tool, out *tracepb.Span
	for deadline := time.Now().Add(10 * time.Second); tool == nil || out == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("in 10 s, the exported spans of trace %s lack the tool's server span (%v) or the sampling client span (%v)", traceID, tool != nil, out != nil)
		}
		tool = recv.find(traceID, "tools/call create_product", tracepb.Span_SPAN_KIND_SERVER)
		out = recv.find(traceID, mcp.MethodSamplingCreateMessage, tracepb.Span_SPAN_KIND_CLIENT)
	}
	if !bytes.Equal(out.ParentSpanId, tool.SpanId) {
		t.Errorf("the sampling span's parent %x, want the tool's server span %x", out.ParentSpanId, tool.SpanId)
	}
	if spanAttr(out, "mcp.method.name") != mcp.MethodSamplingCreateMessage || spanAttr(out, "mcp.session.id") == "" {
		t.Errorf("sampling client span attributes %v", out.Attributes)
	}
	var handled []tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		if s.Name == mcp.MethodSamplingCreateMessage && s.SpanKind == trace.SpanKindServer {
			handled = append(handled, s)
		}
	}
	if len(handled) != 1 || handled[0].SpanContext.TraceID().String() != traceID ||
		handled[0].Parent.SpanID().String() != hex.EncodeToString(out.SpanId) {
		t.Errorf("client handler spans %+v, want one under the exported sampling span %x", handled, out.SpanId)
	}
}

// find returns the exported span named name of kind k in trace traceID, nil until it arrived.
func (r *otlpReceiver) find(traceID, name string, k tracepb.Span_SpanKind) *tracepb.Span {
	return r.findFrom(traceID, "", name, k)
}
