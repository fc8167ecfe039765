package server

import (
	"context"
	"sync"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/serial"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport"
)

// session is the state of one legacy-era client: one stdio or in-memory connection, or one Streamable
// HTTP / HTTP+SSE session. Modern requests never touch it.
type session struct {
	srv *Server
	id  string
	// out delivers unsolicited messages (list_changed, resources/updated) to the client.
	out transport.Peer

	mu          sync.Mutex
	initialized bool // initialize answered
	clientReady bool // notifications/initialized received
	version     string
	clientInfo  *mcp.Implementation
	clientCaps  *mcp.ClientCapabilities
	level       mcp.LoggingLevel // "" until logging/setLevel: everything is sent
	subs        map[string]struct{}
	ownerID     string // names the session as the owner of its tasks (lazily; the id when it has one)

	hooks *serial.Queue // runs OnRootsChanged off the read loop; nil without a hook
}

// NewSession opens a session for a transport: id names it ("" for a stream connection), out receives its
// unsolicited notifications. It implements transport.Server.
func (s *Server) NewSession(id string, out transport.Peer) transport.Session {
	return s.openSession(id, out)
}

func (s *Server) openSession(id string, out transport.Peer) *session {
	ss := &session{srv: s, id: id, out: out}
	ss.startHooks()
	s.sessions.add(ss)
	return ss
}

// ID implements transport.Session.
func (ss *session) ID() string { return ss.id }

// HandleRequest implements transport.Session.
func (ss *session) HandleRequest(ctx context.Context, m *jsonrpc.Message, related transport.Peer) (jsontext.Value, error) {
	return ss.srv.handle(ctx, ss, m, related)
}

// HandleNotification implements transport.Session.
func (ss *session) HandleNotification(ctx context.Context, m *jsonrpc.Message) {
	ss.srv.handleNotification(ctx, ss, m)
}

// Close implements transport.Session: the session stops receiving broadcasts, and its hook queue stops
// (a running OnRootsChanged has its ctx cancelled and is waited for).
func (ss *session) Close() {
	ss.srv.sessions.remove(ss)
	if ss.hooks != nil {
		ss.hooks.Close()
	}
}

func (ss *session) isInitialized() bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.initialized
}

func (ss *session) markClientReady() {
	ss.mu.Lock()
	ss.clientReady = true
	ss.mu.Unlock()
}

// taskOwnerID names the session as the owner of its tasks: its id, or a random name for a stream
// connection (whose id is "").
func (ss *session) taskOwnerID() string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.ownerID == "" {
		ss.ownerID = ss.id
		if ss.ownerID == "" {
			ss.ownerID = "conn-" + newTaskID()
		}
	}
	return ss.ownerID
}

func (ss *session) identity() (string, *mcp.Implementation, *mcp.ClientCapabilities) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.version, ss.clientInfo, ss.clientCaps
}

func (ss *session) logLevel() mcp.LoggingLevel {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.level == "" {
		return mcp.LevelDebug
	}
	return ss.level
}

func (ss *session) subscribed(uri string) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	_, ok := ss.subs[uri]
	return ok
}

// sessionSet tracks the live legacy sessions of this process, for list_changed and resources/updated.
type sessionSet struct {
	mu sync.Mutex
	m  map[*session]struct{}
}

func (set *sessionSet) add(ss *session) {
	set.mu.Lock()
	if set.m == nil {
		set.m = make(map[*session]struct{})
	}
	set.m[ss] = struct{}{}
	set.mu.Unlock()
}

func (set *sessionSet) remove(ss *session) {
	set.mu.Lock()
	delete(set.m, ss)
	set.mu.Unlock()
}

// each calls fn for every initialized session, outside the lock.
func (set *sessionSet) each(fn func(*session)) {
	set.mu.Lock()
	list := make([]*session, 0, len(set.m))
	for ss := range set.m {
		list = append(list, ss)
	}
	set.mu.Unlock()
	for _, ss := range list {
		if ss.isInitialized() {
			fn(ss)
		}
	}
}

// broadcast sends a notification to every initialized legacy session for which keep returns true.
func (s *Server) broadcast(method string, params any, keep func(*session) bool) {
	s.sessions.each(func(ss *session) {
		if keep != nil && !keep(ss) {
			return
		}
		if err := ss.out.Notify(context.Background(), method, params); err != nil {
			s.log.Debug("mcp: notifying session", "session", ss.id, "method", method, "err", err)
		}
	})
}
