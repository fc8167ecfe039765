package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/store"
)

func testTask(id, owner string, ttl time.Duration) *store.TaskRecord {
	now := time.Now()
	return &store.TaskRecord{ID: id, Owner: owner, Method: "tools/call", Name: "slow", Era: "2026-07-28",
		Status: store.TaskWorking, CreatedAt: now, UpdatedAt: now, TTL: ttl}
}

// countedTasks returns a task store on srv whose client counts its round trips, and the counter.
func countedTasks(t *testing.T, srv *redistest.Server) (*TaskStore, *countHook) {
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
	hook := &countHook{}
	hook.Record()
	c.AddHook(hook)
	st := New(c, Options{Prefix: fmt.Sprintf("test%d:", prefixes.Add(1))})
	t.Cleanup(func() { _ = st.Close(); _ = c.Close() })
	return st.Tasks, hook
}

// TestTaskRoundTrips counts the Redis round trips of each task operation (docs/SCALING.md, "Tasks"), on a
// warm Redis (the scripts loaded) and two nodes: the task created on a, read, updated and cancelled on b.
func TestTaskRoundTrips(t *testing.T) {
	srv := redistest.Start(t)
	a, hook := countedTasks(t, srv)
	b := &TaskStore{c: a.c, opts: a.opts, now: time.Now}            // another node: same Redis, same prefix
	other := newStore(t, srv, Options{Prefix: a.opts.Prefix}).Tasks // a writer whose commands are not counted
	ctx := context.Background()
	// Load the scripts once (a warm node): a first EVALSHA of a script Redis does not hold costs two.
	_ = a.CreateTask(ctx, testTask("warm", "w", time.Minute), 1)
	_, _ = a.UpdateTask(ctx, "warm", func(*store.TaskRecord) error { return nil })
	_, _, _ = a.ListTasks(ctx, "w", "", 10)
	_ = a.DeleteTask(ctx, "warm")

	count := func(what string, want int64, f func() error) {
		t.Helper()
		hook.Reset()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := hook.Load(); got != want {
			t.Errorf("%s: %d round trips, want %d: %v", what, got, want, hook.Names())
		}
		t.Logf("%s: %d round trip(s) %v", what, hook.Load(), hook.Names())
	}
	count("CreateTask with a limit", 1, func() error { return a.CreateTask(ctx, testTask("t", "alice", time.Minute), 10) })
	count("GetTask on another node", 1, func() error {
		_, err := b.GetTask(ctx, "t")
		return err
	})
	count("UpdateTask", 2, func() error {
		_, err := b.UpdateTask(ctx, "t", func(r *store.TaskRecord) error { r.CancelRequested = true; return nil })
		return err
	})
	count("UpdateTask raced by one other writer", 3, func() error {
		raced := false
		_, err := a.UpdateTask(ctx, "t", func(r *store.TaskRecord) error {
			if !raced {
				raced = true
				if _, err := other.UpdateTask(ctx, "t", func(r *store.TaskRecord) error { r.StatusMessage = "other"; return nil }); err != nil {
					return err
				}
			}
			r.Status = store.TaskCancelled
			return nil
		})
		return err
	})
	if got, err := a.GetTask(ctx, "t"); err != nil || got.Status != store.TaskCancelled || got.StatusMessage != "other" || !got.CancelRequested || got.Version != 3 {
		t.Fatalf("after the raced update: %+v, %v", got, err)
	}
	count("ListTasks", 1, func() error {
		_, _, err := b.ListTasks(ctx, "alice", "", 10)
		return err
	})
	count("CreateTask refused at the limit", 1, func() error {
		if err := a.CreateTask(ctx, testTask("t2", "alice", time.Minute), 1); !errors.Is(err, store.ErrLimit) {
			return fmt.Errorf("%v, want ErrLimit", err)
		}
		return nil
	})
	count("DeleteTask", 1, func() error { return b.DeleteTask(ctx, "t") })
}

// TestTaskKeysExpire: every key the task store writes has a TTL, and once the tasks expired nothing is
// left in Redis (DBSIZE 0 on a Redis of its own), whatever was done to them: created under a limit, updated,
// TTL extended, listed, paged, deleted, refused.
func TestTaskKeysExpire(t *testing.T) {
	srv := redistest.Start(t)
	raw := rawClient(t, srv)
	st := newStore(t, srv, Options{}).Tasks
	ctx := context.Background()
	const ttl = 300 * time.Millisecond
	for i := range 30 {
		owner := fmt.Sprint("owner", i%3)
		if err := st.CreateTask(ctx, testTask(fmt.Sprint("t", i), owner, ttl), 8); err != nil && !errors.Is(err, store.ErrLimit) {
			t.Fatal(err)
		}
	}
	if _, err := st.UpdateTask(ctx, "t0", func(r *store.TaskRecord) error {
		r.Result, r.TTL = []byte(`{}`), 2*ttl
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, next, err := st.ListTasks(ctx, "owner1", "", 3); err != nil || next == "" {
		t.Fatalf("ListTasks: next %q, %v", next, err)
	}
	if err := st.DeleteTask(ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteTask(ctx, "t2"); err != nil {
		t.Fatal(err)
	}
	keys, err := raw.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatal("no keys written")
	}
	for _, k := range keys {
		limit := 2 * ttl // the longest task's
		if strings.Contains(k, "{t}:k:") {
			limit = time.Second // an owner's check mark
		}
		if d := raw.PTTL(ctx, k).Val(); d <= 0 || d > limit {
			t.Errorf("key %s has PTTL %v, want (0, %v]", k, d, limit)
		}
	}
	t.Logf("%d keys: %s", len(keys), strings.Join(keys, " "))
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := raw.DBSize(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			left, _ := raw.Keys(ctx, "*").Result()
			t.Fatalf("%d keys left 10 s after every task expired: %v", n, left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTaskIndexDropsVanishedTasks: a task whose key disappeared without DeleteTask (deleted by hand,
// evicted under maxmemory) is not listed, does not count against the limit, and leaves its owner's indexes.
func TestTaskIndexDropsVanishedTasks(t *testing.T) {
	srv := redistest.Start(t)
	raw := rawClient(t, srv)
	st := newStore(t, srv, Options{}).Tasks
	ctx := context.Background()
	for i := range 3 {
		if err := st.CreateTask(ctx, testTask(fmt.Sprint("v", i), "alice", time.Minute), 3); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.Del(ctx, st.key("v1")).Err(); err != nil {
		t.Fatal(err)
	}
	list, next, err := st.ListTasks(ctx, "alice", "", 10)
	if err != nil || next != "" || len(list) != 2 || list[0].ID != "v0" || list[1].ID != "v2" {
		t.Fatalf("listed %d tasks, next %q, %v", len(list), next, err)
	}
	for _, k := range st.indexes("alice") {
		if n := raw.ZCard(ctx, k).Val(); n != 2 {
			t.Errorf("index %s holds %d members after the list, want 2", k, n)
		}
	}
	if err := raw.Del(ctx, st.key("v2")).Err(); err != nil {
		t.Fatal(err)
	}
	for i := 3; i < 5; i++ {
		if err := st.CreateTask(ctx, testTask(fmt.Sprint("v", i), "alice", time.Minute), 3); err != nil {
			t.Fatalf("a task in the place of a vanished one: %v", err)
		}
	}
	if err := st.CreateTask(ctx, testTask("v5", "alice", time.Minute), 3); !errors.Is(err, store.ErrLimit) {
		t.Fatalf("a fourth live task: %v, want ErrLimit", err)
	}
	// The refusal marked the owner checked for a second: a task vanishing now frees its place once the mark
	// expired (the next refusals cost no read of every task), and the mark is gone after it.
	mark := st.opts.Prefix + "{t}:k:alice"
	if d := raw.PTTL(ctx, mark).Val(); d <= 0 || d > time.Second {
		t.Fatalf("the check mark has PTTL %v, want (0, 1s]", d)
	}
	if err := raw.Del(ctx, st.key("v0")).Err(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	deadline := start.Add(10 * time.Second)
	for {
		err := st.CreateTask(ctx, testTask("v6", "alice", time.Minute), 3)
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrLimit) || time.Now().After(deadline) {
			t.Fatalf("creating in the place of a vanished task: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("the place of a vanished task was found after %v, before the check mark expired", waited)
	}
}

// TestTaskUpdateGivesUp: an update whose task another writer changes before every attempt stops after
// maxUpdateAttempts with an error, having stored nothing of its own.
func TestTaskUpdateGivesUp(t *testing.T) {
	srv := redistest.Start(t)
	st := newStore(t, srv, Options{})
	other := newStore(t, srv, Options{Prefix: st.Tasks.opts.Prefix}).Tasks
	ctx := context.Background()
	if err := st.Tasks.CreateTask(ctx, testTask("busy", "", time.Minute), 0); err != nil {
		t.Fatal(err)
	}
	calls := 0
	_, err := st.Tasks.UpdateTask(ctx, "busy", func(r *store.TaskRecord) error {
		calls++
		if _, err := other.UpdateTask(ctx, "busy", func(r *store.TaskRecord) error { r.StatusMessage = "other"; return nil }); err != nil {
			return err
		}
		r.Status = store.TaskCompleted
		return nil
	})
	if err == nil || errors.Is(err, store.ErrTaskTerminal) {
		t.Fatalf("UpdateTask under endless conflicts: %v, want an error", err)
	}
	t.Log(err)
	if calls != maxUpdateAttempts {
		t.Errorf("fn ran %d times, want %d", calls, maxUpdateAttempts)
	}
	got, err := st.Tasks.GetTask(ctx, "busy")
	if err != nil || got.Status != store.TaskWorking || got.Version != maxUpdateAttempts {
		t.Errorf("after giving up: %+v, %v (want the other writer's %d versions, still working)", got, err, maxUpdateAttempts)
	}
}

// TestTasksAfterRedisRestart: a Redis that restarts empty (no persistence) has lost its tasks: they are
// not found, which the server reports like an expired task; the store works again at once (the scripts
// are loaded again by the first use of each: EVALSHA answers NOSCRIPT, then EVAL).
func TestTasksAfterRedisRestart(t *testing.T) {
	srv := redistest.Start(t)
	st := newStore(t, srv, Options{}).Tasks
	ctx := context.Background()
	if err := st.CreateTask(ctx, testTask("before", "alice", time.Minute), 5); err != nil {
		t.Fatal(err)
	}
	srv.Restart(t)
	deadline := time.Now().Add(10 * time.Second)
	var err error
	for _, err = st.GetTask(ctx, "before"); err != nil && !errors.Is(err, store.ErrNotFound) && time.Now().Before(deadline); _, err = st.GetTask(ctx, "before") {
		time.Sleep(50 * time.Millisecond) // the pool's connections died with the old server
	}
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetTask of a task lost with Redis: %v, want ErrNotFound", err)
	}
	if _, err := st.UpdateTask(ctx, "before", func(*store.TaskRecord) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateTask of a lost task: %v, want ErrNotFound", err)
	}
	if err := st.CreateTask(ctx, testTask("after", "alice", time.Minute), 1); err != nil {
		t.Fatalf("CreateTask after the restart: %v", err)
	}
	if _, err := st.UpdateTask(ctx, "after", func(r *store.TaskRecord) error { r.Status = store.TaskCompleted; return nil }); err != nil {
		t.Fatalf("UpdateTask after the restart: %v", err)
	}
	if list, _, err := st.ListTasks(ctx, "alice", "", 10); err != nil || len(list) != 1 {
		t.Fatalf("ListTasks after the restart: %d tasks, %v", len(list), err)
	}
}

// TestTaskMemoryInRedis reports what a task without payloads costs Redis (its hash and its two index
// entries; docs/SCALING.md, "Tasks"): 10,000 tasks of 100 owners, used_memory before and after.
func TestTaskMemoryInRedis(t *testing.T) {
	srv := redistest.Start(t)
	raw := rawClient(t, srv)
	st := newStore(t, srv, Options{}).Tasks
	ctx := context.Background()
	used := func() int64 {
		for line := range strings.Lines(raw.Info(ctx, "memory").Val()) {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
		}
		t.Fatal("INFO memory has no used_memory")
		return 0
	}
	const n = 10000
	before := used()
	for i := range n {
		rec := testTask(fmt.Sprintf("%032x", i), fmt.Sprint("owner", i%100), time.Hour)
		rec.Node, rec.LeaseUntil = "node-0123456789ab", rec.CreatedAt.Add(15*time.Second)
		if err := st.CreateTask(ctx, rec, 0); err != nil {
			t.Fatal(err)
		}
	}
	per := (used() - before) / n
	t.Logf("Redis holds %d bytes per task without payloads", per)
	if per > 2048 {
		t.Errorf("%d bytes per task in Redis, more than 2 KB", per)
	}
}

// TestTaskRacesAcrossNodes: three nodes (three clients on one Redis) race for the last places of an
// owner's limit and to finish the same task: the limit holds across them, and one terminal status wins.
func TestTaskRacesAcrossNodes(t *testing.T) {
	srv := redistest.Start(t)
	first := newStore(t, srv, Options{}).Tasks
	nodes := []*TaskStore{first, newStore(t, srv, Options{Prefix: first.opts.Prefix}).Tasks, newStore(t, srv, Options{Prefix: first.opts.Prefix}).Tasks}
	ctx := context.Background()
	const creates, limit = 60, 10
	var created atomic.Int64
	var wg sync.WaitGroup
	for i := range creates {
		wg.Go(func() {
			err := nodes[i%3].CreateTask(ctx, testTask(fmt.Sprint("c", i), "alice", time.Minute), limit)
			switch {
			case err == nil:
				created.Add(1)
			case !errors.Is(err, store.ErrLimit):
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := created.Load(); n != limit {
		t.Errorf("%d of %d creates on 3 nodes succeeded with a limit of %d", n, creates, limit)
	}
	finals := []string{store.TaskCompleted, store.TaskFailed, store.TaskCancelled}
	for round := range 10 {
		id := fmt.Sprint("r", round)
		if err := first.CreateTask(ctx, testTask(id, "bob", time.Minute), 0); err != nil {
			t.Fatal(err)
		}
		var won atomic.Int64
		for i, n := range nodes {
			wg.Go(func() {
				_, err := n.UpdateTask(ctx, id, func(r *store.TaskRecord) error { r.Status = finals[i]; return nil })
				switch {
				case err == nil:
					won.Add(1)
				case !errors.Is(err, store.ErrTaskTerminal):
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("round %d: %d nodes stored a terminal status", round, won.Load())
		}
	}
}
