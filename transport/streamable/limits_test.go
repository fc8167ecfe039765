package streamable_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// TestSessionLimitIsAtomic: concurrent initializes never open more than MaxSessions (the count was
// checked, then the session inserted later, so a burst overshot it).
func TestSessionLimitIsAtomic(t *testing.T) {
	// The store's Create waits until 5 are in it: the window between check and insert stays open.
	slow := &gatedStore{SessionStore: store.NewMemorySessionStore(store.MemorySessionOptions{}), n: 5, open: make(chan struct{})}
	e := newEnv(t, server.New("t", "1", nil), &streamable.Options{MaxSessions: 5, Sessions: slow})
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := e.doErr(context.Background(), initBody)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[200] != 5 || statuses[503] != 35 {
		t.Fatalf("statuses %v, want 5 × 200 and 35 × 503", statuses)
	}
}

// gatedStore holds every Create until n have arrived.
type gatedStore struct {
	store.SessionStore
	mu   sync.Mutex
	seen int
	n    int
	open chan struct{}
}

func (g *gatedStore) Create(ctx context.Context, s *store.SessionState) error {
	g.mu.Lock()
	g.seen++
	if g.seen == g.n {
		close(g.open)
	}
	g.mu.Unlock()
	<-g.open
	return g.SessionStore.Create(ctx, s)
}

// TestSessionsPerClient: one client address cannot take more than MaxSessionsPerClient sessions; DELETE
// gives a slot back.
func TestSessionsPerClient(t *testing.T) {
	e := newEnv(t, server.New("t", "1", nil), &streamable.Options{MaxSessionsPerClient: 3})
	var sids []string
	for range 3 {
		sids = append(sids, e.initialize(mcp.Version20251125))
	}
	resp := e.post(initBody)
	body := readJSON(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || code(body) != jsonrpc.CodeOverloaded {
		t.Fatalf("4th session: %d Retry-After %q %v", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	del := e.do(context.Background(), http.MethodDelete, "", "Mcp-Session-Id: "+sids[0])
	del.Body.Close()
	e.initialize(mcp.Version20251125)
}

// blockingServer has a tool that waits for release (or its context).
func blockingServer(started chan<- struct{}, release <-chan struct{}) *server.Server {
	s := server.New("t", "1", nil)
	server.Tool(s, "block", "", func(ctx context.Context, _ struct{}) (string, error) {
		started <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return "released", nil
	})
	return s
}

// TestRequestsPerSession: legacy handlers go on after their client disconnects; a session cannot pile
// up more than MaxRequestsPerSession of them. Past it: 429, Retry-After, JSON-RPC -32000.
func TestRequestsPerSession(t *testing.T) {
	started, release := make(chan struct{}, 10), make(chan struct{})
	e := newEnv(t, blockingServer(started, release), &streamable.Options{MaxRequestsPerSession: 2})
	sid := e.initialize(mcp.Version20251125)
	call := func(id string) string {
		return `{"jsonrpc":"2.0","id":"` + id + `","method":"tools/call","params":{"name":"block","arguments":{}}}`
	}
	for _, id := range []string{"a", "b"} {
		ctx, cut := context.WithCancel(context.Background())
		go func() {
			resp, err := e.doErr(ctx, call(id), "Mcp-Session-Id: "+sid)
			if err == nil {
				resp.Body.Close()
			}
		}()
		<-started
		cut() // the client leaves; the handler goes on
	}
	resp := e.post(call("c"), "Mcp-Session-Id: "+sid)
	body := readJSON(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || code(body) != jsonrpc.CodeOverloaded ||
		!strings.Contains(body["error"].(map[string]any)["message"].(string), "overloaded") {
		t.Fatalf("3rd request: %d %v", resp.StatusCode, body)
	}
	close(release)
	// Once the handlers end, the session takes requests again (started has room for every signal).
	for i := 0; ; i++ {
		resp := e.post(call(fmt.Sprint("d", i)), "Mcp-Session-Id: "+sid)
		body := readJSON(t, resp)
		if resp.StatusCode == 200 {
			break
		}
		if resp.StatusCode != http.StatusTooManyRequests || i > 1000 {
			t.Fatalf("after release: %d %v", resp.StatusCode, body)
		}
		time.Sleep(time.Millisecond) // the released handlers are still finishing
	}
}

// TestModernInFlight: 2026-07-28 requests beyond MaxInFlight get 503 with Retry-After.
func TestModernInFlight(t *testing.T) {
	started, release := make(chan struct{}, 10), make(chan struct{})
	e := newEnv(t, blockingServer(started, release), &streamable.Options{MaxInFlight: 2})
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"block","arguments":{},` + modernMeta + `}}`
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := e.doErr(context.Background(), body, modernHeaders("tools/call", "block")...)
			if err == nil {
				resp.Body.Close()
			}
		}()
		<-started
	}
	resp := e.post(body, modernHeaders("tools/call", "block")...)
	got := readJSON(t, resp)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || code(got) != jsonrpc.CodeOverloaded {
		t.Fatalf("3rd request: %d %v", resp.StatusCode, got)
	}
	close(release)
	wg.Wait()
	resp = e.post(body, modernHeaders("tools/call", "block")...)
	if resp.StatusCode != 200 {
		t.Fatalf("after the others ended: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

// TestErrorsQuoteInputBounded: a huge header value is not echoed whole in an error message.
func TestErrorsQuoteInputBounded(t *testing.T) {
	e := newEnv(t, server.New("t", "1", nil), nil)
	sid := e.initialize(mcp.Version20251125)
	huge := strings.Repeat("9", 100_000)
	resp := e.post(`{"jsonrpc":"2.0","id":1,"method":"ping"}`, "Mcp-Session-Id: "+sid, "MCP-Protocol-Version: "+huge)
	body := readJSON(t, resp)
	msg, _ := body["error"].(map[string]any)["message"].(string)
	if resp.StatusCode != 400 || len(msg) > 400 || !strings.Contains(msg, "100000 bytes") {
		t.Fatalf("%d, message of %d bytes: %.300s", resp.StatusCode, len(msg), msg)
	}
}
