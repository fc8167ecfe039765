package sse

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/internal/workers"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport"
)

// Options configures a Handler. The zero value is usable.
type Options struct {
	// MessagesPath is the POST endpoint announced in the endpoint event (default "/messages").
	MessagesPath string
	// Policy is the Host / Origin check (the zero value accepts loopback only).
	Policy httpx.Policy
	// MaxBodyBytes limits a POST body (default 4 MiB).
	MaxBodyBytes int64
	// MaxSessions limits open streams (default 10,000); past it GET is answered 503 with Retry-After.
	MaxSessions int
	// MaxSessionsPerClient limits the open streams of one client IP address (default 1,000; negative: no
	// limit); past it GET is answered 429 with Retry-After. Behind a proxy every client shares the proxy's
	// address: raise it or turn it off there.
	MaxSessionsPerClient int
	// MaxRequestsPerSession limits the requests of one session handled at once (default 64); past it a
	// request's POST is answered 429 with Retry-After and a JSON-RPC overload error (-32000) for its id.
	MaxRequestsPerSession int
	// MaxQueueBytes bounds what waits to be written to one session's stream (default 4 MiB). A client that
	// reads so slowly that more would wait is disconnected: its stream ends, and with it the session (an
	// HTTP+SSE stream cannot be resumed, so nothing is dropped silently). One message larger than the bound
	// is still sent when nothing else waits.
	MaxQueueBytes int
	// MaxTotalQueueBytes bounds what waits for all streams together (default 256 MiB): past it, a session
	// that has messages waiting and would add more is disconnected.
	MaxTotalQueueBytes int64
	// WriteTimeout bounds writing one event to a stream (default 30s; negative disables). A client that
	// does not take an event within it is disconnected.
	WriteTimeout time.Duration
	// KeepAlive is the interval of keep-alive comments (default 15s; negative disables).
	KeepAlive time.Duration
	// Logger receives diagnostics. Nil uses slog.Default().
	Logger *slog.Logger
	// Bus lets several nodes serve one deployment (docs/SCALING.md). The node holding a session's stream
	// subscribes its topic (BusTopic) while the stream is open, and a /messages POST landing on a node
	// that does not hold the stream is published there and handled by the holder as a local POST (202;
	// 404 when no node holds the stream, which takes a store.CountingBus such as the memory and Redis
	// buses: another Bus cannot tell, and such a POST is answered 202 and lost). The bus failing answers
	// 503 with Retry-After, never 404. Nil: one node, nothing published or subscribed.
	Bus store.Bus
	// Principal names the authenticated caller of a request, for binding sessions: a session belongs to
	// the principal that opened its stream, and a /messages POST of another principal for it is answered
	// 404 as if the session did not exist (forwarded to another node, it is dropped there: the POST was
	// answered 202 already). Nil uses auth.PrincipalKey (the principal the auth middleware put in the
	// request's context; "" without authentication, which binds nothing). Across nodes the name is
	// computed from the forwarded *auth.Principal alone.
	Principal func(ctx context.Context) string
	// ResourceMetadataURL is the URL of this resource's protected-resource metadata (RFC 9728), named by
	// the 403 insufficient_scope challenge when the request's context carries none
	// (auth.WithResourceMetadata, which the auth middleware sets).
	ResourceMetadataURL string
}

// Handler serves the HTTP+SSE transport. Mount SSE() at the stream path (e.g. /sse) and Messages() at
// the POST path (e.g. /messages).
//
// Only the goroutine serving a stream's GET writes to that stream: requests, notifications and
// server-to-client requests queue their messages (bounded in bytes) and that goroutine writes them, so
// nothing touches a response after its handler returned.
type Handler struct {
	srv  transport.Server
	opts Options
	log  *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	sessions  map[string]*session
	open      int            // streams admitted (counted before their session exists: the check and the count are one step)
	perClient map[string]int // streams admitted by client address
	closed    bool
	queued    atomic.Int64 // bytes waiting in every session's queue
	wg        sync.WaitGroup
	workers   *workers.Pool // runs requests on reused goroutines
	refused   refusals      // Stats (stats.go)
}

// NewHandler returns a handler serving srv.
func NewHandler(srv transport.Server, opts *Options) *Handler {
	h := &Handler{srv: srv, sessions: make(map[string]*session), perClient: make(map[string]int)}
	if opts != nil {
		h.opts = *opts
	}
	o := &h.opts
	if o.MessagesPath == "" {
		o.MessagesPath = "/messages"
	}
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
	if o.MaxQueueBytes <= 0 {
		o.MaxQueueBytes = 4 << 20
	}
	if o.MaxTotalQueueBytes <= 0 {
		o.MaxTotalQueueBytes = 256 << 20
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = 30 * time.Second
	}
	if o.KeepAlive == 0 {
		o.KeepAlive = 15 * time.Second
	}
	if o.Principal == nil {
		o.Principal = auth.PrincipalKey
	}
	h.log = o.Logger
	if h.log == nil {
		h.log = slog.Default()
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.workers = workers.New(0)
	return h
}

// SSE returns the handler of the stream endpoint (GET).
func (h *Handler) SSE() http.Handler { return http.HandlerFunc(h.serveSSE) }

// Messages returns the handler of the message endpoint (POST).
func (h *Handler) Messages() http.Handler { return http.HandlerFunc(h.serveMessages) }

// Sessions returns the number of open sessions.
func (h *Handler) Sessions() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.sessions)
}

// QueuedBytes returns the bytes waiting to be written to the sessions' streams, for monitoring.
func (h *Handler) QueuedBytes() int64 { return h.queued.Load() }

// Close ends every stream and waits for requests in flight until ctx ends.
func (h *Handler) Close(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	h.workers.Close()
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func fail(w http.ResponseWriter, status int, msg string) {
	failID(w, status, jsonrpc.ID{}, &jsonrpc.Error{Code: mcp.CodeInvalidRequest, Message: msg})
}

// maxErrorMessage bounds the message of an HTTP error answer: some quote caller input (Host, Origin).
const maxErrorMessage = 512

func failID(w http.ResponseWriter, status int, id jsonrpc.ID, e *jsonrpc.Error) {
	if len(e.Message) > maxErrorMessage {
		cut := *e
		n := maxErrorMessage
		for n > 0 && !utf8.RuneStart(cut.Message[n]) {
			n--
		}
		cut.Message = cut.Message[:n] + "… (" + strconv.Itoa(len(e.Message)) + " bytes)"
		e = &cut
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(jsonrpc.AppendError(nil, id, e))
}

// clientAddr is the key of the per-client stream limit: the remote IP address.
func clientAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// enter counts a request in (Close waits for it) unless the handler is closed: both under h.mu, so that
// no request starts after Close began waiting.
func (h *Handler) enter() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.wg.Add(1)
	return true
}

// admit counts a new stream in, or returns the status and reason it is refused. The check and the count
// happen under one lock, so concurrent GETs cannot all pass a check that only one of them fits.
func (h *Handler) admit(addr string) (int, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closed:
		return http.StatusServiceUnavailable, "server shutting down, retry later"
	case h.open >= h.opts.MaxSessions:
		return http.StatusServiceUnavailable, "server overloaded: too many open streams, retry later"
	case h.opts.MaxSessionsPerClient > 0 && h.perClient[addr] >= h.opts.MaxSessionsPerClient:
		return http.StatusTooManyRequests, "too many open streams from " + addr + " (limit " +
			strconv.Itoa(h.opts.MaxSessionsPerClient) + "), close some or retry later"
	}
	h.open++
	h.perClient[addr]++
	h.wg.Add(1)
	return 0, ""
}

// release undoes admit when the stream ends.
func (h *Handler) release(addr string) {
	h.mu.Lock()
	h.open--
	if h.perClient[addr]--; h.perClient[addr] <= 0 {
		delete(h.perClient, addr)
	}
	h.mu.Unlock()
	h.wg.Done()
}

func (h *Handler) serveSSE(w http.ResponseWriter, r *http.Request) {
	if reason := h.opts.Policy.Check(r); reason != "" {
		fail(w, http.StatusForbidden, reason)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		fail(w, http.StatusMethodNotAllowed, "the SSE endpoint takes GET")
		return
	}
	addr := clientAddr(r)
	if status, reason := h.admit(addr); status != 0 {
		h.countRefusal(status)
		w.Header().Set("Retry-After", "30")
		fail(w, status, reason)
		return
	}
	defer h.release(addr)

	ss := newSession(newID(), newOutQueue(h.opts.MaxQueueBytes, &h.queued, h.opts.MaxTotalQueueBytes))
	ss.principal = h.opts.Principal(r.Context())
	ss.ctx, ss.cancel = context.WithCancelCause(r.Context())
	stop := context.AfterFunc(h.ctx, func() { ss.cancel(errShutdown) })
	defer stop()
	if h.opts.Bus != nil {
		// Subscribed before the endpoint event: no POST can be forwarded before the holder listens.
		wait, err := h.subscribe(ss)
		if err != nil {
			ss.cancel(err)
			h.log.Warn("sse: subscribing a new stream's bus topic", "err", err)
			w.Header().Set("Retry-After", "1")
			failID(w, http.StatusServiceUnavailable, jsonrpc.ID{}, &jsonrpc.Error{Code: jsonrpc.CodeOverloaded,
				Message: "service unavailable: this server node cannot receive the messages other nodes forward to " +
					"the stream (subscribing to the bus failed: " + err.Error() + "); retry"})
			return
		}
		defer wait() // after the cancel below: the subscription ends with the stream
	}
	defer ss.cancel(nil)
	ss.sess = h.srv.NewSession(ss.id, peer{ss})
	h.mu.Lock()
	h.sessions[ss.id] = ss
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.sessions, ss.id)
		h.mu.Unlock()
		ss.sess.Close()
	}()
	defer ss.out.close() // later messages are refused, not queued for a stream nobody writes

	if why := h.stream(w, ss); errors.Is(why, errBehind) || errors.Is(why, errServerBehind) || errors.Is(why, errWriteTimeout) {
		h.log.Warn("sse: disconnected a client that does not read its stream", "session", ss.id, "client", addr, "reason", why)
	}
}

// stream writes the session's stream: the endpoint event, then queued messages and keep-alives, until the
// session ends, and returns why it ended. It runs on the GET's own goroutine, the only one that writes to w.
func (h *Handler) stream(w http.ResponseWriter, ss *session) (ended error) {
	sw := httpx.NewSSEWriter(w)
	defer sw.Detach()
	rc := http.NewResponseController(w)
	// When the session ends (queue full, shutdown, client gone) while a write is blocked on a client that
	// does not read, a deadline in the past ends the write at once. dmu orders that deadline against the
	// writes' own, and keeps it from touching w once this function returns.
	var dmu sync.Mutex
	finished, interrupted, failed := false, false, false
	stopInterrupt := context.AfterFunc(ss.ctx, func() {
		dmu.Lock()
		defer dmu.Unlock()
		if !finished {
			interrupted = true
			_ = rc.SetWriteDeadline(time.Now())
		}
	})
	defer func() {
		stopInterrupt()
		dmu.Lock()
		finished = true
		dmu.Unlock()
		if !failed {
			// A clean end: the server's closing chunk gets a deadline of its own, not the past one.
			_ = rc.SetWriteDeadline(h.writeDeadline())
		}
		if ended == nil {
			ended = context.Cause(ss.ctx)
		}
	}()
	write := func(f func() error) bool {
		dmu.Lock()
		if ss.ctx.Err() != nil {
			dmu.Unlock()
			return false
		}
		_ = rc.SetWriteDeadline(h.writeDeadline()) // ErrNotSupported: no deadline
		dmu.Unlock()
		err := f()
		if err == nil {
			return true
		}
		failed = true
		dmu.Lock()
		wasInterrupted := interrupted
		dmu.Unlock()
		switch {
		case wasInterrupted:
			err = context.Cause(ss.ctx) // the session ended for another reason
		case errors.Is(err, os.ErrDeadlineExceeded):
			err = errWriteTimeout
		}
		ss.cancel(err)
		ended = err
		return false
	}
	endpoint := h.opts.MessagesPath + "?session_id=" + url.QueryEscape(ss.id)
	if !write(func() error { sw.Start(nil); return sw.Named("endpoint", []byte(endpoint)) }) {
		return
	}
	var tick <-chan time.Time
	if h.opts.KeepAlive > 0 {
		t := time.NewTicker(h.opts.KeepAlive)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ss.ctx.Done():
			return
		case <-tick:
			if !write(sw.Comment) {
				return
			}
		case <-ss.out.ready():
			for {
				msg, ok := ss.out.pop()
				if !ok {
					break
				}
				if !write(func() error { return sw.Event("", msg, 0) }) {
					return
				}
			}
		}
	}
}

func (h *Handler) serveMessages(w http.ResponseWriter, r *http.Request) {
	if reason := h.opts.Policy.Check(r); reason != "" {
		fail(w, http.StatusForbidden, reason)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		fail(w, http.StatusMethodNotAllowed, "the message endpoint takes POST")
		return
	}
	if ct := r.Header.Get("Content-Type"); !httpx.IsJSONBody(r.Header) {
		fail(w, http.StatusUnsupportedMediaType, "unsupported media type: the message endpoint takes Content-Type application/json, not "+
			httpx.QuoteBounded(ct, 64))
		return
	}
	id := r.URL.Query().Get("session_id")
	if id == "" {
		fail(w, http.StatusBadRequest, "bad request: the session_id query parameter is required (open the SSE stream first)")
		return
	}
	h.mu.Lock()
	ss := h.sessions[id]
	h.mu.Unlock()
	local := ss != nil && ss.ctx.Err() == nil
	if local && ss.principal != h.opts.Principal(r.Context()) {
		// Another principal's session: it does not exist for this caller.
		fail(w, http.StatusNotFound, "session not found: its SSE stream is closed; open a new one")
		return
	}
	if !local && h.opts.Bus == nil {
		fail(w, http.StatusNotFound, "session not found: its SSE stream is closed; open a new one")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, http.StatusRequestEntityTooLarge, "request body larger than the limit of "+strconv.FormatInt(h.opts.MaxBodyBytes, 10)+" bytes")
			return
		}
		fail(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	m, err := jsonrpc.DecodeMessage(body)
	if err != nil {
		var e *jsonrpc.Error
		errors.As(err, &e)
		failID(w, http.StatusBadRequest, m.ID, e)
		return
	}
	p, _ := auth.PrincipalFrom(r.Context())
	if m.IsRequest() {
		var az transport.Session = h.srv.Stateless() // scopes are the server's: any entry point can tell
		if local {
			az = ss.sess
		}
		if a, ok := az.(transport.Authorizer); ok {
			if err := a.Authorize(r.Context(), m); err != nil && httpx.Forbid(w, r, m.ID, err, h.opts.ResourceMetadataURL) {
				return
			}
		}
	}
	if !local {
		h.forward(r.Context(), w, id, m.ID, body, p) // another node may hold the stream
		return
	}
	h.handle(ss, m, w, p)
}

// overloaded is the error of a request past MaxRequestsPerSession.
func (h *Handler) overloaded() *jsonrpc.Error {
	return &jsonrpc.Error{Code: jsonrpc.CodeOverloaded, Message: "server overloaded: this session already has " +
		strconv.Itoa(h.opts.MaxRequestsPerSession) + " requests in flight, retry later"}
}

// handle serves one message of ss: from a local POST, whose status it writes to w, or forwarded from
// another node (w nil), whose POST was answered there. A forwarded request past MaxRequestsPerSession is
// answered with the overload error on the stream instead of a 429.
// The request runs with p, the principal of its POST (nil: the stream's), so that a token refreshed with
// more scopes counts at once.
func (h *Handler) handle(ss *session, m *jsonrpc.Message, w http.ResponseWriter, p *auth.Principal) {
	accepted := func() {
		if w != nil {
			w.WriteHeader(http.StatusAccepted)
		}
	}
	switch {
	case m.IsResponse():
		accepted()
		if !ss.deliver(m) {
			// Late (its call gave up) or never asked: the spec has the client's answer acknowledged either way.
			h.log.Debug("sse: a response no request of this session waits for", "session", ss.id, "id", m.ID.Raw())
		}
	case m.IsNotification():
		accepted()
		if m.Method == mcp.MethodNotificationCancelled {
			ss.cancelRequest(m.Params)
		}
		ss.sess.HandleNotification(ss.ctx, m)
	default:
		if ss.active.Add(1) > int64(h.opts.MaxRequestsPerSession) {
			ss.active.Add(-1)
			h.refused.sessionRequests.Add(1)
			if w == nil {
				_ = ss.send(jsonrpc.AppendError(nil, m.ID, h.overloaded()))
				return
			}
			w.Header().Set("Retry-After", "1")
			failID(w, http.StatusTooManyRequests, m.ID, h.overloaded())
			return
		}
		if !h.enter() {
			ss.active.Add(-1)
			if w != nil {
				fail(w, http.StatusServiceUnavailable, "server shutting down, retry later")
			}
			return
		}
		accepted()
		h.workers.Go(func() { h.run(ss, m, p) })
	}
}

// writeDeadline is the deadline of a write starting now (zero: none).
func (h *Handler) writeDeadline() time.Time {
	if h.opts.WriteTimeout <= 0 {
		return time.Time{}
	}
	return time.Now().Add(h.opts.WriteTimeout)
}
