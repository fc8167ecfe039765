package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcpkit/mcpkit/ratelimit"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// sources are what the collector reads at scrape time: counts the server and the transports keep anyway.
type sources struct {
	servers    []*server.Server
	streamable []*streamable.Handler
	sse        []*sse.Handler
	limiters   []*ratelimit.Limiter
}

// Transports adds the counts of the HTTP transports' handlers (their live sessions and the requests their
// limits refused) to the collected series. It fits server.HTTPOptions.Handlers; either may be nil.
func (m *Metrics) Transports(h *streamable.Handler, legacy *sse.Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h != nil {
		m.sources.streamable = append(m.sources.streamable, h)
	}
	if legacy != nil {
		m.sources.sse = append(m.sources.sse, legacy)
	}
}

// RateLimit adds a rate limiter's counts (requests refused, buckets held) to the collected series.
func (m *Metrics) RateLimit(l *ratelimit.Limiter) {
	m.mu.Lock()
	m.sources.limiters = append(m.sources.limiters, l)
	m.mu.Unlock()
}

// collector exports the counts of the sources.
type collector struct {
	m                *Metrics
	sessions         *prometheus.Desc
	refused          *prometheus.Desc
	limited, buckets *prometheus.Desc
}

func newCollector(ns string, m *Metrics) *collector {
	return &collector{
		m: m,
		sessions: prometheus.NewDesc(prometheus.BuildFQName(ns, "server", "sessions"),
			"Legacy sessions held now, by transport (stream: stdio and in-memory connections, one session each).",
			[]string{"transport"}, nil),
		refused: prometheus.NewDesc(prometheus.BuildFQName(ns, "server", "refused_total"),
			"Requests refused by a transport's limits (429 or 503 over HTTP, -32000 on a stream connection), by transport and limit.",
			[]string{"transport", "limit"}, nil),
		limited: prometheus.NewDesc(prometheus.BuildFQName(ns, "ratelimit", "refused_total"),
			"Requests refused by the rate limit (429 with Retry-After over HTTP, -32000 in band).", nil, nil),
		buckets: prometheus.NewDesc(prometheus.BuildFQName(ns, "ratelimit", "buckets"),
			"Token buckets the rate limit holds now (one per principal or client address).", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.sessions
	ch <- c.refused
	ch <- c.limited
	ch <- c.buckets
}

// Collect implements prometheus.Collector: the sums over every source of a kind.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	src := sources{
		servers:    append([]*server.Server(nil), c.m.sources.servers...),
		streamable: append([]*streamable.Handler(nil), c.m.sources.streamable...),
		sse:        append([]*sse.Handler(nil), c.m.sources.sse...),
		limiters:   append([]*ratelimit.Limiter(nil), c.m.sources.limiters...),
	}
	c.m.mu.Unlock()

	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	if len(src.servers) > 0 {
		var conns int
		var overloaded int64
		for _, s := range src.servers {
			st := s.Stats()
			conns += st.StreamConns
			overloaded += st.Overloaded
		}
		gauge(c.sessions, float64(conns), "stream")
		counter(c.refused, overloaded, "stream", "queue")
	}
	if len(src.streamable) > 0 {
		var n int
		var r streamable.Refusals
		for _, h := range src.streamable {
			st := h.Stats()
			n += st.Sessions
			r.Sessions += st.Refused.Sessions
			r.ClientSessions += st.Refused.ClientSessions
			r.SessionRequests += st.Refused.SessionRequests
			r.InFlight += st.Refused.InFlight
			r.Draining += st.Refused.Draining
			r.Store += st.Refused.Store
		}
		gauge(c.sessions, float64(n), "streamable")
		counter(c.refused, r.Sessions, "streamable", "sessions")
		counter(c.refused, r.ClientSessions, "streamable", "client_sessions")
		counter(c.refused, r.SessionRequests, "streamable", "session_requests")
		counter(c.refused, r.InFlight, "streamable", "in_flight")
		counter(c.refused, r.Draining, "streamable", "draining")
		counter(c.refused, r.Store, "streamable", "store_unavailable")
	}
	if len(src.sse) > 0 {
		var n int
		var r sse.Refusals
		for _, h := range src.sse {
			st := h.Stats()
			n += st.Sessions
			r.Streams += st.Refused.Streams
			r.ClientStreams += st.Refused.ClientStreams
			r.SessionRequests += st.Refused.SessionRequests
		}
		gauge(c.sessions, float64(n), "sse")
		counter(c.refused, r.Streams, "sse", "sessions")
		counter(c.refused, r.ClientStreams, "sse", "client_sessions")
		counter(c.refused, r.SessionRequests, "sse", "session_requests")
	}
	if len(src.limiters) > 0 {
		var refused int64
		var keys int
		for _, l := range src.limiters {
			st := l.Stats()
			refused += st.Refused
			keys += st.Buckets
		}
		counter(c.limited, refused)
		gauge(c.buckets, float64(keys))
	}
}
