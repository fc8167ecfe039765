package streamable_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/httptestx"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// Cross-node routing of legacy sessions (Options.Bus, docs/SCALING.md): two nodes — two servers and two
// handlers sharing one memory session store, event store and bus — behind a balancer that alternates
// between them on every HTTP request, unless the request names its node ("X-Node: 0" or "1").

// failingBus is a memory bus whose Publish can be made to fail.
type failingBus struct {
	*store.MemoryBus
	fail atomic.Bool
}

func (b *failingBus) Publish(ctx context.Context, topic string, msg []byte) error {
	if b.fail.Load() {
		return errors.New("bus down")
	}
	return b.MemoryBus.Publish(ctx, topic, msg)
}

type twoNodes struct {
	*env
	srv [2]*server.Server
	h   [2]*streamable.Handler
	bus *failingBus
}

// newTwoNodes starts two nodes; setup registers the same tools on each server; tweak (optional) changes
// the handlers' options.
func newTwoNodes(t *testing.T, setup func(s *server.Server), tweak ...func(*streamable.Options)) *twoNodes {
	t.Helper()
	n := &twoNodes{bus: &failingBus{MemoryBus: store.NewMemoryBus(store.MemoryBusOptions{})}}
	opts := &streamable.Options{
		Sessions: store.NewMemorySessionStore(store.MemorySessionOptions{}),
		Events:   store.NewMemoryEventStore(store.MemoryEventOptions{}),
		Bus:      n.bus,
	}
	for _, f := range tweak {
		f(opts)
	}
	for i := range n.h {
		n.srv[i] = server.New("nodes", "1", nil)
		setup(n.srv[i])
		n.h[i] = streamable.NewHandler(n.srv[i], opts)
	}
	var turn atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(turn.Add(1)) % 2
		switch r.Header.Get("X-Node") {
		case "0":
			i = 0
		case "1":
			i = 1
		}
		n.h[i].ServeHTTP(w, r)
	}))
	n.env = &env{t: t, ts: ts, url: ts.URL}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, h := range n.h {
			_ = h.Close(ctx)
		}
		ts.CloseClientConnections()
		ts.Close()
	})
	return n
}

// on returns the headers that send a request of session sid to node i.
func on(i int, sid string) []string {
	return []string{fmt.Sprintf("X-Node: %d", i), "Mcp-Session-Id: " + sid, "MCP-Protocol-Version: " + mcp.Version20251125}
}

// initializeOn opens a legacy session on node i.
func (n *twoNodes) initializeOn(i int) string {
	n.t.Helper()
	resp := n.post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"`+mcp.Version20251125+`","capabilities":{"elicitation":{}},"clientInfo":{"name":"t","version":"1"}}}`,
		fmt.Sprintf("X-Node: %d", i))
	sid := resp.Header.Get("Mcp-Session-Id")
	readJSON(n.t, resp)
	if resp.StatusCode != 200 || sid == "" {
		n.t.Fatalf("initialize: %d, session %q", resp.StatusCode, sid)
	}
	r := n.post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`, on(i, sid)...)
	r.Body.Close()
	if r.StatusCode != http.StatusAccepted {
		n.t.Fatalf("notifications/initialized: %d", r.StatusCode)
	}
	return sid
}

// ping sends ping to node i (which then holds the session in its cache).
func (n *twoNodes) ping(i int, sid string) {
	n.t.Helper()
	resp := n.post(`{"jsonrpc":"2.0","id":"p","method":"ping"}`, on(i, sid)...)
	readJSON(n.t, resp)
	if resp.StatusCode != 200 {
		n.t.Fatalf("ping on node %d: %d", i, resp.StatusCode)
	}
}

// waitFor waits for ch (bounded, so that a missing message fails the test instead of hanging it).
func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s after 10s", what)
	}
}

// TestRouteAnswerAcrossNodes: a handler on one node asks the client (elicitation) on its POST stream; the
// client's answer is a POST of its own, which the balancer sends to the other node. With routing the
// answer reaches the waiting handler; without it the call waits forever.
func TestRouteAnswerAcrossNodes(t *testing.T) {
	n := newTwoNodes(t, func(s *server.Server) {
		server.Tool(s, "greet", "", func(ctx context.Context, _ struct{}) (string, error) {
			e, err := server.Elicit[struct {
				Name string `json:"name"`
			}](ctx, "Your name?")
			if err != nil {
				return "", err
			}
			return "hello " + e.Content.Name, nil
		})
	})
	c, err := streamable.NewClient(n.url, &streamable.ClientOptions{EraCache: &streamable.EraCache{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := client.Connect(ctx, c, &client.Options{ProtocolVersion: mcp.Version20251125,
		OnElicit: func(context.Context, *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: jsontext.Value(`{"name":"Ada"}`)}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	for i := range 4 { // each call and its answer are consecutive POSTs: on different nodes
		cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
		r, err := sess.CallTool(cctx, "greet", struct{}{})
		ccancel()
		if err != nil || r.IsError || len(r.Content) == 0 || r.Content[0].Text != "hello Ada" {
			t.Fatalf("call %d: %+v %v", i, r, err)
		}
	}
}

// TestRouteAnswerPublishFails: an answer that must cross nodes while the bus fails gets 503 with
// Retry-After (the client sends it again), not 202 for an answer that reached nobody.
func TestRouteAnswerPublishFails(t *testing.T) {
	n := newTwoNodes(t, func(*server.Server) {})
	sid := n.initializeOn(0)
	n.bus.fail.Store(true)
	resp := n.post(`{"jsonrpc":"2.0","id":"s1.elsewhere","result":{}}`, on(1, sid)...)
	readJSON(t, resp)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("answer while the bus fails: %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	n.bus.fail.Store(false)
	resp = n.post(`{"jsonrpc":"2.0","id":"s1.elsewhere","result":{}}`, on(1, sid)...)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("answer once the bus works: %d", resp.StatusCode)
	}
}

// blockTool registers "block", which reports its start and waits for its ctx, then reports that.
func blockTool(started, stopped chan struct{}) func(s *server.Server) {
	return func(s *server.Server) {
		server.Tool(s, "block", "", func(ctx context.Context, _ struct{}) (string, error) {
			started <- struct{}{}
			<-ctx.Done()
			stopped <- struct{}{}
			return "", ctx.Err()
		})
	}
}

// TestRouteCancelAcrossNodes: notifications/cancelled landing on the node that does not run the request
// cancels it on the node that does, and the request gets no response (202, as for a local cancel).
func TestRouteCancelAcrossNodes(t *testing.T) {
	started, stopped := make(chan struct{}, 1), make(chan struct{}, 1)
	n := newTwoNodes(t, blockTool(started, stopped))
	sid := n.initializeOn(0)
	status := make(chan int, 1)
	go func() {
		resp, err := n.doErr(context.Background(), `{"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"block","arguments":{}}}`, on(0, sid)...)
		if err != nil {
			status <- 0
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	waitFor(t, started, "start of the tool")
	resp := n.post(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"c1","reason":"changed my mind"}}`, on(1, sid)...)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("notifications/cancelled on the other node: %d", resp.StatusCode)
	}
	waitFor(t, stopped, "cancellation of the tool on the node running it")
	if got := <-status; got != http.StatusAccepted {
		t.Fatalf("the cancelled request was answered %d, want 202 (no response)", got)
	}
}

// TestRouteCancelPublishFails: a cancellation that must cross nodes while the bus fails gets 503.
func TestRouteCancelPublishFails(t *testing.T) {
	n := newTwoNodes(t, func(*server.Server) {})
	sid := n.initializeOn(0)
	n.bus.fail.Store(true)
	resp := n.post(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"x"}}`, on(1, sid)...)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("cancel while the bus fails: %d; want 503 with Retry-After", resp.StatusCode)
	}
}

// TestRouteChangedAcrossNodes: logging/setLevel on one node reaches the other node's cached copy of the
// session (it reloads the state), whose GET stream stays open.
func TestRouteChangedAcrossNodes(t *testing.T) {
	n := newTwoNodes(t, func(s *server.Server) {
		server.Tool(s, "chatty", "", func(ctx context.Context, _ struct{}) (string, error) {
			server.Log(ctx).Info("an info message")
			return "done", nil
		})
	})
	sid := n.initializeOn(0)
	n.ping(1, sid) // node 1 caches the session (log level: everything)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	get, err := n.getStream(ctx, 1, sid)
	if err != nil {
		t.Fatal(err)
	}
	defer get.Body.Close()
	events := newSSE(get.Body)
	if _, err := events.next(); err != nil { // the priming event
		t.Fatal(err)
	}

	resp := n.post(`{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"error"}}`, on(0, sid)...)
	readJSON(t, resp)
	if resp.StatusCode != 200 {
		t.Fatalf("setLevel: %d", resp.StatusCode)
	}
	// The bus is asynchronous: node 1 reloads once it has read the message, so the first calls may still
	// log; without routing it never stops.
	httptestx.WaitFor(t, "node 1 to stop sending info logs after the level was set to error on node 0", func() bool {
		resp := n.post(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"chatty","arguments":{}}}`, on(1, sid)...)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode == 200 && strings.Contains(string(body), "done") && !strings.Contains(string(body), "notifications/message")
	})
	// The GET stream node 1 held before the reload still delivers.
	server.Tool(n.srv[1], "late", "", func(context.Context, struct{}) (string, error) { return "", nil })
	ev, err := events.next()
	if err != nil || !strings.Contains(ev.data, "notifications/tools/list_changed") {
		t.Fatalf("the GET stream after the reload: %+v %v", ev, err)
	}
}

func (n *twoNodes) getStream(ctx context.Context, i int, sid string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	for _, kv := range on(i, sid) {
		k, v, _ := strings.Cut(kv, ": ")
		req.Header.Set(k, v)
	}
	resp, err := n.ts.Client().Do(req)
	if err == nil && resp.StatusCode != 200 {
		resp.Body.Close()
		return nil, fmt.Errorf("GET on node %d: %d", i, resp.StatusCode)
	}
	return resp, err
}

// TestRouteEndedAcrossNodes: DELETE on one node ends the session on the other too: its GET stream ends
// and its running handler is cancelled.
func TestRouteEndedAcrossNodes(t *testing.T) {
	started, stopped := make(chan struct{}, 1), make(chan struct{}, 1)
	n := newTwoNodes(t, blockTool(started, stopped))
	sid := n.initializeOn(0)
	n.ping(1, sid)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	get, err := n.getStream(ctx, 1, sid)
	if err != nil {
		t.Fatal(err)
	}
	defer get.Body.Close()
	go func() {
		resp, err := n.doErr(ctx, `{"jsonrpc":"2.0","id":"b","method":"tools/call","params":{"name":"block","arguments":{}}}`, on(1, sid)...)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	waitFor(t, started, "start of the tool on node 1")

	del := n.do(context.Background(), http.MethodDelete, "", on(0, sid)...)
	del.Body.Close()
	if del.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE on node 0: %d", del.StatusCode)
	}
	waitFor(t, stopped, "cancellation of node 1's handler")
	ended := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, get.Body)
		close(ended)
	}()
	waitFor(t, ended, "end of node 1's GET stream")
	resp := n.post(`{"jsonrpc":"2.0","id":"p","method":"ping"}`, on(1, sid)...)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("ping on node 1 after DELETE on node 0: %d, want 404", resp.StatusCode)
	}
}

// TestRouteIdleCopyDropped: a node that only restored a session (it opened none) forgets its copy once
// idle there — unsubscribing its topic — without ending the session, which the node using it goes on
// serving and which the idle node restores again on its next request.
func TestRouteIdleCopyDropped(t *testing.T) {
	n := newTwoNodes(t, func(*server.Server) {}, func(o *streamable.Options) { o.SessionIdleTimeout = 200 * time.Millisecond })
	sid := n.initializeOn(0)
	n.ping(1, sid)
	if got := streamable.LiveSessions(n.h[1]); got != 1 {
		t.Fatalf("node 1 holds %d sessions after serving one, want 1", got)
	}
	httptestx.WaitFor(t, "node 1 to forget its idle copy", func() bool {
		n.ping(0, sid) // in use on node 0
		time.Sleep(20 * time.Millisecond)
		return streamable.LiveSessions(n.h[1]) == 0
	})
	n.ping(1, sid) // still in the store: restored again
}
