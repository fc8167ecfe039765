package streamable

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/store"
)

// stream is one resumable SSE stream of a legacy session: the events of one POST's response (the session's
// standalone stream lives in the event log only: standalone.go). Every event goes to the store's event log
// first, then to the outbox of the HTTP response attached to the stream, if any; a client that lost the
// connection resumes with GET and Last-Event-ID, on this node (attach) or any other (resumeElsewhere).
type stream struct {
	h       *Handler
	ls      *liveSession
	session string
	id      string
	reqID   string      // its request's JSON-RPC id as JSON
	leased  atomic.Bool // its lease was taken (lease.go)

	mu     sync.Mutex
	out    *outbox // the attached response's queue, nil while detached
	final  bool    // the response (or, for GET, the end) has been emitted
	doneCh chan struct{}
}

func newStreamID() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:]) // never contains '/'
}

func (h *Handler) newStream(ls *liveSession) *stream {
	st := &stream{h: h, ls: ls, session: ls.id, id: newStreamID(), doneCh: make(chan struct{})}
	h.track(st)
	return st
}

// attach makes ob the stream's outbox, first queueing the events after lastEventID ("" replays nothing).
// A previously attached outbox is closed (a newer connection replaces the old one). When the stream has
// already ended, ob is ended too, after the replay.
func (st *stream) attach(ctx context.Context, ob *outbox, lastEventID string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if lastEventID != "" {
		_, err := st.h.opts.Events.Replay(ctx, st.session, lastEventID, func(id string, data []byte) error {
			if isControl(data) {
				return nil // the priming event
			}
			ob.push(outEvent{id: id, data: data}, true)
			return nil
		})
		if err != nil {
			return err
		}
	}
	if st.final {
		ob.end()
		return nil
	}
	if st.out != nil {
		st.out.replace()
	}
	st.out = ob
	return nil
}

// detach drops the outbox if it is still ob.
func (st *stream) detach(ob *outbox) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.out == ob {
		st.out = nil
	}
}

// prime emits the priming event: an id and empty data, with the retry hint.
func (st *stream) prime(ctx context.Context) {
	_ = st.emitWith(ctx, nil, st.h.opts.RetryMs, false)
}

// emit records msg and queues it for the attached response. final marks the stream's last event.
func (st *stream) emit(ctx context.Context, msg []byte, final bool) error {
	return st.emitWith(ctx, msg, 0, final)
}

func (st *stream) emitWith(ctx context.Context, msg []byte, retryMs int, final bool) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.final {
		return httpx.ErrBroken
	}
	if st.ls.ended.Load() {
		// A handler still running after its session ended: nothing to record, but its last event still
		// ends the stream (its client's response ends; the stream stops being tracked).
		if final {
			st.final = true
			close(st.doneCh)
			if st.out != nil {
				st.out.end()
				st.out = nil
			}
		}
		return httpx.ErrBroken
	}
	id, err := st.record(ctx, msg, final)
	if final && errors.Is(err, store.ErrFinal) {
		// Another node stored an error in place of this response (this node's lease had expired): that
		// error stands. The attached client, if any, resumes and gets it.
		st.h.log.Warn("streamable: a response came after its lease expired and another node answered the request; dropped", "session", st.session, "stream", st.id)
		st.final = true
		close(st.doneCh)
		if st.out != nil {
			st.out.end()
			st.out = nil
		}
		return nil
	}
	if err != nil {
		st.h.log.Warn("streamable: recording an event", "err", err)
		id = "" // still deliver it, just not resumably
	}
	if final {
		st.final = true
		close(st.doneCh)
	}
	if st.out != nil {
		if !st.out.push(outEvent{id: id, data: msg, retry: retryMs, final: final}, false) {
			// Closed, or the reader fell too far behind: the response ends; the client resumes.
			if st.out.current() == outOverflow {
				st.h.log.Warn("streamable: a client reads too slowly; ending its stream (it can resume)", "session", st.session)
			}
			st.out = nil
		} else if final {
			st.out = nil
		}
	}
	return nil
}

// end closes the stream without a final message (its request was cancelled, or its session ended): the
// attached response ends once its queue is written, and the log gets the end marker (recordEnd), so that a
// client following it from another node (resumeElsewhere) is told it ended too.
func (st *stream) end() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.final {
		return
	}
	st.final = true
	close(st.doneCh)
	st.recordEnd()
	if st.out != nil {
		st.out.end()
		st.out = nil
	}
}
