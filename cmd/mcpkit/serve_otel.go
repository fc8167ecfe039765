package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/mcpkit/mcpkit/otelmcp"
	"github.com/mcpkit/mcpkit/server"
)

// otelFlags is serve's --otel: traces of every MCP request exported over OTLP/HTTP.
type otelFlags struct{ on bool }

func (f *otelFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.on, "otel", false, "trace every MCP request with OpenTelemetry and export the spans over OTLP/HTTP (protobuf) to the collector the standard variables name: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318), OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_TIMEOUT, OTEL_SERVICE_NAME (default mcpkit), OTEL_TRACES_SAMPLER (docs/OPERATIONS.md, Tracing)")
}

// otelShutdownTimeout bounds the flush of the spans still queued when serve stops.
const otelShutdownTimeout = 5 * time.Second

// tracing is what --otel adds to serve: the server middleware, the middleware of the requests it sends a
// legacy client (elicitation, sampling, roots), the HTTP wrapper that reads W3C headers, and the flush at
// exit.
type tracing struct {
	middleware server.Middleware
	outbound   server.OutboundMiddleware
	wrap       func(http.Handler) http.Handler
	tp         *sdktrace.TracerProvider
	opts       *otelmcp.Options // for more middleware on the same provider (the gateway's upstream sessions)
}

// start builds the OTLP exporter from the environment (nothing is sent until the first batch). stdio
// marks the spans network.transport "pipe".
func (f *otelFlags) start(ctx context.Context, stdio bool) (*tracing, error) {
	if !f.on {
		return nil, nil
	}
	bo, err := otelmcp.BatchOptionsFromEnv()
	if err != nil {
		return nil, fmt.Errorf("--otel: %w", err)
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("--otel: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "mcpkit"), attribute.String("service.version", version())),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win
		resource.WithTelemetrySDK())
	if err != nil {
		return nil, fmt.Errorf("--otel: resource: %w", err)
	}
	// otelmcp's batch processor, not the SDK's: the same batching (and OTEL_BSP_* variables) without
	// waking the exporting goroutine for every span (docs/PERFORMANCE.md, "Tracing (issue 18)").
	bp, err := otelmcp.NewBatchProcessor(exp, bo)
	if err != nil {
		return nil, fmt.Errorf("--otel: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(bp), sdktrace.WithResource(res))
	opts := &otelmcp.Options{TracerProvider: tp}
	if stdio {
		opts.Attributes = []attribute.KeyValue{otelmcp.KeyNetworkTransport.String("pipe")}
	}
	return &tracing{middleware: otelmcp.ServerMiddleware(opts), outbound: otelmcp.ServerOutboundMiddleware(opts),
		wrap: otelmcp.HTTPMiddleware(opts), tp: tp, opts: opts}, nil
}

// install puts the server's middleware, the middleware of its requests to legacy clients and the HTTP
// wrapper into the options of a server about to be made (nothing without --otel).
func (t *tracing) install(sopts *server.Options, hopts *server.HTTPOptions) {
	if t == nil {
		return
	}
	sopts.Middleware = append(sopts.Middleware, t.middleware)
	sopts.OutboundMiddleware = append(sopts.OutboundMiddleware, t.outbound)
	hopts.Wrap = t.wrap
}

// stop flushes the spans still queued, within otelShutdownTimeout.
func (t *tracing) stop() {
	if t == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), otelShutdownTimeout)
	defer cancel()
	_ = t.tp.Shutdown(ctx)
}
