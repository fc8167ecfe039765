package streamable

import (
	"context"
	"net/http"
	"time"

	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/mcp"
)

// newSSE returns an SSE writer for w whose writes have the handler's write deadline.
func (h *Handler) newSSE(w http.ResponseWriter) *httpx.SSEWriter {
	sse := httpx.NewSSEWriter(w)
	sse.SetWriteTimeout(h.opts.WriteTimeout)
	return sse
}

// keepAlive returns a ticker channel for keep-alive comments (nil when they are off) and its stop.
func (h *Handler) keepAlive() (<-chan time.Time, func()) {
	if h.opts.KeepAlive <= 0 {
		return nil, func() {}
	}
	t := time.NewTicker(h.opts.KeepAlive)
	return t.C, t.Stop
}

// hold writes the events of st, a POST stream open on this node that a GET resumed, from ob until the
// stream ends, the reader falls too far behind, the client leaves or the handler closes, with keep-alive
// comments meanwhile (a drain does not end it: its request goes on). It runs on the HTTP handler goroutine,
// the only one that writes the response.
func (h *Handler) hold(r *http.Request, ob *outbox, sse *httpx.SSEWriter, st *stream) {
	tick, stop := h.keepAlive()
	defer stop()
	var evs []outEvent
	for {
		select {
		case <-ob.signal:
			var state outState
			evs, state = ob.take(evs)
			for _, ev := range evs {
				if sse.Event(ev.id, ev.data, ev.retry) != nil {
					return
				}
				if ev.final {
					h.delivered(st)
					return
				}
			}
			if state != outOpen {
				return
			}
		case <-tick:
			if sse.Comment() != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-h.ctx.Done():
			return
		}
	}
}

// delivered forgets a stream whose last event reached its client: nothing is left to resume. (A stream
// that ends while detached keeps its events for the event log's resumability window.)
func (h *Handler) delivered(st *stream) {
	if st == nil {
		return
	}
	if err := h.opts.Events.DeleteStream(context.WithoutCancel(h.ctx), st.session, st.id); err != nil {
		h.log.Debug("streamable: deleting a finished stream", "session", st.session, "err", err)
	}
}

// serveReply writes a legacy reply's response from its outbox: the JSON answer, or the SSE stream the
// first notification switched to. It returns when the response is complete, the server ended it
// (CloseStream), the reader fell too far behind, the client left or the handler closes; the request
// itself goes on (legacy disconnects are not cancellations).
func (h *Handler) serveReply(w http.ResponseWriter, r *http.Request, rp *reply) {
	ob := rp.out
	defer rp.release()
	var sse *httpx.SSEWriter
	var buf [4]outEvent
	evs := buf[:0]
	var tick <-chan time.Time
	stop := func() {}
	defer func() { stop() }()
	for {
		select {
		case <-ob.signal:
		case <-tick:
			if sse.Comment() != nil {
				return
			}
			continue
		case <-r.Context().Done():
			return
		case <-h.ctx.Done():
			if sse == nil {
				// Shutting down before anything was written: say so, rather than an empty 200.
				w.Header().Set("Retry-After", "1")
				httpError(w, http.StatusServiceUnavailable, rp.id, mcp.CodeInternalError, "the server is shutting down; retry")
			}
			return
		}
		var state outState
		evs, state = ob.take(evs)
		for _, ev := range evs {
			if sse == nil {
				sse = h.newSSE(w)
				sse.Start(rp.header)
				tick, stop = h.keepAlive()
			}
			if sse.Event(ev.id, ev.data, ev.retry) != nil {
				return
			}
			if ev.final {
				rp.mu.Lock()
				st := rp.stream
				rp.mu.Unlock()
				h.delivered(st)
				return
			}
		}
		switch state {
		case outOpen:
			continue
		case outEnding:
			rp.mu.Lock()
			msg, status, done, challenge := rp.msg, rp.status, rp.done, rp.challenge
			rp.mu.Unlock()
			if challenge != "" {
				w.Header().Set("WWW-Authenticate", challenge)
			}
			if sse == nil && done && status != 0 {
				if msg == nil {
					w.WriteHeader(status)
				} else {
					if rp.header != nil {
						rp.header(w.Header())
					}
					h.writeAnswer(w, status, msg)
				}
			}
		}
		return
	}
}
