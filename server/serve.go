package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/serial"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport"
	"github.com/mcpkit/mcpkit/transport/stdio"
)

// Serve runs the server on one connection until the peer hangs up or ctx ends. The connection serves
// either era: an initialize handshake makes it a legacy session; requests carrying the 2026-07-28 _meta
// are served statelessly.
//
// When the peer's stream ends, Serve stops reading, answers the requests it has already read (bounded by
// Options.DrainTimeout), closes the stream and returns nil. When ctx ends, it cancels the requests in flight,
// closes the stream at once and returns ctx.Err().
func (s *Server) Serve(ctx context.Context, stream jsonrpc.Stream) error {
	if err := s.Err(); err != nil {
		stream.Close()
		return err
	}
	peer := &connPeer{name: "stream"}
	if n, ok := stream.(transport.Named); ok {
		peer.name = n.TransportName()
	}
	// Unsolicited notifications (list_changed, resources/updated) go through a queue of their own, so that
	// a client that stops reading never blocks the broadcast (AddTool, ResourceUpdated) or other sessions.
	unsolicited := &queuedPeer{connPeer: peer, q: serial.New(maxUnsolicited), log: s.log}
	defer unsolicited.q.Close()
	sess := s.openSession("", unsolicited)
	defer sess.Close()
	conn := jsonrpc.NewConn(stream, jsonrpc.ConnOptions{
		Handler:      connHandler{sess: sess, peer: peer},
		CancelMethod: mcp.MethodNotificationCancelled,
		MaxInFlight:  s.opts.MaxInFlight,
		MaxQueued:    s.opts.MaxQueued,
		DrainTimeout: s.opts.DrainTimeout,
		AllowBatch: func() bool {
			v, _, _ := sess.identity()
			return mcp.AllowsBatches(v)
		},
		// A client may pipeline its first requests behind initialize: they are served once it is answered.
		Barrier: func(m *jsonrpc.Message) bool { return m.Method == mcp.MethodInitialize },
		Logger:  s.log,
		// Counted for Server.Stats (metrics): a request refused because the connection's queue is full.
		OnOverload: func() { s.overloaded.Add(1) },
	})
	peer.conn = conn
	conn.Start()
	select {
	case <-conn.Done():
	case <-ctx.Done():
		conn.Close()
	}
	conn.Wait()
	if err := conn.Err(); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, jsonrpc.ErrClosed) {
		return err
	}
	return ctx.Err()
}

// ServeStdio serves the process's stdin and stdout until stdin closes (then it answers the requests already
// read, closes stdout and returns nil) or ctx ends (then it cancels them and returns nil at once, even while
// stdin stays open — on Linux, where a blocked read of stdin can be interrupted; elsewhere it returns when
// stdin next delivers data or closes: tie ctx to SIGTERM and SIGINT with signal.NotifyContext). Write logs
// to stderr: stdout carries only protocol messages.
func (s *Server) ServeStdio(ctx context.Context) error {
	s.warnUnenforced("stdio (unless middleware puts an *auth.Principal in each request's context)")
	err := s.Serve(ctx, stdio.NewStream(os.Stdin, os.Stdout, stdio.Options{Logger: s.log}))
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// connHandler adapts a session to a jsonrpc.Conn: everything related to a request goes down the one stream.
type connHandler struct {
	sess *session
	peer transport.Peer
}

func (h connHandler) HandleRequest(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
	return h.sess.HandleRequest(ctx, m, h.peer)
}

func (h connHandler) HandleNotification(ctx context.Context, m *jsonrpc.Message) {
	h.sess.HandleNotification(ctx, m)
}

// connPeer is the Peer of a stream connection: the server's messages go down the connection itself.
type connPeer struct {
	conn *jsonrpc.Conn
	name string // the stream's transport.Named name ("stdio", "memory"), or "stream"
}

// TransportName implements transport.Named.
func (p *connPeer) TransportName() string { return p.name }

func (p *connPeer) Notify(ctx context.Context, method string, params any) error {
	return p.conn.Notify(ctx, method, params)
}

func (p *connPeer) Call(ctx context.Context, method string, params any) (jsontext.Value, error) {
	var raw jsontext.Value
	err := p.conn.Call(ctx, method, params, &raw)
	return raw, err
}

// CallID is Call with raw params that also returns the request's id (for OutboundRequest.ID).
func (p *connPeer) CallID(ctx context.Context, method string, params jsontext.Value) (jsonrpc.ID, jsontext.Value, error) {
	return p.conn.CallRawID(ctx, method, params)
}

// maxUnsolicited bounds the unsolicited notifications waiting for a stream connection's writer.
const maxUnsolicited = 256

// unsolicitedWait is how long a broadcast waits for a stream connection to take its notification: while
// the client reads, a notification goes out before the broadcast returns (before the response of the
// request that caused it); a client that does not read costs the broadcast this once, until it reads again.
const unsolicitedWait = 500 * time.Millisecond

// queuedPeer sends a stream session's unsolicited notifications from a queue (in order, bounded: past
// maxUnsolicited waiting, one is dropped and logged); its server→client requests go straight through.
type queuedPeer struct {
	*connPeer
	q     *serial.Queue
	log   *slog.Logger
	stuck atomic.Bool // a notification waited longer than unsolicitedWait and has not been written yet
}

func (p *queuedPeer) Notify(ctx context.Context, method string, params any) error {
	written := make(chan struct{})
	ok, dropped := p.q.Push(func(qctx context.Context) {
		if err := p.connPeer.Notify(qctx, method, params); err != nil {
			p.log.Debug("mcp: notifying a stream connection", "method", method, "err", err)
		}
		p.stuck.Store(false)
		close(written)
	})
	if !ok {
		if dropped > 0 && dropped&(dropped-1) == 0 { // the 1st, 2nd, 4th, … drop (not a closed queue)
			p.log.Warn("mcp: a stream connection does not read its notifications; dropping one", "method", method, "dropped", dropped)
		}
		return nil
	}
	if p.stuck.Load() {
		return nil
	}
	t := time.NewTimer(unsolicitedWait)
	defer t.Stop()
	select {
	case <-written:
	case <-t.C:
		p.stuck.Store(true)
	case <-ctx.Done():
	}
	return nil
}
