package redis_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store/redis"
	"github.com/mcpkit/mcpkit/transport/memory"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// changeNode returns one node's server with the Redis bus of its own Store (as a separate process would
// have); both are closed at cleanup.
func changeNode(t *testing.T, srv *redistest.Server, uri string) *server.Server {
	st, err := redis.Open(srv.URL(0), redis.Options{Prefix: "changes:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s := server.New("changes", "1.0.0", &server.Options{Bus: st.Bus})
	t.Cleanup(func() { _ = s.Close() }) // before the Store's Close (cleanups run last first)
	server.Resource(s, uri, "", func(context.Context) (string, error) { return "v", nil })
	return s
}

func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("no %s", what)
		var zero T
		return zero
	}
}

// TestTwoNodesChanges: on a real Redis, changes made on node A reach the subscribers of node B in both
// eras: a legacy session (resources/updated for its subscription, tools/list_changed) and a 2026-07-28
// subscriptions/listen stream over Streamable HTTP.
func TestTwoNodesChanges(t *testing.T) {
	srv := redistest.Start(t)
	const uri = "file:///shared"
	a, b := changeNode(t, srv, uri), changeNode(t, srv, uri)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Legacy, on an in-memory connection to B.
	p1, p2 := memory.Pipe()
	sctx, stopServe := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- b.Serve(sctx, p1) }()
	t.Cleanup(func() { stopServe(); p2.Close(); <-served })
	legacyUpdated := make(chan string, 8)
	legacyTools := make(chan struct{}, 8)
	legacy, err := client.Connect(ctx, p2, &client.Options{
		ProtocolVersion:   mcp.Version20251125,
		OnResourceUpdated: func(_ context.Context, u string) { legacyUpdated <- u },
		OnToolsChanged:    func(context.Context) { legacyTools <- struct{}{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer legacy.Close()
	if err := legacy.Subscribe(ctx, uri); err != nil {
		t.Fatal(err)
	}

	// Modern, subscriptions/listen over Streamable HTTP to B.
	h := b.Handler(nil)
	hs := httptest.NewServer(h)
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(cctx)
		hs.Close()
	})
	c, err := streamable.NewClient(hs.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	modernUpdated := make(chan string, 8)
	modernTools := make(chan struct{}, 8)
	modern, err := client.Connect(ctx, c, &client.Options{
		ProtocolVersion:   mcp.Version20260728,
		OnResourceUpdated: func(_ context.Context, u string) { modernUpdated <- u },
		OnToolsChanged:    func(context.Context) { modernTools <- struct{}{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer modern.Close()
	lctx, stopListen := context.WithCancel(context.Background())
	ready := make(chan struct{})
	listened := make(chan error, 1)
	go func() {
		listened <- modern.Listen(lctx, mcp.SubscriptionFilter{ToolsListChanged: true, ResourceSubscriptions: []string{uri}},
			func(mcp.SubscriptionFilter) { close(ready) })
	}()
	waitFor(t, ready, "acknowledgement of subscriptions/listen")

	a.ResourceUpdated(uri)
	if u := waitFor(t, legacyUpdated, "legacy resources/updated"); u != uri {
		t.Fatalf("legacy updated %q", u)
	}
	if u := waitFor(t, modernUpdated, "modern resources/updated"); u != uri {
		t.Fatalf("modern updated %q", u)
	}
	server.Tool(a, "added", "", func(context.Context, struct{}) (string, error) { return "", nil })
	waitFor(t, legacyTools, "legacy tools/list_changed")
	waitFor(t, modernTools, "modern tools/list_changed")
	stopListen()
	if err := waitFor(t, listened, "end of Listen"); err != nil {
		t.Fatal(err)
	}
}
