package streamable_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// Found in review (issue 11): a legacy session that ended (DELETE, expiry) left its requests running —
// past MaxRequestsPerSession and MaxSessionsPerClient, whose slots DELETE frees — and a POST stream open
// with keep-alives for an answer that could no longer be recorded. Its requests now end with it.

// TestSessionEndEndsItsStreams: a request that finishes after its session ended stops being tracked.
func TestSessionEndEndsItsStreams(t *testing.T) {
	started, release := make(chan struct{}, 10), make(chan struct{})
	s := server.New("t", "1", nil)
	server.Tool(s, "block", "", func(ctx context.Context, _ struct{}) (string, error) {
		server.Log(ctx).Info("hello") // turns the reply into a stream
		started <- struct{}{}
		<-release
		return "released", nil
	})
	e := newEnv(t, s, nil)
	sid := e.initialize(mcp.Version20251125)
	go func() {
		resp, err := e.doErr(context.Background(), `{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"block","arguments":{}}}`, "Mcp-Session-Id: "+sid)
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	t.Logf("open streams while running: %d", streamable.OpenStreams(e.h))
	del := e.do(context.Background(), http.MethodDelete, "", "Mcp-Session-Id: "+sid)
	del.Body.Close()
	close(release)
	time.Sleep(300 * time.Millisecond)
	if n := streamable.OpenStreams(e.h); n != 0 {
		t.Errorf("after the session ended and the handler returned: %d streams still tracked (goroutine + map entry until Handler.Close)", n)
	}
}

// TestSessionEndCancelsItsRequests: DELETE cancels the handlers of the session's requests.
func TestSessionEndCancelsItsRequests(t *testing.T) {
	started, cancelled := make(chan struct{}, 10), make(chan struct{}, 10)
	s := server.New("t", "1", nil)
	server.Tool(s, "block", "", func(ctx context.Context, _ struct{}) (string, error) {
		started <- struct{}{}
		<-ctx.Done()
		cancelled <- struct{}{}
		return "x", nil
	})
	e := newEnv(t, s, nil)
	for i := 0; i < 3; i++ {
		sid := e.initialize(mcp.Version20251125)
		go func() {
			resp, err := e.doErr(context.Background(), `{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"block","arguments":{}}}`, "Mcp-Session-Id: "+sid)
			if err == nil {
				resp.Body.Close()
			}
		}()
		<-started
		del := e.do(context.Background(), http.MethodDelete, "", "Mcp-Session-Id: "+sid)
		del.Body.Close()
	}
	select {
	case <-cancelled:
		t.Log("cancelled")
	case <-time.After(time.Second):
		t.Errorf("handlers of deleted sessions still running 1s after DELETE")
	}
}

// TestLargeJSONAnswerHasWriteDeadline: a large JSON answer to a client that does not read is cut after
// WriteTimeout, so the handler (and Close) does not wait for it forever.
func TestLargeJSONAnswerHasWriteDeadline(t *testing.T) {
	s := server.New("t", "1", nil)
	big := strings.Repeat("x", 16<<20)
	server.Tool(s, "big", "", func(ctx context.Context, _ struct{}) (string, error) { return big, nil })
	h := streamable.NewHandler(s, &streamable.Options{WriteTimeout: 200 * time.Millisecond})
	ts := httptest.NewServer(h)
	defer ts.Close()
	defer ts.CloseClientConnections()
	e := &env{t: t, h: h, ts: ts, url: ts.URL}
	sid := e.initialize(mcp.Version20251125)
	c, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := `{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"big","arguments":{}}}`
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMcp-Session-Id: %s\r\nMcp-Protocol-Version: 2025-11-25\r\nContent-Length: %d\r\n\r\n%s", sid, len(body), body)
	time.Sleep(2 * time.Second)                                              // never read
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // without the deadline: forever
	defer cancel()
	if err := h.Close(ctx); err != nil {
		t.Errorf("Handler.Close: %v — the HTTP handler is still blocked writing a JSON answer to a client that does not read (WriteTimeout %v not applied)", err, 200*time.Millisecond)
	}
}

// TestPostStreamEndsWithSession: the client's POST stream ends when its session ends.
func TestPostStreamEndsWithSession(t *testing.T) {
	started, release := make(chan struct{}, 10), make(chan struct{})
	s := server.New("t", "1", nil)
	server.Tool(s, "block", "", func(ctx context.Context, _ struct{}) (string, error) {
		server.Log(ctx).Info("hello")
		started <- struct{}{}
		<-release
		return "released", nil
	})
	e := newEnv(t, s, &streamable.Options{KeepAlive: 100 * time.Millisecond})
	sid := e.initialize(mcp.Version20251125)
	done := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		resp, err := e.doErr(ctx, `{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"block","arguments":{}}}`, "Mcp-Session-Id: "+sid)
		if err != nil {
			done <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- string(b)
	}()
	<-started
	del := e.do(context.Background(), http.MethodDelete, "", "Mcp-Session-Id: "+sid)
	del.Body.Close()
	close(release)
	select {
	case b := <-done:
		t.Logf("POST ended: %q", b)
	case <-time.After(2 * time.Second):
		t.Errorf("POST stream still open (keep-alives only) 2s after its handler returned: the response never comes and the stream never ends")
	}
	cancel()
}
