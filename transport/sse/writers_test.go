package sse_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/httptestx"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/sse"
)

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
func serve(t *testing.T, h *sse.Handler) (*httptest.Server, *httptestx.Guard, *httptestx.Guard) {
	t.Helper()
	gs, gm := httptestx.NewGuard(h.SSE()), httptestx.NewGuard(h.Messages())
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
			httptestx.WaitFor(t, "the stream's handler to return", func() bool { return gs.Finished() == 1 })
			close(b.release)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := h.Close(ctx); err != nil { // waits for the tool and for what it sends
				t.Fatal(err)
			}
			if n := gs.Late() + gm.Late(); n != 0 {
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
			httptestx.WaitFor(t, "the stream's handler to return", func() bool { return gs.Finished() == int64(i+1) })
		}
		if n := gs.Late(); n != 0 {
			t.Fatalf("%d writes to a finished ResponseWriter", n)
		}
	})
}
