package otelmcp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/mcpkit/mcpkit/internal/benchchild"
	"github.com/mcpkit/mcpkit/metrics"
	"github.com/mcpkit/mcpkit/otelmcp"
	"github.com/mcpkit/mcpkit/server"
)

// discardExporter is a span exporter that drops what it is given: the SDK's whole recording path (span
// start and end, the batch queue, the export call) without the cost of an exporter's encoding, which
// depends on the exporter and not on this package.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// serverBenchCases are BenchmarkServerTracing's cases: what the server in the child process runs with.
// "off" is the plain server; "metrics" adds the Prometheus observer (Instrument, Transports, WrapHTTP);
// "tracing" adds ServerMiddleware and HTTPMiddleware on an SDK that samples and records every span
// through otelmcp's BatchProcessor (what `mcpkit serve --otel` uses) into discardExporter (parent-based:
// a parent's sampling decision holds); "on" is both; "on+sdk" is "on" with the SDK's
// BatchSpanProcessor instead, the comparison of the two processors in the same run. The cases without
// a client part send what a traced client sends, traceparent in the POST's header and in
// params._meta, sampled; "/unsampled-client" sends it not sampled (the server propagates and records
// nothing, as under a ratio sampler upstream); "/untraced-client" sends no trace context (every server
// span a root).
var serverBenchCases = []string{"off", "metrics", "tracing", "on", "on+sdk", "on/unsampled-client", "off/untraced-client", "on/untraced-client"}

// BenchmarkServerTracing measures what tracing and metrics cost an MCP server, apart from its client:
// the server runs in a child process (this test binary again, as TestBenchTracingServerChild) and
// server-cpu-ns/op is the child's CPU time (user + system, the batch exporter's goroutine included) per
// 2026-07-28 tools/call over Streamable HTTP, server-allocs/op and server-B/op its heap allocations per
// call (count and bytes: exact, where the CPU times are noisy on a shared machine);
// client-cpu-ns/op is this process's (B/op and allocs/op are the client's too). A server's throughput
// is bounded by its CPU per call, so server-cpu-ns/op of "off" over that of "on" is the throughput ratio
// the target (≥ 0.85×) is about. MCPKIT_BENCH_CHILD_CPUPROFILE=f (and …_MEMPROFILE) writes each
// child's profile to f.<case>.
func BenchmarkServerTracing(b *testing.B) {
	for _, name := range serverBenchCases {
		b.Run(name, func(b *testing.B) {
			mode, client, _ := strings.Cut(name, "/")
			c := benchchild.Start(b, "TestBenchTracingServerChild", strings.NewReplacer("/", "-", "+", "-").Replace(name), "MCPKIT_BENCH_TRACING_CHILD="+mode)
			defer c.Stop()
			base := c.Line()
			serverCPU := func() (cpu, allocs, bytes int64) { // the child's CPU time and allocations, asked over its stdin
				f := strings.Fields(c.Ask("cpu"))
				if len(f) != 3 {
					b.Fatalf("child answered %q", f)
				}
				var err [3]error
				cpu, err[0] = strconv.ParseInt(f[0], 10, 64)
				allocs, err[1] = strconv.ParseInt(f[1], 10, 64)
				bytes, err[2] = strconv.ParseInt(f[2], 10, 64)
				if e := errors.Join(err[:]...); e != nil {
					b.Fatal(e)
				}
				return cpu, allocs, bytes
			}
			tp := ""
			switch client {
			case "":
				tp = benchTraceParent
			case "unsampled-client":
				tp = benchTraceParent[:len(benchTraceParent)-2] + "00"
			}
			runServerCalls(b, base, tp, serverCPU)
		})
	}
}

// benchTraceParent is the trace context a traced client sends (sampled).
const benchTraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// runServerCalls sends tools/call add to base with 4 callers per CPU, with traceparent tp ("" for none),
// and reports the CPU per call of the server (serverCPU) and of this process.
func runServerCalls(b *testing.B, base, tp string, serverCPU func() (cpu, allocs, bytes int64)) {
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}`
	if tp != "" {
		meta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"traceparent":"` + tp + `"}`
	}
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},` + meta + `}}`)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	call := func() error {
		req, _ := http.NewRequest(http.MethodPost, base, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", "2026-07-28")
		req.Header.Set("Mcp-Method", "tools/call")
		req.Header.Set("Mcp-Name", "add")
		if tp != "" {
			req.Header.Set("Traceparent", tp)
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	if err := call(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	srv0, allocs0, bytes0 := serverCPU()
	cpu0, start := processCPU(), time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := call(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed, cpu := time.Since(start), processCPU()-cpu0
	srv1, allocs1, bytes1 := serverCPU()
	b.ReportMetric(float64(srv1-srv0)/float64(b.N), "server-cpu-ns/op")
	b.ReportMetric(float64(allocs1-allocs0)/float64(b.N), "server-allocs/op")
	b.ReportMetric(float64(bytes1-bytes0)/float64(b.N), "server-B/op")
	b.ReportMetric(float64(cpu)/float64(b.N), "client-cpu-ns/op")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
}

// TestBenchTracingServerChild is BenchmarkServerTracing's server: it runs only in the child that
// benchmark starts (MCPKIT_BENCH_TRACING_CHILD is off, metrics, tracing or on, with "+sdk" for the SDK's
// batch span processor), prints its endpoint's URL, answers each line of its stdin with its CPU time in
// nanoseconds, the number of heap objects and of bytes it allocated, and stops at the end of its stdin.
func TestBenchTracingServerChild(t *testing.T) {
	mode, proc, _ := strings.Cut(os.Getenv("MCPKIT_BENCH_TRACING_CHILD"), "+")
	if mode == "" {
		t.Skip("only in BenchmarkServerTracing's child process")
	}
	withMetrics := mode == "metrics" || mode == "on"
	withTracing := mode == "tracing" || mode == "on"
	if !withMetrics && !withTracing && mode != "off" {
		t.Fatalf("unknown case %q", mode)
	}
	var opts *otelmcp.Options
	var sopts server.Options
	if withTracing {
		var sp sdktrace.SpanProcessor
		switch proc {
		case "sdk":
			sp = sdktrace.NewBatchSpanProcessor(discardExporter{})
		case "":
			bp, err := otelmcp.NewBatchProcessor(discardExporter{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			sp = bp
		default:
			t.Fatalf("unknown span processor %q", proc)
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sp), sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())))
		defer func() { _ = tp.Shutdown(context.Background()) }()
		opts = &otelmcp.Options{TracerProvider: tp}
		sopts.Middleware = []server.Middleware{otelmcp.ServerMiddleware(opts)}
	}
	s := server.New("bench", "1", &sopts)
	server.Tool(s, "add", "add", func(ctx context.Context, in addArgs) (int, error) { return in.A + in.B, nil })
	h := s.Handler(nil)
	var root http.Handler = h
	if withMetrics {
		m := metrics.New(nil)
		m.Instrument(s)
		m.Transports(h, nil)
		root = m.WrapHTTP("streamable", root)
	}
	if withTracing {
		root = otelmcp.HTTPMiddleware(opts)(root)
	}
	ts := httptest.NewServer(root)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		ts.CloseClientConnections()
		ts.Close()
	}()
	var ms runtime.MemStats
	benchchild.Serve(ts.URL, func() string {
		cpu := processCPU()
		runtime.ReadMemStats(&ms)
		return fmt.Sprint(cpu, " ", ms.Mallocs, " ", ms.TotalAlloc)
	})
}
