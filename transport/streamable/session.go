package streamable

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

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
	get          *stream  // the standalone stream, nil when none is open
	opening      bool     // a GET stream is being opened (its writer not attached yet)
	early        [][]byte // notifications sent while no GET stream was open (bounded), delivered when one opens
	earlyDropped bool     // early overflowed once (logged)
	lastUsed     time.Time
	closed       bool
	addr         string // the client address that opened it (counted toward MaxSessionsPerClient)
	counted      bool   // opened here (restored sessions count toward no address)

	running atomic.Int32 // requests running, including those whose client left (MaxRequestsPerSession)

	ended    atomic.Bool  // closed: its streams record nothing more
	queued   atomic.Int64 // bytes of events waiting to be written to this session's streams
	nextCall atomic.Int64
	calls    sync.Map // jsonrpc.ID → chan *jsonrpc.Message
	inflight sync.Map // jsonrpc.ID → *reply: requests running, for notifications/cancelled
}

// cancelRequest handles notifications/cancelled from the client: the request's context ends and it gets
// no response.
func (ls *liveSession) cancelRequest(params jsontext.Value) {
	var p struct {
		RequestID jsonrpc.ID `json:"requestId"`
	}
	if json.Unmarshal(params, &p) != nil || !p.RequestID.IsValid() {
		return
	}
	if v, ok := ls.inflight.Load(p.RequestID); ok {
		v.(*reply).cancelByPeer()
	}
}

// sessionPeer is the session's way to the client for unsolicited messages: the standalone GET stream.
type sessionPeer struct{ ls *liveSession }

func (p sessionPeer) Notify(ctx context.Context, method string, params any) error {
	raw, err := marshalParams(params)
	if err != nil {
		return err
	}
	msg := jsonrpc.AppendRequest(nil, jsonrpc.ID{}, method, raw)
	ls := p.ls
	ls.mu.Lock()
	st := ls.get
	if st == nil {
		// No GET stream yet (clients open it right after initialize, and reconnect it when it drops): keep
		// the latest few for when it opens. A client that never opens one re-learns on its next list.
		if len(ls.early) == maxEarly {
			ls.early = append(ls.early[:0], ls.early[1:]...)
			if !ls.earlyDropped {
				ls.earlyDropped = true // said once per session: the client is told nothing, so the log says it
				ls.h.log.Warn("streamable: a session without a GET stream missed notifications (the oldest of more than 16 are dropped; it re-learns on its next list)", "session", ls.id)
			}
		}
		ls.early = append(ls.early, msg)
		ls.mu.Unlock()
		return nil
	}
	ls.mu.Unlock()
	return st.emit(ctx, msg, false)
}

// maxEarly bounds the notifications a session keeps while it has no GET stream.
const maxEarly = 16

func (p sessionPeer) Call(ctx context.Context, method string, params any) (jsontext.Value, error) {
	return p.ls.call(ctx, method, params, func(msg []byte) error {
		st := p.ls.getStream()
		if st == nil {
			return errNoStream
		}
		return st.emit(ctx, msg, false)
	})
}

var errNoStream = errors.New("streamable: the session has no open GET stream")

func (ls *liveSession) getStream() *stream {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.get
}

func (ls *liveSession) touch() {
	ls.mu.Lock()
	ls.lastUsed = time.Now()
	ls.mu.Unlock()
}

// call sends a server-to-client request through send and waits for the client's response, which arrives
// as a POST of its own.
func (ls *liveSession) call(ctx context.Context, method string, params any, send func([]byte) error) (jsontext.Value, error) {
	raw, err := marshalParams(params)
	if err != nil {
		return nil, err
	}
	id := jsonrpc.StringID("s" + itoa(ls.nextCall.Add(1)))
	ch := make(chan *jsonrpc.Message, 1)
	ls.calls.Store(id, ch)
	defer ls.calls.Delete(id)
	if err := send(jsonrpc.AppendRequest(nil, id, method, raw)); err != nil {
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
	case <-ls.h.ctx.Done():
		return nil, jsonrpc.ErrClosed
	}
}

// deliver hands a client's response to the waiting call; it reports whether one was waiting.
func (ls *liveSession) deliver(m *jsonrpc.Message) bool {
	v, ok := ls.calls.LoadAndDelete(m.ID)
	if !ok {
		return false
	}
	v.(chan *jsonrpc.Message) <- m
	return true
}

func (ls *liveSession) close() {
	ls.mu.Lock()
	if ls.closed {
		ls.mu.Unlock()
		return
	}
	ls.closed = true
	ls.ended.Store(true)
	get := ls.get
	ls.get = nil
	ls.mu.Unlock()
	if get != nil {
		get.end()
	}
	// Its requests end with it: a handler waiting for the client (elicitation) or still working would
	// otherwise outlive the session, past MaxRequestsPerSession and MaxSessionsPerClient, and keep its
	// client's POST stream open for an answer that can no longer be recorded.
	ls.inflight.Range(func(_, v any) bool {
		v.(*reply).endWithSession()
		return true
	})
	ls.sess.Close()
}

// session returns the live session for id: from this node's map, or restored from the store (another
// node opened it). It returns nil when the session does not exist or has expired.
func (h *Handler) session(ctx context.Context, id string) *liveSession {
	h.mu.Lock()
	ls := h.sessions[id]
	h.mu.Unlock()
	if ls != nil {
		ls.touch()
		return ls
	}
	st, err := h.opts.Sessions.Load(ctx, id)
	if err != nil {
		return nil
	}
	ls = &liveSession{h: h, id: id, lastUsed: time.Now()}
	sess, err := h.srv.RestoreSession(st, sessionPeer{ls})
	if err != nil {
		h.log.Warn("streamable: restoring a session", "session", id, "err", err)
		return nil
	}
	ls.sess = sess
	h.mu.Lock()
	if existing := h.sessions[id]; existing != nil {
		h.mu.Unlock()
		sess.Close()
		return existing
	}
	h.sessions[id] = ls
	h.mu.Unlock()
	return ls
}

// errTooManyForClient: the client's address holds MaxSessionsPerClient sessions already.
var errTooManyForClient = errors.New("streamable: too many sessions for this client address")

// openSession creates a new legacy session for the client at addr, or fails with store.ErrLimit (the
// handler's MaxSessions) or errTooManyForClient. Both limits are checked and the slot reserved under one
// lock, so concurrent initializes cannot overshoot them.
func (h *Handler) openSession(ctx context.Context, addr string) (*liveSession, error) {
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
	if err := h.opts.Sessions.Create(ctx, &store.SessionState{ID: id}); err != nil {
		h.mu.Lock()
		h.reserved--
		h.releaseClientLocked(addr)
		h.mu.Unlock()
		return nil, err
	}
	ls := &liveSession{h: h, id: id, addr: addr, counted: true, lastUsed: time.Now()}
	ls.sess = h.srv.NewSession(id, sessionPeer{ls})
	h.mu.Lock()
	h.reserved--
	h.sessions[id] = ls
	h.mu.Unlock()
	h.janitor.Do(h.startJanitor)
	return ls, nil
}

func (h *Handler) releaseClientLocked(addr string) {
	if h.perClient[addr]--; h.perClient[addr] <= 0 {
		delete(h.perClient, addr)
	}
}

// save writes the session's state to the store after a request that may have changed it.
func (h *Handler) save(ctx context.Context, ls *liveSession, method string) {
	switch method {
	case mcp.MethodInitialize, mcp.MethodNotificationInitialized, mcp.MethodLoggingSetLevel,
		mcp.MethodResourcesSubscribe, mcp.MethodResourcesUnsubscribe:
	default:
		return
	}
	st, err := ls.sess.Snapshot()
	if err != nil {
		h.log.Warn("streamable: snapshotting a session", "session", ls.id, "err", err)
		return
	}
	st.ID = ls.id
	if err := h.opts.Sessions.Save(ctx, st); err != nil {
		h.log.Warn("streamable: saving a session", "session", ls.id, "err", err)
	}
}

// endSession removes a session everywhere.
func (h *Handler) endSession(ctx context.Context, ls *liveSession) {
	h.mu.Lock()
	if h.sessions[ls.id] == ls {
		delete(h.sessions, ls.id)
		if ls.counted {
			h.releaseClientLocked(ls.addr)
		}
	}
	h.mu.Unlock()
	ls.close()
	_ = h.opts.Sessions.Delete(ctx, ls.id)
	_ = h.opts.Events.DeleteSession(ctx, ls.id)
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
					h.endSession(h.ctx, ls)
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
