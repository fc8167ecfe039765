package streamable

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/pending"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport"
)

// liveSession is a legacy session held by this node: the server's session, its standalone GET stream,
// and the server-to-client requests waiting for the client's answer.
type liveSession struct {
	h    *Handler
	id   string
	sess transport.Session

	mu           sync.Mutex
	get          *follower              // the GET connection following the standalone stream here, nil when none
	opening      bool                   // a GET stream is being opened (its follower not in place yet)
	early        [][]byte               // broadcasts sent while no GET stream was open here (bounded), delivered when one opens
	earlyDropped bool                   // early overflowed once (logged)
	getElsewhere string                 // with a Bus: the node that announced a GET stream of this session ("get-opened"), "" when none is known (getbus.go)
	announces    []string               // get-opened/get-closed envelopes waiting to be published, in order (getbus.go)
	announcing   bool                   // a goroutine publishes announces
	followers    map[*follower]struct{} // GET responses following a stream of this session here (standalone.go)
	lastUsed     time.Time
	lastStored   time.Time // when the store last renewed this session (create, load or save)
	renewing     bool      // a renewal (renewSession) is under way
	closed       bool
	addr         string // the client address that opened it (counted toward MaxSessionsPerClient)
	principal    string // the principal that opened it (Options.Principal; "" when none): only it may use the session
	counted      bool   // opened here (restored sessions count toward no address)

	running atomic.Int32 // requests running, including those whose client left (MaxRequestsPerSession)

	ended    atomic.Bool                                 // closed: its streams record nothing more
	queued   atomic.Int64                                // bytes of events waiting to be written to this session's streams
	calls    pending.Table[jsonrpc.ID, *jsonrpc.Message] // server-to-client requests waiting for the client's answer
	inflight sync.Map                                    // jsonrpc.ID → *reply: requests running, for notifications/cancelled

	sub   store.Subscription // the session's bus topic (Options.Bus; nil without one): route.go
	stale atomic.Bool        // another node changed the session: reload it from the store before its next use
	// reloading serialises reloads (route.go refresh), and inReload says one runs: a use waits for it
	// instead of going on with the old state.
	reloading sync.Mutex
	inReload  atomic.Bool
}

// cancelByID cancels request id of this session when it runs on this node (notifications/cancelled): its
// context ends and it gets no response. It reports whether the request runs here.
func (ls *liveSession) cancelByID(id jsonrpc.ID) bool {
	v, ok := ls.inflight.Load(id)
	if ok {
		v.(*reply).cancelByPeer()
	}
	return ok
}

// sessionPeer is the session's way to the client for unsolicited messages: the standalone GET stream.
type sessionPeer struct{ ls *liveSession }

func (p sessionPeer) Notify(ctx context.Context, method string, params any) error {
	raw, err := marshalParams(params)
	if err != nil {
		return err
	}
	return p.ls.notify(ctx, method, jsonrpc.AppendRequest(nil, jsonrpc.ID{}, method, raw))
}

// maxEarly bounds the notifications a session keeps while it has no GET stream.
const maxEarly = 16

func (p sessionPeer) Call(ctx context.Context, method string, params any) (jsontext.Value, error) {
	raw, err := marshalParams(params)
	if err != nil {
		return nil, err
	}
	_, res, err := p.CallID(ctx, method, raw)
	return res, err
}

// CallID is Call that also returns the id the request was given (the server's outbound middleware
// reports it), also when it could not be sent.
func (p sessionPeer) CallID(ctx context.Context, method string, params jsontext.Value) (jsonrpc.ID, jsontext.Value, error) {
	return p.ls.call(ctx, method, params, func(msg []byte) error { return p.ls.sendRequest(ctx, msg) })
}

var errNoStream = errors.New("streamable: the session has no open GET stream")

// call sends a server-to-client request through send and waits for the client's response, which arrives
// as a POST of its own. It returns the id the request was given (the zero ID when params do not encode).
func (ls *liveSession) call(ctx context.Context, method string, params any, send func([]byte) error) (jsonrpc.ID, jsontext.Value, error) {
	raw, err := marshalParams(params)
	if err != nil {
		return jsonrpc.ID{}, nil, err
	}
	id := ls.h.callID(ls.calls.Next())
	w, err := ls.calls.Add(id)
	if err != nil {
		return id, nil, err
	}
	if err := send(jsonrpc.AppendRequest(nil, id, method, raw)); err != nil {
		ls.calls.Release(id, w)
		return id, nil, err
	}
	m, err := ls.calls.Wait(ctx, ls.h.ctx.Done(), id, w)
	switch {
	case errors.Is(err, pending.ErrStopped):
		return id, nil, jsonrpc.ErrClosed
	case err != nil:
		return id, nil, err
	case m.Error != nil:
		return id, nil, m.Error
	}
	return id, m.Result, nil
}

// deliver hands a client's response to the waiting call; it reports whether one was waiting.
func (ls *liveSession) deliver(m *jsonrpc.Message) bool {
	return ls.calls.Deliver(m.ID, m)
}

func (ls *liveSession) close() {
	ls.mu.Lock()
	if ls.closed {
		ls.mu.Unlock()
		return
	}
	ls.closed = true
	ls.ended.Store(true)
	if ls.get != nil {
		ls.announceLocked(kindGetClosed) // the GET stream ends here with the session's copy (the node closes, or the copy is forgotten)
	}
	ls.get = nil
	followers := ls.followers
	ls.followers = nil
	ls.mu.Unlock()
	for f := range followers {
		f.end()
	}
	// Its requests end with it: a handler waiting for the client (elicitation) or still working would
	// otherwise outlive the session, past MaxRequestsPerSession and MaxSessionsPerClient, and keep its
	// client's POST stream open for an answer that can no longer be recorded.
	ls.inflight.Range(func(_, v any) bool {
		v.(*reply).endWithSession()
		return true
	})
	ls.calls.Fail(jsonrpc.ErrClosed) // a server-to-client request still waiting gets no answer now
	if ls.sub != nil {
		_ = ls.sub.Close() // ends its follow goroutine
	}
	ls.sess.Close()
}

// session returns the live session for id: from this node's map, or restored from the store (another
// node opened it). The error is store.ErrNotFound when the session does not exist or has expired, and
// errStoreUnavailable (wrapping the store's error) when the store could not be read: the session may well
// exist, so the client must not be told to re-initialize.
func (h *Handler) session(ctx context.Context, id string) (*liveSession, error) {
	ls, err := h.sessionAny(ctx, id)
	if err != nil {
		return nil, err
	}
	if ls.principal != h.opts.Principal(ctx) {
		// Another principal's session: it does not exist for this caller (no hint that the id is taken).
		return nil, store.ErrNotFound
	}
	return ls, nil
}

// sessionAny is session for any principal.
func (h *Handler) sessionAny(ctx context.Context, id string) (*liveSession, error) {
	h.mu.Lock()
	ls := h.sessions[id]
	h.mu.Unlock()
	if ls != nil {
		if err := h.refresh(ctx, ls); err != nil {
			return nil, err
		}
		if err := h.renewSession(ctx, ls); err != nil {
			return nil, err
		}
		return ls, nil
	}
	// With a Bus, subscribe before loading: a change or an end published after the load is then received.
	sub, err := h.subscribe(id)
	if err != nil {
		return nil, err
	}
	st, err := h.opts.Sessions.Load(ctx, id)
	if err != nil && sub != nil {
		_ = sub.Close()
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, &storeError{op: "loading a session", err: err}
	}
	ls = &liveSession{h: h, id: id, lastUsed: time.Now(), lastStored: time.Now(), sub: sub, principal: st.Principal}
	sess, err := h.srv.RestoreSession(st, sessionPeer{ls})
	if err != nil {
		if sub != nil {
			_ = sub.Close()
		}
		h.log.Warn("streamable: restoring a session", "session", id, "err", err)
		return nil, store.ErrNotFound
	}
	ls.sess = sess
	h.mu.Lock()
	if existing := h.sessions[id]; existing != nil || h.closed {
		h.mu.Unlock()
		ls.close()
		if existing == nil {
			return nil, errClosing
		}
		return existing, nil
	}
	h.sessions[id] = ls
	h.mu.Unlock()
	h.follow(ls)
	h.janitor.Do(h.startJanitor) // a node that only restores sessions forgets idle ones too
	return ls, nil
}

// errClosing: the handler closed while a session was being created or restored.
var errClosing = errors.New("streamable: the handler is closing")

// renewSession marks a cached session used and, at most once per Options.SessionRenewInterval, renews it in
// the session store (a Load, which refreshes its TTL in a shared store such as Redis), so that a session
// this node serves from its cache does not expire in the store while in use: another node would then answer
// 404 for it. When the store no longer holds the session (deleted on another node, or expired), this node
// ends it too and the error is store.ErrNotFound. A store that fails is logged and retried at the next use;
// the cached session goes on serving.
func (h *Handler) renewSession(ctx context.Context, ls *liveSession) error {
	now := time.Now()
	ls.mu.Lock()
	ls.lastUsed = now
	due := h.opts.SessionRenewInterval > 0 && now.Sub(ls.lastStored) >= h.opts.SessionRenewInterval && !ls.renewing
	if due {
		ls.renewing = true
	}
	ls.mu.Unlock()
	if !due {
		return nil
	}
	_, err := h.opts.Sessions.Load(ctx, ls.id)
	ls.mu.Lock()
	ls.renewing = false
	if err == nil {
		ls.lastStored = now
	}
	ls.mu.Unlock()
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.log.Info("streamable: a cached session is gone from the session store (ended on another node, or expired); ending it here", "session", ls.id)
		_ = h.endSession(context.WithoutCancel(ctx), ls)
		return store.ErrNotFound
	case err != nil:
		h.log.Warn("streamable: renewing a session in the session store", "session", ls.id, "err", err)
	}
	return nil
}

// storeError is a store that failed (Redis unreachable, for instance), as opposed to an item it does not
// hold: the client gets 503 with Retry-After and can send the same request again.
type storeError struct {
	op  string
	err error
}

func (e *storeError) Error() string { return "streamable: " + e.op + ": " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// sessionError answers a request whose session could not be had: 404 when it does not exist, 503 with
// Retry-After when the store failed.
func (h *Handler) sessionError(w http.ResponseWriter, id jsonrpc.ID, sid string, err error) {
	if errors.Is(err, store.ErrNotFound) {
		httpError(w, http.StatusNotFound, id, mcp.CodeInvalidRequest, "session not found: it ended or expired; initialize a new one")
		return
	}
	h.unavailable(w, id, sid, err)
}

// unavailable answers 503 with Retry-After for a store that failed, and logs it.
func (h *Handler) unavailable(w http.ResponseWriter, id jsonrpc.ID, sid string, err error) {
	h.log.Warn("streamable: session store unavailable", "session", sid, "err", err)
	h.refused.store.Add(1)
	w.Header().Set("Retry-After", storeRetryAfter)
	httpError(w, http.StatusServiceUnavailable, id, jsonrpc.CodeOverloaded,
		"session storage is temporarily unavailable; retry the same request later")
}

// storeRetryAfter is the Retry-After, in seconds, of a 503 caused by a failing store.
const storeRetryAfter = "1"

// errTooManyForClient: the client's address holds MaxSessionsPerClient sessions already.
var errTooManyForClient = errors.New("streamable: too many sessions for this client address")

// openSession creates a new legacy session for the client at addr, or fails with store.ErrLimit (the
// handler's MaxSessions) or errTooManyForClient. Both limits are checked and the slot reserved under one
// lock, so concurrent initializes cannot overshoot them.
func (h *Handler) openSession(ctx context.Context, addr, principal string) (*liveSession, error) {
	h.mu.Lock()
	if len(h.sessions)+h.reserved >= h.opts.MaxSessions {
		h.mu.Unlock()
		return nil, store.ErrLimit
	}
	if h.opts.MaxSessionsPerClient > 0 && h.perClient[addr] >= h.opts.MaxSessionsPerClient {
		h.mu.Unlock()
		return nil, errTooManyForClient
	}
	h.reserved++
	h.perClient[addr]++
	h.mu.Unlock()
	id := newSessionID()
	sub, err := h.subscribe(id) // nil without a Bus
	if err == nil {
		if err = h.opts.Sessions.Create(ctx, &store.SessionState{ID: id, Principal: principal}); err != nil && sub != nil {
			_ = sub.Close()
		}
	}
	if err != nil {
		h.mu.Lock()
		h.reserved--
		h.releaseClientLocked(addr)
		h.mu.Unlock()
		return nil, err
	}
	ls := &liveSession{h: h, id: id, addr: addr, principal: principal, counted: true, lastUsed: time.Now(), lastStored: time.Now(), sub: sub}
	ls.sess = h.srv.NewSession(id, sessionPeer{ls})
	h.mu.Lock()
	h.reserved--
	if h.closed {
		// Close ran while the store created it: Close has ended the sessions it found, so this one would
		// outlive the handler. Nobody learned its id; the store forgets it too (best effort).
		h.releaseClientLocked(addr)
		h.mu.Unlock()
		ls.close()
		_ = h.opts.Sessions.Delete(context.WithoutCancel(ctx), id)
		return nil, errClosing
	}
	h.sessions[id] = ls
	h.mu.Unlock()
	h.follow(ls)
	h.janitor.Do(h.startJanitor)
	return ls, nil
}

func (h *Handler) releaseClientLocked(addr string) {
	if h.perClient[addr]--; h.perClient[addr] <= 0 {
		delete(h.perClient, addr)
	}
}

// save writes the session's state to the store after a request that may have changed it. The error is
// a storeError when the store failed: the change holds on this node only, so the client is told to send
// the request again (these methods are idempotent) rather than another node later serving the old state.
func (h *Handler) save(ctx context.Context, ls *liveSession, method string) error {
	switch method {
	case mcp.MethodInitialize, mcp.MethodNotificationInitialized, mcp.MethodLoggingSetLevel,
		mcp.MethodResourcesSubscribe, mcp.MethodResourcesUnsubscribe:
	default:
		return nil
	}
	st, err := ls.sess.Snapshot()
	if err != nil {
		h.log.Warn("streamable: snapshotting a session", "session", ls.id, "err", err)
		return nil
	}
	st.ID = ls.id
	st.Principal = ls.principal
	if err := h.opts.Sessions.Save(ctx, st); err != nil {
		h.log.Warn("streamable: saving a session", "session", ls.id, "err", err)
		return &storeError{op: "saving a session", err: err}
	}
	ls.mu.Lock()
	ls.lastStored = time.Now()
	ls.mu.Unlock()
	if err := h.announceChange(ctx, ls, method); err != nil {
		h.log.Warn("streamable: announcing a session change to the other nodes", "session", ls.id, "err", err)
		return err // stored, but other nodes serve the old state: the client sends it again
	}
	return nil
}

// errNotSaved is the JSON-RPC error of a request whose change to its session could not be stored.
var errNotSaved = &jsonrpc.Error{Code: jsonrpc.CodeOverloaded,
	Message: "session storage is temporarily unavailable: the change was not stored; send the request again"}

// endSession removes a session everywhere. The error is the store's, when it could not delete the session
// (it is gone from this node all the same; a DELETE sent again removes it from the store).
func (h *Handler) endSession(ctx context.Context, ls *liveSession) error {
	h.dropSession(ls)
	return errors.Join(h.opts.Sessions.Delete(ctx, ls.id), h.opts.Events.DeleteSession(ctx, ls.id))
}

// startJanitor ends sessions idle longer than SessionIdleTimeout, until the handler closes.
func (h *Handler) startJanitor() {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		every := h.opts.SessionIdleTimeout / 4
		if every > time.Minute {
			every = time.Minute
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-h.ctx.Done():
				return
			case now := <-t.C:
				h.mu.Lock()
				var idle []*liveSession
				for _, ls := range h.sessions {
					ls.mu.Lock()
					if now.Sub(ls.lastUsed) > h.opts.SessionIdleTimeout {
						idle = append(idle, ls)
					}
					ls.mu.Unlock()
				}
				h.mu.Unlock()
				for _, ls := range idle {
					if h.opts.Bus != nil {
						h.dropSession(ls) // idle here, maybe not on other nodes: the store's TTL ends it
						continue
					}
					_ = h.endSession(h.ctx, ls)
				}
			}
		}
	}()
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
