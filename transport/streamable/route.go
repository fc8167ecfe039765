package streamable

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport"
)

// Cross-node routing of legacy sessions through Options.Bus (docs/SCALING.md, "Messages that cross
// nodes"). A node subscribes the topic "sess:"+id while it holds session id (created here or restored
// from the store) and unsubscribes when it drops it. What lands on a node that cannot act on it alone is
// published there as a small JSON envelope:
//
//   - "answer": a client's response to a server-to-client request this node is not waiting for; the node
//     whose pending table holds its id delivers it.
//   - "cancel": notifications/cancelled for a request not running here; the node running it cancels it
//     (no response, as for a local cancel).
//   - "changed": the session's state was saved (logging/setLevel, resources/(un)subscribe,
//     notifications/initialized); other nodes reload it from the store on its next use.
//   - "ended": the session was deleted; every node holding it ends it (its streams end, its handlers are
//     cancelled).
//   - "get-opened", "get-closed": the session's GET stream started or ended on the publishing node; the
//     others keep broadcasts for a later GET stream only while none is open (getbus.go).
//
// Without a Bus none of this runs and nothing is subscribed.

// sessionTopic is the Bus topic of a legacy session.
func sessionTopic(id string) string { return "sess:" + id }

// Envelope kinds on a session's topic.
const (
	kindAnswer  = "answer"
	kindCancel  = "cancel"
	kindChanged = "changed"
	kindEnded   = "ended"
)

// envelope is one message on a session's topic.
type envelope struct {
	Kind string `json:"kind"`
	// Node is the publishing Handler's id: a node skips its own envelopes.
	Node string `json:"node"`
	// Message is the client's response (answer).
	Message jsontext.Value `json:"message,omitempty"`
	// RequestID is the cancelled request's id (cancel).
	RequestID jsonrpc.ID `json:"requestId,omitzero"`
}

// newNodeID returns a random id for a Handler on a Bus.
func newNodeID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// callID names a server-to-client request: "s1", "s2", … per session; with a Bus the node id follows
// ("s1.<node>"), so that requests of one session made on different nodes never share an id.
func (h *Handler) callID(n int64) jsonrpc.ID {
	if h.opts.Bus == nil {
		return jsonrpc.StringID("s" + itoa(n))
	}
	return jsonrpc.StringID("s" + itoa(n) + "." + h.node)
}

// subscribe subscribes session id's topic (nil without a Bus). It returns once the bus confirmed it, so
// nothing published afterwards is missed; messages wait in the subscription until follow reads them.
func (h *Handler) subscribe(id string) (store.Subscription, error) {
	if h.opts.Bus == nil {
		return nil, nil
	}
	sub, err := h.opts.Bus.Subscribe(h.ctx, sessionTopic(id))
	if err != nil {
		return nil, &storeError{op: "subscribing to the session's bus topic", err: err}
	}
	return sub, nil
}

// follow reads ls's topic until its subscription ends (the session is dropped, or the handler closes).
// Call it once ls is in h.sessions (or closed): an "ended" read before would find nothing to end.
func (h *Handler) follow(ls *liveSession) {
	if ls.sub == nil {
		return
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for msg := range ls.sub.C() {
			h.onEnvelope(ls, msg)
		}
	}()
}

// reloadTimeout bounds the reload of a session whose GET stream this node holds, on a "changed" message.
const reloadTimeout = 5 * time.Second

// onEnvelope acts on one message from ls's topic.
func (h *Handler) onEnvelope(ls *liveSession, msg []byte) {
	var env envelope
	if err := json.Unmarshal(msg, &env); err != nil {
		h.log.Warn("streamable: a malformed message on a session's bus topic", "session", ls.id, "err", err)
		return
	}
	if env.Node == h.node {
		return // our own: already acted on here
	}
	switch env.Kind {
	case kindAnswer:
		m, err := jsonrpc.DecodeMessage(env.Message)
		if err != nil || !m.IsResponse() {
			h.log.Warn("streamable: a malformed answer on a session's bus topic", "session", ls.id, "err", err)
			return
		}
		ls.deliver(m) // false: another node holds that request (or nobody waits any more)
	case kindCancel:
		ls.cancelByID(env.RequestID)
	case kindChanged:
		ls.stale.Store(true)
		if ls.getFollower() != nil {
			h.reloadGETHolder(ls)
		}
	case kindEnded:
		h.dropSession(ls)
	case kindGetOpened, kindGetClosed:
		ls.heardGet(env.Kind, env.Node)
	}
}

// reloadGETHolder reloads a changed session whose GET stream this node holds. This node is the one that
// sends the session the broadcasts (resources/updated per subscription), filtered by this copy; no request
// of the session may come here to refresh it (the change can come from anywhere): it is reloaded at once.
// Called by onEnvelope ("changed" while the GET is here) and by a GET taking the stream (a "changed" heard
// while it was being set up found no follower; stale is set before onEnvelope looks at ls.get, and ls.get
// before the GET looks at stale, so one of them reloads).
func (h *Handler) reloadGETHolder(ls *liveSession) {
	if !ls.stale.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(h.ctx, reloadTimeout)
	defer cancel()
	if err := h.refresh(ctx, ls); err != nil && !errors.Is(err, store.ErrNotFound) {
		h.log.Debug("streamable: reloading the session whose GET stream this node holds; its next use retries", "session", ls.id, "err", err)
	}
}

// publish sends an envelope on session sid's topic. The error is a storeError: the client is answered 503
// with Retry-After and sends the same message again.
func (h *Handler) publish(ctx context.Context, sid string, env envelope) error {
	env.Node = h.node
	b, err := json.Marshal(env)
	if err == nil {
		err = h.opts.Bus.Publish(ctx, sessionTopic(sid), b)
	}
	if err != nil {
		return &storeError{op: "publishing a " + env.Kind + " message on the bus", err: err}
	}
	return nil
}

// routeAnswer publishes a client's response that no call of this node waits for, so that the node whose
// handler asked receives it. It reports false without a Bus.
func (h *Handler) routeAnswer(ctx context.Context, ls *liveSession, m *jsonrpc.Message) (bool, error) {
	if h.opts.Bus == nil {
		return false, nil
	}
	var raw []byte
	if m.Error != nil {
		raw = jsonrpc.AppendError(nil, m.ID, m.Error)
	} else {
		raw = jsonrpc.AppendResult(nil, m.ID, m.Result)
	}
	return true, h.publish(ctx, ls.id, envelope{Kind: kindAnswer, Message: raw})
}

// cancelRequest handles notifications/cancelled: the request is cancelled here when it runs here, otherwise the
// cancellation is published for the node that runs it.
func (h *Handler) cancelRequest(ctx context.Context, ls *liveSession, params jsontext.Value) error {
	var p struct {
		RequestID jsonrpc.ID `json:"requestId"`
	}
	if json.Unmarshal(params, &p) != nil || !p.RequestID.IsValid() {
		return nil
	}
	if ls.cancelByID(p.RequestID) || h.opts.Bus == nil {
		return nil
	}
	return h.publish(ctx, ls.id, envelope{Kind: kindCancel, RequestID: p.RequestID})
}

// announceChange tells the other nodes holding ls that its stored state changed (after a save).
func (h *Handler) announceChange(ctx context.Context, ls *liveSession, method string) error {
	if h.opts.Bus == nil || method == mcp.MethodInitialize {
		return nil // an initialize's session is held by this node only
	}
	return h.publish(ctx, ls.id, envelope{Kind: kindChanged})
}

// announceEnd tells the other nodes that session sid was deleted.
func (h *Handler) announceEnd(ctx context.Context, sid string) error {
	if h.opts.Bus == nil {
		return nil
	}
	return h.publish(ctx, sid, envelope{Kind: kindEnded})
}

// refresh reloads a session another node changed ("changed" received) from the store, in place: its
// streams and running requests go on. It runs on the session's next use, and at once on the node holding
// its GET stream; a use waits for a reload already running. A store that fails leaves the mark for the
// next use.
func (h *Handler) refresh(ctx context.Context, ls *liveSession) error {
	// stale first, then inReload: a reload marks inReload before it takes stale, so a use that finds
	// neither comes after the reload (or before any).
	if !ls.stale.Load() && !ls.inReload.Load() {
		return nil
	}
	ls.reloading.Lock()
	ls.inReload.Store(true)
	defer func() {
		ls.inReload.Store(false)
		ls.reloading.Unlock()
	}()
	if !ls.stale.CompareAndSwap(true, false) {
		return nil // reloaded while this one waited
	}
	st, err := h.opts.Sessions.Load(ctx, ls.id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.log.Info("streamable: a cached session is gone from the session store (ended on another node, or expired); ending it here", "session", ls.id)
		h.dropSession(ls)
		return store.ErrNotFound
	case err != nil:
		ls.stale.Store(true)
		return &storeError{op: "reloading a session changed on another node", err: err}
	}
	r, ok := ls.sess.(transport.Reloader)
	if !ok {
		return nil // the server cannot take a new state in place: it keeps serving its own
	}
	if err := r.Reload(st); err != nil {
		h.log.Warn("streamable: reloading a session changed on another node", "session", ls.id, "err", err)
	}
	return nil
}

// dropSession ends this node's copy of a session (ended on another node, or idle here) without deleting
// it from the store.
func (h *Handler) dropSession(ls *liveSession) {
	h.mu.Lock()
	if h.sessions[ls.id] == ls {
		delete(h.sessions, ls.id)
		if ls.counted {
			h.releaseClientLocked(ls.addr)
		}
	}
	h.mu.Unlock()
	ls.close()
}
