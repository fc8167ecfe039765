package redis

import (
	"context"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/store"
)

// TestKeyGrace: a replaced key opens until its grace is over, then it is retired, and the next rotation
// deletes it from Redis.
func TestKeyGrace(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	raw := rawClient(t, srv)
	r := newStore(t, srv, Options{Prefix: "grace:", KeyGrace: 20 * time.Millisecond}).Keys
	old, err := r.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // past the grace
	if _, err := r.Lookup(ctx, old.ID); err != store.ErrNotFound {
		t.Errorf("a key past its grace still opens: %v", err)
	}
	if _, err := r.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if ids := raw.ZRange(ctx, "grace:{k}", 0, -1).Val(); len(ids) != 2 || ids[0] == old.ID {
		t.Errorf("ring after the second rotation: %v (the first key should be gone)", ids)
	}
	if n := raw.HLen(ctx, "grace:{k}:s").Val(); n != 2 {
		t.Errorf("%d secrets kept, want 2", n)
	}
}

// TestKeyRingFirstKeyOnce: nodes starting together on an empty Redis agree on one first key.
func TestKeyRingFirstKeyOnce(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	const nodes = 4
	ids := make(chan string, nodes)
	for range nodes {
		st := newStore(t, srv, Options{Prefix: "first:"})
		go func() {
			k, err := st.Keys.Current(ctx)
			if err != nil {
				t.Error(err)
			}
			ids <- k.ID
		}()
	}
	first := <-ids
	for range nodes - 1 {
		if id := <-ids; id != first {
			t.Errorf("nodes disagree on the first key: %s, %s", first, id)
		}
	}
}
