package sse

import (
	"bytes"
	"context"
	"net/http"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/store"
)

// Several nodes (Options.Bus): the node holding a session's /sse stream subscribes the topic "sse:"+id
// while the stream is open; a /messages POST landing on another node is published there as
// {"kind":"message","body":<the POST body>} and the holder handles it as a local POST. PUBLISH's reply
// (store.CountingBus) says whether any node received it: none means no node holds the stream (404).

// BusTopic returns the bus topic of an HTTP+SSE session: the node holding its stream subscribes it, and
// the other nodes publish that session's messages on it.
func BusTopic(sessionID string) string { return "sse:" + sessionID }

// envelopePrefix starts every message envelope; the POST body follows it verbatim, then "}".
const envelopePrefix = `{"kind":"message","body":`

// envelope wraps a POST body (a JSON-RPC message the receiving node has decoded, so valid JSON) for the bus,
// with the POST's principal when it has one ({"kind":"message","principal":{…},"body":…}).
func envelope(body []byte, p *auth.Principal) []byte {
	if p != nil {
		b, err := json.Marshal(struct {
			Kind      string          `json:"kind"`
			Principal *auth.Principal `json:"principal"`
			Body      jsontext.Value  `json:"body"`
		}{"message", p, body})
		if err == nil {
			return b
		}
	}
	b := make([]byte, 0, len(envelopePrefix)+len(body)+1)
	b = append(b, envelopePrefix...)
	b = append(b, body...)
	return append(b, '}')
}

// openEnvelope returns the POST body of a message envelope and its principal (nil: none), or false for
// anything else (another kind, which a later version may send, is ignored).
func openEnvelope(raw []byte) ([]byte, *auth.Principal, bool) {
	if bytes.HasPrefix(raw, []byte(envelopePrefix)) && bytes.HasSuffix(raw, []byte("}")) {
		return raw[len(envelopePrefix) : len(raw)-1], nil, true
	}
	var env struct {
		Kind      string          `json:"kind"`
		Principal *auth.Principal `json:"principal"`
		Body      jsontext.Value  `json:"body"`
	}
	if json.Unmarshal(raw, &env) != nil || env.Kind != "message" || len(env.Body) == 0 {
		return nil, nil, false
	}
	return env.Body, env.Principal, true
}

// subscribe subscribes the session's topic for as long as its stream is open (the subscription ends with
// ss.ctx) and starts the goroutine that handles the messages other nodes forward; wait, called once the
// stream ended, closes the subscription and waits for that goroutine.
func (h *Handler) subscribe(ss *session) (wait func(), err error) {
	sub, err := h.opts.Bus.Subscribe(ss.ctx, BusTopic(ss.id))
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.follow(ss, sub)
	}()
	return func() { _ = sub.Close(); <-done }, nil
}

// follow handles the messages forwarded to ss until its subscription ends, in the order the bus delivers
// them, each as a local POST would be.
func (h *Handler) follow(ss *session, sub store.Subscription) {
	for raw := range sub.C() {
		body, p, ok := openEnvelope(raw)
		if !ok {
			h.log.Debug("sse: ignored a bus message that is not a forwarded message", "session", ss.id)
			continue
		}
		m, err := jsonrpc.DecodeMessage(body)
		if err != nil { // the node that took the POST decoded it already: not from a node of this version
			h.log.Warn("sse: a forwarded message does not decode", "session", ss.id, "err", err)
			continue
		}
		if ss.ctx.Err() != nil {
			continue // the stream ended: the subscription is ending too
		}
		if h.principalKey(p) != ss.principal {
			h.log.Warn("sse: dropped a forwarded message of another principal than the session's", "session", ss.id)
			continue
		}
		h.handle(ss, m, nil, p)
	}
}

// forward publishes a POST for a session whose stream this node does not hold, and answers it: 202 when a
// node received it, 404 when none holds the stream, 503 with Retry-After and a JSON-RPC error (for msgID,
// the message's id) when the bus fails. It costs one bus round trip (Redis: one PUBLISH).
func (h *Handler) forward(ctx context.Context, w http.ResponseWriter, id string, msgID jsonrpc.ID, body []byte, p *auth.Principal) {
	env := envelope(body, p)
	var n int
	var err error
	if cb, ok := h.opts.Bus.(store.CountingBus); ok {
		n, err = cb.PublishCount(ctx, BusTopic(id), env)
	} else {
		n, err = -1, h.opts.Bus.Publish(ctx, BusTopic(id), env)
	}
	switch {
	case err != nil:
		h.log.Warn("sse: forwarding a message to the node holding its stream", "session", id, "err", err)
		w.Header().Set("Retry-After", "1")
		failID(w, http.StatusServiceUnavailable, msgID, &jsonrpc.Error{Code: jsonrpc.CodeOverloaded,
			Message: "service unavailable: this message could not be passed to the server node holding the session's SSE stream (" +
				err.Error() + "); retry"})
	case n == 0:
		fail(w, http.StatusNotFound, "session not found: its SSE stream is closed; open a new one")
	default: // n < 0: the bus cannot tell, assume a node holds it
		w.WriteHeader(http.StatusAccepted)
	}
}

// principalKey names a forwarded message's principal as Options.Principal does ("" without one).
func (h *Handler) principalKey(p *auth.Principal) string {
	if p == nil {
		return h.opts.Principal(context.Background())
	}
	return h.opts.Principal(auth.WithPrincipal(context.Background(), p))
}
