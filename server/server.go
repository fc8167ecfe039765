package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/store"
)

// Options configures a Server. The zero value is usable: every default is chosen for production.
type Options struct {
	// Title is a human-friendly server name sent beside Name in serverInfo.
	Title string
	// Instructions tell the model how to use this server (initialize and server/discover results).
	Instructions string
	// Logger receives the server's own diagnostics. Nil uses slog.Default().
	Logger *slog.Logger
	// PageSize is the number of items per page of tools/list, resources/list, resources/templates/list and
	// prompts/list. Zero means 100; negative means no pagination.
	PageSize int
	// ListTTL is the ttlMs hint on list and discover results in the 2026-07-28 era. Zero sends ttlMs 0
	// (immediately stale, always re-fetch), which is always correct.
	ListTTL time.Duration
	// ReadTTL is the ttlMs hint on resources/read results.
	ReadTTL time.Duration
	// ReadCacheScope is the cacheScope of resources/read results: mcp.CacheScopePrivate (the default) or
	// mcp.CacheScopePublic. Lists are public: they do not vary per caller.
	ReadCacheScope mcp.CacheScope
	// Versions limits the protocol versions served. Nil serves every version mcp.SupportedVersions lists.
	Versions []string
	// MaxInFlight and MaxQueued bound inbound requests per connection (see jsonrpc.ConnOptions).
	MaxInFlight, MaxQueued int
	// MaxSubscriptions bounds the resources one legacy session may be subscribed to at once
	// (resources/subscribe; default 1,000); their URIs together are also bounded, to 1 MiB. A subscribe
	// past either bound fails with -32000 naming it, and the session keeps what it had. The set is part of
	// the session's state (stored with it on many nodes), so a client must not grow it without end.
	MaxSubscriptions int
	// DrainTimeout bounds how long Serve (and ServeStdio) keeps answering the requests it has read once the
	// client's stream ends (stdin closed). Zero means jsonrpc.DefaultDrainTimeout (30 s).
	DrainTimeout time.Duration
	// Middleware wraps every method, outermost first.
	Middleware []Middleware
	// OutboundMiddleware wraps every request the server sends to a legacy session's client
	// (elicitation/create, sampling/createMessage, roots/list), outermost first (tracing: package
	// otelmcp). Without any, those requests are sent as before, with no extra cost.
	OutboundMiddleware []OutboundMiddleware

	// KeyRing seals the requestState of 2026-07-28 multi round-trip requests (Elicit, Sample, Roots, Ask).
	// Every node behind one endpoint must share it. Nil uses a ring in this process's memory.
	KeyRing store.KeyRing
	// RequestStateTTL is how long a sealed requestState stays valid. Zero means 15 minutes.
	RequestStateTTL time.Duration
	// Principal names the authenticated caller of a request. A requestState is bound to it and refused
	// when another principal presents it, and the 2026-07-28 tasks it creates belong to it. Nil uses
	// auth.PrincipalKey: the issuer and subject of the *auth.Principal the auth middleware put in ctx (""
	// without authentication, which binds nothing).
	Principal func(ctx context.Context) string
	// HideForbidden leaves out of tools/list, resources/list, resources/templates/list and prompts/list
	// what the request's principal lacks the scopes for (RequireToolScopes and its kin). Off by default:
	// lists show everything and a call without the scope gets the step-up answer. Lists are then private
	// to the principal (cacheScope private).
	HideForbidden bool
	// ClientRequestTimeout bounds a legacy server-to-client request (elicitation, sampling, roots). Zero
	// means 10 minutes; the request's own context bounds it too.
	ClientRequestTimeout time.Duration
	// OnRootsChanged is called when a legacy session's client says its roots changed
	// (notifications/roots/list_changed). It runs off the transport's read loop, one call at a time per
	// session; ctx belongs to the session (Roots(ctx) asks its client for the new roots) and is cancelled
	// when the session closes. A change that arrives while a call is still waiting to run is folded into it.
	OnRootsChanged func(ctx context.Context, sessionID string)
	// Bus carries changes between the nodes of a deployment: resources/updated and list_changed made on
	// this node reach the subscribers of every node sharing the Bus (legacy sessions and 2026-07-28
	// subscriptions/listen streams), as if made there. New subscribes; call Close to stop. Nil: this
	// process only.
	Bus store.Bus
	// Tasks configures tool calls that run as tasks (docs/TASKS.md): the task store every node shares,
	// retention, polling, limits and the dead-node lease.
	Tasks TaskOptions
}

// Server is an MCP server. Register tools, resources and prompts, then serve it on one or more transports
// at once. Registries may change while serving; clients are told through list_changed notifications.
type Server struct {
	impl mcp.Implementation
	opts Options
	log  *slog.Logger

	held heldChanges // list_changed notifications held by HoldChanges (listchanged.go)

	mu         sync.RWMutex
	tools      registry[*toolEntry]
	resources  registry[*resourceEntry]
	templates  registry[*templateEntry]
	prompts    registry[*promptEntry]
	skills     *skillSet // nil until AddSkills
	completers map[completionKey]completer
	errs       []error

	useMu    sync.Mutex // serializes Use
	sessions sessionSet
	changes  changeFeed
	handler  atomic.Pointer[Handler] // the method dispatch wrapped in middleware; Use swaps it
	observer atomic.Pointer[Handler] // nil, or admit wrapped in the observers; Observe swaps it
	// overloaded counts requests stream connections refused with their queue full (Stats).
	overloaded atomic.Int64
	keys       store.KeyRing
	// resultMeta is the _meta of modern results: serverInfo (shared, read-only).
	resultMeta *mcp.ResultMeta
	versions   []string
	bus        *busLink // nil without Options.Bus
	tasks      *taskRuntime
	outbound   OutboundInvoker // Options.OutboundMiddleware around the peer; nil without any
	// scopes are the scopes tools, resources and prompts need (scopes.go): a map replaced, never changed,
	// under mu, read without a lock on every request; scoped says any is declared.
	scopes     atomic.Pointer[map[scopeKey][]string]
	scoped     atomic.Bool
	unenforced sync.Once // the warning that scopes are declared but a request came without a principal
}

// New returns a server that identifies itself with name and version. opts may be nil.
func New(name, version string, opts *Options) *Server {
	s := &Server{impl: mcp.Implementation{Name: name, Version: version}}
	if opts != nil {
		s.opts = *opts
	}
	s.impl.Title = s.opts.Title
	s.resultMeta = &mcp.ResultMeta{ServerInfo: &s.impl}
	s.log = s.opts.Logger
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.opts.PageSize == 0 {
		s.opts.PageSize = 100
	}
	if s.opts.Principal == nil {
		s.opts.Principal = auth.PrincipalKey
	}
	s.keys = s.opts.KeyRing
	if s.keys == nil {
		s.keys = store.NewMemoryKeyRing(store.MemoryKeyRingOptions{})
	}
	if s.opts.RequestStateTTL <= 0 {
		s.opts.RequestStateTTL = 15 * time.Minute
	}
	if s.opts.ClientRequestTimeout <= 0 {
		s.opts.ClientRequestTimeout = defaultClientRequestTimeout
	}
	if s.opts.ReadCacheScope == "" {
		s.opts.ReadCacheScope = mcp.CacheScopePrivate
	}
	s.versions = s.opts.Versions
	if s.versions == nil {
		s.versions = slices.Clone(mcp.SupportedVersions)
	}
	for _, v := range s.versions {
		if !mcp.IsSupported(v) {
			s.fail(fmt.Errorf("server: protocol version %q is not one mcpkit implements (%v)", v, mcp.SupportedVersions))
		}
	}
	s.completers = make(map[completionKey]completer)
	s.tasks = newTaskRuntime(s, s.opts.Tasks)
	h := Handler(s.dispatchMethod)
	for i := len(s.opts.Middleware) - 1; i >= 0; i-- {
		h = s.opts.Middleware[i](h)
	}
	s.handler.Store(&h)
	s.chainOutbound()
	if s.opts.Bus != nil {
		s.startBus(s.opts.Bus)
	}
	return s
}

// Use adds middleware around every method, around the chain so far (it runs before the Options.Middleware
// and earlier Use calls; of mw, the first runs first). It is safe while serving: requests
// already dispatched keep the chain they started with, requests dispatched after Use returns go through the
// new middleware. Usually it is called once, before serving.
func (s *Server) Use(mw ...Middleware) {
	s.useMu.Lock()
	defer s.useMu.Unlock()
	h := *s.handler.Load()
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	s.handler.Store(&h)
}

// chain returns the current middleware chain around the method dispatch.
func (s *Server) chain() Handler { return *s.handler.Load() }

// Err reports every registration error so far (a tool whose schema could not be inferred, a malformed URI
// template, …), joined. Serve and the HTTP handlers refuse to start while it is non-nil.
func (s *Server) Err() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return errors.Join(s.errs...)
}

func (s *Server) fail(err error) {
	s.mu.Lock()
	s.errs = append(s.errs, err)
	s.mu.Unlock()
}

// Info returns the server's name and version as sent to clients.
func (s *Server) Info() mcp.Implementation { return s.impl }

// capabilities returns what this server offers. Tools, resources and prompts are always advertised, with
// listChanged, because registries may change while serving.
// Tasks: the 2026-07-28 extension io.modelcontextprotocol/tasks under extensions (server/discover), the
// 2025-11-25 capability tasks in sessions of that version (initialize; see version). Skills: the extension
// io.modelcontextprotocol/skills in both eras, once AddSkills was called.
func (s *Server) capabilities(version string) *mcp.ServerCapabilities {
	c := &mcp.ServerCapabilities{
		Tools:       &mcp.ToolsCapability{ListChanged: true},
		Resources:   &mcp.ResourcesCapability{Subscribe: true, ListChanged: true},
		Prompts:     &mcp.PromptsCapability{ListChanged: true},
		Logging:     &mcp.LoggingCapability{},
		Completions: &mcp.CompletionsCapability{},
	}
	switch {
	case mcp.EraOf(version) == mcp.EraModern:
		c.Extensions = map[string]jsontext.Value{mcp.ExtensionTasks: jsontext.Value(`{}`)}
	case legacyHasTasks(version):
		c.Extra = map[string]jsontext.Value{"tasks": legacyTasksCapability}
	}
	s.declareSkills(c)
	return c
}

// legacyTasksCapability is the 2025-11-25 tasks capability: tasks/list, tasks/cancel, task-augmented
// tools/call.
var legacyTasksCapability = func() jsontext.Value {
	b, _ := json.Marshal(mcp.LegacyTasksCapability{
		List: mcp.JSONObject{}, Cancel: mcp.JSONObject{},
		Requests: map[string]mcp.JSONObject{"tools": {"call": jsontext.Value(`{}`)}},
	})
	return b
}()

// supports reports whether version v is served.
func (s *Server) supports(v string) bool { return slices.Contains(s.versions, v) }

// legacyVersions and modernVersions split the served versions by era, newest first.
func (s *Server) servedVersions(era mcp.Era) []string {
	var out []string
	for _, v := range s.versions {
		if mcp.EraOf(v) == era {
			out = append(out, v)
		}
	}
	return out
}
