package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/store"
)

// TestLeases checks an EventStore's Leases (it fails when the store does not implement them): a stream
// leased by its first event, kept by refreshes, released by its final event; one final event per stream,
// however many nodes try to store the error of an orphaned request at once.
func TestLeases(t *testing.T, newStore func(t *testing.T) store.EventStore) {
	ctx := context.Background()
	leases := func(t *testing.T) (store.EventStore, store.Leases) {
		st := newStore(t)
		l, ok := st.(store.Leases)
		if !ok {
			t.Fatalf("%T does not implement store.Leases", st)
		}
		return st, l
	}
	state := func(t *testing.T, l store.Leases, sid, stream string) store.StreamState {
		t.Helper()
		s, err := l.StreamState(ctx, sid, stream)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	replay := func(t *testing.T, st store.EventStore, sid, from string) []string {
		t.Helper()
		var got []string
		if _, err := st.Replay(ctx, sid, from, func(_ string, data []byte) error {
			got = append(got, string(data))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}

	t.Run("lease, refresh, final", func(t *testing.T) {
		st, l := leases(t)
		first, err := l.AppendLeased(ctx, "ls1", "P", nil, store.Lease{Node: "n1", RequestID: `"req-1"`, TTL: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if s := state(t, l, "ls1", "P"); s != (store.StreamState{RequestID: `"req-1"`, Leased: true}) {
			t.Fatalf("after AppendLeased: %+v", s)
		}
		if _, err := st.Append(ctx, "ls1", "P", []byte("progress")); err != nil {
			t.Fatal(err)
		}
		if _, err := l.AppendOrphaned(ctx, "ls1", "P", []byte("orphan")); !errors.Is(err, store.ErrLeased) {
			t.Fatalf("AppendOrphaned while leased: %v, want ErrLeased", err)
		}
		if err := l.RefreshLeases(ctx, []store.StreamRef{{Session: "ls1", Stream: "P"}, {Session: "ls1", Stream: "nothing"}, {Session: "none", Stream: "P"}}, time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, err := l.AppendFinal(ctx, "ls1", "P", []byte("result")); err != nil {
			t.Fatal(err)
		}
		if s := state(t, l, "ls1", "P"); s != (store.StreamState{RequestID: `"req-1"`, Final: true}) {
			t.Fatalf("after AppendFinal: %+v", s)
		}
		if err := l.RefreshLeases(ctx, []store.StreamRef{{Session: "ls1", Stream: "P"}}, time.Minute); err != nil {
			t.Fatal(err)
		}
		if s := state(t, l, "ls1", "P"); s.Leased {
			t.Fatalf("a refresh revived a released lease: %+v", s)
		}
		if _, err := l.AppendFinal(ctx, "ls1", "P", []byte("again")); !errors.Is(err, store.ErrFinal) {
			t.Fatalf("second AppendFinal: %v, want ErrFinal", err)
		}
		if _, err := l.AppendOrphaned(ctx, "ls1", "P", []byte("orphan")); !errors.Is(err, store.ErrFinal) {
			t.Fatalf("AppendOrphaned after the final event: %v, want ErrFinal", err)
		}
		if got := replay(t, st, "ls1", first); len(got) != 2 || got[0] != "progress" || got[1] != "result" {
			t.Fatalf("replayed %q, want progress, result", got)
		}
	})

	t.Run("never leased", func(t *testing.T) {
		st, l := leases(t)
		if _, err := st.Append(ctx, "ls2", "G", []byte("x")); err != nil {
			t.Fatal(err)
		}
		if s := state(t, l, "ls2", "G"); s != (store.StreamState{}) {
			t.Fatalf("a plain stream: %+v", s)
		}
		if s := state(t, l, "ls2", "unknown"); s != (store.StreamState{}) {
			t.Fatalf("an unknown stream: %+v", s)
		}
		if _, err := l.AppendOrphaned(ctx, "ls2", "G", []byte("orphan")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("AppendOrphaned on a stream never leased: %v, want ErrNotFound", err)
		}
		// A plain final event (no lease ever) still marks the stream final.
		if _, err := l.AppendFinal(ctx, "ls2", "G", []byte("end")); err != nil {
			t.Fatal(err)
		}
		if _, err := l.AppendFinal(ctx, "ls2", "G", []byte("end")); !errors.Is(err, store.ErrFinal) {
			t.Fatalf("second AppendFinal: %v, want ErrFinal", err)
		}
	})

	t.Run("expired lease, one orphan error among concurrent callers", func(t *testing.T) {
		st, l := leases(t)
		first, err := l.AppendLeased(ctx, "ls3", "P", nil, store.Lease{Node: "n1", RequestID: "7", TTL: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Append(ctx, "ls3", "P", []byte("progress")); err != nil {
			t.Fatal(err)
		}
		// The lease expires by itself (nobody refreshes it); bounded wait.
		deadline := time.Now().Add(10 * time.Second)
		for state(t, l, "ls3", "P").Leased {
			if time.Now().After(deadline) {
				t.Fatal("the lease did not expire within 10 s of its 100 ms TTL")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := l.RefreshLeases(ctx, []store.StreamRef{{Session: "ls3", Stream: "P"}}, time.Minute); err != nil {
			t.Fatal(err)
		}
		if s := state(t, l, "ls3", "P"); s != (store.StreamState{RequestID: "7"}) {
			t.Fatalf("after expiry and a refresh: %+v, want the request id, not leased, not final", s)
		}
		const callers = 8
		var wg sync.WaitGroup
		errs := make([]error, callers)
		for i := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = l.AppendOrphaned(ctx, "ls3", "P", []byte("orphan"))
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrFinal):
				t.Errorf("AppendOrphaned: %v, want nil or ErrFinal", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d of %d concurrent AppendOrphaned succeeded, want exactly 1", won, callers)
		}
		if _, err := l.AppendFinal(ctx, "ls3", "P", []byte("late result")); !errors.Is(err, store.ErrFinal) {
			t.Fatalf("a late AppendFinal after the orphan error: %v, want ErrFinal", err)
		}
		if s := state(t, l, "ls3", "P"); !s.Final || s.Leased {
			t.Fatalf("after the orphan error: %+v", s)
		}
		if got := replay(t, st, "ls3", first); len(got) != 2 || got[0] != "progress" || got[1] != "orphan" {
			t.Fatalf("replayed %q, want progress, orphan", got)
		}
	})
}
