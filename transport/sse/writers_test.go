package sse_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/sse"
)

// guard wraps a handler and counts every use of a ResponseWriter after the handler returned (the use that
// crashed the Streamable HTTP server with a nil dereference in bufio.(*Writer).Flush). The late use itself
// is not forwarded.
type guard struct {
	next     http.Handler
	late     atomic.Int64
	finished atomic.Int64
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	gw := &guardWriter{ResponseWriter: w, g: g}
	g.next.ServeHTTP(gw, r)
	gw.mu.Lock()
	gw.done = true
	gw.mu.Unlock()
	g.finished.Add(1)
}

type guardWriter struct {
	http.ResponseWriter
	g    *guard
	mu   sync.Mutex
	done bool
}

func (w *guardWriter) after() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		w.g.late.Add(1)
	}
	return w.done
}

func (w *guardWriter) Header() http.Header { return w.ResponseWriter.Header() }

func (w *guardWriter) Write(p []byte) (int, error) {
	if w.after() {
		return 0, http.ErrHandlerTimeout
	}
	return w.ResponseWriter.Write(p)
}

func (w *guardWriter) WriteHeader(code int) {
	if !w.after() {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *guardWriter) FlushError() error {
	if w.after() {
		return http.ErrHandlerTimeout
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *guardWriter) SetWriteDeadline(t time.Time) error {
	if w.after() {
		return http.ErrHandlerTimeout
	}
	return http.NewResponseController(w.ResponseWriter).SetWriteDeadline(t)
}

// blockingServer has a tool "hold" that signals started, waits for release, then does what its mode says:
// "result" answers, "notify" sends progress first, "ask" elicits first, "big" answers size bytes.
type blockingServer struct {
	*server.Server
	started chan struct{}
	release chan struct{}
	size    int
}

type holdArgs struct {
	Mode string `json:"mode"`
}

type askForm struct {
	OK bool `json:"ok"`
}

func newBlockingServer(size int) *blockingServer {
	b := &blockingServer{Server: server.New("hold", "1", nil), started: make(chan struct{}, 4096), release: make(chan struct{}), size: size}
	server.Tool(b.Server, "hold", "waits for the test", func(ctx context.Context, in holdArgs) (string, error) {
		b.started <- struct{}{}
		<-b.release // even after the stream ended: a handler may ignore its context for a while
		switch in.Mode {
		case "notify":
			_ = server.Progress(ctx, 1, 2, "half way")
		case "ask":
			_, _ = server.Elicit[askForm](ctx, "go on?")
		}
		return "done", nil
	})
	server.Tool(b.Server, "big", "answers size bytes at once", func(ctx context.Context, _ struct{}) (string, error) {
		return strings.Repeat("x", b.size), nil
	})
	return b
}

// serve mounts h behind guards and returns the server and the guard of the stream endpoint.
func serve(t *testing.T, h *sse.Handler) (*httptest.Server, *guard, *guard) {
	t.Helper()
	gs, gm := &guard{next: h.SSE()}, &guard{next: h.Messages()}
	mux := http.NewServeMux()
	mux.Handle("/sse", gs)
	mux.Handle("/messages", gm)
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		ts.CloseClientConnections()
		ts.Close()
	})
	return ts, gs, gm
}

const initialize = `{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{"elicitation":{}},"clientInfo":{"name":"t","version":"1"}}}`

// openSession opens /sse, initializes, and returns the endpoint, the event reader and the stream's closer.
func openSession(t *testing.T, ts *httptest.Server) (string, func() string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	endpoint, next, closeBody := stream(t, ts, ctx)
	if c := post(t, ts, endpoint, initialize); c != 202 {
		t.Fatalf("initialize POST: %d", c)
	}
	next()
	post(t, ts, endpoint, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	return endpoint, next, func() { closeBody(); cancel() }
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second) // a hang guard, not a speed goal
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestNoWriteAfterStreamEnds: for every goroutine that produces output for a stream (a request's response,
// its notifications, its server-to-client requests, keep-alives), a client that disconnects while a handler
// still runs never makes a later write touch the finished ResponseWriter. All of them queue for the GET's own
// goroutine, the only writer; before that design each wrote itself, guarded by SSEWriter.Detach.
func TestNoWriteAfterStreamEnds(t *testing.T) {
	for _, mode := range []string{"result", "notify", "ask"} {
		t.Run(mode, func(t *testing.T) {
			b := newBlockingServer(0)
			h := sse.NewHandler(b, &sse.Options{KeepAlive: time.Millisecond})
			ts, gs, gm := serve(t, h)
			endpoint, _, closeStream := openSession(t, ts)
			call := fmt.Sprintf(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"hold","arguments":{"mode":%q},"_meta":{"progressToken":"p"}}}`, mode)
			if c := post(t, ts, endpoint, call); c != 202 {
				t.Fatalf("tools/call POST: %d", c)
			}
			<-b.started
			closeStream()
			waitFor(t, "the stream's handler to return", func() bool { return gs.finished.Load() == 1 })
			close(b.release)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := h.Close(ctx); err != nil { // waits for the tool and for what it sends
				t.Fatal(err)
			}
			if n := gs.late.Load() + gm.late.Load(); n != 0 {
				t.Fatalf("%d writes to a finished ResponseWriter", n)
			}
		})
	}
	t.Run("keep-alive", func(t *testing.T) {
		h := sse.NewHandler(newBlockingServer(0), &sse.Options{KeepAlive: time.Microsecond})
		ts, gs, _ := serve(t, h)
		for i := range 50 {
			ctx, cancel := context.WithCancel(context.Background())
			_, _, closeBody := stream(t, ts, ctx)
			closeBody()
			cancel()
			waitFor(t, "the stream's handler to return", func() bool { return gs.finished.Load() == int64(i+1) })
		}
		if n := gs.late.Load(); n != 0 {
			t.Fatalf("%d writes to a finished ResponseWriter", n)
		}
	})
}
