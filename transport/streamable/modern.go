package streamable

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/clip"
	"github.com/mcpkit/mcpkit/internal/jsonx"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport"
)

// modernPost serves one 2026-07-28 POST: stateless, headers checked against the body, the request's
// context ends when the client closes the response (which cancels the handler).
func (h *Handler) modernPost(w http.ResponseWriter, r *http.Request, m *jsonrpc.Message) {
	if e := checkModernHeaders(r, m); e != nil {
		httpError(w, http.StatusBadRequest, m.ID, e.Code, e.Message)
		return
	}
	switch {
	case m.IsNotification():
		h.srv.Stateless().HandleNotification(r.Context(), m)
		w.WriteHeader(http.StatusAccepted)
		return
	case m.IsResponse():
		httpError(w, http.StatusBadRequest, m.ID, mcp.CodeInvalidRequest, "protocol 2026-07-28 has no client-to-server responses")
		return
	}
	if h.forbid(w, r, h.srv.Stateless(), m) {
		return
	}
	if n := h.inflight.Add(1); n > int64(h.opts.MaxInFlight) {
		h.inflight.Add(-1)
		h.refused.inFlight.Add(1)
		w.Header().Set("Retry-After", "1")
		httpError(w, http.StatusServiceUnavailable, m.ID, jsonrpc.CodeOverloaded,
			"server overloaded: "+itoa(int64(h.opts.MaxInFlight))+" requests are in flight (the limit), retry later")
		return
	}
	defer h.inflight.Add(-1)
	if m.Method == mcp.MethodSubscriptionsListen {
		h.listen(w, r, m)
		return
	}
	rp := &reply{h: h, w: w, id: m.ID, modern: true, reqHeader: r.Header}
	defer rp.release() // stops the keep-alive goroutine: nothing writes w after this handler returns
	// The client's address goes with the request: the server's per-client task budget of unauthenticated
	// clients (server.TaskOptions.ClientKey) uses it.
	result, err := h.srv.Stateless().HandleRequest(transport.WithClientAddr(r.Context(), clientAddr(r)), m, rp)
	rp.finish(r.Context(), result, err, modernStatus)
}

// listen serves subscriptions/listen: validate through the server (era rules, _meta), acknowledge, then
// forward the change notifications the client opted in to, tagged with the subscription id, until the
// client closes the stream or the handler shuts down.
func (h *Handler) listen(w http.ResponseWriter, r *http.Request, m *jsonrpc.Message) {
	var p mcp.SubscriptionsListenParams
	if len(m.Params) > 0 {
		if err := json.Unmarshal(m.Params, &p); err != nil {
			httpError(w, http.StatusBadRequest, m.ID, mcp.CodeInvalidParams, "invalid params: "+clip.String(err.Error(), 256))
			return
		}
		if at, ok := jsonx.NullMember(m.Params, "_meta"); ok {
			httpError(w, http.StatusBadRequest, m.ID, mcp.CodeInvalidParams, "invalid params: params"+clip.String(at, clip.Max)+": null is not allowed here")
			return
		}
	}
	// Let the server apply the era rules first (missing _meta, unsupported version, …) with a request it
	// answers at once: server/discover carries the same _meta.
	probe := &jsonrpc.Message{ID: m.ID, Method: mcp.MethodDiscover, Params: m.Params}
	if _, err := h.srv.Stateless().HandleRequest(r.Context(), probe, probePeer{}); err != nil {
		_, e := responseBytes(m.ID, nil, err)
		httpError(w, modernStatus(e), m.ID, e.Code, e.Message)
		return
	}
	if len(p.Notifications.TaskIDs) > 0 && !declaresTasks(p.Meta) {
		// SEP-2663: task notifications need the tasks extension.
		e := &jsonrpc.Error{Code: mcp.CodeMissingRequiredClientCapability, Message: "Missing required client capability: notifications.taskIds needs the " + mcp.ExtensionTasks + " extension in the request's clientCapabilities"}
		httpError(w, modernStatus(e), m.ID, e.Code, e.Message)
		return
	}
	if h.forbidListen(w, r, m, &p) {
		return
	}
	if n := len(p.Notifications.TaskIDs); n > maxListenTaskIDs {
		httpError(w, http.StatusBadRequest, m.ID, mcp.CodeInvalidParams,
			"invalid params: subscriptions/listen asks for "+itoa(int64(n))+" taskIds, more than this server follows for one listen ("+itoa(maxListenTaskIDs)+")")
		return
	} else if n > 0 {
		p.Notifications.TaskIDs = h.visibleTaskIDs(r.Context(), m, p.Notifications.TaskIDs)
	}
	sse := h.newSSE(w)
	sse.Start(nil)
	subID := m.ID.Raw() // the listen request's id identifies the subscription
	events := make(chan []byte, maxListenQueue)
	overflow := make(chan struct{})
	var overflowOnce sync.Once
	stop := h.srv.Changes(func(method string, params jsontext.Value) {
		if !p.Notifications.Wants(method, params) {
			return
		}
		msg := jsonrpc.AppendRequest(nil, jsonrpc.ID{}, method, mcp.WithSubscriptionID(params, jsontext.Value(subID)))
		select {
		case events <- msg:
		default:
			// The client reads too slowly: end its stream rather than drop a notification silently; it
			// listens again and re-reads the lists.
			overflowOnce.Do(func() {
				h.log.Warn("streamable: a subscriptions/listen client reads too slowly; ending its stream")
				close(overflow)
			})
		}
	})
	defer stop()
	// Acknowledge only once changes are being collected, so none made after the ack is missed.
	ack := mcp.SubscriptionsAcknowledged(jsontext.Value(subID), p.Notifications)
	if sse.Event("", jsonrpc.AppendRequest(nil, jsonrpc.ID{}, mcp.MethodNotificationSubscriptionsAcknowledged, ack), 0) != nil {
		return
	}
	var tick <-chan time.Time
	if h.opts.KeepAlive > 0 {
		t := time.NewTicker(h.opts.KeepAlive)
		defer t.Stop()
		tick = t.C
	}
	drained := h.drained()
	for {
		select {
		case <-drained:
			_ = sse.Event("", nil, h.opts.RetryMs) // listen again now: another node takes over
			return
		case msg := <-events:
			if sse.Event("", msg, 0) != nil {
				return
			}
		case <-tick:
			if sse.Comment() != nil {
				return
			}
		case <-overflow:
			return
		case <-r.Context().Done():
			return
		case <-h.ctx.Done():
			return
		}
	}
}

// maxListenQueue bounds the notifications waiting for a subscriptions/listen client; past it the stream
// ends.
const maxListenQueue = 64

// declaresTasks reports whether a request's _meta declares the tasks extension.
func declaresTasks(meta *mcp.RequestMeta) bool {
	if meta == nil || meta.ClientCapabilities == nil {
		return false
	}
	_, ok := meta.ClientCapabilities.Extensions[mcp.ExtensionTasks]
	return ok
}

// maxListenTaskIDs bounds the task ids one subscriptions/listen may ask for (the server's own listen has
// the same bound): every task change is matched against the list, and each id is looked up at the start.
const maxListenTaskIDs = 256

// visibleTaskIDs returns the ids the listen's caller may see, asking the server with a tasks/get carrying
// the listen's _meta for each: a task of another owner (or unknown) is left out, so the listen neither
// acknowledges it nor sends its changes. A task's owner never changes, so checking once is enough.
func (h *Handler) visibleTaskIDs(ctx context.Context, m *jsonrpc.Message, ids []string) []string {
	var params map[string]jsontext.Value
	if json.Unmarshal(m.Params, &params) != nil {
		return nil
	}
	delete(params, "notifications")
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		params["taskId"], _ = json.Marshal(id)
		raw, err := json.Marshal(params)
		if err != nil {
			continue
		}
		probe := &jsonrpc.Message{ID: m.ID, Method: mcp.MethodTasksGet, Params: raw}
		if _, err := h.srv.Stateless().HandleRequest(ctx, probe, probePeer{}); err == nil {
			out = append(out, id)
		}
	}
	return out
}
