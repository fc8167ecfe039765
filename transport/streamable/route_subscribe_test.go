package streamable_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// TestRouteSubscribeReachesGETHolder: the node holding a legacy session's GET stream is the one that
// sends it resources/updated, filtered by its copy's subscriptions. A resources/subscribe that lands on
// the other node must reach that copy without waiting for a request to come to its node (none may: the
// change can come from anywhere, as in interop's TestCluster, where another client makes it).
func TestRouteSubscribeReachesGETHolder(t *testing.T) {
	n := newTwoNodes(t, func(*server.Server) {})
	sid := n.initializeOn(0)
	n.ping(1, sid) // node 1 caches the session, with no subscription yet

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	get, err := n.getStream(ctx, 1, sid)
	if err != nil {
		t.Fatal(err)
	}
	defer get.Body.Close()
	updated := make(chan struct{})
	go func() {
		events := newSSE(get.Body)
		for {
			ev, err := events.next()
			if err != nil {
				return
			}
			if strings.Contains(ev.data, "notifications/resources/updated") {
				close(updated)
				return
			}
		}
	}()

	resp := n.post(`{"jsonrpc":"2.0","id":2,"method":"resources/subscribe","params":{"uri":"demo://x"}}`, on(0, sid)...)
	readJSON(t, resp)
	if resp.StatusCode != 200 {
		t.Fatalf("subscribe on node 0: %d", resp.StatusCode)
	}
	// The bus is asynchronous: changes made right after the subscribe may still meet the old copy. Without
	// the reload, none ever reaches the client.
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		n.srv[1].ResourceUpdated("demo://x") // a change on node 1, the GET holder, made by no request of the session
		select {
		case <-updated:
			return
		case <-deadline:
			t.Fatal("no resources/updated on the GET stream of node 1 within 10s of subscribing through node 0")
		case <-tick.C:
		}
	}
}

// slowLoads is a session store whose Load, once armed, signals that it started and then waits for
// release.
type slowLoads struct {
	store.SessionStore
	armed   atomic.Bool
	started chan struct{}
	release chan struct{}
}

func (s *slowLoads) Load(ctx context.Context, id string) (*store.SessionState, error) {
	if s.armed.CompareAndSwap(true, false) {
		close(s.started)
		<-s.release
	}
	return s.SessionStore.Load(ctx, id)
}

// TestRouteUseWaitsForRunningReload: the node holding the GET stream reloads the session as soon as
// another node announces a change; a request arriving there meanwhile must wait for that reload, not go
// on with the old state (it did when the reload had already taken the stale mark).
func TestRouteUseWaitsForRunningReload(t *testing.T) {
	slow := &slowLoads{started: make(chan struct{}), release: make(chan struct{})}
	n := newTwoNodes(t, func(s *server.Server) {
		server.Tool(s, "chatty", "", func(ctx context.Context, _ struct{}) (string, error) {
			server.Log(ctx).Info("an info message")
			return "done", nil
		})
	}, func(o *streamable.Options) { slow.SessionStore = o.Sessions; o.Sessions = slow })
	sid := n.initializeOn(0)
	n.ping(1, sid)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	get, err := n.getStream(ctx, 1, sid)
	if err != nil {
		t.Fatal(err)
	}
	defer get.Body.Close()

	slow.armed.Store(true)
	resp := n.post(`{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"error"}}`, on(0, sid)...)
	readJSON(t, resp)
	if resp.StatusCode != 200 {
		t.Fatalf("setLevel on node 0: %d", resp.StatusCode)
	}
	select {
	case <-slow.started: // node 1 is reloading
	case <-time.After(10 * time.Second):
		t.Fatal("node 1, which holds the GET stream, did not reload the session after the change")
	}
	answered := make(chan string, 1)
	go func() {
		resp := n.post(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"chatty","arguments":{}}}`, on(1, sid)...)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answered <- string(body)
	}()
	time.Sleep(100 * time.Millisecond) // the call reaches node 1 while the reload waits
	close(slow.release)
	select {
	case body := <-answered:
		if !strings.Contains(body, "done") || strings.Contains(body, "notifications/message") {
			t.Fatalf("the call on node 1 during its reload: %s (an info log means it used the old level)", body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call on node 1 got no answer")
	}
}

// gatedEarly is a memory event store whose Replay of a session's "early" stream (read by a GET opening, before
// its follower is in place), once armed, signals that it started and then waits for release.
type gatedEarly struct {
	*store.MemoryEventStore
	armed   atomic.Bool
	started chan struct{}
	release chan struct{}
}

func (g *gatedEarly) Replay(ctx context.Context, sessionID, after string, fn func(id string, data []byte) error) (string, error) {
	if stream, _, err := store.ParseEventID(after); err == nil && stream == "early" && g.armed.CompareAndSwap(true, false) {
		close(g.started)
		<-g.release
	}
	return g.MemoryEventStore.Replay(ctx, sessionID, after, fn)
}

// TestRouteChangeWhileGETOpens: a "changed" that reaches the node while a GET stream is opening there (its
// follower not yet in place) only marks the copy stale; the node that then holds the GET must still reload
// it, since no request of the session may come to it (TestRouteSubscribeReachesGETHolder failed now and then
// under load this way).
func TestRouteChangeWhileGETOpens(t *testing.T) {
	gate := &gatedEarly{MemoryEventStore: store.NewMemoryEventStore(store.MemoryEventOptions{}),
		started: make(chan struct{}), release: make(chan struct{})}
	n := newTwoNodes(t, func(*server.Server) {}, func(o *streamable.Options) { o.Events = gate })
	sid := n.initializeOn(0)
	n.ping(1, sid) // node 1 caches the session, with no subscription yet

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gate.armed.Store(true)
	type result struct {
		resp *http.Response
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := n.getStream(ctx, 1, sid)
		got <- result{resp, err}
	}()
	waitFor(t, gate.started, "GET opening on node 1")
	resp := n.post(`{"jsonrpc":"2.0","id":2,"method":"resources/subscribe","params":{"uri":"demo://x"}}`, on(0, sid)...)
	readJSON(t, resp)
	if resp.StatusCode != 200 {
		close(gate.release)
		t.Fatalf("subscribe on node 0: %d", resp.StatusCode)
	}
	waitUntil(t, "node 1 hears the change", func() bool { return streamable.Stale(n.h[1], sid) })
	close(gate.release)
	r := <-got
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.resp.Body.Close()
	updated := make(chan struct{})
	go func() {
		events := newSSE(r.resp.Body)
		for {
			ev, err := events.next()
			if err != nil {
				return
			}
			if strings.Contains(ev.data, "notifications/resources/updated") {
				close(updated)
				return
			}
		}
	}()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		n.srv[1].ResourceUpdated("demo://x") // a change on node 1, the GET holder, made by no request of the session
		select {
		case <-updated:
			return
		case <-deadline:
			t.Fatal("no resources/updated on the GET stream of node 1 within 10s: its copy was not reloaded")
		case <-tick.C:
		}
	}
}
