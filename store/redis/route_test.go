package redis_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store/redis"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// Cross-node routing of legacy sessions on a real Redis (streamable.Options.Bus = the Store's Bus): two
// nodes, each with its own Store (its own pub/sub connection, as separate processes have), behind a
// balancer that alternates unless a request names its node ("X-Node: 0" or "1").

type routeNodes struct {
	url             string
	started, halted chan string // the "block" tool: its request id when it starts, and when its ctx ends
}

func newRouteNodes(t *testing.T, srv *redistest.Server) *routeNodes {
	n := &routeNodes{started: make(chan string, 4), halted: make(chan string, 4)}
	var hs [2]http.Handler
	for i := range hs {
		st, err := redis.Open(srv.URL(0), redis.Options{Prefix: "route:"})
		if err != nil {
			t.Fatal(err)
		}
		s := server.New("route", "1.0.0", nil)
		server.Tool(s, "greet", "Ask the caller's name", func(ctx context.Context, _ struct{}) (string, error) {
			e, err := server.Elicit[nameForm](ctx, "Your name?")
			if err != nil {
				return "", err
			}
			return "hello " + e.Content.Name, nil
		})
		server.Tool(s, "block", "Wait until cancelled", func(ctx context.Context, in struct {
			Tag string `json:"tag"`
		}) (string, error) {
			n.started <- in.Tag
			<-ctx.Done()
			n.halted <- in.Tag
			return "", ctx.Err()
		})
		h := s.Handler(&streamable.Options{Sessions: st.Sessions, Events: st.Events, Bus: st.Bus})
		hs[i] = h
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = h.Close(ctx)
			_ = st.Close()
		})
	}
	var turn atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(turn.Add(1)) % 2
		if x := r.Header.Get("X-Node"); x == "0" || x == "1" {
			i = int(x[0] - '0')
		}
		hs[i].ServeHTTP(w, r)
	}))
	t.Cleanup(func() { ts.CloseClientConnections(); ts.Close() })
	n.url = ts.URL
	return n
}

// do sends one request to node (-1: whichever the balancer picks) of session sid ("" for none).
func (n *routeNodes) do(ctx context.Context, t *testing.T, method string, node int, sid, body string) *http.Response {
	t.Helper()
	resp, err := n.send(ctx, method, node, sid, body)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// send is do for goroutines: the error is returned.
func (n *routeNodes) send(ctx context.Context, method string, node int, sid, body string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, n.url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if node >= 0 {
		req.Header.Set("X-Node", fmt.Sprint(node))
	}
	if sid != "" {
		req.Header.Set("Mcp-Session-Id", sid)
		req.Header.Set("MCP-Protocol-Version", mcp.Version20251125)
	}
	return http.DefaultClient.Do(req)
}

func (n *routeNodes) status(t *testing.T, method string, node int, sid, body string) int {
	t.Helper()
	resp := n.do(context.Background(), t, method, node, sid, body)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (n *routeNodes) initialize(t *testing.T, node int) string {
	t.Helper()
	resp := n.do(context.Background(), t, http.MethodPost, node, "",
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"`+mcp.Version20251125+`","capabilities":{"elicitation":{}},"clientInfo":{"name":"t","version":"1"}}}`)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	sid := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != 200 || sid == "" {
		t.Fatalf("initialize: %d %q", resp.StatusCode, sid)
	}
	if st := n.status(t, http.MethodPost, node, sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); st != http.StatusAccepted {
		t.Fatalf("notifications/initialized: %d", st)
	}
	return sid
}

// dataEvents returns the data of the SSE events of r, in order; the channel closes at the end of the stream.
func dataEvents(r io.Reader) <-chan string {
	ch := make(chan string, 16)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok && d != "" {
				ch <- d
			}
		}
	}()
	return ch
}

func within[T any](t *testing.T, ch <-chan T, what string) (T, bool) {
	t.Helper()
	select {
	case v, ok := <-ch:
		return v, ok
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10s", what)
		var zero T
		return zero, false
	}
}

// TestRedisRouteAnswerCancelEnded: on a real Redis, (1) the client's answer to an elicitation asked on node
// 0 lands on node 1 and reaches the waiting handler; (2) notifications/cancelled on node 1 cancels a request
// running on node 0; (3) DELETE on node 0 ends the session on node 1: its GET stream ends, its running
// handler is cancelled, and it answers 404.
func TestRedisRouteAnswerCancelEnded(t *testing.T) {
	srv := redistest.Start(t)
	n := newRouteNodes(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sid := n.initialize(t, 0)

	t.Run("answer", func(t *testing.T) {
		resp := n.do(ctx, t, http.MethodPost, 0, sid, `{"jsonrpc":"2.0","id":"g","method":"tools/call","params":{"name":"greet","arguments":{}}}`)
		defer resp.Body.Close()
		events := dataEvents(resp.Body)
		ask, _ := within(t, events, "elicitation request on node 0's stream")
		var req struct {
			ID     jsontext.Value `json:"id"` // as sent
			Method string         `json:"method"`
		}
		if err := json.Unmarshal([]byte(ask), &req); err != nil || req.Method != mcp.MethodElicitationCreate {
			t.Fatalf("first event %s: %v", ask, err)
		}
		answer := `{"jsonrpc":"2.0","id":` + string(req.ID) + `,"result":{"action":"accept","content":{"name":"Ada"}}}`
		if st := n.status(t, http.MethodPost, 1, sid, answer); st != http.StatusAccepted {
			t.Fatalf("the answer on node 1: %d", st)
		}
		final, ok := within(t, events, "tools/call response")
		if !ok || !strings.Contains(final, "hello Ada") {
			t.Fatalf("tools/call answered %q (stream open %v)", final, ok)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		status := make(chan int, 1)
		go func() {
			resp, err := n.send(ctx, http.MethodPost, 0, sid, `{"jsonrpc":"2.0","id":"c","method":"tools/call","params":{"name":"block","arguments":{"tag":"c"}}}`)
			if err != nil {
				status <- 0
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			status <- resp.StatusCode
		}()
		within(t, n.started, "start of the tool on node 0")
		if st := n.status(t, http.MethodPost, 1, sid, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"c"}}`); st != http.StatusAccepted {
			t.Fatalf("notifications/cancelled on node 1: %d", st)
		}
		if tag, _ := within(t, n.halted, "cancellation of the tool on node 0"); tag != "c" {
			t.Fatalf("halted %q", tag)
		}
		if st, _ := within(t, status, "end of the cancelled request"); st != http.StatusAccepted {
			t.Fatalf("the cancelled request was answered %d, want 202 (no response)", st)
		}
	})

	t.Run("ended", func(t *testing.T) {
		get, err := http.NewRequestWithContext(ctx, http.MethodGet, n.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		get.Header = http.Header{"Accept": {"text/event-stream"}, "X-Node": {"1"}, "Mcp-Session-Id": {sid},
			"Mcp-Protocol-Version": {mcp.Version20251125}}
		stream, err := http.DefaultClient.Do(get)
		if err != nil || stream.StatusCode != 200 {
			t.Fatalf("GET on node 1: %v %v", stream, err)
		}
		defer stream.Body.Close()
		go func() {
			resp, err := n.send(ctx, http.MethodPost, 1, sid, `{"jsonrpc":"2.0","id":"e","method":"tools/call","params":{"name":"block","arguments":{"tag":"e"}}}`)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
		within(t, n.started, "start of the tool on node 1")
		if st := n.status(t, http.MethodDelete, 0, sid, ""); st != http.StatusNoContent {
			t.Fatalf("DELETE on node 0: %d", st)
		}
		if tag, _ := within(t, n.halted, "cancellation of node 1's handler"); tag != "e" {
			t.Fatalf("halted %q", tag)
		}
		ended := make(chan struct{})
		go func() { _, _ = io.Copy(io.Discard, stream.Body); close(ended) }()
		within(t, ended, "end of node 1's GET stream")
		if st := n.status(t, http.MethodPost, 1, sid, `{"jsonrpc":"2.0","id":"p","method":"ping"}`); st != http.StatusNotFound {
			t.Fatalf("ping on node 1 after DELETE on node 0: %d, want 404", st)
		}
	})
}
