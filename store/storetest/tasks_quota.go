package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/store"
)

// testTaskQuota runs the TaskQuotaStore checks when st implements it (TestTaskStore calls it).
func testTaskQuota(t *testing.T, newStore func(t *testing.T) store.TaskStore) {
	quotaStore := func(t *testing.T) store.TaskQuotaStore {
		st, ok := newStore(t).(store.TaskQuotaStore)
		if !ok {
			t.Skip("the store has no quota keys (store.TaskQuotaStore)")
		}
		return st
	}
	t.Run("quota key limit", func(t *testing.T) { taskQuotaLimit(t, quotaStore(t)) })
	t.Run("quota counts only live tasks", func(t *testing.T) { taskQuotaExpiry(t, quotaStore(t)) })
	t.Run("concurrent creates never pass the quota", func(t *testing.T) { taskQuotaConcurrent(t, quotaStore(t)) })
	t.Run("quota follows a ttl change", func(t *testing.T) { taskQuotaTTLChange(t, quotaStore(t)) })
}

func mustCreateQuota(t *testing.T, st store.TaskQuotaStore, rec *store.TaskRecord, max int, q store.TaskQuota) {
	t.Helper()
	if err := st.CreateTaskQuota(context.Background(), rec, max, q); err != nil {
		t.Fatalf("CreateTaskQuota(%q, %+v): %v", rec.ID, q, err)
	}
}

func taskQuotaLimit(t *testing.T, st store.TaskQuotaStore) {
	ctx := context.Background()
	q1 := store.TaskQuota{Key: "client:10.0.0.1", Max: 2}
	// The quota spans owners: one task of "" and one of "alice" fill q1.
	mustCreateQuota(t, st, newTask("q0", "", time.Minute), 0, q1)
	mustCreateQuota(t, st, newTask("q1", "alice", time.Minute), 0, q1)
	err := st.CreateTaskQuota(ctx, newTask("q2", "", time.Minute), 0, q1)
	if !errors.Is(err, store.ErrTaskQuota) || !errors.Is(err, store.ErrLimit) {
		t.Fatalf("a third task of a quota of 2: %v, want ErrTaskQuota (an ErrLimit)", err)
	}
	if _, err := st.GetTask(ctx, "q2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused task was stored: %v", err)
	}
	// Another key, and no key, are not affected; the owner's limit still applies (and says ErrLimit).
	mustCreateQuota(t, st, newTask("r0", "", time.Minute), 0, store.TaskQuota{Key: "client:10.0.0.2", Max: 2})
	mustCreateQuota(t, st, newTask("n0", "", time.Minute), 0, store.TaskQuota{})
	err = st.CreateTaskQuota(ctx, newTask("r1", "", time.Minute), 3, store.TaskQuota{Key: "client:10.0.0.2", Max: 2})
	if !errors.Is(err, store.ErrLimit) || errors.Is(err, store.ErrTaskQuota) {
		t.Errorf("a fourth task of the empty owner with a limit of 3: %v, want ErrLimit (not the quota's)", err)
	}
	// A deleted task frees its place in the quota.
	if err := st.DeleteTask(ctx, "q0"); err != nil {
		t.Fatal(err)
	}
	mustCreateQuota(t, st, newTask("q3", "", time.Minute), 0, q1)
	// A quota key with Max 0 bounds nothing but still counts.
	mustCreateQuota(t, st, newTask("q4", "", time.Minute), 0, store.TaskQuota{Key: q1.Key})
	if err := st.CreateTaskQuota(ctx, newTask("q5", "", time.Minute), 0, store.TaskQuota{Key: q1.Key, Max: 3}); !errors.Is(err, store.ErrTaskQuota) {
		t.Errorf("a fourth task of %s with a quota of 3: %v, want ErrTaskQuota", q1.Key, err)
	}
}

func taskQuotaExpiry(t *testing.T, st store.TaskQuotaStore) {
	ctx := context.Background()
	q := store.TaskQuota{Key: "client:a", Max: 2}
	mustCreateQuota(t, st, newTask("long", "", time.Minute), 0, q)
	mustCreateQuota(t, st, newTask("short", "", 200*time.Millisecond), 0, q)
	waitGone(t, st, "short")
	mustCreateQuota(t, st, newTask("new", "", time.Minute), 0, q)
	if err := st.CreateTaskQuota(ctx, newTask("new2", "", time.Minute), 0, q); !errors.Is(err, store.ErrTaskQuota) {
		t.Errorf("past the quota after an expiry: %v, want ErrTaskQuota", err)
	}
}

func taskQuotaConcurrent(t *testing.T, st store.TaskQuotaStore) {
	const n, limit = 20, 5
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := st.CreateTaskQuota(context.Background(), newTask(fmt.Sprint("c", i), fmt.Sprint("owner", i%3), time.Minute), 0,
				store.TaskQuota{Key: "client:race", Max: limit})
			switch {
			case err == nil:
				ok.Add(1)
			case !errors.Is(err, store.ErrTaskQuota):
				t.Errorf("create %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != limit {
		t.Errorf("%d of %d racing creates passed a quota of %d", ok.Load(), n, limit)
	}
}

func taskQuotaTTLChange(t *testing.T, st store.TaskQuotaStore) {
	ctx := context.Background()
	q := store.TaskQuota{Key: "client:ttl", Max: 1}
	mustCreateQuota(t, st, newTask("grows", "", 200*time.Millisecond), 0, q)
	if _, err := st.UpdateTask(ctx, "grows", func(r *store.TaskRecord) error { r.TTL = time.Minute; return nil }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // past the first TTL: the task lives on, so its place stays taken
	if _, err := st.GetTask(ctx, "grows"); err != nil {
		t.Fatalf("the task whose TTL grew: %v", err)
	}
	if err := st.CreateTaskQuota(ctx, newTask("next", "", time.Minute), 0, q); !errors.Is(err, store.ErrTaskQuota) {
		t.Errorf("a second task of a quota of 1 while the first lives on: %v, want ErrTaskQuota", err)
	}
}
