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

	nextCall int64
	callsMu  sync.Mutex
	calls    map[jsonrpc.ID]chan *jsonrpc.Message
	inflight sync.Map // jsonrpc.ID → context.CancelFunc
}

func newSession(id string, out *outQueue) *session {
	return &session{id: id, out: out, calls: map[jsonrpc.ID]chan *jsonrpc.Message{}}
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
func (h *Handler) run(ss *session, m *jsonrpc.Message) {
	defer h.wg.Done()
	ctx, cancel := context.WithCancel(ss.ctx)
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
	return p.ss.send(jsonrpc.AppendRequest(nil, jsonrpc.ID{}, method, raw))
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
	if err := ss.send(jsonrpc.AppendRequest(nil, id, method, raw)); err != nil {
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
