package redis

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/store"
)

// TestEventKeysExpire: every key of a session's log carries EventMaxAge from its last append, so the log of
// a session that expired (or whose node died) leaves Redis by itself; DeleteSession removes every key.
func TestEventKeysExpire(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	raw := rawClient(t, srv)
	st := newStore(t, srv, Options{Prefix: "ev:", EventMaxAge: time.Hour})
	if _, err := st.Events.Append(ctx, "s", "A", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Events.Append(ctx, "s", "B", []byte("y")); err != nil {
		t.Fatal(err)
	}
	keys := raw.Keys(ctx, "ev:*").Val()
	if len(keys) != 4 { // m, z, s:A, s:B
		t.Fatalf("keys %v, want 4", keys)
	}
	for _, k := range keys {
		if d := raw.PTTL(ctx, k).Val(); d <= 59*time.Minute || d > time.Hour {
			t.Errorf("%s: TTL %v, want about 1h", k, d)
		}
	}
	if err := st.Events.DeleteSession(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	if keys := raw.Keys(ctx, "ev:*").Val(); len(keys) != 0 {
		t.Errorf("after DeleteSession: keys %v left", keys)
	}
}

// clock is a settable clock for the event log's ages.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// TestEventEviction: count, age and byte budgets drop the oldest events, and a replay across a dropped
// event fails (the memory store's rules, same cases).
func TestEventEviction(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	st := newStore(t, srv, Options{MaxEventsPerStream: 3, EventMaxAge: time.Minute}).Events
	st.now = clk.Now
	var ids []string
	for range 5 {
		id, err := st.Append(ctx, "s", "A", []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, err := st.Replay(ctx, "s", ids[0], func(string, []byte) error { return nil }); err != store.ErrNotFound {
		t.Errorf("resume across evicted events: %v", err)
	}
	n := 0
	if _, err := st.Replay(ctx, "s", ids[1], func(string, []byte) error { n++; return nil }); err != nil || n != 3 {
		t.Errorf("resume after ids[1]: %d events, %v", n, err)
	}
	clk.now = clk.now.Add(2 * time.Minute)
	if _, err := st.Replay(ctx, "s", ids[2], func(string, []byte) error { return nil }); err != store.ErrNotFound {
		t.Errorf("resume after the events aged out: %v", err)
	}
	if _, err := st.Append(ctx, "s", "bad/stream", nil); err == nil {
		t.Error("a stream id with '/' was accepted")
	}
	// A new event on A after its events aged out starts a new stream: an id from before the aged-out events
	// never replays across them; the last id before the new event resumes exactly.
	a, err := st.Append(ctx, "s", "A", []byte("y"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Replay(ctx, "s", ids[3], func(string, []byte) error { return nil }); err != store.ErrNotFound {
		t.Errorf("resume from before the gap: %v", err)
	}
	var got []string
	if _, err := st.Replay(ctx, "s", ids[4], func(_ string, d []byte) error { got = append(got, string(d)); return nil }); err != nil || fmt.Sprint(got) != "[y]" {
		t.Errorf("resume after the last aged-out event: %v, %v", got, err)
	}
	if _, err := st.Replay(ctx, "s", a, func(string, []byte) error { return nil }); err != nil {
		t.Errorf("resume after the new event: %v", err)
	}
}

func TestEventSessionBudget(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	raw := rawClient(t, srv)
	st := newStore(t, srv, Options{Prefix: "budget:", MaxEventBytesPerSession: 100}).Events
	bytes := func() int64 { n, _ := raw.HGet(ctx, "budget:e:{s}:m", "b").Int64(); return n }
	first, _ := st.Append(ctx, "s", "A", make([]byte, 40))
	second, _ := st.Append(ctx, "s", "B", make([]byte, 40))
	if _, err := st.Append(ctx, "other", "A", make([]byte, 90)); err != nil {
		t.Fatal(err)
	}
	_, _ = st.Append(ctx, "s", "A", make([]byte, 40)) // 120 > 100: the oldest (first) goes
	if got := bytes(); got != 80 {
		t.Errorf("session holds %d bytes, want 80", got)
	}
	n := 0
	if _, err := st.Replay(ctx, "s", first, func(string, []byte) error { n++; return nil }); err != nil || n != 1 {
		t.Errorf("replay after the dropped event itself: %d events, %v", n, err)
	}
	if _, err := st.Replay(ctx, "s", second, func(string, []byte) error { return nil }); err != nil {
		t.Errorf("stream B lost: %v", err)
	}
	big, err := st.Append(ctx, "s", "C", make([]byte, 500))
	if err != nil {
		t.Fatal(err)
	}
	if got := bytes(); got != 500 {
		t.Errorf("after an event larger than the budget: %d bytes held, want 500", got)
	}
	if _, err := st.Replay(ctx, "s", second, func(string, []byte) error { return nil }); err != nil {
		t.Errorf("replay after B's last event: %v", err)
	}
	if _, err := st.Replay(ctx, "s", big, func(string, []byte) error { return nil }); err != nil {
		t.Errorf("the newest event must be kept: %v", err)
	}
	if err := st.DeleteStream(ctx, "s", "C"); err != nil {
		t.Fatal(err)
	}
	if got := bytes(); got != 0 {
		t.Errorf("after deleting the only stream with events: %d bytes counted", got)
	}
}

// TestEndedStreamsExpire: a stream nobody appends to any more is dropped after EventMaxAge.
func TestEndedStreamsExpire(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	raw := rawClient(t, srv)
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	st := newStore(t, srv, Options{Prefix: "ended:", EventMaxAge: time.Minute}).Events
	st.now = clk.Now
	var ids []string
	for i := range 50 {
		id, _ := st.Append(ctx, "s", fmt.Sprint("post", i), make([]byte, 10))
		ids = append(ids, id)
	}
	clk.now = clk.now.Add(2 * time.Minute)
	_, _ = st.Append(ctx, "s", "get", []byte("x"))
	if n, _ := raw.HGet(ctx, "ended:e:{s}:m", "b").Int64(); n != 1 {
		t.Errorf("after the window %d bytes held, want 1", n)
	}
	if keys := raw.Keys(ctx, "ended:e:{s}:s:*").Val(); len(keys) != 1 {
		t.Errorf("stream keys after the window: %v, want only get's", keys)
	}
	if _, err := st.Replay(ctx, "s", ids[0], func(string, []byte) error { return nil }); err != store.ErrNotFound {
		t.Errorf("replay of an expired stream: %v", err)
	}
}

// TestEventBytesOfExpiredStream: a stream that ends while detached keeps its events until its key expires
// (EventMaxAge after its last append) while the session's other streams go on; the bytes it held must leave
// the session's byte budget with it, or the budget drifts up and later appends drop events they need not.
func TestEventBytesOfExpiredStream(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	raw := rawClient(t, srv)
	st := newStore(t, srv, Options{Prefix: "eb:", EventMaxAge: time.Hour, MaxEventBytesPerSession: 250})
	if _, err := st.Events.Append(ctx, "s", "A", make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	// What Redis does when A's key outlives its TTL (the session's keys live on: B appends refresh them).
	if err := raw.Del(ctx, "eb:e:{s}:s:A").Err(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := st.Events.Append(ctx, "s", "B", make([]byte, 100)); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	if _, err := st.Events.Replay(ctx, "s", "B/0", func(string, []byte) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("B holds %d events, want 2 (200 bytes of a 250-byte budget)", n)
	}
}
