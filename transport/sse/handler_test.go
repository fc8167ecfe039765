package sse_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/transport/sse"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newServer(t *testing.T) (*sse.Handler, *httptest.Server) {
	t.Helper()
	h := sse.NewHandler(demo.New(), nil)
	mux := http.NewServeMux()
	mux.Handle("/sse", h.SSE())
	mux.Handle("/messages", h.Messages())
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		ts.CloseClientConnections()
		ts.Close()
	})
	return h, ts
}

// stream opens /sse and returns the endpoint and a reader of the following "data:" lines.
func stream(t *testing.T, ts *httptest.Server, ctx context.Context) (string, func() string, func()) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/sse", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /sse: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	br := bufio.NewReader(resp.Body)
	next := func() string {
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("stream ended: %v", err)
			}
			if d, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "data: "); ok {
				return d
			}
		}
	}
	endpoint := next()
	return endpoint, next, func() { resp.Body.Close() }
}

func post(t *testing.T, ts *httptest.Server, endpoint, body string) int {
	t.Helper()
	resp, err := ts.Client().Post(ts.URL+endpoint, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSessionOverSSE(t *testing.T) {
	h, ts := newServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	endpoint, next, closeStream := stream(t, ts, ctx)
	if !strings.HasPrefix(endpoint, "/messages?session_id=") {
		t.Fatalf("endpoint event = %q", endpoint)
	}
	if c := post(t, ts, endpoint, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`); c != 202 {
		t.Fatalf("initialize POST: %d", c)
	}
	if got := next(); !strings.Contains(got, `"protocolVersion":"2024-11-05"`) {
		t.Fatalf("initialize response %s", got)
	}
	post(t, ts, endpoint, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	post(t, ts, endpoint, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":5,"b":10}}}`)
	if got := next(); !strings.Contains(got, `"text":"15"`) {
		t.Fatalf("add response %s", got)
	}
	// Bad input gets clear errors.
	if c := post(t, ts, endpoint, `{"jsonrpc":`); c != 400 {
		t.Errorf("malformed body: %d", c)
	}
	if c := post(t, ts, "/messages?session_id=nope", `{"jsonrpc":"2.0","id":3,"method":"ping"}`); c != 404 {
		t.Errorf("unknown session: %d", c)
	}
	if c := post(t, ts, "/messages", `{"jsonrpc":"2.0","id":3,"method":"ping"}`); c != 400 {
		t.Errorf("missing session_id: %d", c)
	}
	if h.Sessions() != 1 {
		t.Errorf("sessions = %d", h.Sessions())
	}
	closeStream()
	waitSessions(t, h, 0)
	if c := post(t, ts, endpoint, `{"jsonrpc":"2.0","id":4,"method":"ping"}`); c != 404 {
		t.Errorf("POST after the stream closed: %d", c)
	}
}

func TestForeignOriginRefused(t *testing.T) {
	_, ts := newServer(t)
	req, _ := http.NewRequest("GET", ts.URL+"/sse", nil)
	req.Header.Set("Origin", "http://evil.example.com")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// TestThousandCycles: 1,000 connect/disconnect cycles leave no sessions (and, through goleak, no
// goroutines) behind.
func TestThousandCycles(t *testing.T) {
	h, ts := newServer(t)
	for i := range 1000 {
		ctx, cancel := context.WithCancel(context.Background())
		endpoint, next, closeStream := stream(t, ts, ctx)
		if i%100 == 0 {
			post(t, ts, endpoint, `{"jsonrpc":"2.0","id":1,"method":"ping"}`)
			if got := next(); !strings.Contains(got, `"result":{}`) {
				t.Fatalf("cycle %d: ping answered %s", i, got)
			}
		}
		closeStream()
		cancel()
	}
	waitSessions(t, h, 0)
}

func waitSessions(t *testing.T, h *sse.Handler, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.Sessions() != want {
		if time.Now().After(deadline) {
			t.Fatalf("sessions = %d, want %d", h.Sessions(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = fmt.Sprint()
}
