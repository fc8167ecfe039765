package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/store"
)

// TestSessionStore checks a SessionStore. newStore must return an empty store without limits or expiry.
func TestSessionStore(t *testing.T, newStore func(t *testing.T) store.SessionStore) {
	ctx := context.Background()
	t.Run("create load save delete", func(t *testing.T) {
		st := newStore(t)
		s := &store.SessionState{ID: "s1", ProtocolVersion: "2025-11-25", ClientInfo: []byte(`{"name":"c","version":"1"}`),
			LogLevel: "info", Subscriptions: []string{"a://b"}, Values: map[string]string{"k": "v"}}
		if err := st.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
		if err := st.Create(ctx, &store.SessionState{ID: "s1"}); !errors.Is(err, store.ErrExists) {
			t.Errorf("second create: %v, want ErrExists", err)
		}
		got, err := st.Load(ctx, "s1")
		if err != nil {
			t.Fatal(err)
		}
		if got.ProtocolVersion != "2025-11-25" || string(got.ClientInfo) != `{"name":"c","version":"1"}` || got.LogLevel != "info" ||
			len(got.Subscriptions) != 1 || got.Values["k"] != "v" || got.CreatedAt.IsZero() {
			t.Errorf("loaded %+v", got)
		}
		got.Values["k"] = "changed"
		got.Subscriptions[0] = "changed"
		again, _ := st.Load(ctx, "s1")
		if again.Values["k"] != "v" || again.Subscriptions[0] != "a://b" {
			t.Error("Load must return a copy")
		}
		again.Initialized = true
		if err := st.Save(ctx, again); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.Load(ctx, "s1"); !got.Initialized {
			t.Error("Save lost")
		}
		if err := st.Delete(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Load(ctx, "s1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after delete: %v", err)
		}
		if err := st.Save(ctx, again); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("save after delete: %v", err)
		}
		if err := st.Delete(ctx, "never"); err != nil {
			t.Errorf("deleting an unknown session: %v", err)
		}
	})
}

// TestEventStore checks an EventStore. newStore must keep at least 100 events per stream.
func TestEventStore(t *testing.T, newStore func(t *testing.T) store.EventStore) {
	ctx := context.Background()
	t.Run("replay after an id on its own stream", func(t *testing.T) {
		st := newStore(t)
		var ids []string
		for i := range 5 {
			id, err := st.Append(ctx, "sess", "A", []byte(fmt.Sprintf("a%d", i)))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
			if _, err := st.Append(ctx, "sess", "B", []byte(fmt.Sprintf("b%d", i))); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("duplicate event id %s", id)
			}
			seen[id] = true
		}
		var got []string
		stream, err := st.Replay(ctx, "sess", ids[1], func(id string, data []byte) error {
			got = append(got, string(data))
			return nil
		})
		if err != nil || stream != "A" {
			t.Fatalf("replay: stream %q, %v", stream, err)
		}
		if fmt.Sprint(got) != "[a2 a3 a4]" {
			t.Errorf("replayed %v", got)
		}
		got = nil
		if _, err := st.Replay(ctx, "sess", ids[4], func(string, []byte) error { got = append(got, "x"); return nil }); err != nil || len(got) != 0 {
			t.Errorf("replay after the last event: %v %v", got, err)
		}
	})
	t.Run("unknown ids", func(t *testing.T) {
		st := newStore(t)
		id, _ := st.Append(ctx, "sess", "A", []byte("x"))
		for _, bad := range []string{"garbage", "A/99", "Z/1"} {
			if _, err := st.Replay(ctx, "sess", bad, func(string, []byte) error { return nil }); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("replay %q: %v", bad, err)
			}
		}
		if _, err := st.Replay(ctx, "other", id, func(string, []byte) error { return nil }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another session's event: %v", err)
		}
	})
	t.Run("data is copied", func(t *testing.T) {
		st := newStore(t)
		buf := []byte("hello")
		id0, _ := st.Append(ctx, "s", "A", []byte("first"))
		if _, err := st.Append(ctx, "s", "A", buf); err != nil {
			t.Fatal(err)
		}
		copy(buf, "XXXXX")
		_, _ = st.Replay(ctx, "s", id0, func(_ string, data []byte) error {
			if !bytes.Equal(data, []byte("hello")) {
				t.Errorf("stored data changed with the caller's buffer: %q", data)
			}
			return nil
		})
	})
	t.Run("delete one stream", func(t *testing.T) {
		st := newStore(t)
		a0, _ := st.Append(ctx, "s", "A", []byte("a0"))
		_, _ = st.Append(ctx, "s", "A", []byte("a1"))
		b0, _ := st.Append(ctx, "s", "B", []byte("b0"))
		_, _ = st.Append(ctx, "s", "B", []byte("b1"))
		if err := st.DeleteStream(ctx, "s", "A"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Replay(ctx, "s", a0, func(string, []byte) error { return nil }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("replay of a deleted stream: %v, want ErrNotFound", err)
		}
		var got []string
		if _, err := st.Replay(ctx, "s", b0, func(_ string, d []byte) error { got = append(got, string(d)); return nil }); err != nil || fmt.Sprint(got) != "[b1]" {
			t.Errorf("the other stream after DeleteStream: %v, %v", got, err)
		}
		// A stream appended to again after its deletion never replays across the gap.
		a2, _ := st.Append(ctx, "s", "A", []byte("a2"))
		if a2 == a0 {
			t.Errorf("event id %s reused after DeleteStream", a2)
		}
		if _, err := st.Replay(ctx, "s", a0, func(string, []byte) error { return nil }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("replay from before a deletion: %v, want ErrNotFound", err)
		}
		if err := st.DeleteStream(ctx, "s", "never"); err != nil {
			t.Errorf("deleting an unknown stream: %v", err)
		}
	})
	t.Run("concurrent appends", func(t *testing.T) {
		// Appends racing on one stream (several requests of a session, possibly on several nodes) get
		// distinct, increasing ids, and a replay returns each event once, in id order.
		st := newStore(t)
		first, err := st.Append(ctx, "s", "A", []byte("first"))
		if err != nil {
			t.Fatal(err)
		}
		const writers, each = 4, 20
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					if _, err := st.Append(ctx, "s", "A", []byte(fmt.Sprintf("%d-%d", w, i))); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		var last uint64
		if _, err := st.Replay(ctx, "s", first, func(id string, data []byte) error {
			_, seq, err := store.ParseEventID(id)
			if err != nil || seq <= last {
				t.Errorf("event id %s out of order (after seq %d): %v", id, last, err)
			}
			last = seq
			if seen[string(data)] {
				t.Errorf("event %s replayed twice", data)
			}
			seen[string(data)] = true
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(seen) != writers*each {
			t.Errorf("replayed %d events, want %d", len(seen), writers*each)
		}
	})
	t.Run("replay from the start", func(t *testing.T) {
		st := newStore(t)
		for i := range 3 {
			if _, err := st.Append(ctx, "s", "A", []byte(fmt.Sprintf("a%d", i))); err != nil {
				t.Fatal(err)
			}
			_, _ = st.Append(ctx, "s", "B", []byte("b"))
		}
		var got []string
		stream, err := st.Replay(ctx, "s", store.EventID("A", 0), func(_ string, d []byte) error { got = append(got, string(d)); return nil })
		if err != nil || stream != "A" || fmt.Sprint(got) != "[a0 a1 a2]" {
			t.Errorf("replay after A/0: %v, stream %q, %v", got, stream, err)
		}
		got = nil
		if _, err := st.Replay(ctx, "s", store.EventID("none", 0), func(_ string, d []byte) error { got = append(got, string(d)); return nil }); err != nil || len(got) != 0 {
			t.Errorf("replay after 0 of a stream without events: %v, %v (want nothing, no error)", got, err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		st := newStore(t)
		id, _ := st.Append(ctx, "s", "A", []byte("x"))
		_ = st.DeleteSession(ctx, "s")
		if _, err := st.Replay(ctx, "s", id, func(string, []byte) error { return nil }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after DeleteSession: %v", err)
		}
	})
}

// TestEventWatcher checks an EventWatcher: wake-ups carry the appended event's id, reach the watches of
// that stream only, are counted by AppendWatched, and end with the watch.
func TestEventWatcher(t *testing.T, newStore func(t *testing.T) store.EventWatcher) {
	ctx := context.Background()
	next := func(t *testing.T, s store.Subscription) string {
		t.Helper()
		select {
		case m, ok := <-s.C():
			if !ok {
				t.Fatal("watch ended")
			}
			return string(m)
		case <-time.After(10 * time.Second):
			t.Fatal("no wake-up")
		}
		return ""
	}
	t.Run("wake-ups", func(t *testing.T) {
		st := newStore(t)
		if _, n, err := st.AppendWatched(ctx, "s", "A", []byte("before")); err != nil || n != 0 {
			t.Fatalf("append with no watch: %d watchers, %v", n, err)
		}
		w, err := st.Watch(ctx, "s", "A")
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		id1, n, err := st.AppendWatched(ctx, "s", "A", []byte("one"))
		if err != nil || n != 1 {
			t.Fatalf("append with one watch: %d watchers, %v", n, err)
		}
		if got := next(t, w); got != id1 {
			t.Errorf("wake-up %q, want the event's id %q", got, id1)
		}
		// Other streams and sessions wake no one here: the next wake-up is the next event of A.
		if _, n, _ := st.AppendWatched(ctx, "s", "B", []byte("b")); n != 0 {
			t.Errorf("another stream has %d watchers", n)
		}
		_, _ = st.Append(ctx, "other", "A", []byte("x"))
		id2, err := st.Append(ctx, "s", "A", []byte("two")) // plain Append wakes too
		if err != nil {
			t.Fatal(err)
		}
		if got := next(t, w); got != id2 {
			t.Errorf("wake-up %q, want %q (the next event of the watched stream)", got, id2)
		}
		// Two watches of one stream in one process (one node) are both woken.
		w2, err := st.Watch(ctx, "s", "A")
		if err != nil {
			t.Fatal(err)
		}
		id3, n, _ := st.AppendWatched(ctx, "s", "A", []byte("three"))
		if n < 1 {
			t.Errorf("append with two watches: %d watchers", n)
		}
		if next(t, w) != id3 || next(t, w2) != id3 {
			t.Error("both watches should see the event")
		}
		_ = w2.Close()
		_ = w.Close()
		// After the last watch closes, appends eventually reach no one (Redis unsubscribes asynchronously).
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, n, err := st.AppendWatched(ctx, "s", "A", []byte("later"))
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("still %d watchers after every watch closed", n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	t.Run("lease appends wake", func(t *testing.T) {
		// A follower on another node delivers a request's first event, its response (AppendFinal) and the
		// error stored for an orphaned request (AppendOrphaned) only if those wake it like Append.
		st := newStore(t)
		l, ok := st.(store.Leases)
		if !ok {
			t.Skipf("%T does not implement store.Leases", st)
		}
		w, err := st.Watch(ctx, "s", "P")
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		id, err := l.AppendLeased(ctx, "s", "P", nil, store.Lease{Node: "n", RequestID: "1", TTL: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if got := next(t, w); got != id {
			t.Errorf("AppendLeased woke %q, want %q", got, id)
		}
		if id, err = l.AppendFinal(ctx, "s", "P", []byte("response")); err != nil {
			t.Fatal(err)
		}
		if got := next(t, w); got != id {
			t.Errorf("AppendFinal woke %q, want %q", got, id)
		}
		w2, err := st.Watch(ctx, "s", "Q")
		if err != nil {
			t.Fatal(err)
		}
		defer w2.Close()
		if _, err := l.AppendLeased(ctx, "s", "Q", nil, store.Lease{Node: "n", RequestID: "2", TTL: time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		next(t, w2)
		deadline := time.Now().Add(10 * time.Second)
		for {
			id, err = l.AppendOrphaned(ctx, "s", "Q", []byte("orphan"))
			if !errors.Is(err, store.ErrLeased) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the lease did not expire within 10 s of its 1 ms TTL")
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := next(t, w2); got != id {
			t.Errorf("AppendOrphaned woke %q, want %q", got, id)
		}
	})
	t.Run("context ends the watch", func(t *testing.T) {
		st := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		w, err := st.Watch(cctx, "s", "A")
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		select {
		case _, ok := <-w.C():
			if ok {
				t.Error("unexpected wake-up")
			}
		case <-time.After(10 * time.Second):
			t.Error("watch not ended by its context")
		}
		_ = w.Close() // idempotent after the context ended it
	})
}

// TestBus checks a Bus, and its PublishCount when it is a store.CountingBus.
func TestBus(t *testing.T, newBus func(t *testing.T) store.Bus) {
	ctx := context.Background()
	t.Run("publish count", func(t *testing.T) {
		b, ok := newBus(t).(store.CountingBus)
		if !ok {
			t.Skip("not a store.CountingBus")
		}
		testPublishCount(t, b)
	})
	t.Run("fan out in order", func(t *testing.T) {
		b := newBus(t)
		s1, err := b.Subscribe(ctx, "t")
		if err != nil {
			t.Fatal(err)
		}
		defer s1.Close()
		s2, _ := b.Subscribe(ctx, "t")
		defer s2.Close()
		other, _ := b.Subscribe(ctx, "other")
		defer other.Close()
		for i := range 3 {
			if err := b.Publish(ctx, "t", []byte{byte('0' + i)}); err != nil {
				t.Fatal(err)
			}
		}
		for _, s := range []store.Subscription{s1, s2} {
			for i := range 3 {
				select {
				case m := <-s.C():
					if string(m) != string(rune('0'+i)) {
						t.Errorf("message %d = %q", i, m)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("message not delivered")
				}
			}
		}
		select {
		case m := <-other.C():
			t.Errorf("other topic got %q", m)
		case <-time.After(50 * time.Millisecond):
		}
	})
	t.Run("close and context end the subscription", func(t *testing.T) {
		b := newBus(t)
		s, _ := b.Subscribe(ctx, "t")
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		_ = s.Close() // idempotent
		if _, ok := <-s.C(); ok {
			t.Error("channel open after Close")
		}
		_ = b.Publish(ctx, "t", []byte("x")) // no panic on a closed subscriber
		cctx, cancel := context.WithCancel(ctx)
		s2, _ := b.Subscribe(cctx, "t")
		cancel()
		select {
		case _, ok := <-s2.C():
			if ok {
				t.Error("unexpected message")
			}
		case <-time.After(5 * time.Second):
			t.Error("subscription not ended by its context")
		}
	})
}

// testPublishCount checks a CountingBus: no receiver counts 0, a subscriber counts, and the count goes back
// to 0 once the subscriptions are closed (a bus may unsubscribe in the background: it is awaited, bounded).
func testPublishCount(t *testing.T, b store.CountingBus) {
	ctx := context.Background()
	if n, err := b.PublishCount(ctx, "count", []byte("x")); err != nil || n != 0 {
		t.Fatalf("PublishCount with no subscriber = %d, %v; want 0", n, err)
	}
	s1, err := b.Subscribe(ctx, "count")
	if err != nil {
		t.Fatal(err)
	}
	n, err := b.PublishCount(ctx, "count", []byte("a"))
	if err != nil || n != 1 {
		t.Fatalf("PublishCount with one subscriber = %d, %v; want 1", n, err)
	}
	if m := <-s1.C(); string(m) != "a" {
		t.Errorf("subscriber got %q", m)
	}
	s2, _ := b.Subscribe(ctx, "count")
	if n, err := b.PublishCount(ctx, "count", []byte("b")); err != nil || n < 1 {
		t.Errorf("PublishCount with two subscribers = %d, %v; want at least 1", n, err)
	}
	if n, _ := b.PublishCount(ctx, "other", []byte("c")); n != 0 {
		t.Errorf("PublishCount on another topic = %d, want 0", n)
	}
	_ = s1.Close()
	_ = s2.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := b.PublishCount(ctx, "count", []byte("d"))
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("PublishCount after every subscription closed = %d, want 0", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestKeyRing checks a KeyRing.
func TestKeyRing(t *testing.T, newRing func(t *testing.T) store.KeyRing) {
	ctx := context.Background()
	r := newRing(t)
	k1, err := r.Current(ctx)
	if err != nil || len(k1.Secret) != 32 || k1.ID == "" {
		t.Fatalf("current: %+v %v", k1, err)
	}
	k2, err := r.Rotate(ctx)
	if err != nil || k2.ID == k1.ID || bytes.Equal(k1.Secret, k2.Secret) {
		t.Fatalf("rotate: %+v %v", k2, err)
	}
	if cur, _ := r.Current(ctx); cur.ID != k2.ID {
		t.Errorf("current after rotate = %s, want %s", cur.ID, k2.ID)
	}
	if old, err := r.Lookup(ctx, k1.ID); err != nil || !bytes.Equal(old.Secret, k1.Secret) {
		t.Errorf("old key lost after one rotation: %v", err)
	}
	if _, err := r.Lookup(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("lookup unknown: %v", err)
	}
	// Rotations in quick succession (within one clock tick): the last one is current.
	k3, _ := r.Rotate(ctx)
	k4, err := r.Rotate(ctx)
	if err != nil || k3.ID == k4.ID {
		t.Fatalf("rotate twice: %s %s %v", k3.ID, k4.ID, err)
	}
	if cur, _ := r.Current(ctx); cur.ID != k4.ID {
		t.Errorf("current after two quick rotations = %s, want the last, %s", cur.ID, k4.ID)
	}
	if k, err := r.Lookup(ctx, k3.ID); err != nil || !bytes.Equal(k.Secret, k3.Secret) {
		t.Errorf("the key replaced a moment ago: %v", err)
	}
}
