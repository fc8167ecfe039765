package redis

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/store"
)

// TestPublishCountUnsettledAfterRestart: when Redis restarts, every node's subscriptions are gone until its
// pub/sub connection comes back, so for a moment PUBLISH reaches nobody on a topic a node still serves. A
// bus whose own connection failed says so (store.ErrUnsettled) instead of a count of 0 that would read as
// "nobody holds it", until Options.Timeout after its connection came back; its own subscriptions work
// again without a restart.
func TestPublishCountUnsettledAfterRestart(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	st := newStore(t, srv, Options{Timeout: 300 * time.Millisecond})
	sub, err := st.Bus.Subscribe(ctx, "held") // starts the pub/sub connection
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if n, err := st.Bus.PublishCount(ctx, "nobody", []byte("x")); n != 0 || err != nil {
		t.Fatalf("before the restart: %d, %v; want 0 and no error", n, err)
	}

	srv.Restart(t)
	// Publishing fails while the connection redials, then reaches no node while unsettled, then settles.
	var sawUnsettled bool
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := st.Bus.PublishCount(ctx, "nobody", []byte("x"))
		if errors.Is(err, store.ErrUnsettled) {
			sawUnsettled = true
		} else if err == nil {
			if n != 0 {
				t.Fatalf("count %d for a topic nobody subscribed", n)
			}
			if sawUnsettled {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the restart: unsettled seen %v, last %d, %v", sawUnsettled, n, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The held topic was subscribed again by go-redis: it counts and delivers.
	for {
		n, err := st.Bus.PublishCount(ctx, "held", []byte("back"))
		if err == nil && n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the held topic did not come back: %d, %v", n, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for got := receive(t, sub); got != "back"; got = receive(t, sub) {
	}
}
