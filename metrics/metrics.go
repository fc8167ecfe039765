package metrics

import (
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options configures Metrics. The zero value is usable.
type Options struct {
	// Registry receives the collectors and is what Handler serves. Nil makes a new registry (with neither
	// the Go runtime nor the process collectors: register them on your own registry if you want them).
	Registry *prometheus.Registry
	// Namespace prefixes every metric name (default "mcp").
	Namespace string
	// Buckets are the upper bounds, in seconds, of the request and store latency histograms. Nil uses
	// DefaultBuckets.
	Buckets []float64
}

// DefaultBuckets are the latency buckets used when Options.Buckets is nil: 100 µs to 10 s.
var DefaultBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Metrics holds an MCP server's collectors. Create it with New; every method is safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	inFlight  *prometheus.GaugeVec
	streams   *prometheus.GaugeVec
	storeOps  *prometheus.CounterVec
	storeDur  *prometheus.HistogramVec
	authFails *prometheus.CounterVec

	series  seriesTable // per (method, era, transport): the request series, made on first use
	flights [numTransports]prometheus.Gauge
	open    [numTransports]prometheus.Gauge

	mu      sync.Mutex
	sources sources // what the collector reads at scrape time (collect.go)
}

// New returns Metrics registered on opts.Registry (a new registry when nil). opts may be nil.
func New(opts *Options) *Metrics {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	if o.Namespace == "" {
		o.Namespace = "mcp"
	}
	if o.Buckets == nil {
		o.Buckets = DefaultBuckets
	}
	ns := o.Namespace
	m := &Metrics{reg: o.Registry}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "server", Name: "requests_total",
		Help: "MCP requests answered, by method, era (legacy, modern, unknown), transport and outcome (ok, tool_error, or the JSON-RPC error's class)."},
		[]string{"method", "era", "transport", "outcome"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: "server", Name: "request_duration_seconds",
		Help: "Time from a request reaching the server to its result or error, by method, era and transport.", Buckets: o.Buckets},
		[]string{"method", "era", "transport"})
	m.inFlight = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: "server", Name: "requests_in_flight",
		Help: "MCP requests being served now, by transport."}, []string{"transport"})
	m.streams = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: "server", Name: "streams_open",
		Help: "SSE responses open now on the HTTP transports (Streamable HTTP request, GET and listen streams; HTTP+SSE streams), by transport."},
		[]string{"transport"})
	m.storeOps = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "store", Name: "operations_total",
		Help: "Operations on the stores wrapped by Metrics, by store, operation and outcome (ok, error, not_found)."},
		[]string{"store", "op", "outcome"})
	m.storeDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: "store", Name: "operation_duration_seconds",
		Help: "Latency of the operations on the stores wrapped by Metrics, by store and operation.", Buckets: o.Buckets},
		[]string{"store", "op"})
	m.authFails = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "auth", Name: "refused_total",
		Help: "Requests the auth middleware refused, by reason (missing_token, invalid_request, invalid_token, unavailable, insufficient_scope)."},
		[]string{"reason"})
	for i := range m.flights {
		m.flights[i] = m.inFlight.WithLabelValues(transportNames[i])
		m.open[i] = m.streams.WithLabelValues(transportNames[i])
	}
	o.Registry.MustRegister(m.requests, m.duration, m.inFlight, m.streams, m.storeOps, m.storeDur, m.authFails,
		newCollector(ns, m))
	return m
}

// Registry returns the registry the collectors are on.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats (mount it at /metrics).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// AuthRefused counts a request the auth middleware refused: it fits auth.MiddlewareOptions.OnRefuse.
func (m *Metrics) AuthRefused(_ *http.Request, _ int, reason string) {
	m.authFails.WithLabelValues(reason).Inc()
}
