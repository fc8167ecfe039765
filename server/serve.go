package server

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/go-json-experiment/json/jsontext"

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
	peer := &connPeer{}
	sess := s.openSession("", peer)
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
type connPeer struct{ conn *jsonrpc.Conn }

func (p *connPeer) Notify(ctx context.Context, method string, params any) error {
	return p.conn.Notify(ctx, method, params)
}

func (p *connPeer) Call(ctx context.Context, method string, params any) (jsontext.Value, error) {
	var raw jsontext.Value
	err := p.conn.Call(ctx, method, params, &raw)
	return raw, err
}
