package sse

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/internal/workers"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
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
	// MaxSessions limits open streams (default 10,000).
	MaxSessions int
	// KeepAlive is the interval of keep-alive comments (default 15s; negative disables).
	KeepAlive time.Duration
	// Logger receives diagnostics. Nil uses slog.Default().
	Logger *slog.Logger
}

// Handler serves the HTTP+SSE transport. Mount SSE() at the stream path (e.g. /sse) and Messages() at
// the POST path (e.g. /messages).
type Handler struct {
	srv  transport.Server
	opts Options
	log  *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	sessions map[string]*session
	closed   bool
	wg       sync.WaitGroup
	workers  *workers.Pool // runs requests on reused goroutines
}

// session is one open stream and the server session behind it.
type session struct {
	id     string
	sse    *httpx.SSEWriter
	sess   transport.Session
	ctx    context.Context // ends when the stream closes
	cancel context.CancelFunc

	nextCall int64
	callsMu  sync.Mutex
	calls    map[jsonrpc.ID]chan *jsonrpc.Message
	inflight sync.Map // jsonrpc.ID → context.CancelFunc
}

// NewHandler returns a handler serving srv.
func NewHandler(srv transport.Server, opts *Options) *Handler {
	h := &Handler{srv: srv, sessions: make(map[string]*session)}
	if opts != nil {
		h.opts = *opts
	}
	if h.opts.MessagesPath == "" {
		h.opts.MessagesPath = "/messages"
	}
	if h.opts.MaxBodyBytes <= 0 {
		h.opts.MaxBodyBytes = 4 << 20
	}
	if h.opts.MaxSessions <= 0 {
		h.opts.MaxSessions = 10000
	}
	if h.opts.KeepAlive == 0 {
		h.opts.KeepAlive = 15 * time.Second
	}
	h.log = h.opts.Logger
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
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(jsonrpc.AppendError(nil, jsonrpc.ID{}, &jsonrpc.Error{Code: mcp.CodeInvalidRequest, Message: msg}))
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
	h.mu.Lock()
	if h.closed || len(h.sessions) >= h.opts.MaxSessions {
		h.mu.Unlock()
		w.Header().Set("Retry-After", "30")
		fail(w, http.StatusServiceUnavailable, "server overloaded: too many open streams, retry later")
		return
	}
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()

	ss := &session{id: newID(), sse: httpx.NewSSEWriter(w), calls: map[jsonrpc.ID]chan *jsonrpc.Message{}}
	ss.ctx, ss.cancel = context.WithCancel(r.Context())
	stop := context.AfterFunc(h.ctx, ss.cancel)
	defer stop()
	defer ss.cancel()
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
	defer ss.sse.Detach() // requests still running must not write to the finished response

	ss.sse.Start(nil)
	endpoint := h.opts.MessagesPath + "?session_id=" + url.QueryEscape(ss.id)
	if err := ss.sse.Named("endpoint", []byte(endpoint)); err != nil {
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
			if ss.sse.Comment() != nil {
				return
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
	id := r.URL.Query().Get("session_id")
	if id == "" {
		fail(w, http.StatusBadRequest, "bad request: the session_id query parameter is required (open the SSE stream first)")
		return
	}
	h.mu.Lock()
	ss := h.sessions[id]
	h.mu.Unlock()
	if ss == nil {
		fail(w, http.StatusNotFound, "session not found: its SSE stream is closed; open a new one")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, http.StatusRequestEntityTooLarge, "request body larger than the limit")
			return
		}
		fail(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	m, err := jsonrpc.DecodeMessage(body)
	if err != nil {
		var e *jsonrpc.Error
		errors.As(err, &e)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(jsonrpc.AppendError(nil, m.ID, e))
		return
	}
	w.WriteHeader(http.StatusAccepted)
	switch {
	case m.IsResponse():
		ss.deliver(m)
	case m.IsNotification():
		if m.Method == mcp.MethodNotificationCancelled {
			ss.cancelRequest(m.Params)
		}
		ss.sess.HandleNotification(ss.ctx, m)
	default:
		h.wg.Add(1)
		h.workers.Go(func() { h.run(ss, m) })
	}
}

// run serves one request; the response goes down the stream (unless the client cancelled it).
func (h *Handler) run(ss *session, m *jsonrpc.Message) {
	defer h.wg.Done()
	ctx, cancel := context.WithCancel(ss.ctx)
	defer cancel()
	var cancelledByPeer bool
	var mu sync.Mutex
	ss.inflight.Store(m.ID, context.CancelFunc(func() { mu.Lock(); cancelledByPeer = true; mu.Unlock(); cancel() }))
	defer ss.inflight.Delete(m.ID)
	res, err := ss.sess.HandleRequest(ctx, m, peer{ss})
	mu.Lock()
	skip := cancelledByPeer
	mu.Unlock()
	if skip || ss.ctx.Err() != nil {
		return
	}
	var msg []byte
	if err != nil {
		var e *jsonrpc.Error
		if !errors.As(err, &e) {
			e = &jsonrpc.Error{Code: mcp.CodeInternalError, Message: "internal error"}
		}
		msg = jsonrpc.AppendError(nil, m.ID, e)
	} else {
		msg = jsonrpc.AppendResult(nil, m.ID, res)
	}
	if err := ss.sse.Event("", msg, 0); err != nil {
		h.log.Debug("sse: writing a response", "session", ss.id, "err", err)
	}
}

func (ss *session) cancelRequest(params jsontext.Value) {
	var p struct {
		RequestID jsonrpc.ID `json:"requestId"`
	}
	if json.Unmarshal(params, &p) != nil {
		return
	}
	if v, ok := ss.inflight.Load(p.RequestID); ok {
		v.(context.CancelFunc)()
	}
}

func (ss *session) deliver(m *jsonrpc.Message) {
	ss.callsMu.Lock()
	ch := ss.calls[m.ID]
	delete(ss.calls, m.ID)
	ss.callsMu.Unlock()
	if ch != nil {
		ch <- m
	}
}

// peer sends everything down the session's one stream: notifications, and server-to-client requests
// whose responses come back as POSTs.
type peer struct{ ss *session }

func (p peer) Notify(ctx context.Context, method string, params any) error {
	raw, err := marshal(params)
	if err != nil {
		return err
	}
	return p.ss.sse.Event("", jsonrpc.AppendRequest(nil, jsonrpc.ID{}, method, raw), 0)
}

func (p peer) Call(ctx context.Context, method string, params any) (jsontext.Value, error) {
	raw, err := marshal(params)
	if err != nil {
		return nil, err
	}
	ss := p.ss
	ch := make(chan *jsonrpc.Message, 1)
	ss.callsMu.Lock()
	ss.nextCall++
	id := jsonrpc.StringID("s" + jsonrpc.Int64ID(ss.nextCall).Raw())
	ss.calls[id] = ch
	ss.callsMu.Unlock()
	defer func() { ss.callsMu.Lock(); delete(ss.calls, id); ss.callsMu.Unlock() }()
	if err := ss.sse.Event("", jsonrpc.AppendRequest(nil, id, method, raw), 0); err != nil {
		return nil, err
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return nil, m.Error
		}
		return m.Result, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-ss.ctx.Done():
		return nil, jsonrpc.ErrClosed
	}
}

func marshal(params any) (jsontext.Value, error) {
	switch p := params.(type) {
	case nil:
		return nil, nil
	case jsontext.Value:
		return p, nil
	}
	return json.Marshal(params)
}

func newID() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
