package otelmcp

import (
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Options configures the middleware of this package. The zero value (or nil) traces with the global
// tracer provider and propagates W3C Trace Context and Baggage.
type Options struct {
	// TracerProvider creates the spans. Nil uses otel.GetTracerProvider() (a no-op until the program
	// sets one).
	TracerProvider trace.TracerProvider
	// Propagator reads and writes trace context in _meta and in HTTP headers. Nil uses W3C Trace Context
	// and Baggage, whose keys (traceparent, tracestate, baggage) the MCP specification reserves in _meta.
	Propagator propagation.TextMapPropagator
	// Attributes are added to every span, for what the middleware cannot see: network.transport "pipe"
	// for a stdio server, server.address and server.port on an HTTP client, service attributes.
	Attributes []attribute.KeyValue
	// ResourceURIInSpanName names resources/read, resources/subscribe and resources/unsubscribe spans
	// "{method} {uri}". Off by default, as the conventions advise: URIs make span names high-cardinality.
	ResourceURIInSpanName bool
}

// instrumentationName names the tracer.
const instrumentationName = "github.com/mcpkit/mcpkit/otelmcp"

// config is Options with the defaults applied.
type config struct {
	tracer  trace.Tracer
	prop    propagation.TextMapPropagator
	attrs   []attribute.KeyValue
	uriName bool
	// w3c is set when prop is the default (W3C Trace Context and Baggage): traceparent and tracestate are
	// then read and written by this package's own code, without the carriers' strings (propagate.go).
	w3c bool

	mu      sync.RWMutex
	targets map[targetKey]*target // bounded by maxTargets
}

func newConfig(opts *Options) *config {
	var o Options
	if opts != nil {
		o = *opts
	}
	tp := o.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	prop, w3c := o.Propagator, false
	if prop == nil {
		prop, w3c = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}), true
	}
	return &config{
		tracer:  tp.Tracer(instrumentationName),
		prop:    prop,
		attrs:   append([]attribute.KeyValue(nil), o.Attributes...),
		uriName: o.ResourceURIInSpanName,
		w3c:     w3c,
		targets: make(map[targetKey]*target),
	}
}
