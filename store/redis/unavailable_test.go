package redis_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/store"
)

// rawPost sends one JSON-RPC message (or, with method GET or DELETE, no body) to url and returns the
// response's status, Retry-After and body.
func rawPost(t *testing.T, method, url, sid, body string, headers ...string) (status int, retryAfter, text string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if sid != "" {
		req.Header.Set("Mcp-Session-Id", sid)
		req.Header.Set("MCP-Protocol-Version", "2025-11-25")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}

const (
	initBody   = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	initedBody = `{"jsonrpc":"2.0","method":"notifications/initialized"}`
	addBody    = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}}`
	modernAdd  = `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3},` +
		`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
)

// TestRedisUnavailableAnswers503: with Redis down, a request for a legacy session that the node does not
// hold gets 503 with Retry-After and a JSON-RPC error — never 404, which would tell the client to
// re-initialize and lose its session — on POST, GET and DELETE; so does a resume whose event log cannot be
// read and an initialize whose session cannot be created. A node serving the session from its cache goes on
// answering, and so do 2026-07-28 requests that need no state. When Redis comes back (with its data), the
// same session works on every node without restarting one.
func TestRedisUnavailableAnswers503(t *testing.T) {
	srv := redistest.Start(t)
	a := httptest.NewServer(newNode(t, srv, true))
	t.Cleanup(a.Close)
	b := httptest.NewServer(newNode(t, srv, true))
	t.Cleanup(b.Close)
	urlA, urlB := a.URL+"/mcp", b.URL+"/mcp"

	sid := initialize(t, urlA)

	// Redis goes away with its data on disk (SAVE), so that it comes back holding the session.
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
	if err := rc.Save(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	goroutinesUp := runtime.NumGoroutine()
	srv.Stop()
	down := time.Now()

	want503 := func(what string, status int, retryAfter, body string) {
		t.Helper()
		if status != http.StatusServiceUnavailable || retryAfter == "" || !strings.Contains(body, `"error"`) {
			t.Errorf("%s with Redis down: %d, Retry-After %q, %s; want 503 with Retry-After and a JSON-RPC error", what, status, retryAfter, body)
		}
	}
	var failures int
	var slowest time.Duration
	for range 10 {
		start := time.Now()
		status, ra, body := rawPost(t, http.MethodPost, urlB, sid, addBody)
		slowest = max(slowest, time.Since(start))
		want503("POST on the node that does not hold the session", status, ra, body)
		failures++
	}
	status, ra, body := rawPost(t, http.MethodGet, urlB, sid, "")
	want503("GET", status, ra, body)
	status, ra, body = rawPost(t, http.MethodGet, urlA, sid, "", "Last-Event-ID", store.EventID("gone", 1))
	want503("a resume (Last-Event-ID) on the node that holds the session", status, ra, body)
	status, ra, body = rawPost(t, http.MethodPost, urlB, "", initBody)
	want503("initialize", status, ra, body)
	status, ra, body = rawPost(t, http.MethodDelete, urlB, sid, "")
	want503("DELETE", status, ra, body)

	if status, _, body := rawPost(t, http.MethodPost, urlA, sid, addBody); status != http.StatusOK || !strings.Contains(body, `"text":"5"`) {
		t.Errorf("POST on the node that holds the session, Redis down: %d %s", status, body)
	}
	for _, u := range []string{urlA, urlB} {
		status, _, body := rawPost(t, http.MethodPost, u, "", modernAdd,
			"MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", "add")
		if status != http.StatusOK || !strings.Contains(body, `"text":"5"`) {
			t.Errorf("2026-07-28 tools/call needing no state, Redis down: %d %s", status, body)
		}
	}

	goroutinesDown := runtime.NumGoroutine()
	srv.Restart(t)
	back := time.Now()
	var after int
	for {
		status, _, body := rawPost(t, http.MethodPost, urlB, sid, addBody)
		if status == http.StatusOK && strings.Contains(body, `"text":"5"`) {
			break
		}
		if status != http.StatusServiceUnavailable {
			t.Fatalf("after Redis returned: %d %s", status, body)
		}
		if after++; after == 50 {
			t.Fatalf("the session still fails %d requests after Redis returned", after)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("Redis down %v: %d session requests on the other node got 503 (slowest %v); after its return, %d failed before the first success, %v after it listened; goroutines %d before, %d after the failures, %d recovered",
		back.Sub(down).Round(time.Millisecond), failures, slowest.Round(time.Millisecond), after, time.Since(back).Round(time.Millisecond),
		goroutinesUp, goroutinesDown, runtime.NumGoroutine())
	if status, _, body := rawPost(t, http.MethodDelete, urlB, sid, ""); status != http.StatusNoContent {
		t.Errorf("DELETE after Redis returned: %d %s", status, body)
	}
}
