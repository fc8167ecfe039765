package redis

import (
	"context"
	"fmt"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/store"
)

// TestLeaseRoundTrips counts the Redis round trips of leases (docs/SCALING.md, "Redis round trips"): a
// request's stream costs what it cost without leases (its first and final events are the append script in
// another mode), a node's refresh is one round trip for all its leases, and settling an orphaned stream
// costs two (the state, then the conditional append).
func TestLeaseRoundTrips(t *testing.T) {
	srv := redistest.Start(t)
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
	hook := &countHook{}
	c.AddHook(hook)
	st := New(c, Options{Prefix: fmt.Sprintf("test%d:", prefixes.Add(1))})
	t.Cleanup(func() { _ = st.Close(); _ = c.Close() })
	ctx := context.Background()
	ev := st.Events
	// Load the scripts once (a warm node): a first EVALSHA of a script Redis does not hold costs two.
	_, _ = ev.AppendLeased(ctx, "warm", "A", nil, store.Lease{RequestID: "1", TTL: time.Second})
	_, _ = ev.StreamState(ctx, "warm", "A")
	// and open the connection pipelines use (go-redis keeps them apart; a new one costs HELLO and CLIENT).
	_ = ev.RefreshLeases(ctx, []store.StreamRef{{Session: "warm", Stream: "A"}}, time.Second)

	count := func(what string, want int64, f func() error) {
		t.Helper()
		hook.n.Store(0)
		if err := f(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := hook.n.Load(); got != want {
			t.Errorf("%s: %d round trips, want %d", what, got, want)
		}
		t.Logf("%s: %d round trip(s)", what, hook.n.Load())
	}
	const events = 10
	count("a request's stream: leased first event, 10 events, final event", events+2, func() error {
		if _, err := ev.AppendLeased(ctx, "s", "P", nil, store.Lease{Node: "n", RequestID: "7", TTL: 100 * time.Millisecond}); err != nil {
			return err
		}
		for range events {
			if _, err := ev.Append(ctx, "s", "P", []byte("progress")); err != nil {
				return err
			}
		}
		_, err := ev.AppendFinal(ctx, "s", "P", []byte("result"))
		return err
	})
	var refs []store.StreamRef
	for i := range 100 {
		id := fmt.Sprint("Q", i)
		if _, err := ev.AppendLeased(ctx, "s", id, nil, store.Lease{Node: "n", RequestID: "8", TTL: 100 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, store.StreamRef{Session: "s", Stream: id})
	}
	count("a node refreshing 100 leases", 1, func() error { return ev.RefreshLeases(ctx, refs, 100*time.Millisecond) })
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := ev.StreamState(ctx, "s", "Q0")
		if err != nil {
			t.Fatal(err)
		}
		if !s.Leased {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a 100 ms lease did not expire within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	count("settling an orphaned stream (state, conditional append)", 2, func() error {
		if _, err := ev.StreamState(ctx, "s", "Q1"); err != nil {
			return err
		}
		_, err := ev.AppendOrphaned(ctx, "s", "Q1", []byte("error"))
		return err
	})
}
