package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/cli"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/proxy"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport"
)

// childStartTimeout bounds starting a child and its initialize/discover.
const childStartTimeout = 30 * time.Second

// stdioRouter is the transport.Server of `mcpkit bridge --stdio`: each legacy session (a Streamable HTTP
// session or an HTTP+SSE connection) gets its own child process behind its own proxy, started when the
// session opens (initialize, or the /sse GET) and stopped when it ends; 2026-07-28 requests, which carry no
// session, go to the shared pool's children (bridge_pool.go), started with the bridge and restarted when
// they die.
type stdioRouter struct {
	target cli.Target // the command, its env and working directory
	log    *slog.Logger
	stderr io.Writer

	pool *sharedPool
	// starts is the context of the legacy sessions' children's starts: the bridge's, so that a start in
	// progress when the bridge stops is abandoned (its process stopped) instead of outliving it.
	starts context.Context

	mu       sync.Mutex
	children map[*child]struct{}
	closed   bool
	started  int // children started so far, the shared one included (for the log and tests)
	// sessions counts the legacy sessions' own children, those starting included; maxSessions bounds it
	// (--max-sessions), across /mcp and /sse.
	sessions    int
	maxSessions int
}

// child is one child process behind a proxy.
type child struct {
	p       *proxy.Proxy
	conn    *cli.Conn
	stopRun context.CancelFunc
	runDone chan error
	once    sync.Once
	session bool // a legacy session's own child, counted in stdioRouter.sessions
}

// newStdioRouter starts the pool's shared children (pool of them; a command that cannot start or answer
// fails here). restartDelay is the wait before restarting a shared child that died.
// maxSessions bounds the legacy sessions' own children.
func newStdioRouter(ctx context.Context, target cli.Target, log *slog.Logger, stderr io.Writer, pool int, restartDelay time.Duration, maxSessions int) (*stdioRouter, error) {
	r := &stdioRouter{target: target, log: log, stderr: stderr, children: map[*child]struct{}{}, maxSessions: maxSessions, starts: ctx}
	p, err := newSharedPool(ctx, r, pool, restartDelay)
	if err != nil {
		r.Close()
		return nil, err
	}
	r.pool = p
	return r, nil
}

// start runs one child and its proxy. oneClient is proxy.Options.OneClient: a child of one legacy session
// serves one client; the shared children serve every 2026-07-28 client. shared, when set, has the key ring
// that seals its server's requestState and the store that keeps its tasks (the pool's, shared).
func (r *stdioRouter) start(ctx context.Context, oneClient bool, shared *server.Options) (*child, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, errors.New("bridge: shutting down")
	}
	r.started++
	n := r.started
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, childStartTimeout)
	defer cancel()
	so := server.Options{Logger: r.log}
	if shared != nil {
		so.KeyRing, so.Tasks.Store = shared.KeyRing, shared.Tasks.Store
	}
	p := proxy.New("mcpkit-bridge", version(), &proxy.Options{Server: so, Logger: r.log, OneClient: oneClient})
	t := r.target
	t.Transport = "stdio"
	t.Stderr = r.stderr
	conn, err := cli.Connect(ctx, &t, p.ClientOptions(client.Options{
		ClientInfo: mcp.Implementation{Name: "mcpkit-bridge", Version: version()}, Logger: r.log}))
	if err != nil {
		return nil, fmt.Errorf("bridge: starting %q: %w", t.Args, err)
	}
	if err := p.Attach(ctx, conn.Session); err != nil {
		conn.Close()
		return nil, fmt.Errorf("bridge: %w", err)
	}
	rctx, stop := context.WithCancel(context.Background())
	c := &child{p: p, conn: conn, stopRun: stop, runDone: make(chan error, 1), session: oneClient}
	go func() { c.runDone <- p.Run(rctx) }()
	r.mu.Lock()
	if r.closed {
		// Close ran while this child started: it has stopped the children it knew, not this one.
		r.mu.Unlock()
		stop()
		<-c.runDone
		_ = conn.Close()
		return nil, errors.New("bridge: shutting down")
	}
	r.children[c] = struct{}{}
	r.mu.Unlock()
	r.log.Debug("bridge: child started", "n", n, "era", conn.Era())
	return c, nil
}

// stop ends a child: its proxy's Run, then the process (stdin closed, then SIGTERM, then SIGKILL).
func (r *stdioRouter) stop(c *child) {
	c.once.Do(func() {
		c.stopRun()
		<-c.runDone
		_ = c.conn.Close()
		r.mu.Lock()
		delete(r.children, c)
		if c.session {
			r.sessions--
		}
		r.mu.Unlock()
	})
}

// Close stops the pool's supervisors and every child, and refuses new sessions.
func (r *stdioRouter) Close() {
	if r.pool != nil {
		r.pool.close()
	}
	r.mu.Lock()
	r.closed = true
	all := make([]*child, 0, len(r.children))
	for c := range r.children {
		all = append(all, c)
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range all {
		wg.Go(func() { r.stop(c) })
	}
	wg.Wait()
}

// Children is the number of child processes running (the shared one included).
func (r *stdioRouter) Children() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.children)
}

// NewSession implements transport.Server: a new child for the new legacy session. A child that fails to
// start makes a session whose requests fail with the reason.
// Past --max-sessions the session gets no child and its requests fail with -32000 (the transports refuse
// most such sessions themselves with 503; this holds the bound across /mcp and /sse together).
func (r *stdioRouter) NewSession(id string, out transport.Peer) transport.Session {
	r.mu.Lock()
	if r.sessions >= r.maxSessions {
		r.mu.Unlock()
		r.log.Warn("bridge: a session was refused: --max-sessions reached", "max", r.maxSessions)
		return &failedSession{id: id, err: &jsonrpc.Error{Code: jsonrpc.CodeOverloaded, Message: fmt.Sprintf(
			"bridge: %d legacy sessions, each with its own server process, are open (--max-sessions): end one (DELETE, or close its /sse stream) or retry later", r.maxSessions)}}
	}
	r.sessions++
	r.mu.Unlock()
	c, err := r.start(r.starts, true, nil)
	if err != nil {
		r.mu.Lock()
		r.sessions--
		r.mu.Unlock()
		r.log.Warn("bridge: a session could not get its child", "err", err)
		return &failedSession{id: id, err: err}
	}
	return &childSession{Session: c.p.Server().NewSession(id, out), child: c, r: r}
}

// RestoreSession implements transport.Server: sessions live in this process with their child only.
func (r *stdioRouter) RestoreSession(st *store.SessionState, out transport.Peer) (transport.Session, error) {
	return nil, errors.New("bridge: a session lives with its child process in this process only")
}

// Stateless implements transport.Server: the shared pool, which gives each request to one of its children.
func (r *stdioRouter) Stateless() transport.Session { return poolSession{r.pool} }

// Changes implements transport.Server: the shared children's changes, for 2026-07-28 listeners.
func (r *stdioRouter) Changes(fn func(method string, params jsontext.Value)) (stop func()) {
	return r.pool.changes(fn)
}

// childSession is a legacy session with its own child: closing it stops the child.
type childSession struct {
	transport.Session
	child *child
	r     *stdioRouter
}

// Close implements transport.Session.
func (s *childSession) Close() {
	s.Session.Close()
	go s.r.stop(s.child) // the transport may close sessions under its own locks: do not wait for the child here
}

// failedSession answers every request with the reason its child did not start.
type failedSession struct {
	id  string
	err error
}

// ID implements transport.Session.
func (s *failedSession) ID() string { return s.id }

// HandleRequest implements transport.Session: every request fails with the reason.
func (s *failedSession) HandleRequest(context.Context, *jsonrpc.Message, transport.Peer) (jsontext.Value, error) {
	var je *jsonrpc.Error
	if errors.As(s.err, &je) {
		return nil, je
	}
	return nil, &jsonrpc.Error{Code: mcp.CodeInternalError, Message: s.err.Error()}
}

// HandleNotification implements transport.Session: notifications are dropped.
func (s *failedSession) HandleNotification(context.Context, *jsonrpc.Message) {}

// Close implements transport.Session.
func (s *failedSession) Close() {}

// Snapshot implements transport.Session: there is no state to store.
func (s *failedSession) Snapshot() (*store.SessionState, error) {
	return nil, errors.New("bridge: session without a child")
}
