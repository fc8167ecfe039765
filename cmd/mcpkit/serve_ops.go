package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/health"
	"github.com/mcpkit/mcpkit/metrics"
	"github.com/mcpkit/mcpkit/ratelimit"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store/redis"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// opsFlags are serve's operations flags: --metrics and --rate-limit. /healthz and /readyz are always served.
type opsFlags struct {
	metrics   bool
	rateLimit string

	limit ratelimit.Options // parsed from rateLimit by check
	m     *metrics.Metrics  // set by instrument with --metrics
	l     *ratelimit.Limiter
}

func (f *opsFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.metrics, "metrics", false, "serve Prometheus metrics at /metrics beside /mcp (requests by method, era, transport and outcome, latency, sessions, streams, refusals, store operations, auth and rate-limit refusals: docs/OPERATIONS.md)")
	cmd.Flags().StringVar(&f.rateLimit, "rate-limit", "", "limit each caller (the token's principal, else the client address) to RPS requests per second with bursts of BURST (RPS[:BURST], e.g. 10:20): past it HTTP answers 429 with Retry-After, stdio a -32000 error; per node")
}

// check parses the flags.
func (f *opsFlags) check(stdio bool) error {
	if f.metrics && stdio {
		return fmt.Errorf("--metrics serves /metrics over HTTP: a stdio server has no HTTP endpoint")
	}
	if f.rateLimit != "" {
		o, err := ratelimit.Parse(f.rateLimit)
		if err != nil {
			return fmt.Errorf("--rate-limit: %w", err)
		}
		f.limit = o
	}
	return nil
}

// stores wraps the Redis stores so that their operations and errors are counted (--metrics).
func (f *opsFlags) stores(sopts *server.Options, opts *server.HTTPOptions) {
	if f.m == nil {
		return
	}
	if sopts.KeyRing != nil {
		sopts.KeyRing = f.m.KeyRing("redis", sopts.KeyRing)
	}
	if sopts.Tasks.Store != nil {
		sopts.Tasks.Store = f.m.TaskStore("redis", sopts.Tasks.Store)
	}
	if opts.Streamable.Sessions != nil {
		opts.Streamable.Sessions = f.m.SessionStore("redis", opts.Streamable.Sessions)
	}
	if opts.Streamable.Events != nil {
		opts.Streamable.Events = f.m.EventStore("redis", opts.Streamable.Events)
	}
	if sopts.Bus != nil {
		// One wrapper for every user of the bus: the server's changes, the two transports' routing.
		b := f.m.Bus("redis", sopts.Bus)
		sopts.Bus, opts.Streamable.Bus, opts.SSEBus = b, b, b
	}
}

// setup makes the metrics and the limiter (before the stores are wrapped and the server made).
func (f *opsFlags) setup() error {
	if f.metrics {
		f.m = metrics.New(nil)
	}
	if f.rateLimit != "" {
		l, err := ratelimit.New(f.limit)
		if err != nil {
			return err
		}
		f.l = l
		if f.m != nil {
			f.m.RateLimit(l)
		}
	}
	return nil
}

// instrument puts the metrics and, for stdio, the in-band rate limit on s.
func (f *opsFlags) instrument(s *server.Server, stdio bool) {
	if f.m != nil {
		f.m.Instrument(s)
	}
	if f.l != nil && stdio {
		s.Use(f.l.Middleware)
	}
}

// http wires the probes, the metrics and the HTTP rate limit into opts. st is the Redis store (nil
// without --redis), pinged by /readyz; ctx ends with SIGTERM, when /readyz starts answering 503.
func (f *opsFlags) http(ctx context.Context, opts *server.HTTPOptions, st *redis.Store) {
	var checks []health.Check
	if st != nil {
		checks = append(checks, health.Ping("redis", st))
	}
	var mcpHandler *streamable.Handler
	hl := health.New(&health.Options{Checks: checks, Draining: func() bool { return mcpHandler != nil && mcpHandler.Draining() }})
	hl.DrainOn(ctx) // not ready from the signal on, as the drain starts
	opts.Routes = map[string]http.Handler{"/healthz": hl.Liveness(), "/readyz": hl.Readiness()}
	opts.Handlers = func(h *streamable.Handler, _ *sse.Handler) { mcpHandler = h }
	f.wire(opts)
}

// wire adds --metrics and --rate-limit to an HTTP server's opts, after its own Routes and Handlers
// (serve's probes, the gateway's): /metrics among the routes, the transports' sessions and refusals
// counted once the handlers exist, and around each MCP endpoint the rate limit inside the stream counts.
func (f *opsFlags) wire(opts *server.HTTPOptions) {
	if f.m != nil {
		if opts.Routes == nil {
			opts.Routes = map[string]http.Handler{}
		}
		opts.Routes["/metrics"] = f.m.Handler()
		own := opts.Handlers
		opts.Handlers = func(h *streamable.Handler, legacy *sse.Handler) {
			if own != nil {
				own(h, legacy)
			}
			f.m.Transports(h, legacy)
		}
	}
	if f.m == nil && f.l == nil {
		return
	}
	opts.WrapEndpoint = func(transport string, next http.Handler) http.Handler {
		if f.l != nil {
			next = f.l.Wrap(next) // inside the metrics: a refused request opens no stream
		}
		if f.m != nil {
			next = f.m.WrapHTTP(transport, next)
		}
		return next
	}
}
