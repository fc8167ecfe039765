package proxy

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// Options configures a Proxy. The zero value is usable.
type Options struct {
	// Server configures the downstream server (versions served, page size, logger, …). Empty Instructions
	// become the upstream's (Attach creates the server).
	Server server.Options
	// Logger receives the proxy's own diagnostics (a failed list refresh). Nil uses slog.Default().
	Logger *slog.Logger
	// OneClient says every downstream request comes from one client (a stdio bridge, a proxy per legacy
	// session). A legacy upstream's questions and log messages do not say which call they belong to: with
	// several calls in flight they then go to the newest. Off (the default), they are refused (questions)
	// or dropped (logs) while several calls are in flight, so that one client never sees another's.
	OneClient bool

	// Shared, when set, is the server the proxy registers the upstream's entries on instead of creating
	// one: several proxies behind one server (package gateway). The proxy then installs neither its
	// middleware nor its roots hook on it: the owner of the server routes the methods that carry no entry
	// to Complete, Subscribe and SetRoots, and Detach removes the proxy's entries. Server.Options
	// is then unused.
	Shared *server.Server
	// Names renames the upstream's entries on the downstream server; the zero value keeps the upstream's
	// names. A name mapped to "" is not offered (neither listed nor callable).
	Names Names
	// CallTimeout bounds each request forwarded upstream (0: no bound of the proxy's own). A request that
	// exceeds it is cancelled upstream and fails with a JSON-RPC error naming Label and the bound.
	CallTimeout time.Duration
	// Roots is the answer to an upstream roots/list the downstream client cannot be asked (one that comes
	// outside any call, or during a call whose client declared no roots) until the downstream client
	// announces its own (roots/list_changed, SetRoots). Nil: no answer outside a call (a JSON-RPC error)
	// and an empty list during one. A gateway sets it (empty by default): its upstream sessions are shared
	// by every downstream client, so no one client's roots may answer for the others.
	Roots []mcp.Root
	// Label names the upstream in errors (a gateway's upstream name); empty says "the upstream".
	Label string
}

// Proxy forwards one downstream server to one upstream session.
type Proxy struct {
	srv       *server.Server // created by Attach
	name, ver string
	srvOpts   server.Options
	log       *slog.Logger
	oneClient bool
	shared    bool
	names     Names
	timeout   time.Duration
	label     string

	mu       sync.Mutex
	up       *client.Session // set by Attach
	detached bool            // Detach ran: no more entries are registered

	syncMu sync.Mutex // serializes sync
	reg    registered // what sync.go registered, by kind (under syncMu)
	subs   subscriptions
	// lastRoots are the downstream client's roots as of its last roots/list_changed (under mu): the
	// answer to an upstream roots/list that comes with no downstream request in flight.
	lastRoots []mcp.Root
	inflight  inflight
}

// ErrNotAttached is returned by forwarded methods before Attach.
var ErrNotAttached = errors.New("proxy: no upstream session attached")

// New returns a proxy whose downstream server is named name and version.
func New(name, version string, opts *Options) *Proxy {
	p := &Proxy{}
	var o Options
	if opts != nil {
		o = *opts
	}
	p.oneClient = o.OneClient
	p.lastRoots = slices.Clone(o.Roots)
	if o.Roots != nil && p.lastRoots == nil {
		p.lastRoots = []mcp.Root{}
	}
	p.names, p.timeout, p.label = o.Names, o.CallTimeout, o.Label
	if o.Shared != nil {
		p.srv, p.shared = o.Shared, true
	}
	p.log = o.Logger
	if p.log == nil {
		p.log = slog.Default()
	}
	p.subs.changed = make(chan struct{}, 1)
	p.name, p.ver, p.srvOpts = name, version, o.Server
	return p
}

// Server is the downstream server, created by Attach (nil before) or Options.Shared: serve it with Serve,
// ServeStdio or Handler.
func (p *Proxy) Server() *server.Server {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.srv
}

// newServer builds the downstream server for up: Options.Server, with the upstream's instructions when it
// sets none, the proxy's middleware, and its roots hook before the caller's.
func (p *Proxy) newServer(up *client.Session) *server.Server {
	o := p.srvOpts
	if o.Instructions == "" {
		o.Instructions = up.Instructions()
	}
	if own := o.OnRootsChanged; own != nil {
		o.OnRootsChanged = func(ctx context.Context, sessionID string) {
			p.rootsChanged(ctx, sessionID)
			own(ctx, sessionID)
		}
	} else {
		o.OnRootsChanged = p.rootsChanged
	}
	srv := server.New(p.name, p.ver, &o)
	srv.Use(p.middleware)
	return srv
}

// upstream returns the attached session.
func (p *Proxy) upstream() (*client.Session, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.up == nil {
		return nil, ErrNotAttached
	}
	return p.up, nil
}

// ClientOptions returns o with the handlers the proxy needs for the upstream session set: the upstream's
// questions (OnElicit, OnSample, OnRoots) go to the downstream client, its notifications (OnLog,
// list_changed, OnResourceUpdated) are relayed. The upstream is asked for logs at debug level unless
// o.LogLevel says otherwise: the downstream server filters by what its own client asked for. The
// capabilities declared upstream are elicitation (form and URL), sampling (with tools) and roots (with
// listChanged: a legacy downstream client's roots/list_changed is passed on, see rootsChanged): whether
// the downstream client has them is checked per question: one asked in a call it cannot answer fails the
// call (server.MissingCapabilityError), one that came outside any call fails alone (see Proxy.roots and
// ask in asks.go).
func (p *Proxy) ClientOptions(o client.Options) client.Options {
	o.OnElicit = p.elicit
	o.OnSample = p.sample
	o.OnRoots = p.roots
	if o.Capabilities.Elicitation == nil {
		o.Capabilities.Elicitation = &mcp.ElicitationCapability{Form: mcp.JSONObject{}, URL: mcp.JSONObject{}}
	}
	if o.Capabilities.Sampling == nil {
		o.Capabilities.Sampling = &mcp.SamplingCapability{Tools: mcp.JSONObject{}}
	}
	if o.Capabilities.Roots == nil {
		o.Capabilities.Roots = &mcp.RootsCapability{ListChanged: true}
	}
	if o.LogLevel == "" {
		o.LogLevel = mcp.LevelDebug
	}
	o.OnLog = p.relayLog
	o.OnToolsChanged = func(ctx context.Context) { p.refresh(ctx, kindTools) }
	o.OnResourcesChanged = func(ctx context.Context) { p.refresh(ctx, kindResources) }
	o.OnPromptsChanged = func(ctx context.Context) { p.refresh(ctx, kindPrompts) }
	o.OnResourceUpdated = func(_ context.Context, uri string) {
		if srv := p.Server(); srv != nil {
			if d := p.names.uri(uri); d != "" {
				srv.ResourceUpdated(d)
			}
		}
	}
	return o
}

// Attach makes up the upstream (a session connected with ClientOptions), creates the downstream server
// and copies the upstream's tools, resources, templates and prompts into it. It fails when a list the
// upstream declares cannot be read.
func (p *Proxy) Attach(ctx context.Context, up *client.Session) error {
	p.mu.Lock()
	if p.up != nil || p.detached {
		p.mu.Unlock()
		return errors.New("proxy: an upstream session is already attached")
	}
	if !p.shared {
		p.srv = p.newServer(up)
	}
	p.up = up
	p.mu.Unlock()
	for _, k := range []kind{kindTools, kindResources, kindPrompts} {
		if err := p.sync(ctx, up, k); err != nil {
			if p.shared {
				p.Detach()
			}
			return err
		}
	}
	return nil
}
