package streamable

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/store"
)

// Leases on running requests (docs/SCALING.md, "Node death"). When the event store implements
// store.Leases, the stream of a legacy request that switched to SSE is leased by its first event, the
// node refreshes all its leases in one store call every LeaseTTL/3, and the final response (or the end
// marker of a cancelled request) releases it. A node following a stream that is not open on it (a resume
// with Last-Event-ID: follow.go), each time it has delivered every stored event, asks the store: a stream
// whose lease is gone and whose response was never stored belongs to a request whose node stopped; the node
// stores a JSON-RPC error in place of the response (only if still absent, so concurrent resumes on several
// nodes agree), which wakes every node following the stream, and delivers it.

// CodeNodeStopped is the JSON-RPC error code of the error stored in place of the response of a request
// whose node stopped before answering (-32603, internal error: the request failed on the server's side,
// and whether it had effects is unknown, so it is not a "retry later" -32000).
const CodeNodeStopped = mcp.CodeInternalError

// nodeStoppedMessage is that error's message.
const nodeStoppedMessage = "the node running this request stopped before answering (it may have had effects: send it again only if that is safe)"

// leaseState is a Handler's part in leases: the refresher (the lease holder is named by the Handler's
// node id).
type leaseState struct {
	once      sync.Once // starts the refresher at the first lease
	refreshes atomic.Int64
	stopped   atomic.Bool // tests: the refresher stops (a node that died)
}

// leaseStore returns the event store's Leases when leases are on.
func (h *Handler) leaseStore() (store.Leases, bool) {
	if h.opts.LeaseTTL < 0 {
		return nil, false
	}
	l, ok := h.opts.Events.(store.Leases)
	return l, ok
}

// record appends one event of st to the event log: the first event of a request's stream takes its lease,
// the final one releases it (store.ErrFinal: another node already stored an error in its place).
func (st *stream) record(ctx context.Context, msg []byte, final bool) (string, error) {
	l, ok := st.h.leaseStore()
	switch {
	case !ok:
		return st.h.opts.Events.Append(ctx, st.session, st.id, msg)
	case final:
		return l.AppendFinal(ctx, st.session, st.id, msg)
	case !st.leased.Load():
		id, err := l.AppendLeased(ctx, st.session, st.id, msg, store.Lease{Node: st.h.node, RequestID: st.reqID, TTL: st.h.opts.LeaseTTL})
		if err == nil {
			st.leased.Store(true)
			st.h.lease.once.Do(st.h.startLeaseRefresh)
		}
		return id, err
	}
	return st.h.opts.Events.Append(ctx, st.session, st.id, msg)
}

// startLeaseRefresh runs the refresher until the handler closes: every LeaseTTL/3, one RefreshLeases for
// every leased stream still open on this node.
func (h *Handler) startLeaseRefresh() {
	l, _ := h.leaseStore()
	every := max(h.opts.LeaseTTL/3, time.Millisecond)
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		var refs []store.StreamRef
		for {
			select {
			case <-h.ctx.Done():
				return
			case <-t.C:
			}
			if h.lease.stopped.Load() {
				return
			}
			refs = refs[:0]
			h.mu.Lock()
			for k, st := range h.open {
				if st.leased.Load() {
					refs = append(refs, store.StreamRef{Session: k.session, Stream: k.stream})
				}
			}
			h.mu.Unlock()
			if len(refs) == 0 {
				continue
			}
			ctx, cancel := context.WithTimeout(h.ctx, every)
			err := l.RefreshLeases(ctx, refs, h.opts.LeaseTTL)
			cancel()
			h.lease.refreshes.Add(1)
			if err != nil && h.ctx.Err() == nil {
				h.log.Warn("streamable: refreshing the leases of running requests (another node may report them stopped)", "leases", len(refs), "err", err)
			}
		}
	}()
}

// settleOrphan is called by the follower of a request's stream that is not open on this node, once it
// has delivered every event the log holds and the last was not the response. While the request still runs
// on another node (its lease is held) it reports nothing: the caller goes on following the stream. When the
// request's node stopped (lease gone, no final event stored) it stores the error of that request in place
// of the response, only if still absent, so that of several nodes settling the same
// stream exactly one stores it; settled then reports that a final event is stored after what was replayed
// (that error, another node's, the response itself or the end marker, stored meanwhile): the caller
// replays again to deliver it. Without store.Leases it reports nothing (the caller follows until the
// response or the end marker). Its caller is followerCaughtUp (follow.go).
func (h *Handler) settleOrphan(ctx context.Context, sessionID, streamID string) (settled bool, err error) {
	l, ok := h.leaseStore()
	if !ok {
		return false, nil
	}
	s, err := l.StreamState(ctx, sessionID, streamID)
	switch {
	case err != nil:
		return false, err
	case s.Final:
		return true, nil
	case s.RequestID == "":
		return false, nil // not a request's stream, or its record expired
	case s.Leased:
		return false, nil // it runs
	}
	msg, ok := nodeStoppedError(s.RequestID)
	if !ok {
		h.log.Warn("streamable: a leased stream records a malformed request id", "session", sessionID, "stream", streamID)
		return false, nil
	}
	_, err = l.AppendOrphaned(ctx, sessionID, streamID, msg)
	switch {
	case err == nil:
		h.log.Info("streamable: a request's node stopped before answering; its client is told", "session", sessionID, "stream", streamID, "id", s.RequestID)
		return true, nil
	case errors.Is(err, store.ErrFinal):
		return true, nil // another node stored it, or the response came meanwhile
	case errors.Is(err, store.ErrLeased), errors.Is(err, store.ErrNotFound):
		return false, nil // it runs again (refreshed meanwhile), or its stream is gone
	}
	return false, err
}

// recordEnd appends the end marker of a stream that ends without a response (its request was cancelled):
// a follower on another node ends its response there. For a leased stream it is the final event
// (AppendFinal), which releases the lease, so that no node takes the request for orphaned once the lease
// would have expired. Nothing is recorded once the session ended (its events are gone). Called with st.mu
// held.
func (st *stream) recordEnd() {
	if st.ls.ended.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(st.h.ctx), 5*time.Second)
	defer cancel()
	var err error
	if l, ok := st.h.leaseStore(); ok && st.leased.Load() {
		_, err = l.AppendFinal(ctx, st.session, st.id, endMarker)
	} else {
		_, err = st.h.opts.Events.Append(ctx, st.session, st.id, endMarker)
	}
	if err != nil && !errors.Is(err, store.ErrFinal) {
		st.h.log.Warn("streamable: recording the end of a stream (a node following it ends it at its client's next resume)", "session", st.session, "stream", st.id, "err", err)
	}
}

// nodeStoppedError is the error response to the request with JSON id rawID.
func nodeStoppedError(rawID string) ([]byte, bool) {
	msg := []byte(`{"jsonrpc":"2.0","id":` + rawID + `,"error":{"code":` + strconv.Itoa(CodeNodeStopped) + `,"message":"` + nodeStoppedMessage + `"}}`)
	m, err := jsonrpc.DecodeMessage(msg)
	if err != nil || !m.IsResponse() || m.ID.Raw() != rawID {
		return nil, false
	}
	return msg, true
}
