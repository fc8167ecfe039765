package streamable_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// serveSSEOnly serves the demo over the 2024-11-05 HTTP+SSE transport only (/sse and /messages).
func serveSSEOnly(t *testing.T) (*httptest.Server, *recorder) {
	t.Helper()
	legacy := sse.NewHandler(demo.New(), nil)
	mux := http.NewServeMux()
	mux.Handle("/sse", legacy.SSE())
	mux.Handle("/messages", legacy.Messages())
	rec := &recorder{}
	ts := httptest.NewServer(rec.wrap(mux))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = legacy.Close(ctx)
		ts.CloseClientConnections()
		ts.Close()
	})
	return ts, rec
}

func origin(t *testing.T, ts *httptest.Server) string {
	u, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	return streamable.Origin(u)
}

// TestClientFallsBackToSSE: a Streamable HTTP client pointed at a server that only has HTTP+SSE connects
// by itself; a second client with the same cache goes straight to HTTP+SSE.
func TestClientFallsBackToSSE(t *testing.T) {
	ts, rec := serveSSEOnly(t)
	ctx := testCtx(t)
	cache := &streamable.EraCache{}
	postsToSSE := func() int {
		return rec.count(func(r recorded) bool { return r.method == http.MethodPost && r.path == "/sse" })
	}
	getsOfSSE := func() int {
		return rec.count(func(r recorded) bool { return r.method == http.MethodGet && r.path == "/sse" })
	}
	for i := range 2 {
		c := newClient(t, ts, "/sse", &streamable.ClientOptions{EraCache: cache})
		sess, err := client.Connect(ctx, c, nil)
		if err != nil {
			t.Fatalf("connect %d: %v", i, err)
		}
		if c.Kind() != streamable.KindSSE || sess.Era() != mcp.EraLegacy {
			t.Errorf("connect %d: kind %v era %v", i, c.Kind(), sess.Era())
		}
		var progress int
		pctx := client.WithProgress(ctx, func(*mcp.ProgressParams) { progress++ })
		res, err := sess.CallTool(pctx, "echo", map[string]string{"message": "hi"})
		if err != nil || textOf(res) != "Here's the file content: hi" || progress != 3 {
			t.Fatalf("connect %d: echo %+v %v, %d progress", i, res, err, progress)
		}
		sess.Close()
		// First time: server/discover and initialize were POSTed to /sse and refused (405); then GET.
		// Second time: discover is answered from the cache, initialize goes straight to HTTP+SSE.
		if got := postsToSSE(); got != 2 {
			t.Errorf("after connect %d: %d POSTs to /sse, want 2", i, got)
		}
		if got := getsOfSSE(); got != i+1 {
			t.Errorf("after connect %d: %d GETs of /sse, want %d", i, got, i+1)
		}
		if cache.Get(origin(t, ts)) != streamable.KindSSE {
			t.Errorf("cache says %v", cache.Get(origin(t, ts)))
		}
	}
	// Without the fallback the refusal is the answer.
	c := newClient(t, ts, "/sse", &streamable.ClientOptions{DisableSSEFallback: true})
	if _, err := client.Connect(ctx, c, nil); err == nil || !strings.Contains(err.Error(), "GET") {
		t.Errorf("connect without the fallback: %v", err)
	}
}

// TestClientRemembersLegacy: when server/discover is refused with an HTTP error that is not a 2026-07-28
// error, the origin is remembered as legacy and later clients skip the probe.
func TestClientRemembersLegacy(t *testing.T) {
	ts, rec := serveClientTest(t, demo.New(), nil)
	rec.intercept = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		if strings.Contains(string(body), `"method":"server/discover"`) {
			http.Error(w, "Bad Request: No valid session ID provided", http.StatusBadRequest) // as SDK 1.x servers answer
			return true
		}
		return false
	}
	ctx := testCtx(t)
	cache := &streamable.EraCache{}
	for i := range 2 {
		c := newClient(t, ts, "/", &streamable.ClientOptions{EraCache: cache})
		sess, err := client.Connect(ctx, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sess.Era() != mcp.EraLegacy || c.Kind() != streamable.KindLegacy {
			t.Errorf("era %v kind %v", sess.Era(), c.Kind())
		}
		if res, err := sess.CallTool(ctx, "add", map[string]int{"a": 1, "b": 1}); err != nil || textOf(res) != "2" {
			t.Errorf("add: %+v %v", res, err)
		}
		sess.Close()
		if n := rec.count(posts(mcp.MethodDiscover)); n != 1 {
			t.Errorf("after connect %d: %d server/discover POSTs, want 1", i, n)
		}
	}
	if cache.Get(origin(t, ts)) != streamable.KindLegacy {
		t.Errorf("cache says %v", cache.Get(origin(t, ts)))
	}
}
