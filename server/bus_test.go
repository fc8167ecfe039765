package server_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/syncbuf"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// Two servers sharing a bus are two nodes of one deployment: a change made on one reaches the subscribers
// of the other (docs/SCALING.md, "Messages that cross nodes").

// newNode returns a server on bus that serves the resource uri; Close runs at cleanup.
func newNode(t *testing.T, bus store.Bus, uri string, log *slog.Logger) *server.Server {
	t.Helper()
	s := server.New("node", "1", &server.Options{Bus: bus, Logger: log})
	server.Resource(s, uri, "", func(context.Context) (string, error) { return "v", nil })
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// wait receives from ch or fails the test after a generous bound against a hang.
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s", what)
		var zero T
		return zero
	}
}

// TestBusLegacySessionOnOtherNode: a legacy client on node B gets resources/updated for the URI it
// subscribed when node A calls ResourceUpdated, and tools/list_changed when A registers a tool.
func TestBusLegacySessionOnOtherNode(t *testing.T) {
	bus := store.NewMemoryBus(store.MemoryBusOptions{})
	const uri = "file:///shared"
	a, b := newNode(t, bus, uri, nil), newNode(t, bus, uri, nil)
	updated := make(chan string, 8)
	tools := make(chan struct{}, 8)
	sess := connect(t, b, &client.Options{
		ProtocolVersion:   mcp.Version20251125,
		OnResourceUpdated: func(_ context.Context, u string) { updated <- u },
		OnToolsChanged:    func(context.Context) { tools <- struct{}{} },
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sess.Subscribe(ctx, uri); err != nil {
		t.Fatal(err)
	}
	a.ResourceUpdated("file:///not-subscribed")
	a.ResourceUpdated(uri)
	if u := wait(t, updated, "resources/updated from the other node"); u != uri {
		t.Fatalf("updated %q, want %q (only the subscribed URI)", u, uri)
	}
	server.Tool(a, "added", "", func(context.Context, struct{}) (string, error) { return "", nil })
	wait(t, tools, "tools/list_changed from the other node")
}

// signalBus is a MemoryBus that tells when a Publish has returned (every subscriber's queue holds the
// message by then), and can be made to fail or to block.
type signalBus struct {
	*store.MemoryBus
	published chan struct{}
	fail      bool
	block     bool
}

func (b *signalBus) Publish(ctx context.Context, topic string, msg []byte) error {
	defer func() {
		select {
		case b.published <- struct{}{}:
		default: // nobody counts these (the blocking bus)
		}
	}()
	if b.block {
		<-ctx.Done()
		return ctx.Err()
	}
	if b.fail {
		return errors.New("bus down")
	}
	return b.MemoryBus.Publish(ctx, topic, msg)
}

// TestBusNoDuplicateOnOrigin: the node that made a change delivers it once (locally), not again when its
// own message comes back from the bus. A's client, subscribed to two URIs, sees A's update of the first,
// then B's update of the second: a duplicate of A's would come in between, since A's own message reached
// A's subscriber before B's.
func TestBusNoDuplicateOnOrigin(t *testing.T) {
	bus := &signalBus{MemoryBus: store.NewMemoryBus(store.MemoryBusOptions{}), published: make(chan struct{}, 8)}
	const uri1, uri2 = "file:///one", "file:///two"
	a, b := newNode(t, bus, uri1, nil), newNode(t, bus, uri1, nil)
	// Registering the resource published resources/list_changed from each node: let both go by.
	wait(t, bus.published, "publish")
	wait(t, bus.published, "publish")
	w := rawPeer(t, a)
	legacyInit(w, mcp.Version20251125)
	for i, u := range []string{uri1, uri2} {
		if m := w.roundTrip(`{"jsonrpc":"2.0","id":` + string(rune('1'+i)) + `,"method":"resources/subscribe","params":{"uri":"` + u + `"}}`); m["error"] != nil {
			t.Fatal(m)
		}
	}
	a.ResourceUpdated(uri1)
	wait(t, bus.published, "A's publish") // A's own message is now queued for A's subscriber, before B's below
	b.ResourceUpdated(uri2)
	var got []string
	for len(got) < 2 {
		m := w.recv()
		if m["method"] == mcp.MethodNotificationResourcesListChanged {
			continue // B's registration, delivered whenever A's subscriber got to it
		}
		if m["method"] != mcp.MethodNotificationResourceUpdated {
			t.Fatalf("unexpected %v", m)
		}
		got = append(got, m["params"].(map[string]any)["uri"].(string))
	}
	if got[0] != uri1 || got[1] != uri2 {
		t.Fatalf("updates %v, want [%s %s] (once each)", got, uri1, uri2)
	}
}

// TestBusFailureNeverBlocksAChange: a bus that refuses every message is logged and the change is still
// delivered locally; a bus that never answers does not hold ResourceUpdated or AddTool, even past the
// publish queue, and Close still returns.
func TestBusFailureNeverBlocksAChange(t *testing.T) {
	t.Run("fails", func(t *testing.T) {
		var logs syncbuf.Buffer
		bus := &signalBus{MemoryBus: store.NewMemoryBus(store.MemoryBusOptions{}), published: make(chan struct{}, 8), fail: true}
		const uri = "file:///f"
		s := newNode(t, bus, uri, slog.New(slog.NewTextHandler(&logs, nil)))
		wait(t, bus.published, "publish of the registration")
		updated := make(chan string, 1)
		sess := connect(t, s, &client.Options{ProtocolVersion: mcp.Version20251125, OnResourceUpdated: func(_ context.Context, u string) { updated <- u }})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := sess.Subscribe(ctx, uri); err != nil {
			t.Fatal(err)
		}
		s.ResourceUpdated(uri)
		wait(t, updated, "local resources/updated")
		wait(t, bus.published, "publish of the update")
		_ = s.Close()
		if out := logs.String(); !strings.Contains(out, "publishing a change to other nodes") || !strings.Contains(out, "bus down") ||
			!strings.Contains(out, mcp.MethodNotificationResourceUpdated) {
			t.Fatalf("log: %s", out)
		}
	})
	t.Run("blocks", func(t *testing.T) {
		var logs syncbuf.Buffer
		bus := &signalBus{MemoryBus: store.NewMemoryBus(store.MemoryBusOptions{}), published: make(chan struct{}, 1), block: true}
		s := newNode(t, bus, "file:///b", slog.New(slog.NewTextHandler(&logs, nil)))
		for range 1000 {
			s.ResourceUpdated("file:///b")
		}
		server.Tool(s, "t", "", func(context.Context, struct{}) (string, error) { return "", nil })
		_ = s.Close() // ends the blocked Publish
		if out := logs.String(); !strings.Contains(out, "too many changes waiting for the bus") {
			t.Fatalf("log: %s", out)
		}
	})
}

// TestBusModernListenOnOtherNode: a 2026-07-28 client holding subscriptions/listen on node B over
// Streamable HTTP sees a tool registered on node A and an update of a resource it listens to.
func TestBusModernListenOnOtherNode(t *testing.T) {
	bus := store.NewMemoryBus(store.MemoryBusOptions{})
	const uri = "file:///m"
	a, b := newNode(t, bus, uri, nil), newNode(t, bus, uri, nil)
	h := b.Handler(nil)
	hs := httptest.NewServer(h) // 127.0.0.1
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		hs.Close()
	})
	c, err := streamable.NewClient(hs.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	tools := make(chan struct{}, 8)
	updated := make(chan string, 8)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, err := client.Connect(ctx, c, &client.Options{
		ProtocolVersion:   mcp.Version20260728,
		OnToolsChanged:    func(context.Context) { tools <- struct{}{} },
		OnResourceUpdated: func(_ context.Context, u string) { updated <- u },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	lctx, stop := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- sess.Listen(lctx, mcp.SubscriptionFilter{ToolsListChanged: true, ResourceSubscriptions: []string{uri}},
			func(mcp.SubscriptionFilter) { close(ready) })
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Listen ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no acknowledgement")
	}
	server.Tool(a, "added", "", func(context.Context, struct{}) (string, error) { return "", nil })
	wait(t, tools, "tools/list_changed from the other node")
	a.ResourceUpdated(uri)
	if u := wait(t, updated, "resources/updated from the other node"); u != uri {
		t.Fatalf("updated %q", u)
	}
	stop()
	if err := wait(t, done, "end of Listen"); err != nil {
		t.Fatal(err)
	}
}

// refusingBus refuses its first Subscribe, then works and says so.
type refusingBus struct {
	*store.MemoryBus
	calls      int
	subscribed chan struct{}
}

func (b *refusingBus) Subscribe(ctx context.Context, topic string) (store.Subscription, error) {
	b.calls++ // only the receiving goroutine calls it after New
	if b.calls == 1 {
		return nil, errors.New("bus down")
	}
	sub, err := b.MemoryBus.Subscribe(ctx, topic)
	close(b.subscribed)
	return sub, err
}

// TestBusSubscribeRetried: a node whose bus refused the subscription at New (logged) subscribes again by
// itself and then receives the other nodes' changes.
func TestBusSubscribeRetried(t *testing.T) {
	mem := store.NewMemoryBus(store.MemoryBusOptions{})
	var logs syncbuf.Buffer
	const uri = "file:///r"
	a := newNode(t, mem, uri, nil)
	rb := &refusingBus{MemoryBus: mem, subscribed: make(chan struct{})}
	b := newNode(t, rb, uri, slog.New(slog.NewTextHandler(&logs, nil)))
	if out := logs.String(); !strings.Contains(out, "subscribing to other nodes' changes; retrying") || !strings.Contains(out, "bus down") {
		t.Fatalf("log: %s", out)
	}
	updated := make(chan string, 8)
	sess := connect(t, b, &client.Options{ProtocolVersion: mcp.Version20251125, OnResourceUpdated: func(_ context.Context, u string) { updated <- u }})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sess.Subscribe(ctx, uri); err != nil {
		t.Fatal(err)
	}
	wait(t, rb.subscribed, "second subscription")
	a.ResourceUpdated(uri)
	if u := wait(t, updated, "resources/updated after the retry"); u != uri {
		t.Fatalf("updated %q", u)
	}
}
