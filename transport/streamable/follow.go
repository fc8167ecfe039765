package streamable

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/store"
)

// follower delivers one stream's events from the event log to one SSE response on this node, whichever node
// appends them: the session's standalone stream (a GET), or a POST stream whose request runs elsewhere (a
// resume with Last-Event-ID). The log is its queue: at each wake-up (store.EventWatcher, or a nudge from this
// node) and at each keep-alive (the safety net: wake-ups are at most once) it replays the events after the
// last one it delivered and writes them, in log order, each once. Only the HTTP handler goroutine runs it,
// so it is the response's only writer; a client that reads slowly holds no queue on the node, only the log
// (a reader that falls behind the log's bounds loses its stream and gets 410 on its resume).
type follower struct {
	h        *Handler
	ls       *liveSession
	streamID string
	post     bool   // a POST stream: it ends with its response, or its end marker
	cursor   uint64 // sequence number of the last event delivered or skipped
	sse      *httpx.SSEWriter
	start    func() // starts the SSE response (once), before the first event
	started  bool

	sub   store.Subscription // wake-ups from the store; nil: nudges and polls only
	nudge chan struct{}      // wake-ups from this node (one pending)

	settling bool // a final event was reported stored (settleOrphan) and a replay asked for (followerCaughtUp)

	mu      sync.Mutex
	direct  [][]byte // messages whose append failed: delivered without an id (not resumable), bounded
	stop    chan struct{}
	stopped bool
}

// maxDirect bounds the messages a follower keeps whose append failed.
const maxDirect = 16

// errStopReplay ends a replay early: the stream's last event was written.
var errStopReplay = errors.New("streamable: the followed stream ended")

// newFollower makes a follower of streamID that starts after event sequence number cursor, and watches the
// stream for wake-ups. Watch first, replay second: nothing appended in between is missed.
func (h *Handler) newFollower(ctx context.Context, ls *liveSession, streamID string, cursor uint64, post bool) (*follower, error) {
	f := &follower{h: h, ls: ls, streamID: streamID, cursor: cursor, post: post,
		nudge: make(chan struct{}, 1), stop: make(chan struct{})}
	if w, ok := h.opts.Events.(store.EventWatcher); ok {
		sub, err := w.Watch(ctx, ls.id, streamID)
		if err != nil {
			return nil, err
		}
		f.sub = sub
	}
	if !ls.addFollower(f) {
		f.close()
		return nil, store.ErrNotFound // the session ended meanwhile
	}
	return f, nil
}

// close ends the follower's watch and forgets it in its session. Idempotent.
func (f *follower) close() {
	if f.sub != nil {
		_ = f.sub.Close()
	}
	f.ls.removeFollower(f)
}

// wake asks the follower to replay now (an event was appended on this node).
func (f *follower) wake() {
	select {
	case f.nudge <- struct{}{}:
	default:
	}
}

// end stops the follower: its response ends (the session ended, a newer connection took its stream over,
// or nothing more will come).
func (f *follower) end() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return
	}
	f.stopped = true
	close(f.stop)
}

// deliverDirect queues a message the log could not take, for this node's connection: it still reaches the
// client, without an id. False when the queue is full.
func (f *follower) deliverDirect(msg []byte) bool {
	f.mu.Lock()
	if len(f.direct) >= maxDirect {
		f.mu.Unlock()
		return false
	}
	f.direct = append(f.direct, msg)
	f.mu.Unlock()
	f.wake()
	return true
}

// begin starts the SSE response before the first event.
func (f *follower) begin() {
	if !f.started {
		f.started = true
		f.start()
	}
}

// drain writes the events the log holds after the cursor. done: the stream's last event was written (a POST
// stream's response, or its end marker). The error is the store's (store.ErrNotFound: events after the cursor
// were dropped) or the response's.
func (f *follower) drain(ctx context.Context) (done bool, err error) {
	f.mu.Lock()
	direct := f.direct
	f.direct = nil
	f.mu.Unlock()
	for _, msg := range direct {
		f.begin()
		if err := f.sse.Event("", msg, 0); err != nil {
			return false, err
		}
	}
	var final bool
	_, err = f.h.opts.Events.Replay(ctx, f.ls.id, store.EventID(f.streamID, f.cursor), func(id string, data []byte) error {
		_, seq, perr := store.ParseEventID(id)
		if perr != nil {
			return perr
		}
		f.cursor = seq
		if isControl(data) {
			if f.post && isEndMarker(data) {
				done = true
				return errStopReplay
			}
			return nil
		}
		f.begin()
		if err := f.sse.Event(id, data, 0); err != nil {
			return err
		}
		if f.post && isResponse(data) {
			done, final = true, true
			return errStopReplay
		}
		return nil
	})
	if errors.Is(err, errStopReplay) {
		err = nil
	}
	if final {
		// Its response reached the client: nothing is left to resume (as for a stream delivered locally).
		if derr := f.h.opts.Events.DeleteStream(context.WithoutCancel(ctx), f.ls.id, f.streamID); derr != nil {
			f.h.log.Debug("streamable: deleting a finished stream", "session", f.ls.id, "err", derr)
		}
	}
	return done, err
}

// isNew reports whether a wake-up (an event id) is for an event after the cursor.
func (f *follower) isNew(id []byte) bool {
	_, seq, err := store.ParseEventID(string(id))
	return err != nil || seq > f.cursor
}

// run writes the stream's events until it ends (a POST stream's response), the client leaves, the session
// ends, a newer connection takes the stream over, or the handler closes; keep-alive comments meanwhile, each
// followed by a replay (the poll that catches a lost wake-up). The first replay has been done (resume's
// 410 check); run waits first.
func (f *follower) run(r *http.Request) {
	tick, stopTick := f.h.keepAlive()
	defer stopTick()
	var poll <-chan time.Time
	if tick == nil {
		t := time.NewTicker(followPoll)
		defer t.Stop()
		poll = t.C
	}
	var wakeups <-chan []byte
	if f.sub != nil {
		wakeups = f.sub.C()
	}
	var leaseTick <-chan time.Time
	if _, ok := f.h.leaseStore(); ok && f.post {
		// The request's node may die without another event: look at its lease as often as nodes refresh
		// theirs (followerCaughtUp), so its client learns within about LeaseTTL + LeaseTTL/3.
		t := time.NewTicker(max(f.h.opts.LeaseTTL/3, time.Millisecond))
		defer t.Stop()
		leaseTick = t.C
	}
	drained := f.h.drained()
	for {
		need := false
		select {
		case id, ok := <-wakeups:
			if !ok {
				wakeups = nil // the watch ended (the store's connection closed): polls go on
				continue
			}
			need = f.isNew(id)
		case <-f.nudge:
			need = true
		case <-tick:
			if f.sse.Comment() != nil {
				return
			}
			need = true
		case <-poll:
			need = true
		case <-leaseTick:
			need = true
		case <-drained:
			// The node is leaving (Drain): it cannot follow the stream any longer; the retry hint makes the
			// client reconnect at once, through the balancer, to a node that can.
			f.begin()
			_ = f.sse.Event("", nil, f.h.opts.RetryMs)
			return
		case <-r.Context().Done():
			return
		case <-f.h.ctx.Done():
			return
		case <-f.stop:
			return
		}
		if !need {
			continue
		}
		done, err := f.drain(r.Context())
		switch {
		case done:
			return
		case err != nil:
			if !errors.Is(err, httpx.ErrBroken) && r.Context().Err() == nil {
				f.h.log.Info("streamable: a followed stream ends: its events could not be read (the client resumes)", "session", f.ls.id, "err", err)
			}
			return
		case f.post:
			f.h.followerCaughtUp(r.Context(), f)
		}
	}
}

// followPoll is how often a follower replays without a wake-up when keep-alives are off.
const followPoll = 15 * time.Second

// followerCaughtUp is called each time the follower of a POST stream (a resume on a node other than the
// one running the request) has delivered every event the log holds and the request's response is not among
// them: the request still runs on its node, or that node died. It settles the stream (settleOrphan, lease.go):
// while the request's lease is held, or without leases, the follower goes on following; when the lease is
// gone and nothing final was stored, the error of a request whose node stopped is stored (once, for every
// node: AppendOrphaned, which wakes the other nodes' followers too), and the follower replays at once to
// deliver it (or the response, or the end marker, stored meanwhile), ending as at a response. It is called
// after each replay that ended so: at most once per wake-up, per keep-alive and per LeaseTTL/3.
func (h *Handler) followerCaughtUp(ctx context.Context, f *follower) {
	settled, err := h.settleOrphan(ctx, f.ls.id, f.streamID) // not settled: it runs, keep following
	switch {
	case err != nil:
		if ctx.Err() == nil {
			h.log.Warn("streamable: settling a followed stream (tried again at the next replay)", "session", f.ls.id, "stream", f.streamID, "err", err)
		}
	case settled && f.settling:
		// A final event is stored, yet the replay after the first settle found none it knows (a response
		// or the end marker): nothing more will come; the response ends.
		f.end()
	case settled:
		f.settling = true
		f.wake()
	}
}

// Control events: the event log also holds events that are not messages for the client. Their data never
// starts with '{', as every JSON-RPC message does.
var endMarker = []byte("#end")

// isControl reports whether an event of the log is a control event: the priming event (empty data) or the
// end marker of a POST stream that ended without a response.
func isControl(data []byte) bool { return len(data) == 0 || data[0] != '{' }

// isEndMarker reports whether data is the end marker.
func isEndMarker(data []byte) bool { return string(data) == string(endMarker) }

// isResponse reports whether an event carries a JSON-RPC response (a POST stream's last event).
func isResponse(data []byte) bool {
	m, err := jsonrpc.DecodeMessage(data)
	return err == nil && m.IsResponse()
}
