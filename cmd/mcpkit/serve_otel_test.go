package main

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/otelmcp"
	"github.com/mcpkit/mcpkit/transport/stdio"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// otlpReceiver is a test OTLP/HTTP collector: it decodes the protobuf export requests POSTed to
// /v1/traces and keeps their spans with the service name of their resource.
type otlpReceiver struct {
	mu      sync.Mutex
	posts   int
	refused []string // what was wrong with requests it could not take
	spans   []receivedSpan
}

type receivedSpan struct {
	service string
	span    *tracepb.Span
}

func (r *otlpReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.Method != http.MethodPost || req.URL.Path != "/v1/traces" || req.Header.Get("Content-Type") != "application/x-protobuf" {
		r.refused = append(r.refused, req.Method+" "+req.URL.Path+" "+req.Header.Get("Content-Type"))
		http.Error(w, "not an OTLP/HTTP protobuf trace export", http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(req.Body)
	var export collectortrace.ExportTraceServiceRequest
	if err == nil {
		err = proto.Unmarshal(body, &export)
	}
	if err != nil {
		r.refused = append(r.refused, "undecodable: "+err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.posts++
	for _, rs := range export.ResourceSpans {
		service := ""
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.Key == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				r.spans = append(r.spans, receivedSpan{service, s})
			}
		}
	}
	b, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(b)
}

// serverSpan returns the exported server span of tools/call add in trace traceID, if it arrived.
func (r *otlpReceiver) serverSpan(traceID string) (receivedSpan, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.spans {
		if s.span.Name == "tools/call add" && s.span.Kind == tracepb.Span_SPAN_KIND_SERVER && hex.EncodeToString(s.span.TraceId) == traceID {
			return s, true
		}
	}
	return receivedSpan{}, false
}

func spanAttr(s *tracepb.Span, key string) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}

// TestServeOTel: `mcpkit serve --otel` exports the span of each MCP request to the OTLP/HTTP collector
// named by OTEL_EXPORTER_OTLP_ENDPOINT (protobuf POSTs to /v1/traces), with the service name of
// OTEL_SERVICE_NAME; in both eras the server span is the child of the span of our traced client, whose
// context crossed in _meta (and the POST's headers), with the conventions' attributes.
func TestServeOTel(t *testing.T) {
	recv := startCollector(t, "mcpkit-otel-test")
	url := serveHTTP(t, "--otel")
	tp, exp := testTracer(t)
	for _, v := range []string{mcp.Version20251125, mcp.Version20260728} {
		t.Run(v, func(t *testing.T) {
			traceID, clientSpan := tracedAdd(t, url, v, "add", tp, exp)
			var got receivedSpan
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				var ok bool
				if got, ok = recv.serverSpan(traceID); ok {
					break
				}
				if time.Now().After(deadline) {
					recv.mu.Lock()
					posts, refused := recv.posts, recv.refused
					recv.mu.Unlock()
					t.Fatalf("no server span of trace %s exported in 10 s (%d POSTs, refused %v)", traceID, posts, refused)
				}
			}
			if p := hex.EncodeToString(got.span.ParentSpanId); p != clientSpan {
				t.Errorf("server span parent %s, want the client span %s", p, clientSpan)
			}
			if got.service != "mcpkit-otel-test" {
				t.Errorf("service.name %q", got.service)
			}
			for k, want := range map[string]string{"mcp.method.name": "tools/call", "gen_ai.tool.name": "add",
				"mcp.protocol.version": v, "network.transport": "tcp", "network.protocol.name": "http"} {
				if a := spanAttr(got.span, k); a != want {
					t.Errorf("%s = %q, want %q", k, a, want)
				}
			}
		})
	}
	recv.mu.Lock()
	defer recv.mu.Unlock()
	if len(recv.refused) > 0 {
		t.Errorf("the collector refused: %v", recv.refused)
	}
}

// startCollector runs an OTLP/HTTP test collector and points the standard variables of this test's
// processes at it, with OTEL_SERVICE_NAME service and a batch delay of 50 ms (batches exported at once).
func startCollector(t *testing.T, service string) *otlpReceiver {
	t.Helper()
	recv := &otlpReceiver{}
	collector := httptest.NewServer(recv)
	t.Cleanup(collector.Close)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_SERVICE_NAME", service)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
	return recv
}

// testTracer is the test client's tracer provider, its spans kept in memory.
func testTracer(t *testing.T) (*sdktrace.TracerProvider, *tracetest.InMemoryExporter) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, exp
}

// tracedAdd connects to the MCP endpoint url at version with a client traced by tp (whose spans exp
// keeps), calls tool (the demo's add: a=1, b=2) under a root span, and returns the trace id and the id of
// the client's span of the call.
func tracedAdd(t *testing.T, url, version, tool string, tp *sdktrace.TracerProvider, exp *tracetest.InMemoryExporter) (traceID, clientSpan string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stream, err := streamable.NewClient(url, &streamable.ClientOptions{EraCache: &streamable.EraCache{}})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := client.Connect(ctx, stream, &client.Options{ProtocolVersion: version,
		Middleware: []client.Middleware{otelmcp.ClientMiddleware(&otelmcp.Options{TracerProvider: tp})}})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	cctx, root := tp.Tracer("test").Start(ctx, "root")
	res, err := sess.CallTool(cctx, tool, map[string]int{"a": 1, "b": 2})
	root.End()
	if err != nil || res.IsError {
		t.Fatalf("%s: %v %+v", tool, err, res)
	}
	for _, s := range exp.GetSpans() {
		if s.Name == "tools/call "+tool && s.SpanContext.TraceID() == root.SpanContext().TraceID() {
			clientSpan = s.SpanContext.SpanID().String()
		}
	}
	return root.SpanContext().TraceID().String(), clientSpan
}

// TestServeOTelStdio: `mcpkit serve --stdio --otel` marks its spans network.transport "pipe" and flushes
// the spans still queued when it exits (the batch delay is set far beyond the test: only the flush at exit
// can deliver them), the server span still the child of our client's span.
func TestServeOTelStdio(t *testing.T) {
	recv := &otlpReceiver{}
	collector := httptest.NewServer(recv)
	t.Cleanup(collector.Close)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "600000")
	t.Setenv("OTEL_SERVICE_NAME", "") // the default is under test
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "")
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stream, err := stdio.Command(exec.Command(binary, "serve", "--stdio", "--otel"), stdio.CommandOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := client.Connect(ctx, stream, &client.Options{ProtocolVersion: mcp.Version20260728,
		Middleware: []client.Middleware{otelmcp.ClientMiddleware(&otelmcp.Options{TracerProvider: tp})}})
	if err != nil {
		t.Fatal(err)
	}
	cctx, root := tp.Tracer("test").Start(ctx, "root")
	res, err := sess.CallTool(cctx, "add", map[string]int{"a": 1, "b": 2})
	root.End()
	if err != nil || res.IsError {
		t.Fatalf("add: %v %+v", err, res)
	}
	traceID := root.SpanContext().TraceID().String()
	if _, ok := recv.serverSpan(traceID); ok {
		t.Fatal("exported before exit: the batch delay did not hold")
	}
	if err := sess.Close(); err != nil { // stdin EOF: the server drains, flushes and exits 0
		t.Fatalf("server exit: %v", err)
	}
	got, ok := recv.serverSpan(traceID)
	if !ok {
		recv.mu.Lock()
		posts, refused := recv.posts, recv.refused
		recv.mu.Unlock()
		t.Fatalf("the server exited without exporting its span (%d POSTs, refused %v)", posts, refused)
	}
	var clientSpan tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		if s.Name == "tools/call add" {
			clientSpan = s
		}
	}
	if p := hex.EncodeToString(got.span.ParentSpanId); p != clientSpan.SpanContext.SpanID().String() {
		t.Errorf("server span parent %s, want the client span %s", p, clientSpan.SpanContext.SpanID())
	}
	if tr := spanAttr(got.span, "network.transport"); tr != "pipe" {
		t.Errorf("network.transport %q, want pipe", tr)
	}
	if got.service != "mcpkit" {
		t.Errorf("service.name %q, want the default mcpkit", got.service)
	}
}

// TestServeOTelBadBatchEnv: a batch processor variable that is not a number stops `serve --otel` with an
// error naming it (the SDK would ignore it).
func TestServeOTelBadBatchEnv(t *testing.T) {
	cmd := exec.Command(binary, "serve", "--stdio", "--otel")
	cmd.Env = append(os.Environ(), "OTEL_BSP_MAX_QUEUE_SIZE=lots")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), `OTEL_BSP_MAX_QUEUE_SIZE="lots"`) {
		t.Fatalf("serve --otel with OTEL_BSP_MAX_QUEUE_SIZE=lots: %v\n%s", err, out)
	}
}
