package streamable_test

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"

	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// holdBus is a memory bus whose Publish of GET-stream announcements can be held until released (or until
// the publisher's context ends): a slow bus.
type holdBus struct {
	*store.MemoryBus
	hold    atomic.Bool
	release chan struct{}
}

func (b *holdBus) Publish(ctx context.Context, topic string, msg []byte) error {
	if b.hold.Load() && bytes.Contains(msg, []byte(`"kind":"get-`)) {
		select {
		case <-b.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return b.MemoryBus.Publish(ctx, topic, msg)
}

// TestGETAnnouncementsCoalesce: while the bus is slow, a client that opens and closes its GET stream again
// and again leaves at most two announcements waiting on the node (the net effect for the other nodes: a
// get-opened, then a get-closed), not one per open and per close.
func TestGETAnnouncementsCoalesce(t *testing.T) {
	bus := &holdBus{MemoryBus: store.NewMemoryBus(store.MemoryBusOptions{}), release: make(chan struct{})}
	n := newTwoNodes(t, func(*server.Server) {}, func(o *streamable.Options) { o.Bus = bus })
	t.Cleanup(func() { close(bus.release) }) // runs before newTwoNodes closes the handlers
	sid := n.initializeOn(0)
	bus.hold.Store(true)
	for range 10 {
		ctx, cancel := context.WithCancel(context.Background())
		get, err := n.getStream(ctx, 0, sid)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		if _, err := newSSE(get.Body).next(); err != nil { // the priming event
			cancel()
			t.Fatal(err)
		}
		waitUntil(t, "node 0 follows the GET stream", func() bool { return streamable.HoldsGET(n.h[0], sid) })
		cancel()
		get.Body.Close()
		waitUntil(t, "node 0 ends the GET stream", func() bool { return !streamable.HoldsGET(n.h[0], sid) })
	}
	if got := streamable.PendingAnnounces(n.h[0], sid); got > 2 {
		t.Fatalf("%d announcements wait to be published after 10 GET streams opened and closed (want at most 2)", got)
	}
}
