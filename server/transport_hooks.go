package server

import (
	"context"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport"
)

// This file is the server's side of the transport.Server contract used by the HTTP transports.

// Snapshot implements transport.Session.
func (ss *session) Snapshot() (*store.SessionState, error) { return ss.snapshot() }

// Reload implements transport.Reloader: the session takes the state another node stored for it.
func (ss *session) Reload(st *store.SessionState) error { return ss.restore(st) }

// RestoreSession implements transport.Server: it rebuilds a legacy session from stored state.
func (s *Server) RestoreSession(st *store.SessionState, out transport.Peer) (transport.Session, error) {
	ss := &session{srv: s, out: out}
	if err := ss.restore(st); err != nil {
		return nil, err
	}
	ss.startHooks()
	s.sessions.add(ss)
	return ss, nil
}

// Stateless implements transport.Server.
func (s *Server) Stateless() transport.Session { return statelessSession{s} }

// statelessSession serves requests outside any session: the era rules decide (modern _meta, or ping).
type statelessSession struct{ s *Server }

func (st statelessSession) ID() string { return "" }
func (st statelessSession) HandleRequest(ctx context.Context, m *jsonrpc.Message, related transport.Peer) (jsontext.Value, error) {
	return st.s.handle(ctx, nil, m, related)
}
func (st statelessSession) HandleNotification(ctx context.Context, m *jsonrpc.Message) {
	st.s.handleNotification(ctx, nil, m)
}
func (st statelessSession) Close()                                 {}
func (st statelessSession) Snapshot() (*store.SessionState, error) { return &store.SessionState{}, nil }

// changeFeed fans registry changes out to modern-era listeners (subscriptions/listen).
type changeFeed struct {
	mu   sync.Mutex
	next int
	fns  map[int]func(method string, params jsontext.Value)
}

// Changes implements transport.Server.
func (s *Server) Changes(fn func(method string, params jsontext.Value)) func() {
	f := &s.changes
	f.mu.Lock()
	if f.fns == nil {
		f.fns = make(map[int]func(string, jsontext.Value))
	}
	id := f.next
	f.next++
	f.fns[id] = fn
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		delete(f.fns, id)
		f.mu.Unlock()
	}
}

// publishChange tells modern listeners about a change made on this node, and the other nodes when
// Options.Bus is set.
func (s *Server) publishChange(method string, params any) {
	var raw jsontext.Value
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return
		}
		raw = b
	}
	s.notifyListeners(method, raw)
	if s.bus != nil {
		s.bus.publish(method, raw)
	}
}

// notifyListeners tells this node's modern listeners about a change.
func (s *Server) notifyListeners(method string, raw jsontext.Value) {
	f := &s.changes
	f.mu.Lock()
	fns := make([]func(string, jsontext.Value), 0, len(f.fns))
	for _, fn := range f.fns {
		fns = append(fns, fn)
	}
	f.mu.Unlock()
	for _, fn := range fns {
		fn(method, raw)
	}
}
