package otelmcp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/otelmcp"
	"github.com/mcpkit/mcpkit/server"
)

// BenchmarkMiddleware measures this package's middleware alone, around handlers that do nothing, so that
// what it costs is not lost in the noise of a whole call:
//
//   - server/…: one POST through HTTPMiddleware and one tools/call through ServerMiddleware, the
//     traceparent in the POST's header and in the request's _meta (a traced client's request);
//   - client/…: one tools/call through ClientMiddleware under a caller's span (the traceparent written
//     into _meta).
//
// sampled-out is an SDK that records nothing (trace context still travels); recorded records every span
// through the batch processor into discardExporter.
func BenchmarkMiddleware(b *testing.B) {
	for _, mode := range []string{"sampled-out", "recorded"} {
		b.Run("server/"+mode, func(b *testing.B) { benchServerMiddleware(b, mode) })
		b.Run("client/"+mode, func(b *testing.B) { benchClientMiddleware(b, mode) })
	}
}

func sdkFor(b *testing.B, mode string) *sdktrace.TracerProvider {
	sampler := sdktrace.AlwaysSample()
	if mode == "sampled-out" {
		sampler = sdktrace.NeverSample()
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discardExporter{}), sdktrace.WithSampler(sampler))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp
}

var benchResult = jsontext.Value(`{"content":[{"type":"text","text":"3"}],"structuredContent":{"result":3}}`)

func benchServerMiddleware(b *testing.B, mode string) {
	opts := &otelmcp.Options{TracerProvider: sdkFor(b, mode)}
	handle := otelmcp.ServerMiddleware(opts)(func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
		return benchResult, nil
	})
	traceParent := jsontext.Value(`"` + benchTraceParent + `"`)
	h := otelmcp.HTTPMiddleware(opts)(http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		r := &server.Request{Method: mcp.MethodToolsCall, ID: jsonrpc.Int64ID(1), Params: jsontext.Value(`{"name":"add","arguments":{"a":1,"b":2}}`),
			Era: mcp.EraModern, ProtocolVersion: mcp.Version20260728, Meta: &mcp.RequestMeta{TraceParent: traceParent}}
		if _, err := handle(hr.Context(), r); err != nil {
			b.Fatal(err)
		}
	}))
	req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
	req.RemoteAddr = "127.0.0.1:40000"
	req.Header.Set("Traceparent", benchTraceParent)
	var w httptest.ResponseRecorder
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(&w, req)
	}
}

func benchClientMiddleware(b *testing.B, mode string) {
	tp := sdkFor(b, mode)
	invoke := otelmcp.ClientMiddleware(&otelmcp.Options{TracerProvider: tp})(func(ctx context.Context, req *client.Request) (jsontext.Value, error) {
		return benchResult, nil
	})
	ctx, span := tp.Tracer("bench").Start(context.Background(), "caller", trace.WithSpanKind(trace.SpanKindInternal))
	defer span.End()
	params := jsontext.Value(`{"name":"add","arguments":{"a":1,"b":2}}`)
	b.ReportAllocs()
	for b.Loop() {
		req := &client.Request{Method: mcp.MethodToolsCall, Params: params, Era: mcp.EraModern, ProtocolVersion: mcp.Version20260728}
		if _, err := invoke(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
