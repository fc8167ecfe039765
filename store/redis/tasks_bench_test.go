package redis

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/store"
)

// benchTasks runs f on the memory task store and on Redis, reporting for Redis the round trips per
// operation and redis-µs/op (as benchStores); f calls ready after its setup.
func benchTasks(b *testing.B, f func(b *testing.B, st store.TaskStore, ready func())) {
	b.Run("memory", func(b *testing.B) { f(b, store.NewMemoryTasks(), func() {}) })
	b.Run("redis", func(b *testing.B) {
		benchRedis(b, func(st *Store) {
			ctx := context.Background()
			_ = st.Tasks.CreateTask(ctx, benchTask("warm", "warm"), 1)
			_, _ = st.Tasks.UpdateTask(ctx, "warm", func(*store.TaskRecord) error { return nil })
			_, _, _ = st.Tasks.ListTasks(ctx, "warm", "", 1)
		}, func(st *Store, ready func()) { f(b, st.Tasks, ready) })
	})
}

// benchTask is a working task with a 1 KB result, as a task that finished would hold.
func benchTask(id, owner string) *store.TaskRecord {
	now := time.Now()
	return &store.TaskRecord{ID: id, Owner: owner, Method: "tools/call", Name: "slow", Era: "2026-07-28",
		Status: store.TaskWorking, CreatedAt: now, UpdatedAt: now, TTL: time.Hour, PollInterval: time.Second,
		Result: make([]byte, 1024), Node: "node-1", LeaseUntil: now.Add(15 * time.Second)}
}

// BenchmarkTaskStore: CreateTask (100 owners, a limit of 100,000 each, so that the check runs and never
// refuses), CreateTask refused by an owner's limit of 1,000 (a client retrying at its limit), GetTask, UpdateTask (a status message) of a task holding a 1 KB result, and a ListTasks page of
// 10.
func BenchmarkTaskStore(b *testing.B) {
	ctx := context.Background()
	b.Run("create", func(b *testing.B) {
		benchTasks(b, func(b *testing.B, st store.TaskStore, ready func()) {
			ready()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := st.CreateTask(ctx, benchTask(strconv.Itoa(i), strconv.Itoa(i%100)), 100000); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("refused-at-limit-1000", func(b *testing.B) {
		benchTasks(b, func(b *testing.B, st store.TaskStore, ready func()) {
			for i := range 1000 {
				if err := st.CreateTask(ctx, benchTask(strconv.Itoa(i), "o"), 1000); err != nil {
					b.Fatal(err)
				}
			}
			ready()
			b.ReportAllocs()
			for b.Loop() {
				if err := st.CreateTask(ctx, benchTask("over", "o"), 1000); !errors.Is(err, store.ErrLimit) {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("get", func(b *testing.B) {
		benchTasks(b, func(b *testing.B, st store.TaskStore, ready func()) {
			if err := st.CreateTask(ctx, benchTask("t", "o"), 0); err != nil {
				b.Fatal(err)
			}
			ready()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := st.GetTask(ctx, "t"); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("update", func(b *testing.B) {
		benchTasks(b, func(b *testing.B, st store.TaskStore, ready func()) {
			if err := st.CreateTask(ctx, benchTask("t", "o"), 0); err != nil {
				b.Fatal(err)
			}
			ready()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := st.UpdateTask(ctx, "t", func(r *store.TaskRecord) error {
					r.StatusMessage = strconv.Itoa(i)
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("list10", func(b *testing.B) {
		benchTasks(b, func(b *testing.B, st store.TaskStore, ready func()) {
			for i := range 20 {
				if err := st.CreateTask(ctx, benchTask(strconv.Itoa(i), "o"), 0); err != nil {
					b.Fatal(err)
				}
			}
			ready()
			b.ReportAllocs()
			for b.Loop() {
				if list, _, err := st.ListTasks(ctx, "o", "", 10); err != nil || len(list) != 10 {
					b.Fatal(len(list), err)
				}
			}
		})
	})
}
