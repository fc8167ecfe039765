package otelmcp_test

import (
	"context"
	"syscall"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/metrics"
	"github.com/mcpkit/mcpkit/otelmcp"
	"github.com/mcpkit/mcpkit/server"
)

// tracingModes are the configurations the benchmark compares, in one run: no middleware at all (off),
// the middleware on a no-op provider (what a program gets that installs otelmcp but sets no SDK),
// on an SDK that samples nothing (trace context still travels), on an SDK that records every span
// through the batch processor (the production shape) into discardExporter (an exporter's encoding is its
// own cost, not this package's) — on both sides, client and server, each with its span — and that last
// one on the server alone (clients that do not trace), without and with metrics on the server.
var tracingModes = []string{"off", "noop", "sampled-out", "recorded", "server-only", "server+metrics"}

// tracerFor returns the provider of a mode (nil for off).
func tracerFor(b *testing.B, mode string) trace.TracerProvider {
	switch mode {
	case "noop":
		return noop.NewTracerProvider()
	case "sampled-out":
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		return tp
	case "recorded", "server-only", "server+metrics":
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discardExporter{}), sdktrace.WithSampler(sdktrace.AlwaysSample()))
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		return tp
	}
	return nil
}

// BenchmarkTracing measures one typed tools/call end to end (client → server → client) with tracing on
// both sides in each mode, over the in-memory transport and Streamable HTTP, in both eras. Throughput is
// 1/(ns/op); cpu-ns/op is the process's CPU time per call (client and server), steadier than ns/op on a
// shared machine. docs/PERFORMANCE.md compares the modes of one run.
func BenchmarkTracing(b *testing.B) {
	for _, tr := range []string{"memory", "http"} {
		for _, v := range []string{mcp.Version20251125, mcp.Version20260728} {
			for _, mode := range tracingModes {
				b.Run(tr+"/"+v+"/"+mode, func(b *testing.B) { benchTracing(b, tr, v, mode) })
			}
		}
	}
}

func benchTracing(b *testing.B, tr, version, mode string) {
	tp := tracerFor(b, mode)
	var smw []server.Middleware
	var cmw []client.Middleware
	var opts *otelmcp.Options
	if tp != nil {
		opts = &otelmcp.Options{TracerProvider: tp}
		smw = []server.Middleware{otelmcp.ServerMiddleware(opts)}
		if mode != "server-only" && mode != "server+metrics" {
			cmw = []client.Middleware{otelmcp.ClientMiddleware(opts)}
		}
	}
	s := server.New("bench", "1", &server.Options{Middleware: smw})
	server.Tool(s, "add", "add", func(ctx context.Context, in addArgs) (int, error) { return in.A + in.B, nil })
	if mode == "server+metrics" {
		metrics.New(nil).Instrument(s)
	}
	var l link = memoryLink{}
	if tr == "http" {
		l = &httpLink{opts: opts}
	}
	sess := l.connect(b, s, &client.Options{ProtocolVersion: version, Middleware: cmw})
	ctx := context.Background()
	args := addArgs{A: 1, B: 2}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for b.Loop() {
		res, err := sess.CallTool(ctx, "add", &args)
		if err != nil || res.IsError {
			b.Fatal(err, res)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time (user and system) this process has used, in nanoseconds: unlike ns/op, it
// does not grow when other processes take the machine's cores. The batch processor's exports count too.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
