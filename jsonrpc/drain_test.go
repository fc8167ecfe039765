package jsonrpc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/transport/memory"
)

// scriptStream hands out a fixed list of messages and then io.EOF, as stdin does when a client pipes its
// requests and closes; everything written is kept. Its writes keep working after EOF (a half-closed pipe).
type scriptStream struct {
	in      chan []byte
	closed  chan struct{}
	once    sync.Once
	eof     chan struct{} // closed when Read first returns io.EOF
	eofOnce sync.Once

	mu  sync.Mutex
	out []string
}

func newScript(msgs []string) *scriptStream {
	s := &scriptStream{in: make(chan []byte, len(msgs)), closed: make(chan struct{}), eof: make(chan struct{})}
	for _, m := range msgs {
		s.in <- []byte(m)
	}
	close(s.in)
	return s
}

func (s *scriptStream) Read(ctx context.Context) ([]byte, error) {
	select {
	case m, ok := <-s.in:
		if !ok {
			s.eofOnce.Do(func() { close(s.eof) })
			return nil, io.EOF
		}
		return m, nil
	case <-s.closed:
		return nil, io.ErrClosedPipe
	}
}

func (s *scriptStream) Write(ctx context.Context, msg []byte) error {
	select {
	case <-s.closed:
		return io.ErrClosedPipe
	default:
	}
	s.mu.Lock()
	s.out = append(s.out, string(msg))
	s.mu.Unlock()
	return nil
}

func (s *scriptStream) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

func (s *scriptStream) written() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.out...)
}

// waitDone waits for c to close, failing the test (instead of hanging) after a generous bound.
func waitDone(t *testing.T, c *jsonrpc.Conn) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("connection did not close")
	}
	c.Wait()
}

// TestPeerEOFAnswersEveryRequest: EOF means "no more requests", not "drop the ones in flight". Every request
// read before EOF is answered (and notifications its handler sends go out) before the connection closes.
func TestPeerEOFAnswersEveryRequest(t *testing.T) {
	const n = 1000
	msgs := make([]string, n)
	for i := range msgs {
		msgs[i] = fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"work","params":{"i":%d}}`, i, i)
	}
	for run := range 100 {
		s := newScript(msgs)
		var conn *jsonrpc.Conn
		h := handlerFunc{req: func(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
			runtime.Gosched() // let the reader run ahead to EOF
			if err := conn.Notify(ctx, "progress", m.Params); err != nil {
				return nil, err
			}
			return m.Params, ctx.Err()
		}}
		conn = jsonrpc.NewConn(s, jsonrpc.ConnOptions{Handler: h, MaxQueued: 2 * n})
		conn.Start()
		waitDone(t, conn)
		if err := conn.Err(); !errors.Is(err, io.EOF) {
			t.Fatalf("run %d: Err() = %v, want io.EOF", run, err)
		}
		replies, notes := map[string]bool{}, 0
		for _, w := range s.written() {
			if strings.Contains(w, `"method":"progress"`) {
				notes++
				continue
			}
			m, err := jsonrpc.DecodeMessage([]byte(w))
			if err != nil || m.Error != nil {
				t.Fatalf("run %d: reply %s: %v", run, w, err)
			}
			replies[m.ID.Raw()] = true
		}
		if len(replies) != n || notes != n {
			t.Fatalf("run %d: %d distinct replies and %d notifications for %d requests", run, len(replies), notes, n)
		}
	}
}

// TestCloseDuringDrainCancels: a deliberate Close still cancels handlers at once, even while the connection
// is finishing the requests it had when the peer hung up.
func TestCloseDuringDrainCancels(t *testing.T) {
	started := make(chan struct{})
	h := handlerFunc{req: func(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	s := newScript([]string{`{"jsonrpc":"2.0","id":1,"method":"block"}`})
	conn := jsonrpc.NewConn(s, jsonrpc.ConnOptions{Handler: h})
	conn.Start()
	<-started
	<-s.eof // the connection is draining
	conn.Close()
	waitDone(t, conn)
	if got := s.written(); len(got) != 0 {
		t.Errorf("a cancelled handler's reply was written: %v", got)
	}
}

// TestDrainTimeout: a handler that does not finish within DrainTimeout after EOF is cancelled and the
// connection closes.
func TestDrainTimeout(t *testing.T) {
	cancelled := make(chan struct{})
	h := handlerFunc{req: func(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
		<-ctx.Done()
		close(cancelled)
		return nil, ctx.Err()
	}}
	s := newScript([]string{`{"jsonrpc":"2.0","id":1,"method":"stuck"}`})
	conn := jsonrpc.NewConn(s, jsonrpc.ConnOptions{Handler: h, DrainTimeout: 10 * time.Millisecond})
	conn.Start()
	waitDone(t, conn)
	<-cancelled
	if err := conn.Err(); !errors.Is(err, io.EOF) {
		t.Errorf("Err() = %v, want io.EOF", err)
	}
}

// TestCallsFailAfterPeerEOF: once the peer's stream ended no response can arrive, so a call pending at EOF,
// and one made by a handler while the connection drains, fail at once with an error that says so.
func TestCallsFailAfterPeerEOF(t *testing.T) {
	var conn *jsonrpc.Conn
	callErr := make(chan error, 1)
	h := handlerFunc{req: func(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
		err := conn.Call(ctx, "elicit", nil, nil)
		callErr <- err
		return nil, err
	}}
	gate := make(chan []byte)
	s := &gatedStream{scriptStream: newScript(nil), gate: gate}
	conn = jsonrpc.NewConn(s, jsonrpc.ConnOptions{Handler: h})
	conn.Start()
	pending := make(chan error, 1)
	go func() { pending <- conn.Call(context.Background(), "never-answered", nil, nil) }()
	for len(s.written()) == 0 {
		runtime.Gosched() // until the outbound request is on the wire
	}
	gate <- []byte(`{"jsonrpc":"2.0","id":"h","method":"ask"}`)
	close(gate) // EOF
	for _, c := range []chan error{pending, callErr} {
		select {
		case err := <-c:
			if !errors.Is(err, jsonrpc.ErrClosed) || !errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "peer") {
				t.Errorf("call after EOF: %v; want ErrClosed wrapping io.EOF, naming the peer", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("call not failed at EOF")
		}
	}
	waitDone(t, conn)
}

// gatedStream reads from gate (EOF when it is closed).
type gatedStream struct {
	*scriptStream
	gate chan []byte
}

func (g *gatedStream) Read(ctx context.Context) ([]byte, error) {
	select {
	case m, ok := <-g.gate:
		if !ok {
			return nil, io.EOF
		}
		return m, nil
	case <-g.closed:
		return nil, io.ErrClosedPipe
	}
}

// TestPeerGoneCancelsAtOnce: when the peer is gone both ways (an in-memory pipe closed by the other end:
// Read returns io.ErrClosedPipe) nobody can read a reply, so handlers are cancelled at once instead of
// drained.
func TestPeerGoneCancelsAtOnce(t *testing.T) {
	started := make(chan struct{})
	h := handlerFunc{req: func(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	a, b := memory.Pipe()
	conn := jsonrpc.NewConn(a, jsonrpc.ConnOptions{Handler: h, DrainTimeout: time.Hour})
	conn.Start()
	if err := b.Write(context.Background(), []byte(`{"jsonrpc":"2.0","id":1,"method":"block"}`)); err != nil {
		t.Fatal(err)
	}
	<-started
	b.Close()
	waitDone(t, conn)
	if err := conn.Err(); !errors.Is(err, io.EOF) {
		t.Errorf("Err() = %v, want io.EOF", err)
	}
}

// TestPeerEOFAnswersBatch: a batch read before EOF is answered as one array.
func TestPeerEOFAnswersBatch(t *testing.T) {
	h := handlerFunc{req: func(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
		runtime.Gosched()
		return m.Params, nil
	}}
	s := newScript([]string{`[{"jsonrpc":"2.0","id":1,"method":"a","params":[1]},{"jsonrpc":"2.0","id":2,"method":"a","params":[2]},{"jsonrpc":"2.0","id":3,"method":"a","params":[3]}]`})
	conn := jsonrpc.NewConn(s, jsonrpc.ConnOptions{Handler: h, AllowBatch: func() bool { return true }})
	conn.Start()
	waitDone(t, conn)
	got := s.written()
	if len(got) != 1 || strings.Count(got[0], `"result"`) != 3 {
		t.Fatalf("batch answered with %v", got)
	}
}
