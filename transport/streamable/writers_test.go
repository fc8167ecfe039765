package streamable_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/httptestx"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// guardEnv is newEnv with the guard in front of the handler and a tiny keep-alive interval, so that a
// keep-alive goroutine that outlives its response is caught within milliseconds.
func guardEnv(t *testing.T, s *server.Server, opts *streamable.Options) (*env, *httptestx.Guard) {
	t.Helper()
	if opts == nil {
		opts = &streamable.Options{}
	}
	if opts.KeepAlive == 0 {
		opts.KeepAlive = time.Millisecond
	}
	h := streamable.NewHandler(s, opts)
	g := httptestx.NewGuard(h)
	ts := httptest.NewServer(g)
	e := &env{t: t, h: h, ts: ts, url: ts.URL}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		ts.CloseClientConnections()
		ts.Close()
	})
	return e, g
}

// checkGuard gives background goroutines many keep-alive intervals to misbehave, then checks the guard.
func checkGuard(t *testing.T, g *httptestx.Guard) {
	t.Helper()
	time.Sleep(30 * time.Millisecond)
	g.Check(t)
}

// countCall posts a legacy tools/call of the progress server's count tool.
func countCall(id, n int) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"count","arguments":{"n":%d},"_meta":{"progressToken":"t%d"}}}`, id, n, id)
}

// TestNoWriteAfterDisconnectMidStream (issue 11 item 0): a legacy request switched to SSE, its client
// disconnects, the handler keeps running: the reply's keep-alive must not write to the finished response.
func TestNoWriteAfterDisconnectMidStream(t *testing.T) {
	step := make(chan struct{})
	e, g := guardEnv(t, progressServer(step), nil)
	sid := e.initialize(mcp.Version20251125)
	ctx, cut := context.WithCancel(context.Background())
	go func() { step <- struct{}{} }()
	g.Reset()
	resp := e.do(ctx, "POST", countCall(5, 3), "Mcp-Session-Id: "+sid)
	rs := newSSE(resp.Body)
	for range 2 { // priming, progress 1
		if _, err := rs.next(); err != nil {
			t.Fatal(err)
		}
	}
	cut()
	resp.Body.Close()
	<-g.Returned()
	checkGuard(t, g) // the handler is still running, waiting for its next step
	step <- struct{}{}
	checkGuard(t, g)
	step <- struct{}{} // the last step: the result goes to the event log only
	checkGuard(t, g)
}

// TestNoWriteAfterDisconnectBeforeFirstEvent: the client leaves while the reply is still a plain JSON
// answer; the handler's later notification must not start an SSE response (or its keep-alive) on it.
func TestNoWriteAfterDisconnectBeforeFirstEvent(t *testing.T) {
	started, step := make(chan struct{}), make(chan struct{})
	s := server.New("t", "1", nil)
	server.Tool(s, "count", "", func(ctx context.Context, in countArgs) (string, error) {
		close(started)
		for i := 1; i <= in.N; i++ {
			<-step
			_ = server.Progress(ctx, float64(i), float64(in.N), "")
		}
		return "counted", nil
	})
	e, g := guardEnv(t, s, nil)
	sid := e.initialize(mcp.Version20251125)
	ctx, cut := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	g.Reset()
	go func() {
		resp, err := e.doErr(ctx, countCall(6, 2), "Mcp-Session-Id: "+sid)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	<-started // the handler runs; nothing sent yet
	cut()
	<-errc
	<-g.Returned()
	step <- struct{}{} // first notification after the response is gone
	checkGuard(t, g)
	step <- struct{}{}
	checkGuard(t, g)
}

// TestNoWriteAfterFinish: a request answered on an SSE stream ends normally; its keep-alive must be
// stopped before the handler returns (a tick racing the end used to write late). Many runs, because the
// race is a matter of scheduling.
func TestNoWriteAfterFinish(t *testing.T) {
	step := make(chan struct{})
	close(step) // every step at once
	e, g := guardEnv(t, progressServer(step), &streamable.Options{KeepAlive: 50 * time.Microsecond})
	sid := e.initialize(mcp.Version20251125)
	for i := range 40 {
		resp := e.post(countCall(100+i, 2), "Mcp-Session-Id: "+sid)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "counted") {
			t.Fatalf("run %d: %q", i, b)
		}
	}
	checkGuard(t, g)
}

// TestNoWriteAfterFinishModern: the same for 2026-07-28 requests answered on an SSE stream.
func TestNoWriteAfterFinishModern(t *testing.T) {
	step := make(chan struct{})
	close(step)
	e, g := guardEnv(t, progressServer(step), &streamable.Options{KeepAlive: 50 * time.Microsecond})
	for i := range 40 {
		body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"count","arguments":{"n":2},"_meta":{"progressToken":"p","io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`, i)
		resp := e.post(body, modernHeaders("tools/call", "count")...)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "counted") {
			t.Fatalf("run %d: %d %q", i, resp.StatusCode, b)
		}
	}
	checkGuard(t, g)
}

// TestNoWriteAfterCloseStream: SSE polling ends the response while the tool goes on sending.
func TestNoWriteAfterCloseStream(t *testing.T) {
	s := server.New("t", "1", nil)
	release := make(chan struct{})
	finished := make(chan struct{})
	server.Tool(s, "poll", "", func(ctx context.Context, _ struct{}) (string, error) {
		defer close(finished)
		_ = server.Progress(ctx, 1, 3, "before")
		server.CloseStream(ctx, 0)
		<-release
		_ = server.Progress(ctx, 2, 3, "after")
		time.Sleep(10 * time.Millisecond)
		_ = server.Progress(ctx, 3, 3, "later")
		return "done", nil
	})
	e, g := guardEnv(t, s, nil)
	sid := e.initialize(mcp.Version20251125)
	g.Reset()
	resp := e.post(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"poll","arguments":{},"_meta":{"progressToken":"p"}}}`, "Mcp-Session-Id: "+sid)
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	<-g.Returned()
	checkGuard(t, g)
	close(release)
	<-finished
	checkGuard(t, g)
}

// TestNoWriteAfterGetStreamLeaves: notifications for a session whose GET stream's client left.
func TestNoWriteAfterGetStreamLeaves(t *testing.T) {
	s := server.New("t", "1", nil)
	e, g := guardEnv(t, s, nil)
	sid := e.initialize(mcp.Version20251125)
	ctx, cut := context.WithCancel(context.Background())
	g.Reset()
	get := e.do(ctx, "GET", "", "Mcp-Session-Id: "+sid, "Accept: text/event-stream")
	if _, err := newSSE(get.Body).next(); err != nil {
		t.Fatal(err)
	}
	cut()
	get.Body.Close()
	<-g.Returned()
	for i := range 5 {
		server.Tool(s, fmt.Sprint("late", i), "", func(ctx context.Context, in struct{}) (string, error) { return "", nil })
	}
	checkGuard(t, g)
}

// TestNoWriteAfterResumeLeaves: a GET that resumed a live POST stream leaves; the stream goes on.
func TestNoWriteAfterResumeLeaves(t *testing.T) {
	step := make(chan struct{})
	e, g := guardEnv(t, progressServer(step), nil)
	sid := e.initialize(mcp.Version20251125)
	ctx, cut := context.WithCancel(context.Background())
	go func() { step <- struct{}{} }()
	g.Reset()
	resp := e.do(ctx, "POST", countCall(9, 4), "Mcp-Session-Id: "+sid)
	rs := newSSE(resp.Body)
	_, _ = rs.next()
	ev, err := rs.next()
	if err != nil {
		t.Fatal(err)
	}
	cut()
	resp.Body.Close()
	<-g.Returned()
	g.Reset()
	gctx, gcut := context.WithCancel(context.Background())
	get := e.do(gctx, "GET", "", "Mcp-Session-Id: "+sid, "Accept: text/event-stream", "Last-Event-ID: "+ev.id)
	go func() { step <- struct{}{} }()
	if _, err := newSSE(get.Body).next(); err != nil {
		t.Fatal(err)
	}
	gcut()
	get.Body.Close()
	<-g.Returned()
	step <- struct{}{}
	step <- struct{}{}
	checkGuard(t, g)
}

// TestNoWriteAfterListenLeaves: a subscriptions/listen stream whose client left, then changes.
func TestNoWriteAfterListenLeaves(t *testing.T) {
	s := server.New("t", "1", nil)
	e, g := guardEnv(t, s, nil)
	ctx, cut := context.WithCancel(context.Background())
	g.Reset()
	resp := e.do(ctx, "POST", `{"jsonrpc":"2.0","id":"l","method":"subscriptions/listen","params":{"notifications":{"toolsListChanged":true},`+modernMeta+`}}`,
		modernHeaders("subscriptions/listen")...)
	if _, err := newSSE(resp.Body).next(); err != nil {
		t.Fatal(err)
	}
	cut()
	resp.Body.Close()
	<-g.Returned()
	for i := range 5 {
		server.Tool(s, fmt.Sprint("late", i), "", func(ctx context.Context, in struct{}) (string, error) { return "", nil })
	}
	checkGuard(t, g)
}

// TestDeliveredStreamIsForgotten: a POST stream whose response reached the client leaves nothing in the
// event log (finished streams used to keep every event until the session ended).
func TestDeliveredStreamIsForgotten(t *testing.T) {
	step := make(chan struct{})
	close(step)
	events := store.NewMemoryEventStore(store.MemoryEventOptions{})
	e := newEnv(t, progressServer(step), &streamable.Options{Events: events})
	sid := e.initialize(mcp.Version20251125)
	var last string
	for i := range 5 {
		resp := e.post(countCall(10+i, 3), "Mcp-Session-Id: "+sid)
		rs := newSSE(resp.Body)
		for {
			ev, err := rs.next()
			if err != nil {
				break
			}
			last = ev.id
		}
		resp.Body.Close()
	}
	if _, err := events.Replay(context.Background(), sid, last, func(string, []byte) error { return nil }); err == nil {
		t.Error("the events of a delivered stream are still held")
	}
	if n := events.Bytes(); n != 0 {
		t.Errorf("the event log holds %d bytes after every stream was delivered", n)
	}
}

// TestGetStreamTakenOverByResume: a client reconnecting its GET stream with Last-Event-ID before the
// server noticed the old connection drop takes the stream over; the old connection's end must not end it.
func TestGetStreamTakenOverByResume(t *testing.T) {
	s := server.New("t", "1", nil)
	e := newEnv(t, s, nil)
	sid := e.initialize(mcp.Version20251125)
	old := e.do(context.Background(), "GET", "", "Mcp-Session-Id: "+sid, "Accept: text/event-stream")
	defer old.Body.Close()
	prime, err := newSSE(old.Body).next()
	if err != nil {
		t.Fatal(err)
	}
	resumed := e.do(context.Background(), "GET", "", "Mcp-Session-Id: "+sid, "Accept: text/event-stream", "Last-Event-ID: "+prime.id)
	defer resumed.Body.Close()
	if resumed.StatusCode != 200 {
		t.Fatalf("resume: %d", resumed.StatusCode)
	}
	server.Tool(s, "late", "", func(ctx context.Context, in struct{}) (string, error) { return "", nil })
	ev, err := newSSE(resumed.Body).next()
	if err != nil || !strings.Contains(ev.data, "tools/list_changed") {
		t.Fatalf("the resumed GET stream: %+v, %v (ended when the connection it replaced went away)", ev, err)
	}
}
