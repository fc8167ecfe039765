package streamable_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/internal/httptestx"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

type progressArgs struct {
	N int `json:"n" jsonschema:"how many progress notifications to send"`
}

// cutWriter passes writes through until the after-th SSE message event, then cuts the response: the
// event is flushed, later writes fail, and cut ends the request's context so the handler returns.
type cutWriter struct {
	http.ResponseWriter
	mu    sync.Mutex
	n     int
	after int
	dead  bool
	cut   func()
}

func (w *cutWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dead {
		return 0, errors.New("connection cut by the test")
	}
	n, err := w.ResponseWriter.Write(p)
	if bytes.Contains(p, []byte("event: message")) {
		if w.n++; w.n == w.after {
			_ = http.NewResponseController(w.ResponseWriter).Flush()
			w.dead = true
			w.cut()
		}
	}
	return n, err
}

func (w *cutWriter) FlushError() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dead {
		return errors.New("connection cut by the test")
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// TestClientResumes: the first SSE answer of a tool that sends 10 progress notifications is cut after 3
// of them; the client resumes with GET and Last-Event-ID and delivers the other 7 and the result, none
// twice.
func TestClientResumes(t *testing.T) {
	s := demo.New()
	server.Tool(s, "count", "Sends n progress notifications", func(ctx context.Context, in progressArgs) (string, error) {
		for i := 1; i <= in.N; i++ {
			if err := server.Progress(ctx, float64(i), float64(in.N), ""); err != nil {
				return "", err
			}
		}
		return "counted", nil
	})
	ts, rec, h := serveClientHandler(t, s, &streamable.Options{RetryMs: 100})
	var once sync.Once
	rec.intercept = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		if !bytes.Contains(body, []byte(`"name":"count"`)) {
			return false
		}
		cut := false
		once.Do(func() { cut = true })
		if !cut {
			return false
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		h.ServeHTTP(&cutWriter{ResponseWriter: w, after: 3, cut: cancel}, r.WithContext(ctx))
		return true
	}
	ctx := testCtx(t)
	c := newClient(t, ts, "/", &streamable.ClientOptions{RetryDelay: 50 * time.Millisecond})
	sess, err := client.Connect(ctx, c, &client.Options{ProtocolVersion: mcp.Version20251125})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var mu sync.Mutex
	var got []float64
	pctx := client.WithProgress(ctx, func(p *mcp.ProgressParams) {
		mu.Lock()
		got = append(got, p.Progress)
		mu.Unlock()
	})
	res, err := sess.CallTool(pctx, "count", progressArgs{N: 10})
	if err != nil || textOf(res) != "counted" {
		t.Fatalf("count: %+v %v", res, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(got) != "[1 2 3 4 5 6 7 8 9 10]" {
		t.Errorf("progress %v, want 1…10 once each", got)
	}
	if n := rec.count(func(r recorded) bool { return r.method == http.MethodGet && r.lastEventID != "" }); n < 1 {
		t.Errorf("no GET with Last-Event-ID")
	}
}

// TestClientHeals404: after the server forgot the session, the next calls (three at once) start one new
// session by replaying initialize and notifications/initialized, and succeed.
func TestClientHeals404(t *testing.T) {
	ts, rec := serveClientTest(t, demo.New(), nil)
	ctx := testCtx(t)
	c := newClient(t, ts, "/", &streamable.ClientOptions{DisableStandaloneStream: true})
	sess, err := client.Connect(ctx, c, &client.Options{ProtocolVersion: mcp.Version20251125, LogLevel: mcp.LevelWarning})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	old := c.SessionID()
	req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, ts.URL, nil)
	req.Header.Set("Mcp-Session-Id", old)
	resp, err := ts.Client().Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE: %v %v", resp, err)
	}
	resp.Body.Close()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = sess.CallTool(ctx, "add", map[string]int{"a": i, "b": 1})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d after the session was lost: %v", i, err)
		}
	}
	if c.SessionID() == "" || c.SessionID() == old {
		t.Errorf("session %q after healing (old %q)", c.SessionID(), old)
	}
	if n := rec.count(posts(mcp.MethodInitialize)); n != 2 {
		t.Errorf("%d initialize requests, want 2", n)
	}
	if n := rec.count(posts(mcp.MethodNotificationInitialized)); n != 2 {
		t.Errorf("%d notifications/initialized, want 2", n)
	}
	if n := rec.count(func(r recorded) bool { return r.rpcMethod == mcp.MethodToolsCall && r.session == c.SessionID() }); n != 3 {
		t.Errorf("%d calls replayed on the new session, want 3", n)
	}
	// The level the client chose is asked for again on the new session.
	if n := rec.count(func(r recorded) bool { return r.rpcMethod == mcp.MethodLoggingSetLevel && r.session == c.SessionID() }); n != 1 {
		t.Errorf("%d logging/setLevel on the new session, want 1", n)
	}
}

// TestClientTransientFailures: a 503 or a timeout fails only that request; the session goes on.
func TestClientTransientFailures(t *testing.T) {
	s := demo.New()
	server.Tool(s, "slow", "Waits for its context", func(ctx context.Context, in progressArgs) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	ts, rec := serveClientTest(t, s, nil)
	var fail sync.Once
	rec.intercept = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		hit := false
		if bytes.Contains(body, []byte(`"name":"add"`)) {
			fail.Do(func() { hit = true })
		}
		if hit {
			http.Error(w, "upstream unavailable", http.StatusServiceUnavailable)
		}
		return hit
	}
	ctx := testCtx(t)
	c := newClient(t, ts, "/", nil)
	sess, err := client.Connect(ctx, c, &client.Options{ProtocolVersion: mcp.Version20251125})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	sid := c.SessionID()
	_, err = sess.CallTool(ctx, "add", map[string]int{"a": 1, "b": 2})
	var rpcErr *jsonrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != jsonrpc.CodeInternalError || string(rpcErr.Data) != `{"httpStatus":503}` {
		t.Fatalf("call answered 503: %v", err)
	}
	tctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err = sess.CallTool(tctx, "slow", progressArgs{})
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow call: %v", err)
	}
	res, err := sess.CallTool(ctx, "add", map[string]int{"a": 1, "b": 2})
	if err != nil || textOf(res) != "3" {
		t.Fatalf("the call after the failures: %+v %v", res, err)
	}
	if c.SessionID() != sid || rec.count(posts(mcp.MethodInitialize)) != 1 {
		t.Errorf("the session changed: %q → %q", sid, c.SessionID())
	}
	// The legacy client told the server it gave up on the slow call.
	httptestx.WaitFor(t, "the condition", func() bool { return rec.count(posts(mcp.MethodNotificationCancelled)) == 1 })
}

// TestClientCancel: cancelling a call's context cancels the server handler's context: in the modern era
// by closing the response stream (no notifications/cancelled is sent), in the legacy era with
// notifications/cancelled.
func TestClientCancel(t *testing.T) {
	for _, pin := range []string{mcp.Version20260728, mcp.Version20251125} {
		t.Run(pin, func(t *testing.T) {
			s := demo.New()
			started, stopped := make(chan struct{}, 1), make(chan struct{}, 1)
			server.Tool(s, "block", "Blocks until cancelled", func(ctx context.Context, in progressArgs) (string, error) {
				started <- struct{}{}
				<-ctx.Done()
				stopped <- struct{}{}
				return "", ctx.Err()
			})
			ts, rec := serveClientTest(t, s, nil)
			ctx := testCtx(t)
			sess, err := client.Connect(ctx, newClient(t, ts, "/", nil), &client.Options{ProtocolVersion: pin})
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			cctx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() {
				_, err := sess.CallTool(cctx, "block", progressArgs{})
				done <- err
			}()
			select {
			case <-started:
			case <-ctx.Done():
				t.Fatal("the tool never started")
			}
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled call: %v", err)
			}
			select {
			case <-stopped:
			case <-ctx.Done():
				t.Fatal("the server handler's context was not cancelled")
			}
			want := map[string]int{mcp.Version20260728: 0, mcp.Version20251125: 1}[pin]
			httptestx.WaitFor(t, "the condition", func() bool { return rec.count(posts(mcp.MethodNotificationCancelled)) == want })
			if res, err := sess.CallTool(ctx, "add", map[string]int{"a": 2, "b": 2}); err != nil || textOf(res) != "4" {
				t.Errorf("the call after the cancellation: %+v %v", res, err)
			}
		})
	}
}
