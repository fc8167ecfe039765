package streamable

import (
	"context"
	"errors"
	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/internal/workers"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport"
)

// Options configures a Handler. The zero value is usable and safe: loopback Host names only, 4 MiB
// bodies, 10,000 sessions idle for at most 30 minutes, in-memory state.
type Options struct {
	// AllowedHosts lists the Host header values accepted (host or host:port). Empty accepts loopback
	// names only (localhost, 127.0.0.1, ::1), which is right for a server bound to loopback.
	AllowedHosts []string
	// AllowAnyHost turns the Host check off (behind a proxy that already checks it).
	AllowAnyHost bool
	// AllowedOrigins lists browser origins accepted besides loopback ones ("*" accepts every origin).
	AllowedOrigins []string
	// MaxBodyBytes limits a POST body (default 4 MiB); a larger one gets 413.
	MaxBodyBytes int64
	// MaxSessions limits live legacy sessions (default 10,000); past it initialize gets 503.
	MaxSessions int
	// MaxSessionsPerClient limits the legacy sessions opened from one client IP address (default 1,000;
	// negative: no limit); past it initialize gets 429. Behind a proxy every client shares its address:
	// raise it or turn it off there.
	MaxSessionsPerClient int
	// MaxRequestsPerSession limits the requests running at once in one legacy session, counting those
	// whose client disconnected (their handlers go on); past it a request gets 429 with Retry-After and a
	// JSON-RPC -32000 error (default 64).
	MaxRequestsPerSession int
	// MaxInFlight limits the 2026-07-28 requests (subscriptions/listen streams included) in flight on the
	// handler; past it a request gets 503 with Retry-After and a JSON-RPC -32000 error (default 1,000).
	MaxInFlight int
	// SessionIdleTimeout ends legacy sessions idle this long (default 30 minutes).
	SessionIdleTimeout time.Duration
	// SessionRenewInterval is how often, at most, a node renews in Sessions a session it serves from its
	// own cache (one Load when the session is used and its last renewal is older than this), so that a shared
	// store with a TTL (store/redis's SessionTTL) does not expire a session in use (default a quarter of
	// SessionIdleTimeout; keep it under the store's TTL; negative: never). A session the store no longer
	// holds — ended on another node, or expired — is then ended on this node too.
	SessionRenewInterval time.Duration
	// KeepAlive is the interval of keep-alive comments on open streams (default 15s; negative disables).
	KeepAlive time.Duration
	// WriteTimeout bounds each write of an SSE event or keep-alive (default 30s; negative disables): a
	// client that stops reading loses its stream after it (a legacy client resumes from the event log).
	// Streams themselves may stay open for any time.
	WriteTimeout time.Duration
	// MaxQueuedBytes bounds, per legacy session, the bytes of events waiting to be written to its streams
	// or being written (default 1 MiB; an event is always taken when nothing else is queued for its
	// response, however large). A stream whose reader falls further behind is ended; its client resumes with
	// Last-Event-ID, so no event is lost. Notifications never wait for a slow client.
	MaxQueuedBytes int64
	// MaxTotalQueuedBytes bounds the same for all sessions together (default 256 MiB): past it, the
	// stream that would grow the queue is ended the same way, whichever session it belongs to.
	MaxTotalQueuedBytes int64
	// RetryMs is the SSE retry hint sent with the priming event of legacy streams (default 1000).
	RetryMs int
	// JSONResponse answers legacy requests with JSON even when the handler sends notifications first
	// (they are then dropped). Default false: such requests get an SSE stream.
	JSONResponse bool
	// LeaseTTL is the lease a legacy request holds in Events while its response is an SSE stream, when
	// Events implements store.Leases (default 15s; negative: no leases). The node refreshes its leases every
	// LeaseTTL/3; a node resuming the stream of a request whose lease expired without a response tells the
	// client its node stopped (CodeNodeStopped). Shorter detects a dead node sooner, at one store call per
	// node every LeaseTTL/3 (docs/SCALING.md, "Node death").
	LeaseTTL time.Duration
	// Sessions, Events: where legacy sessions and stream events live. Nil uses memory.
	Sessions store.SessionStore
	Events   store.EventStore
	// Bus connects the nodes that share Sessions and Events (store/redis's Bus), so that any node serves
	// any request of a legacy session: a client's answer to a server-to-client request, or its
	// notifications/cancelled, reaches the node whose handler waits or runs; a change to the session's
	// state (logging/setLevel, resources/subscribe) makes the other nodes reload it; DELETE ends it on every
	// node. A node subscribes the topic "sess:"+id while it holds session id, and forgets (without deleting
	// it from the store, whose TTL ends it) a session idle there for SessionIdleTimeout. Nil: one node,
	// nothing published or subscribed.
	Bus store.Bus
	// Logger receives the transport's diagnostics. Nil uses slog.Default().
	Logger *slog.Logger
	// Principal names the authenticated caller of a request, for binding legacy sessions: a session
	// belongs to the principal that initialized it (the name is kept in its stored state, so every node
	// knows it), and a request of another principal presenting its Mcp-Session-Id is answered 404 as if
	// the session did not exist. Nil uses auth.PrincipalKey (the principal the auth middleware put in the
	// request's context; "" without authentication, which binds nothing). Keep it the same as the
	// server's Options.Principal.
	Principal func(ctx context.Context) string
	// ResourceMetadataURL is the URL of this resource's protected-resource metadata (RFC 9728), named by
	// the 403 insufficient_scope challenge when the request's context carries none
	// (auth.WithResourceMetadata, which the auth middleware sets).
	ResourceMetadataURL string
}

// Handler serves MCP over Streamable HTTP for a transport.Server (such as *server.Server). Mount it at the
// MCP endpoint, e.g. mux.Handle("/mcp", h).
type Handler struct {
	srv    transport.Server
	opts   Options
	policy httpx.Policy
	log    *slog.Logger
	node   string // this handler's random id: on Options.Bus (route.go), and as the holder of its leases (lease.go)

	ctx    context.Context // ends at Close: stops background work and handlers of legacy requests
	cancel context.CancelFunc

	mu        sync.Mutex
	sessions  map[string]*liveSession
	reserved  int                   // sessions being created (counted against MaxSessions)
	perClient map[string]int        // sessions per client address
	open      map[streamKey]*stream // resumable streams open on this node
	closed    bool
	janitor   sync.Once
	wg        sync.WaitGroup // background goroutines and detached legacy handlers
	streams   sync.WaitGroup // open response streams (for Close to drain)
	workers   *workers.Pool  // runs legacy handlers on reused goroutines (grown stacks: less CPU per call)
	queued    atomic.Int64   // bytes of events waiting to be written, all sessions
	inflight  atomic.Int64   // 2026-07-28 requests in flight (MaxInFlight)
	lease     leaseState     // leases on running requests (lease.go)
	drain     drainState     // Drain (drain.go)
	refused   refusals       // Stats (stats.go)
}

// NewHandler returns a handler serving srv.
func NewHandler(srv transport.Server, opts *Options) *Handler {
	h := &Handler{srv: srv, sessions: make(map[string]*liveSession), perClient: make(map[string]int)}
	if opts != nil {
		h.opts = *opts
	}
	o := &h.opts
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 4 << 20
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = 10000
	}
	if o.MaxSessionsPerClient == 0 {
		o.MaxSessionsPerClient = 1000
	}
	if o.MaxRequestsPerSession <= 0 {
		o.MaxRequestsPerSession = 64
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 1000
	}
	if o.SessionIdleTimeout <= 0 {
		o.SessionIdleTimeout = 30 * time.Minute
	}
	if o.SessionRenewInterval == 0 {
		o.SessionRenewInterval = o.SessionIdleTimeout / 4
	}
	if o.KeepAlive == 0 {
		o.KeepAlive = 15 * time.Second
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = 30 * time.Second
	}
	if o.MaxQueuedBytes <= 0 {
		o.MaxQueuedBytes = 1 << 20
	}
	if o.MaxTotalQueuedBytes <= 0 {
		o.MaxTotalQueuedBytes = 256 << 20
	}
	if o.LeaseTTL == 0 {
		o.LeaseTTL = 15 * time.Second
	}
	if o.RetryMs <= 0 {
		o.RetryMs = 1000
	}
	if o.Principal == nil {
		o.Principal = auth.PrincipalKey
	}
	if o.Sessions == nil {
		o.Sessions = store.NewMemorySessionStore(store.MemorySessionOptions{IdleTimeout: o.SessionIdleTimeout})
	}
	if o.Events == nil {
		o.Events = store.NewMemoryEventStore(store.MemoryEventOptions{})
	}
	h.policy = httpx.Policy{AllowedHosts: o.AllowedHosts, AllowAnyHost: o.AllowAnyHost, AllowedOrigins: o.AllowedOrigins}
	h.log = o.Logger
	if h.log == nil {
		h.log = slog.Default()
	}
	h.node = newNodeID()
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.workers = workers.New(0)
	h.drain.ch = make(chan struct{})
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if reason := h.policy.Check(r); reason != "" {
		httpError(w, http.StatusForbidden, jsonrpc.ID{}, mcp.CodeInvalidRequest, reason)
		return
	}
	if !h.enter() {
		h.refused.draining.Add(1)
		httpError(w, http.StatusServiceUnavailable, jsonrpc.ID{}, jsonrpc.CodeOverloaded, "server is shutting down")
		return
	}
	defer h.streams.Done()
	if r.Method != http.MethodPost && h.refuseDraining(w, jsonrpc.ID{}) {
		return
	}
	switch r.Method {
	case http.MethodPost:
		h.post(w, r)
	case http.MethodGet:
		h.get(w, r)
	case http.MethodDelete:
		h.delete(w, r)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		httpError(w, http.StatusMethodNotAllowed, jsonrpc.ID{}, mcp.CodeInvalidRequest, "method "+quote(r.Method)+" not allowed")
	}
}

// enter counts a request in (Close waits for it) unless the handler is closed: both under h.mu, so that
// no request starts after Close began waiting.
func (h *Handler) enter() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.streams.Add(1)
	return true
}

// Close stops the handler: open streams end, legacy sessions are closed (their state stays in the
// store), and background goroutines stop. It waits for streams to drain until ctx ends.
func (h *Handler) Close(ctx context.Context) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	live := make([]*liveSession, 0, len(h.sessions))
	for _, ls := range h.sessions {
		live = append(live, ls)
	}
	h.sessions = map[string]*liveSession{}
	h.mu.Unlock()
	h.cancel()
	h.workers.Close()
	for _, ls := range live {
		ls.close()
	}
	done := make(chan struct{})
	go func() { h.streams.Wait(); h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// post reads and classifies one POST.
func (h *Handler) post(w http.ResponseWriter, r *http.Request) {
	if !httpx.IsJSONBody(r.Header) {
		httpError(w, http.StatusUnsupportedMediaType, jsonrpc.ID{}, mcp.CodeInvalidRequest, "Content-Type must be application/json (charset, if given, utf-8)")
		return
	}
	if !accepts(r, "application/json") || !accepts(r, "text/event-stream") {
		httpError(w, http.StatusNotAcceptable, jsonrpc.ID{}, mcp.CodeInvalidRequest, "Accept must list both application/json and text/event-stream")
		return
	}
	body, err := readBody(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpError(w, http.StatusRequestEntityTooLarge, jsonrpc.ID{}, mcp.CodeInvalidRequest, "request body larger than the limit")
			return
		}
		httpError(w, http.StatusBadRequest, jsonrpc.ID{}, mcp.CodeParseError, "reading the body: "+err.Error())
		return
	}
	if jsonrpc.IsBatch(body) {
		if h.refuseDraining(w, jsonrpc.ID{}) {
			return
		}
		h.legacyBatch(w, r, body)
		return
	}
	m, err := jsonrpc.DecodeMessage(body)
	if err != nil {
		var e *jsonrpc.Error
		errors.As(err, &e)
		httpError(w, http.StatusBadRequest, m.ID, e.Code, e.Message)
		return
	}
	if m.IsRequest() && h.refuseDraining(w, m.ID) {
		return
	}
	if isModernRequest(r, m) {
		h.modernPost(w, r, m)
		return
	}
	h.legacyPost(w, r, m)
}

// forbid answers 403 with the step-up challenge when sess refuses request m for lack of a scope
// (transport.Authorizer), and reports whether it did.
func (h *Handler) forbid(w http.ResponseWriter, r *http.Request, sess transport.Session, m *jsonrpc.Message) bool {
	az, ok := sess.(transport.Authorizer)
	if !ok {
		return false
	}
	err := az.Authorize(r.Context(), m)
	return err != nil && httpx.Forbid(w, r, m.ID, err, h.opts.ResourceMetadataURL)
}

// scopeChallenge returns the WWW-Authenticate of a JSON answer whose error is a handler's own refusal for
// lack of scope (httpx.CodeInsufficientScope): it is answered 403 when no stream has started.
func (h *Handler) scopeChallenge(ctx context.Context, e *jsonrpc.Error) (string, bool) {
	if e == nil {
		return "", false
	}
	meta := auth.ResourceMetadataFrom(ctx)
	if meta == "" {
		meta = h.opts.ResourceMetadataURL
	}
	return httpx.ScopeChallenge(e, meta)
}

// readBody reads the request body up to limit, in one allocation when the client sent Content-Length.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	rd := http.MaxBytesReader(w, r.Body, limit)
	if n := r.ContentLength; n > 0 && n <= limit {
		buf := make([]byte, n, n+1)
		if _, err := io.ReadFull(rd, buf); err != nil {
			return nil, err
		}
		// Nothing may follow the declared length (net/http enforces it); check for the error it reports.
		if m, err := rd.Read(buf[n : n+1]); m > 0 || (err != nil && err != io.EOF) {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(rd)
}

// IsLoopbackAddr reports whether a listen address binds only loopback interfaces.
func IsLoopbackAddr(addr string) bool { return httpx.IsLoopbackAddr(addr) }

// accepts reports whether the Accept header lists the media type (or a wildcard for it).
func accepts(r *http.Request, mediaType string) bool {
	major, _, _ := strings.Cut(mediaType, "/")
	for _, v := range r.Header["Accept"] {
		for part := range strings.SplitSeq(v, ",") {
			t, _, _ := strings.Cut(part, ";")
			t = strings.TrimSpace(t)
			if strings.EqualFold(t, mediaType) || t == "*/*" || (len(t) == len(major)+2 && strings.EqualFold(t[:len(major)], major) && t[len(major):] == "/*") {
				return true
			}
		}
	}
	return false
}

// httpError answers with a status and, for clients that read it, a JSON-RPC error body.
func httpError(w http.ResponseWriter, status int, id jsonrpc.ID, code int64, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(jsonrpc.AppendError(nil, id, &jsonrpc.Error{Code: code, Message: msg}))
}

var jsonContentType = []string{"application/json"}

// writeJSON answers 200 with one JSON-RPC message.
func writeJSON(w http.ResponseWriter, status int, msg []byte) {
	w.Header()["Content-Type"] = jsonContentType // shared, never modified: saves Set's allocation
	w.WriteHeader(status)
	_, _ = w.Write(msg)
}

// largeJSON is the size from which a JSON answer's write gets a deadline: smaller ones fit in the socket
// buffers, larger ones would block the handler (and hold the answer) for as long as a client does not read.
const largeJSON = 32 << 10

// writeAnswer writes a JSON answer; a large one under the handler's WriteTimeout.
func (h *Handler) writeAnswer(w http.ResponseWriter, status int, msg []byte) {
	if len(msg) >= largeJSON && h.opts.WriteTimeout > 0 {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(h.opts.WriteTimeout))
	}
	writeJSON(w, status, msg)
}

// responseBytes encodes the response to request id.
func responseBytes(id jsonrpc.ID, result jsontext.Value, err error) ([]byte, *jsonrpc.Error) {
	if err != nil {
		var e *jsonrpc.Error
		if !errors.As(err, &e) {
			e = &jsonrpc.Error{Code: mcp.CodeInternalError, Message: "internal error"}
		}
		return jsonrpc.AppendError(nil, id, e), e
	}
	return jsonrpc.AppendResult(make([]byte, 0, len(result)+48), id, result), nil
}

// newOutbox returns an outbox for one response of session ls, under the session's and the handler's
// queue budgets.
func (h *Handler) newOutbox(ls *liveSession) *outbox {
	return newOutbox(&ls.queued, &h.queued, h.opts.MaxQueuedBytes, h.opts.MaxTotalQueuedBytes)
}
