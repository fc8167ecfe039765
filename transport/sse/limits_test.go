package sse_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/httptestx"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport"
	"github.com/mcpkit/mcpkit/transport/sse"
)

// TestRequestsPerSessionCapped: a session may have MaxRequestsPerSession requests in flight; past it a
// request's POST is answered 429 with Retry-After and a JSON-RPC overload error for its id, and no goroutine
// is started for it. Before the cap every POST started a goroutine (2,000 POSTs: 1,969 goroutines).
func TestRequestsPerSessionCapped(t *testing.T) {
	const limit, posts = 8, 200
	b := newBlockingServer(0)
	h := sse.NewHandler(b, &sse.Options{MaxRequestsPerSession: limit})
	ts, _, _ := serve(t, h)
	endpoint, _, closeStream := openSession(t, ts)
	defer closeStream()
	before := runtime.NumGoroutine()
	accepted, refused := 0, 0
	for i := range posts {
		body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"hold","arguments":{"mode":"result"}}}`, i)
		resp, err := ts.Client().Post(ts.URL+endpoint, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusAccepted:
			accepted++
		case http.StatusTooManyRequests:
			refused++
			m, err := jsonrpc.DecodeMessage(raw)
			if err != nil || m.Error == nil || m.Error.Code != jsonrpc.CodeOverloaded || m.ID != jsonrpc.Int64ID(int64(i)) ||
				resp.Header.Get("Retry-After") == "" {
				t.Fatalf("refused POST: %s, Retry-After %q", raw, resp.Header.Get("Retry-After"))
			}
		default:
			t.Fatalf("POST %d: HTTP %d %s", i, resp.StatusCode, raw)
		}
	}
	grown := runtime.NumGoroutine() - before
	t.Logf("%d POSTs on one session: %d accepted, %d refused, goroutines +%d", posts, accepted, refused, grown)
	if accepted != limit || refused != posts-limit {
		t.Fatalf("accepted %d, refused %d; want %d and %d", accepted, refused, limit, posts-limit)
	}
	if grown > 4*limit {
		t.Errorf("goroutines grew by %d for %d requests in flight", grown, limit)
	}
	close(b.release) // the admitted requests finish; their slots free up
	httptestx.WaitFor(t, "the admitted requests to finish", func() bool {
		return post(t, ts, endpoint, `{"jsonrpc":"2.0","id":"again","method":"ping"}`) == http.StatusAccepted
	})
}

// TestSlowReaderDisconnected: a client that never reads its stream while its requests keep producing output
// is disconnected once MaxQueueBytes wait for it (or MaxTotalQueueBytes for all sessions): its session ends,
// later POSTs get 404 and the queued bytes are released. Before, every response waited on its own
// goroutine, holding its bytes, for as long as the stream stayed open.
func TestSlowReaderDisconnected(t *testing.T) {
	const size = 64 << 10
	for _, tt := range []struct {
		name string
		opts sse.Options
	}{
		{"session budget", sse.Options{MaxQueueBytes: 4 * size}},
		{"server budget", sse.Options{MaxQueueBytes: 1 << 30, MaxTotalQueueBytes: 4 * size}},
	} {
		t.Run(tt.name, func(t *testing.T) { testSlowReader(t, size, tt.opts) })
	}
}

func testSlowReader(t *testing.T, size int, opts sse.Options) {
	b := newBlockingServer(size)
	opts.KeepAlive, opts.Logger = -1, slog.New(slog.DiscardHandler)
	h := sse.NewHandler(b, &opts)
	ts, gs, _ := serve(t, h)
	endpoint, _, closeStream := openSession(t, ts) // its events are never read from here on
	defer closeStream()
	big := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"big","arguments":{}}}`
	calls := 0
	for ; calls < 1000; calls++ {
		if post(t, ts, endpoint, big) == http.StatusNotFound {
			break
		}
	}
	if calls == 1000 {
		t.Fatalf("1,000 answers of %d bytes went to a stream nobody reads and the session is still open", size)
	}
	t.Logf("disconnected after %d answers of %d bytes (kernel buffers hold the rest)", calls, size)
	httptestx.WaitFor(t, "the stream's handler to return", func() bool { return gs.Finished() == 1 })
	if h.Sessions() != 0 {
		t.Fatalf("sessions = %d", h.Sessions())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = h.Close(ctx) // the requests still running end too
	if n := h.QueuedBytes(); n != 0 {
		t.Fatalf("%d bytes still queued after the session ended", n)
	}
}

// TestWriteTimeout: one event the client does not take within WriteTimeout ends its stream.
func TestWriteTimeout(t *testing.T) {
	const size = 16 << 20 // more than the loopback socket buffers hold
	b := newBlockingServer(size)
	h := sse.NewHandler(b, &sse.Options{MaxQueueBytes: 2 * size, WriteTimeout: 50e6, KeepAlive: -1, Logger: slog.New(slog.DiscardHandler)})
	ts, gs, _ := serve(t, h)
	endpoint, _, closeStream := openSession(t, ts)
	defer closeStream()
	if c := post(t, ts, endpoint, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"big","arguments":{}}}`); c != 202 {
		t.Fatalf("POST: %d", c)
	}
	httptestx.WaitFor(t, "the stream to be cut", func() bool { return gs.Finished() == 1 })
}

// TestMessagesContentType: the message endpoint parses Content-Type (parameters allowed) instead of
// ignoring it, and quotes a bad one bounded.
func TestMessagesContentType(t *testing.T) {
	_, ts := newServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	endpoint, _, closeStream := stream(t, ts, ctx)
	defer closeStream()
	for _, tt := range []struct {
		ct   string
		want int
	}{
		{"application/json", 202},
		{"application/json; charset=utf-8", 202},
		{"Application/JSON", 202},
		{"application/jsonx", 415},
		{"text/plain", 415},
		{"", 415},
		{"application/json; =", 415},
		{strings.Repeat("a", 100<<10), 415},
	} {
		req, _ := http.NewRequest("POST", ts.URL+endpoint, strings.NewReader(`{"jsonrpc":"2.0","method":"notifications/initialized"}`))
		if tt.ct != "" {
			req.Header.Set("Content-Type", tt.ct)
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("Content-Type %.40q: HTTP %d, want %d", tt.ct, resp.StatusCode, tt.want)
		}
		if len(raw) > 512 {
			t.Errorf("Content-Type of %d bytes: an error of %d bytes", len(tt.ct), len(raw))
		}
	}
}

// gateServer is a transport.Server whose NewSession waits at a gate: it holds GETs between the session
// limit's check and the session's registration, where a check-then-insert race lets too many through.
type gateServer struct {
	arrived atomic.Int64
	gate    chan struct{}
}

func (g *gateServer) NewSession(id string, out transport.Peer) transport.Session {
	g.arrived.Add(1)
	<-g.gate
	return nopSession{}
}

func (g *gateServer) RestoreSession(*store.SessionState, transport.Peer) (transport.Session, error) {
	return nil, io.EOF
}
func (g *gateServer) Stateless() transport.Session { return nopSession{} }
func (g *gateServer) Changes(func(string, jsontext.Value)) func() {
	return func() {}
}

type nopSession struct{}

func (nopSession) ID() string { return "" }
func (nopSession) HandleRequest(context.Context, *jsonrpc.Message, transport.Peer) (jsontext.Value, error) {
	return jsontext.Value(`{}`), nil
}
func (nopSession) HandleNotification(context.Context, *jsonrpc.Message) {}
func (nopSession) Close()                                               {}
func (nopSession) Snapshot() (*store.SessionState, error)               { return nil, io.EOF }

// TestSessionLimitAtomic: concurrent GETs cannot open more streams than MaxSessions (the check and the
// count are one step), and one client address cannot open more than MaxSessionsPerClient.
func TestSessionLimitAtomic(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts sse.Options
		code int
	}{
		{"total", sse.Options{MaxSessions: 2, MaxSessionsPerClient: -1}, http.StatusServiceUnavailable},
		{"per client", sse.Options{MaxSessionsPerClient: 2}, http.StatusTooManyRequests},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const gets = 6
			g := &gateServer{gate: make(chan struct{})}
			opts := tt.opts
			opts.KeepAlive = -1
			h := sse.NewHandler(g, &opts)
			ts, _, _ := serve(t, h)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var refused atomic.Int64
			var mu sync.Mutex
			var statuses []int
			var bodies []io.Closer
			var wg sync.WaitGroup
			for range gets {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/sse", nil)
					resp, err := ts.Client().Do(req)
					if err != nil {
						t.Error(err)
						refused.Add(1)
						return
					}
					mu.Lock()
					statuses = append(statuses, resp.StatusCode)
					bodies = append(bodies, resp.Body)
					mu.Unlock()
					if resp.StatusCode != http.StatusOK {
						if resp.Header.Get("Retry-After") == "" {
							t.Errorf("HTTP %d without Retry-After", resp.StatusCode)
						}
						refused.Add(1)
					}
				}()
			}
			httptestx.WaitFor(t, "every GET to be admitted or refused", func() bool { return g.arrived.Load()+refused.Load() == gets })
			close(g.gate)
			wg.Wait()
			ok, limited := 0, 0
			for _, s := range statuses {
				switch s {
				case http.StatusOK:
					ok++
				case tt.code:
					limited++
				}
			}
			for _, b := range bodies {
				b.Close()
			}
			if ok != 2 || limited != gets-2 {
				t.Fatalf("statuses %v: %d streams opened with a limit of 2", statuses, ok)
			}
		})
	}
}

// TestStuckReaderDoesNotBlockOthers: a client whose stream is stuck (its writer blocked on a full socket,
// still within its budgets) does not block a broadcast (AddTool's tools/list_changed) nor the other
// sessions. Before, the notification waited for the stuck writer, so AddTool hung with it.
func TestStuckReaderDoesNotBlockOthers(t *testing.T) {
	const size = 16 << 20 // more than the loopback socket buffers hold
	b := newBlockingServer(size)
	h := sse.NewHandler(b, &sse.Options{MaxQueueBytes: 4 * size, WriteTimeout: time.Hour, KeepAlive: -1})
	ts, _, _ := serve(t, h)
	stuck, _, closeStuck := openSession(t, ts)
	defer closeStuck()
	if c := post(t, ts, stuck, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"big","arguments":{}}}`); c != 202 {
		t.Fatalf("POST: %d", c)
	}
	other, next, closeOther := openSession(t, ts)
	defer closeOther()
	httptestx.WaitFor(t, "a stream writer blocked on the full socket", sseWriterBlocked)
	added := make(chan struct{})
	go func() {
		server.Tool(b.Server, "late", "added while a client is stuck", func(ctx context.Context, _ struct{}) (string, error) { return "", nil })
		close(added)
	}()
	select {
	case <-added:
	case <-time.After(10 * time.Second): // a hang guard
		t.Fatal("AddTool hangs behind a client that does not read")
	}
	if got := next(); !strings.Contains(got, "notifications/tools/list_changed") {
		t.Fatalf("the other session got %s", got)
	}
	post(t, ts, other, `{"jsonrpc":"2.0","id":2,"method":"ping"}`)
	if got := next(); !strings.Contains(got, `"id":2`) {
		t.Fatalf("the other session's ping: %s", got)
	}
}

// sseWriterBlocked reports whether a goroutine waits in a network write under httpx.SSEWriter (the stuck
// stream's writer), from the goroutine dump.
func sseWriterBlocked() bool {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "[IO wait") && strings.Contains(g, "(*SSEWriter).write") {
			return true
		}
	}
	return false
}

// TestErrorsQuoteBounded: an error answer that quotes caller input (here the Origin header) stays small.
func TestErrorsQuoteBounded(t *testing.T) {
	_, ts := newServer(t)
	req, _ := http.NewRequest("GET", ts.URL+"/sse", nil)
	req.Header.Set("Origin", "http://"+strings.Repeat("é", 50<<10)+".example")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(raw) > 1024 {
		t.Fatalf("HTTP %d with %d bytes: %.200s", resp.StatusCode, len(raw), raw)
	}
	if m, err := jsonrpc.DecodeMessage(raw); err != nil || m.Error == nil || !strings.Contains(m.Error.Message, "Origin") {
		t.Fatalf("not a JSON-RPC error naming the Origin: %.200s", raw)
	}
}

// TestNextRequestRightAfterAnswer: with MaxRequestsPerSession 1, a client that sends its next request as
// soon as it read an answer is never refused: a request stops counting once handled, before its answer is
// queued (it used to count until after, so the next request could find the slot still taken).
func TestNextRequestRightAfterAnswer(t *testing.T) {
	a := newNode(t, nil, &sse.Options{MaxRequestsPerSession: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	endpoint, next, closeStream := stream(t, a.ts, ctx)
	defer closeStream()
	for i := range 500 {
		if c, _, body := postStatus(t, a, endpoint, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"ping"}`, i)); c != http.StatusAccepted {
			t.Fatalf("request %d, sent after the previous answer arrived: %d %s", i, c, body)
		}
		if got := next(); !strings.Contains(got, fmt.Sprintf(`"id":%d,"result"`, i)) {
			t.Fatalf("request %d answered %s", i, got)
		}
	}
}
