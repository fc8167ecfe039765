package gateway

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// Options configures a Gateway. The zero value is usable.
type Options struct {
	// Server configures the downstream server (versions served, page size, store, bus, logger…).
	Server server.Options
	// Roots are what the gateway answers an upstream's roots/list with when no downstream client can be
	// asked: the question came outside any call, or during a call whose client declared no roots (nil:
	// an empty list). A question asked during a call goes to that call's client. A downstream client's
	// roots are never given to an upstream outside its own calls: every upstream session is shared by
	// all the gateway's clients, so one client's roots (paths on its machine) must not answer for another.
	Roots []mcp.Root
	// Logger receives the gateway's diagnostics (an upstream lost, a reconnection failing). Nil uses
	// slog.Default().
	Logger *slog.Logger
	// ClientInfo is what the gateway tells upstreams it is; the zero value uses the gateway's name and
	// version.
	ClientInfo mcp.Implementation
	// UpstreamMiddleware wraps every request the gateway sends an upstream, and UpstreamHandlerMiddleware
	// its handling of the requests a legacy upstream sends it (elicitation, sampling, roots): they are the
	// client.Options Middleware and HandlerMiddleware of every upstream session. Tracing across the gateway
	// installs otelmcp.ClientMiddleware and otelmcp.ClientHandlerMiddleware here (and otelmcp's server
	// middleware in Server), so that an upstream call is a child of the downstream request's span. Nil:
	// the sessions send and handle directly.
	UpstreamMiddleware        []client.Middleware
	UpstreamHandlerMiddleware []client.HandlerMiddleware
	// ConnectTimeout bounds one connection attempt: Dial and copying the upstream's lists (default 30s).
	ConnectTimeout time.Duration
	// PingInterval is how often a connected upstream is pinged (default 15s); PingTimeout bounds each
	// ping (default 5s). A failed ping counts the upstream lost: that is how an HTTP upstream that went
	// away is noticed (a stdio or SSE upstream's stream ending is noticed at once).
	PingInterval, PingTimeout time.Duration
	// MinBackoff and MaxBackoff bound the pause between reconnection attempts (defaults 250ms and 30s):
	// it starts at MinBackoff, doubles per failed attempt up to MaxBackoff, and each pause is drawn
	// uniformly from its upper half (jitter).
	MinBackoff, MaxBackoff time.Duration
}

// Gateway serves several upstream MCP servers behind one server.Server under namespaced names
// (docs/GATEWAY.md). Build it with New, give it upstreams with Apply (again to reload), serve Server,
// and Close it after serving stops.
type Gateway struct {
	srv  *server.Server
	log  *slog.Logger
	opts Options

	applyMu sync.Mutex // one Apply (or Close) at a time

	mu     sync.Mutex
	sep    string
	ups    map[string]*upstream // by name
	subs   map[string]int       // downstream resource URIs subscribed by downstream clients, counted by holder
	held   map[string]struct{}  // the legacy sessions' subscriptions (route.go subscribe's holder keys)
	closed bool
}

// New returns a gateway whose downstream server is named name and version, with no upstream yet.
func New(name, version string, opts *Options) *Gateway {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ClientInfo.Name == "" {
		o.ClientInfo = mcp.Implementation{Name: name, Version: version}
	}
	o.ConnectTimeout = orDefault(o.ConnectTimeout, 30*time.Second)
	o.PingInterval = orDefault(o.PingInterval, 15*time.Second)
	o.PingTimeout = orDefault(o.PingTimeout, 5*time.Second)
	o.MinBackoff = orDefault(o.MinBackoff, 250*time.Millisecond)
	o.MaxBackoff = max(orDefault(o.MaxBackoff, 30*time.Second), o.MinBackoff)
	g := &Gateway{log: o.Logger, opts: o, sep: DefaultSeparator, ups: map[string]*upstream{}, subs: map[string]int{}, held: map[string]struct{}{}}
	if o.Roots == nil {
		o.Roots = []mcp.Root{}
	}
	g.opts.Roots = o.Roots
	so := o.Server
	g.srv = server.New(name, version, &so)
	g.srv.Use(g.route)
	return g
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Server is the downstream server: serve it on any transport (ListenAndServeContext, Handler, Serve).
func (g *Gateway) Server() *server.Server { return g.srv }

// Apply makes cfg the gateway's configuration: upstreams new in cfg are connected, those gone are closed
// (their entries removed, with list_changed), those whose configuration changed (same) are restarted, and
// the others are left untouched; a new Separator restarts all. It returns cfg.Validate's error without
// changing anything, and otherwise nil once each started upstream has made its first connection attempt
// (or ctx ended): an upstream that cannot connect is not an error of Apply, it is retried with backoff
// and reported by Status.
func (g *Gateway) Apply(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	g.applyMu.Lock()
	defer g.applyMu.Unlock()
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return errors.New("gateway: closed")
	}
	sep := cfg.separator()
	restartAll := sep != g.sep
	g.sep = sep
	want := map[string]*Upstream{}
	for i := range cfg.Upstreams {
		want[cfg.Upstreams[i].Name] = &cfg.Upstreams[i]
	}
	var stop []*upstream
	for name, u := range g.ups {
		if w, ok := want[name]; !ok || restartAll || !same(&u.cfg, w) {
			stop = append(stop, u)
			delete(g.ups, name)
		}
	}
	var start []*Upstream
	for _, w := range cfg.Upstreams {
		if _, ok := g.ups[w.Name]; !ok {
			start = append(start, &w)
		}
	}
	g.mu.Unlock()

	for _, u := range stop { // first, so that a restarted upstream's names are free
		u.stop()
	}
	var started []*upstream
	for _, w := range start {
		u := g.newUpstream(*w, sep)
		g.mu.Lock()
		g.ups[w.Name] = u
		g.mu.Unlock()
		started = append(started, u)
		u.start()
	}
	for _, u := range started {
		select {
		case <-u.firstTry:
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// Close stops every upstream (closing its session: a stdio child is stopped) and the downstream server.
// Call it once the server has stopped serving. It returns when every goroutine of the gateway has ended.
func (g *Gateway) Close() error {
	g.applyMu.Lock()
	defer g.applyMu.Unlock()
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	ups := make([]*upstream, 0, len(g.ups))
	for _, u := range g.ups {
		ups = append(ups, u)
	}
	g.ups = map[string]*upstream{}
	g.mu.Unlock()
	for _, u := range ups {
		u.stop()
	}
	return g.srv.Close()
}

// State is an upstream's connection state.
type State string

// The states of an upstream.
const (
	// StateConnecting: the first attempt has not finished yet, or a reconnection is being tried.
	StateConnecting State = "connecting"
	// StateUp: connected; its entries are served.
	StateUp State = "up"
	// StateDown: not connected (the last attempt failed, or the connection was lost); retried after a pause.
	StateDown State = "down"
)

// UpstreamStatus is what Status reports about one upstream.
type UpstreamStatus struct {
	// Name is the upstream's name.
	Name string `json:"name"`
	// State is its connection state.
	State State `json:"state"`
	// Version is the protocol version of the current session ("" when not connected).
	Version string `json:"version,omitzero"`
	// Error is the last connection failure or the reason the connection was lost.
	Error string `json:"error,omitzero"`
	// Since is when State last changed.
	Since time.Time `json:"since"`
	// Connects counts the successful connections so far (reconnections are the ones after the first).
	Connects int `json:"connects"`
}

// Status reports every upstream, sorted by name.
func (g *Gateway) Status() []UpstreamStatus {
	g.mu.Lock()
	ups := make([]*upstream, 0, len(g.ups))
	for _, u := range g.ups {
		ups = append(ups, u)
	}
	g.mu.Unlock()
	out := make([]UpstreamStatus, 0, len(ups))
	for _, u := range ups {
		out = append(out, u.status())
	}
	slices.SortFunc(out, func(a, b UpstreamStatus) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// uriLookup returns the upstream a URI's owner (uriOwner) names, without regard to case (URI prefixes are
// the lower-cased name; Config.Validate refuses names that differ only in case), or nil.
func (g *Gateway) uriLookup(owner string) *upstream {
	if owner == "" {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if u := g.ups[owner]; u != nil {
		return u
	}
	for name, u := range g.ups {
		if strings.EqualFold(name, owner) {
			return u
		}
	}
	return nil
}
