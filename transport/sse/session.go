package sse

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/internal/pending"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport"
)

var (
	// errBehind ends a session whose client reads its stream too slowly for the queue.
	errBehind = errors.New("sse: the client fell too far behind reading its stream (MaxQueueBytes)")
	// errServerBehind ends a session with a backlog when the handler's queues together are full.
	errServerBehind = errors.New("sse: the client fell behind reading its stream while the server's queues are full (MaxTotalQueueBytes)")
	// errWriteTimeout ends a session whose client did not take an event within WriteTimeout.
	errWriteTimeout = errors.New("sse: writing to the client's stream timed out")
	// errShutdown ends every session when the handler closes.
	errShutdown = errors.New("sse: the server is shutting down")
)

// session is one open stream and the server session behind it.
type session struct {
	id     string
	out    *outQueue
	sess   transport.Session
	ctx    context.Context // ends when the stream closes
	cancel context.CancelCauseFunc
	active atomic.Int64 // requests being handled
	// principal is the principal that opened the stream (Options.Principal; "" when none): only its
	// messages are served.
	principal string

	calls    pending.Table[jsonrpc.ID, *jsonrpc.Message] // server-to-client requests waiting for the client's answer
	inflight sync.Map                                    // jsonrpc.ID → context.CancelFunc
}

func newSession(id string, out *outQueue) *session {
	return &session{id: id, out: out}
}

// send queues one message for the stream. When the queue is full the client is too far behind: the
// session ends (its stream is closed) and send fails.
func (ss *session) send(msg []byte) error {
	switch err := ss.out.push(msg); {
	case errors.Is(err, errBehind), errors.Is(err, errServerBehind):
		ss.cancel(err)
		return err
	case err != nil:
		return err
	}
	return nil
}

// run serves one request; the response goes down the stream (unless the client cancelled it).
func (h *Handler) run(ss *session, m *jsonrpc.Message, p *auth.Principal) {
	defer h.wg.Done()
	ctx, cancel := context.WithCancel(ss.ctx)
	if p != nil {
		ctx = auth.WithPrincipal(ctx, p)
	}
	defer cancel()
	var cancelledByPeer bool
	var mu sync.Mutex
	ss.inflight.Store(m.ID, context.CancelFunc(func() { mu.Lock(); cancelledByPeer = true; mu.Unlock(); cancel() }))
	defer ss.inflight.Delete(m.ID)
	res, err := ss.sess.HandleRequest(ctx, m, peer{ss})
	// Handled: no longer counted against MaxRequestsPerSession before its answer is queued, so a client
	// sending its next request as soon as it reads this answer is not refused.
	ss.active.Add(-1)
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
	if err := ss.send(msg); err != nil {
		h.log.Debug("sse: queueing a response", "session", ss.id, "err", err)
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

// deliver hands a client's response to the server-to-client request waiting for it; it reports whether
// one was waiting.
func (ss *session) deliver(m *jsonrpc.Message) bool {
	return ss.calls.Deliver(m.ID, m)
}

// peer sends everything down the session's one stream: notifications, and server-to-client requests
// whose responses come back as POSTs.
type peer struct{ ss *session }

// TransportName implements transport.Named.
func (p peer) TransportName() string { return "sse" }

func (p peer) Notify(ctx context.Context, method string, params any) error {
	raw, err := marshal(params)
	if err != nil {
		return err
	}
	return p.ss.send(jsonrpc.AppendRequest(nil, jsonrpc.ID{}, method, raw))
}

func (p peer) Call(ctx context.Context, method string, params any) (jsontext.Value, error) {
	raw, err := marshal(params)
	if err != nil {
		return nil, err
	}
	_, res, err := p.CallID(ctx, method, raw)
	return res, err
}

// CallID is Call with raw params that also returns the id the request was given (the server's outbound
// middleware reports it), also when it could not be sent.
func (p peer) CallID(ctx context.Context, method string, raw jsontext.Value) (jsonrpc.ID, jsontext.Value, error) {
	ss := p.ss
	id := jsonrpc.StringID("s" + jsonrpc.Int64ID(ss.calls.Next()).Raw())
	w, err := ss.calls.Add(id)
	if err != nil {
		return id, nil, err
	}
	if err := ss.send(jsonrpc.AppendRequest(nil, id, method, raw)); err != nil {
		ss.calls.Release(id, w)
		return id, nil, err
	}
	m, err := ss.calls.Wait(ctx, ss.ctx.Done(), id, w)
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
