package streamable

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/store"
)

func newSessionID() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:]) // visible ASCII only
}

// checkLegacyVersion applies the MCP-Protocol-Version rules of 2025-06-18 and later: absent means
// 2025-03-26; a value this server does not speak is 400.
func checkLegacyVersion(r *http.Request) (string, bool) {
	v := r.Header.Get(headerProtocolVersion)
	if v == "" {
		return mcp.Version20250326, true
	}
	return v, mcp.IsSupported(v) && mcp.EraOf(v) == mcp.EraLegacy
}

// clientAddr is the IP address of the client (the connection's peer), for per-client limits.
func clientAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// legacyPost serves one POST of the 2025-03-26 … 2025-11-25 transport.
func (h *Handler) legacyPost(w http.ResponseWriter, r *http.Request, m *jsonrpc.Message) {
	ctx := r.Context()
	sid := r.Header.Get(headerSessionID)
	var ls *liveSession
	switch {
	case m.Method == mcp.MethodInitialize && sid == "":
		var err error
		ls, err = h.openSession(ctx, clientAddr(r), h.opts.Principal(ctx))
		if errors.Is(err, store.ErrLimit) {
			h.refused.sessions.Add(1)
			w.Header().Set("Retry-After", "30")
			httpError(w, http.StatusServiceUnavailable, m.ID, jsonrpc.CodeOverloaded, "server overloaded: the maximum number of sessions is reached, retry later")
			return
		}
		if errors.Is(err, errTooManyForClient) {
			h.refused.clientSessions.Add(1)
			w.Header().Set("Retry-After", "30")
			httpError(w, http.StatusTooManyRequests, m.ID, jsonrpc.CodeOverloaded,
				"too many sessions from this client address (limit "+itoa(int64(h.opts.MaxSessionsPerClient))+"): end unused ones with DELETE, or retry later")
			return
		}
		if err != nil {
			h.unavailable(w, m.ID, "", &storeError{op: "creating a session", err: err})
			return
		}
	case sid == "":
		httpError(w, http.StatusBadRequest, m.ID, mcp.CodeInvalidRequest,
			"bad request: the Mcp-Session-Id header is required (send initialize first), or use protocol 2026-07-28 with _meta")
		return
	default:
		if v, ok := checkLegacyVersion(r); !ok {
			httpError(w, http.StatusBadRequest, m.ID, mcp.CodeInvalidRequest, "bad request: unsupported MCP-Protocol-Version "+quote(v))
			return
		}
		var err error
		if ls, err = h.session(ctx, sid); err != nil {
			h.sessionError(w, m.ID, sid, err)
			return
		}
	}

	switch {
	case m.IsResponse():
		if !ls.deliver(m) {
			// Not waited for here: with a Bus, the node whose handler asked takes it.
			if routed, err := h.routeAnswer(ctx, ls, m); err != nil {
				h.unavailable(w, jsonrpc.ID{}, ls.id, err)
				return
			} else if !routed {
				h.log.Debug("streamable: a response for no pending request", "id", m.ID.String())
			}
		}
		w.WriteHeader(http.StatusAccepted)
		return
	case m.IsNotification():
		if m.Method == mcp.MethodNotificationCancelled {
			if err := h.cancelRequest(ctx, ls, m.Params); err != nil {
				h.unavailable(w, jsonrpc.ID{}, ls.id, err)
				return
			}
		}
		ls.sess.HandleNotification(ctx, m)
		if err := h.save(ctx, ls, m.Method); err != nil {
			h.unavailable(w, jsonrpc.ID{}, ls.id, err)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		return
	}

	if h.forbid(w, r, ls.sess, m) {
		return
	}
	if n := ls.running.Add(1); int(n) > h.opts.MaxRequestsPerSession {
		ls.running.Add(-1)
		h.refused.sessionRequests.Add(1)
		w.Header().Set("Retry-After", "1")
		httpError(w, http.StatusTooManyRequests, m.ID, jsonrpc.CodeOverloaded,
			"server overloaded: this session has "+itoa(int64(h.opts.MaxRequestsPerSession))+" requests running (the limit), retry later")
		return
	}
	setSession := func(hd http.Header) { hd.Set(headerSessionID, ls.id) }
	rp := &reply{h: h, w: w, id: m.ID, live: ls, header: setSession}
	if _, dup := ls.inflight.LoadOrStore(m.ID, rp); dup {
		ls.running.Add(-1)
		httpError(w, http.StatusBadRequest, m.ID, mcp.CodeInvalidRequest, "invalid request: id "+quoteID(m.ID)+" is already in use in this session")
		return
	}
	h.runLegacy(w, r, rp, func(hctx context.Context) (jsontext.Value, error) {
		defer ls.running.Add(-1)
		res, err := ls.sess.HandleRequest(hctx, m, rp)
		ls.inflight.Delete(m.ID)
		if serr := h.save(hctx, ls, m.Method); serr != nil && err == nil {
			res, err = nil, errNotSaved
		}
		if m.Method == mcp.MethodInitialize && err != nil && sid == "" {
			_ = h.endSession(hctx, ls) // a failed initialize leaves no session behind
		}
		return res, err
	})
}

// runLegacy runs a legacy request on a worker and writes its response from this goroutine (serveReply).
// A client that disconnects does not cancel it (legacy clients cancel with notifications/cancelled): its
// events keep going to the event log for a resume.
func (h *Handler) runLegacy(w http.ResponseWriter, r *http.Request, rp *reply, run func(context.Context) (jsontext.Value, error)) {
	hctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	rp.mu.Lock()
	rp.cancel = cancel
	rp.out = h.newOutbox(rp.live)
	ended := rp.ended
	rp.mu.Unlock()
	if ended || rp.live.ended.Load() {
		rp.endWithSession() // the session ended before the request started
	}
	stopOnClose := context.AfterFunc(h.ctx, cancel)
	h.wg.Add(1)
	h.workers.Go(func() {
		defer h.wg.Done()
		defer cancel()
		defer stopOnClose()
		res, err := run(hctx)
		rp.finish(hctx, res, err, nil)
	})
	h.serveReply(w, r, rp)
}

// legacyBatch serves a JSON array of messages, allowed only in a 2025-03-26 session. The requests'
// responses come back as one JSON array.
func (h *Handler) legacyBatch(w http.ResponseWriter, r *http.Request, body []byte) {
	ctx := r.Context()
	sid := r.Header.Get(headerSessionID)
	ls, err := h.session(ctx, sid)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.unavailable(w, jsonrpc.ID{}, sid, err)
		return
	}
	if ls == nil {
		httpError(w, http.StatusBadRequest, jsonrpc.ID{}, mcp.CodeInvalidRequest, "batches need an initialized 2025-03-26 session")
		return
	}
	st, err := ls.sess.Snapshot()
	if err != nil || !mcp.AllowsBatches(st.ProtocolVersion) {
		httpError(w, http.StatusBadRequest, jsonrpc.ID{}, mcp.CodeInvalidRequest, "JSON-RPC batches are not supported by the negotiated protocol version")
		return
	}
	msgs, errs, err := jsonrpc.DecodeBatch(body)
	if err != nil {
		var e *jsonrpc.Error
		errors.As(err, &e)
		httpError(w, http.StatusBadRequest, jsonrpc.ID{}, e.Code, e.Message)
		return
	}
	for i, m := range msgs {
		if errs[i] == nil && m.IsRequest() && h.forbid(w, r, ls.sess, m) {
			return // the batch is refused whole: the client steps up and sends it again
		}
	}
	var parts []string
	for i, m := range msgs {
		switch {
		case errs[i] != nil:
			var e *jsonrpc.Error
			errors.As(errs[i], &e)
			parts = append(parts, string(jsonrpc.AppendError(nil, m.ID, e)))
		case m.IsResponse():
			if !ls.deliver(m) {
				if _, err := h.routeAnswer(ctx, ls, m); err != nil {
					h.log.Warn("streamable: routing an answer from a batch", "session", ls.id, "err", err)
				}
			}
		case m.IsNotification():
			ls.sess.HandleNotification(ctx, m)
		default:
			res, err := ls.sess.HandleRequest(ctx, m, nopPeer{})
			msg, _ := responseBytes(m.ID, res, err)
			parts = append(parts, string(msg))
		}
	}
	if len(parts) == 0 {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	w.Header().Set(headerSessionID, ls.id)
	h.writeAnswer(w, http.StatusOK, []byte("["+strings.Join(parts, ",")+"]"))
}

// get opens the session's standalone stream, or resumes a stream with Last-Event-ID.
func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	sid := r.Header.Get(headerSessionID)
	if sid == "" {
		// 2026-07-28 has no GET; a legacy client must name its session.
		w.Header().Set("Allow", "POST")
		httpError(w, http.StatusMethodNotAllowed, jsonrpc.ID{}, mcp.CodeInvalidRequest, "GET needs an Mcp-Session-Id (protocol 2026-07-28 has no GET stream)")
		return
	}
	if !accepts(r, "text/event-stream") {
		httpError(w, http.StatusNotAcceptable, jsonrpc.ID{}, mcp.CodeInvalidRequest, "Accept must list text/event-stream")
		return
	}
	if _, ok := checkLegacyVersion(r); !ok {
		httpError(w, http.StatusBadRequest, jsonrpc.ID{}, mcp.CodeInvalidRequest, "bad request: unsupported MCP-Protocol-Version")
		return
	}
	ls, err := h.session(r.Context(), sid)
	if err != nil {
		h.sessionError(w, jsonrpc.ID{}, sid, err)
		return
	}
	if last := r.Header.Get(headerLastEventID); last != "" {
		h.resume(w, r, ls, last)
		return
	}
	h.openGet(w, r, ls)
}

// resume replays a stream after lastEventID and then follows it: the standalone stream on any node
// (standalone.go), a POST stream open on this node through its outbox, a POST stream whose request runs
// elsewhere (or has finished) through the event log (resumeElsewhere). When the events after lastEventID
// are no longer held (the stream ended and its events expired, or the session's event budget evicted them)
// the answer is 410 Gone rather than a stream that silently lacks them.
func (h *Handler) resume(w http.ResponseWriter, r *http.Request, ls *liveSession, lastEventID string) {
	streamID, seq, err := store.ParseEventID(lastEventID)
	if err != nil || seq == 0 {
		httpError(w, http.StatusBadRequest, jsonrpc.ID{}, mcp.CodeInvalidRequest, "bad request: malformed Last-Event-ID")
		return
	}
	if streamID == getStreamID {
		h.resumeGet(w, r, ls, seq)
		return
	}
	st := h.liveStream(ls, streamID)
	if st == nil {
		h.resumeElsewhere(w, r, ls, streamID, seq)
		return
	}
	ob := h.newOutbox(ls)
	if err := st.attach(r.Context(), ob, lastEventID); err != nil {
		ob.close()
		if errors.Is(err, store.ErrNotFound) {
			h.gone(w)
			return
		}
		h.unavailable(w, jsonrpc.ID{}, ls.id, &storeError{op: "replaying events for a resume", err: err})
		return
	}
	defer h.leaveStream(st, ob)
	sse := h.newSSE(w)
	sse.Start(func(hd http.Header) { hd.Set(headerSessionID, ls.id) })
	h.hold(r, ob, sse, st)
}

// leaveStream is the end of a GET response that followed st, a POST stream open on this node: the stream
// just loses its reader.
func (h *Handler) leaveStream(st *stream, ob *outbox) {
	st.detach(ob)
	ob.close()
}

// gone answers a resume whose events are no longer held.
func (h *Handler) gone(w http.ResponseWriter) {
	httpError(w, http.StatusGone, jsonrpc.ID{}, mcp.CodeInvalidRequest,
		"the events after Last-Event-ID are no longer held (the stream ended more than the resumability window ago, or the session's event budget evicted them)")
}

// delete ends a legacy session.
func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	sid := r.Header.Get(headerSessionID)
	if sid == "" {
		w.Header().Set("Allow", "POST")
		httpError(w, http.StatusMethodNotAllowed, jsonrpc.ID{}, mcp.CodeInvalidRequest, "DELETE needs an Mcp-Session-Id (protocol 2026-07-28 has no sessions)")
		return
	}
	ls, err := h.session(r.Context(), sid)
	if err != nil {
		h.sessionError(w, jsonrpc.ID{}, sid, err)
		return
	}
	if err := h.endSession(r.Context(), ls); err != nil {
		// Ended on this node, but the store may still hold it for other nodes: the client sends DELETE
		// again (this node then loads it from the store, or answers 404 once it is gone).
		h.unavailable(w, jsonrpc.ID{}, sid, &storeError{op: "deleting a session", err: err})
		return
	}
	// Deleted from the store first: a node restoring it from now on finds nothing, and one that holds it
	// (subscribed before it loaded it) hears this.
	if err := h.announceEnd(r.Context(), sid); err != nil {
		h.unavailable(w, jsonrpc.ID{}, sid, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// nopPeer drops everything (batch requests).
type nopPeer struct{}

func (nopPeer) Notify(context.Context, string, any) error { return nil }
func (nopPeer) Call(context.Context, string, any) (jsontext.Value, error) {
	return nil, errNoServerRequests
}

// TransportName implements transport.Named.
func (nopPeer) TransportName() string { return transportName }

// probePeer is the peer of the requests the handler makes itself (the checks before a
// subscriptions/listen stream): it drops everything, and the server's observers do not see them.
type probePeer struct{ nopPeer }

// InternalRequest implements transport.Internal.
func (probePeer) InternalRequest() {}

// transportName is this transport's name for observers (transport.Named).
const transportName = "streamable"
