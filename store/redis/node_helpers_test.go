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

	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/store/redis"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// One node (a server.Server behind a streamable.Handler, served by httptest on 127.0.0.1) on Redis or in
// memory, with the same tools, and a client that speaks raw HTTP to it: what the round-trip test
// (roundtrips_test.go) and the node benchmark (node_bench_test.go) drive.

// rtNode is one node and the counter of its Redis round trips (nil for a memory node).
type rtNode struct {
	url  string
	rt   *redis.CountHook
	hold chan struct{} // the hold tool waits for a value here
	hc   *http.Client
	ids  atomic.Int64
}

// streamArgs: the stream tool sends N progress notifications before its result.
type streamArgs struct {
	N int `json:"n"`
}

// countingBus counts a Subscribe as one round trip (SUBSCRIBE waits for Redis's confirmation; the Bus's
// pub/sub connection is not seen by client hooks). Publish goes through the client and its hook, except on
// server.ChangesTopic: the server publishes there from its own goroutine, never on a request's path
// (docs/SCALING.md), and when it does (the tools registered at start-up send list_changed, coalesced) no test
// controls, so those are not counted.
type countingBus struct {
	store.Bus
	rt *redis.CountHook
}

func (b countingBus) Publish(ctx context.Context, topic string, msg []byte) error {
	if topic == server.ChangesTopic {
		ctx = redis.Uncounted(ctx)
	}
	return b.Bus.Publish(ctx, topic, msg)
}

func (b countingBus) Subscribe(ctx context.Context, topic string) (store.Subscription, error) {
	b.rt.Add(1)
	b.rt.Note("SUBSCRIBE " + topic)
	return b.Bus.Subscribe(ctx, topic)
}

// startNode starts a node: on the Redis srv under prefix (nodes sharing both share sessions, events and
// the key ring), or in memory when srv is nil.
func startNode(tb testing.TB, srv *redistest.Server, prefix string) *rtNode {
	tb.Helper()
	n := &rtNode{hold: make(chan struct{})}
	var sopts server.Options
	hopts := &streamable.Options{KeepAlive: -1}
	var closeStore func()
	if srv != nil {
		c := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
		n.rt = &redis.CountHook{}
		c.AddHook(n.rt)
		// The key ring copy is kept for an hour (default 1 s), so that when a node reads the ring does not
		// depend on how fast the test runs.
		st := redis.New(c, redis.Options{Prefix: prefix, KeyCacheTTL: time.Hour})
		sopts.KeyRing = st.Keys
		sopts.Bus = countingBus{st.Bus, n.rt}
		hopts.Sessions, hopts.Events = st.Sessions, st.Events
		closeStore = func() { _ = st.Close(); _ = c.Close() }
		warmScripts(tb, srv)
	}
	s := server.New("rt", "1.0.0", &sopts)
	server.Tool(s, "add", "Add two numbers", func(_ context.Context, in addArgs) (int, error) { return in.A + in.B, nil })
	server.Tool(s, "stream", "Send n progress notifications, then answer", func(ctx context.Context, in streamArgs) (string, error) {
		for i := range in.N {
			if err := server.Progress(ctx, float64(i+1), float64(in.N), ""); err != nil {
				return "", err
			}
		}
		return "done", nil
	})
	server.Tool(s, "hold", "Send 2 progress notifications, wait for the test, answer", func(ctx context.Context, _ struct{}) (string, error) {
		for i := range 2 {
			if err := server.Progress(ctx, float64(i+1), 2, ""); err != nil {
				return "", err
			}
		}
		select {
		case <-n.hold:
			return "released", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	})
	server.Tool(s, "greet", "Ask the caller's name", func(ctx context.Context, _ struct{}) (string, error) {
		e, err := server.Elicit[nameForm](ctx, "Your name?")
		if err != nil {
			return "", err
		}
		return "hello " + e.Content.Name, nil
	})
	h := s.Handler(hopts)
	ts := httptest.NewServer(h)
	n.url, n.hc = ts.URL, ts.Client()
	n.hc.Transport.(*http.Transport).MaxIdleConnsPerHost = 64 // concurrent benchmark clients keep their connections
	tb.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		_ = s.Close()
		if closeStore != nil {
			closeStore()
		}
	})
	return n
}

// roundTrips returns the round trips counted since the last reset (0 for a memory node).
func (n *rtNode) roundTrips() int64 {
	if n.rt == nil {
		return 0
	}
	return n.rt.Load()
}

func (n *rtNode) resetRoundTrips() {
	if n.rt != nil {
		n.rt.Reset()
	}
}

// Request bodies. Legacy requests carry the session in headers; modern ones carry _meta and headers.
const modernMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"rt","version":"1"}}`

func modernAddBody(id int64) string {
	return `{"jsonrpc":"2.0","id":` + fmt.Sprint(id) + `,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},` + modernMeta + `}}`
}

func legacyCallBody(id int64, tool, args string) string {
	return `{"jsonrpc":"2.0","id":` + fmt.Sprint(id) + `,"method":"tools/call","params":{"name":"` + tool + `","arguments":` + args + `,"_meta":{"progressToken":"p` + fmt.Sprint(id) + `"}}}`
}

// modernGreetBody calls greet (which elicits) in the 2026-07-28 era, first without, then with the answer
// and the requestState of the input_required result.
func modernGreetBody(id int64, answers string) string {
	meta := strings.Replace(modernMeta, `clientCapabilities":{}`, `clientCapabilities":{"elicitation":{}}`, 1)
	return `{"jsonrpc":"2.0","id":` + fmt.Sprint(id) + `,"method":"tools/call","params":{"name":"greet","arguments":{}` + answers + `,` + meta + `}}`
}

var modernGreetHeaders = map[string]string{"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "greet"}

var modernHeaders = map[string]string{"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "add"}

func legacyHeaders(sid string) map[string]string {
	return map[string]string{"Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25"}
}

// do sends a request and returns its response (the caller reads and closes the body).
func (n *rtNode) do(tb testing.TB, method, body string, hdr map[string]string) *http.Response {
	tb.Helper()
	resp, err := n.send(method, body, hdr)
	if err != nil {
		tb.Fatal(err)
	}
	return resp
}

func (n *rtNode) send(method, body string, hdr map[string]string) (*http.Response, error) {
	req, err := http.NewRequest(method, n.url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return n.hc.Do(req)
}

// call posts body and returns the whole response body, failing unless the status is 200 and the body
// contains want.
func (n *rtNode) call(tb testing.TB, body string, hdr map[string]string, want string) string {
	tb.Helper()
	b, err := n.tryCall(body, hdr, want)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// tryCall is call for goroutines other than the test's: it returns the failure.
func (n *rtNode) tryCall(body string, hdr map[string]string, want string) (string, error) {
	resp, err := n.send("POST", body, hdr)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), want) {
		return "", fmt.Errorf("status %d, body %s; want %q", resp.StatusCode, b, want)
	}
	return string(b), nil
}

// openLegacy opens an initialized 2025-11-25 session on n and returns its id.
func (n *rtNode) openLegacy(tb testing.TB) string {
	tb.Helper()
	resp := n.do(tb, "POST", `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"rt","version":"1"}}}`, nil)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	sid := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != http.StatusOK || sid == "" {
		tb.Fatalf("initialize: status %d, session %q", resp.StatusCode, sid)
	}
	resp = n.do(tb, "POST", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, legacyHeaders(sid))
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		tb.Fatalf("notifications/initialized: status %d", resp.StatusCode)
	}
	return sid
}

// sseEvent is one event of an SSE response.
type sseEvent struct{ id, data string }

// nextEvent reads the next event from an SSE body; io.EOF at its end.
func nextEvent(r *bufio.Reader) (sseEvent, error) {
	var ev sseEvent
	seen := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if seen && err == io.EOF {
				return ev, nil
			}
			return ev, err
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if seen {
				return ev, nil
			}
		case strings.HasPrefix(line, "id:"):
			ev.id, seen = strings.TrimSpace(line[3:]), true
		case strings.HasPrefix(line, "data:"):
			ev.data, seen = ev.data+strings.TrimPrefix(line[5:], " "), true
		case strings.HasPrefix(line, "retry:"), strings.HasPrefix(line, ":"):
			seen = seen || strings.HasPrefix(line, "retry:")
		}
	}
}

// warmScripts loads the store's Lua scripts into srv through a store of its own (so that the nodes' key
// ring copies stay cold), so that counts are those of a warm Redis: the first use of each script on a Redis
// (and after it restarts) costs one more round trip (EVALSHA answered NOSCRIPT, then EVAL).
func warmScripts(tb testing.TB, srv *redistest.Server) {
	tb.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
	defer c.Close()
	st := redis.New(c, redis.Options{Prefix: "warm-up:"})
	defer st.Close()
	ctx := context.Background()
	id, err := st.Events.Append(ctx, "s", "s", []byte("x"))
	if err == nil {
		_, err = st.Events.Replay(ctx, "s", id, func(string, []byte) error { return nil })
	}
	if err == nil {
		err = st.Events.DeleteStream(ctx, "s", "s")
	}
	if err == nil {
		err = st.Events.DeleteSession(ctx, "s")
	}
	if err == nil {
		_, err = st.Keys.Current(ctx)
	}
	if err != nil {
		tb.Fatal(err)
	}
}
