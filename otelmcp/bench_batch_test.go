package otelmcp_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpkit/mcpkit/otelmcp"
)

// BenchmarkBatchProcessor compares otelmcp's BatchProcessor with the SDK's BatchSpanProcessor (both
// with their defaults, into discardExporter) on what a recorded server span costs: start, ten
// attributes, end, from 4 goroutines per CPU. cpu-ns/op is the process's CPU time per span, the
// exporting goroutine's included (its wake-ups are what the two differ in).
func BenchmarkBatchProcessor(b *testing.B) {
	for _, name := range []string{"sdk", "otelmcp"} {
		b.Run(name, func(b *testing.B) {
			var sp sdktrace.SpanProcessor = sdktrace.NewBatchSpanProcessor(discardExporter{})
			if name == "otelmcp" {
				bp, err := otelmcp.NewBatchProcessor(discardExporter{}, nil)
				if err != nil {
					b.Fatal(err)
				}
				sp = bp
			}
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sp))
			defer func() { _ = tp.Shutdown(context.Background()) }()
			tr := tp.Tracer("bench")
			attrs := []attribute.KeyValue{
				otelmcp.KeyMethodName.String("tools/call"), otelmcp.KeyToolName.String("add"),
				otelmcp.KeyOperationName.String("execute_tool"), otelmcp.KeyRequestID.String("1"),
				otelmcp.KeyProtocolVersion.String("2026-07-28"), otelmcp.KeyNetworkTransport.String("tcp"),
				otelmcp.KeyNetworkProtocolName.String("http"), otelmcp.KeyNetworkProtocolVersion.String("1.1"),
				otelmcp.KeyClientAddress.String("127.0.0.1"), otelmcp.KeyClientPort.Int(40000),
			}
			kind := trace.WithSpanKind(trace.SpanKindServer)
			b.ReportAllocs()
			b.SetParallelism(4)
			b.ResetTimer()
			cpu0 := processCPU()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					_, s := tr.Start(ctx, "tools/call add", kind)
					s.SetAttributes(attrs...)
					s.End()
				}
			})
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
