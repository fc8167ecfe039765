package streamable

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpkit/mcpkit/jsonrpc"
)

// drainState is a Handler's part in Drain.
type drainState struct {
	on   atomic.Bool
	once sync.Once
	ch   chan struct{} // closed when the drain starts: open GET and listen streams end (made by NewHandler)
}

// drainPoll is how often Drain looks whether requests still run.
const drainPoll = 20 * time.Millisecond

// Drain stops the handler gently, for a node leaving a deployment (SIGTERM): from now on a new request
// (a POST carrying a request, a GET, a DELETE) gets 503 with Retry-After: 1 and a JSON-RPC -32000 error, so
// that the balancer or the client sends it to another node, while responses and notifications (answers
// and cancellations for the requests still running here) are still taken; the session's standalone GET
// streams, resumes following a request that runs on another node, and subscriptions/listen streams end with
// an SSE retry hint (RetryMs), so their clients reconnect at once, through the balancer, to another node;
// running requests go on and their responses are
// delivered. Drain returns nil once none runs; when ctx ends first it returns ctx's error. Either way it
// then closes the handler (Close, given one more second), which ends what still runs: those requests'
// leases are not released, so a client resuming on another node is told its node stopped (CodeNodeStopped)
// within LeaseTTL.
func (h *Handler) Drain(ctx context.Context) error {
	h.startDrain()
	err := h.waitIdle(ctx)
	if err != nil {
		h.log.Warn("streamable: draining: requests still running at the deadline are ended", "running", h.runningRequests())
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	_ = h.Close(cctx)
	return err
}

// startDrain turns the drain on (once) and ends the streams that only wait for news.
func (h *Handler) startDrain() {
	h.drain.once.Do(func() {
		h.drain.on.Store(true)
		close(h.drain.ch)
	})
}

// drained returns the channel closed when a drain starts.
func (h *Handler) drained() <-chan struct{} { return h.drain.ch }

// waitIdle waits until no request runs (legacy requests, including those whose client left, and
// 2026-07-28 requests) or ctx ends.
func (h *Handler) waitIdle(ctx context.Context) error {
	t := time.NewTicker(drainPoll)
	defer t.Stop()
	for h.runningRequests() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// runningRequests counts the requests running on this handler.
func (h *Handler) runningRequests() int64 {
	n := h.inflight.Load()
	h.mu.Lock()
	for _, ls := range h.sessions {
		n += int64(ls.running.Load())
	}
	h.mu.Unlock()
	return n
}

// refuseDraining answers 503 to a new request while the handler drains; it reports whether it did.
func (h *Handler) refuseDraining(w http.ResponseWriter, id jsonrpc.ID) bool {
	if !h.drain.on.Load() {
		return false
	}
	h.refused.draining.Add(1)
	w.Header().Set("Retry-After", "1")
	httpError(w, http.StatusServiceUnavailable, id, jsonrpc.CodeOverloaded, "this server node is shutting down: send the request again (another node will answer)")
	return true
}
