package store_test

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/store"
)

// TestMemoryTasksLeaveNoMemory: 10,000 tasks with a 200 ms TTL, half of one owner, half of owners of their
// own, leave nothing behind once they expired and a sweep ran: Len is 0 and the heap is back where it was.
func TestMemoryTasksLeaveNoMemory(t *testing.T) {
	ctx := context.Background()
	const n = 10000
	var before, full, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	st := store.NewMemoryTasks()
	var last time.Time
	for i := range n {
		owner := "" // the owner of every unauthenticated modern client
		if i%2 == 1 {
			owner = "principal-" + strconv.Itoa(i)
		}
		now := time.Now()
		rec := &store.TaskRecord{ID: "task-" + strconv.Itoa(i), Owner: owner, Status: store.TaskWorking,
			CreatedAt: now, UpdatedAt: now, TTL: 200 * time.Millisecond, Result: make([]byte, 100)}
		if err := st.CreateTask(ctx, rec, 0); err != nil {
			t.Fatal(err)
		}
		last = rec.ExpiresAt()
	}
	runtime.GC()
	runtime.ReadMemStats(&full)
	for time.Now().Before(last.Add(10 * time.Millisecond)) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := st.Len(); got != 0 {
		t.Fatalf("Len after every task expired and a sweep: %d", got)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("heap: %d KB with %d tasks, %d KB held after they expired", (int64(full.HeapAlloc)-int64(before.HeapAlloc))>>10, n, held>>10)
	if held > 64<<10 {
		t.Errorf("%d KB of heap still held after %d tasks expired (a few KB is the store and the runtime's noise)", held>>10, n)
	}
	runtime.KeepAlive(st)
}

// BenchmarkMemoryTasksSweep: the sweep that drops 20,000 expired tasks of one owner (the owner of every
// unauthenticated modern client), holding the store's lock while it runs.
func BenchmarkMemoryTasksSweep(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		st := store.NewMemoryTasks()
		now := time.Now()
		for i := range 20000 {
			rec := &store.TaskRecord{ID: strconv.Itoa(i), Status: store.TaskWorking, CreatedAt: now, TTL: time.Nanosecond}
			if err := st.CreateTask(ctx, rec, 0); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if n := st.Len(); n != 0 {
			b.Fatalf("%d tasks left", n)
		}
	}
}
