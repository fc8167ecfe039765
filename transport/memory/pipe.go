package memory

import (
	"context"
	"io"
	"sync"

	"github.com/mcpkit/mcpkit/jsonrpc"
)

// Pipe returns two connected streams: what one writes, the other reads, in order. Closing either end closes
// the pipe both ways: the other end's Write fails, and its Read returns the messages already sent and then
// io.ErrClosedPipe (not io.EOF: the closed end will read no reply, so a jsonrpc.Conn does not wait to answer
// the requests it holds). Read on an end that was itself closed returns io.EOF.
func Pipe() (jsonrpc.Stream, jsonrpc.Stream) {
	ab := make(chan []byte, 64)
	ba := make(chan []byte, 64)
	a := &stream{in: ba, out: ab, closed: make(chan struct{})}
	b := &stream{in: ab, out: ba, closed: make(chan struct{})}
	a.peer, b.peer = b.closed, a.closed
	return a, b
}

type stream struct {
	in     <-chan []byte
	out    chan<- []byte
	closed chan struct{}   // this end closed
	peer   <-chan struct{} // the other end closed
	once   sync.Once
}

// TransportName implements transport.Named: "memory".
func (s *stream) TransportName() string { return "memory" }

func (s *stream) Read(ctx context.Context) ([]byte, error) {
	select {
	case m := <-s.in:
		return m, nil
	case <-s.closed:
		return nil, io.EOF
	case <-s.peer:
		select {
		case m := <-s.in:
			return m, nil
		default:
			return nil, io.ErrClosedPipe
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *stream) Write(ctx context.Context, msg []byte) error {
	cp := make([]byte, len(msg))
	copy(cp, msg)
	select {
	case <-s.closed:
		return io.ErrClosedPipe
	case <-s.peer:
		return io.ErrClosedPipe
	default:
	}
	select {
	case s.out <- cp:
		return nil
	case <-s.closed:
		return io.ErrClosedPipe
	case <-s.peer:
		return io.ErrClosedPipe
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *stream) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}
