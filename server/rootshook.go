package server

import (
	"context"

	"github.com/mcpkit/mcpkit/internal/serial"
	"github.com/mcpkit/mcpkit/mcp"
)

// The OnRootsChanged hook runs off the transport's read loop, on a queue of its session: one call at a
// time, in order, with a context that can ask the session's client (Roots) and ends when the session
// closes. A roots change that arrives while a call is already waiting to run is folded into that call
// (both would ask for the same, current roots), so the queue holds at most one waiting call and the read
// loop never blocks.

// startHooks gives a new session its hook queue when the server has a hook.
func (ss *session) startHooks() {
	if ss.srv.opts.OnRootsChanged != nil {
		ss.hooks = serial.New(1)
	}
}

// rootsChanged queues the OnRootsChanged hook for this session.
func (ss *session) rootsChanged() {
	s := ss.srv
	if s.opts.OnRootsChanged == nil || ss.hooks == nil {
		return
	}
	_, folded := ss.hooks.Push(func(ctx context.Context) {
		r := &Request{Method: mcp.MethodNotificationRootsListChanged, Era: mcp.EraLegacy, SessionID: ss.id, server: s, sess: ss, out: ss.out}
		r.ProtocolVersion, r.ClientInfo, r.ClientCapabilities = ss.identity()
		s.opts.OnRootsChanged(withRequest(ctx, r), ss.id)
	})
	if folded > 0 {
		s.log.Debug("mcp: roots changed again before OnRootsChanged ran: folded into the waiting call", "session", ss.id)
	}
}
