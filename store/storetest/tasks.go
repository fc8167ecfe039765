package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/store"
)

// expiryWait bounds how long the task tests wait for a short-TTL task to be gone (it goes after 200 ms;
// a busy machine may take longer to notice, never this long).
const expiryWait = 10 * time.Second

// TestTaskStore checks a TaskStore: what CreateTask, GetTask, UpdateTask, ListTasks and DeleteTask promise,
// the per-owner limit and the atomic update under concurrency, and expiry (with TTLs of 200 ms to 1 s and a
// bounded wait, never an exact sleep). newStore must return an empty store.
func TestTaskStore(t *testing.T, newStore func(t *testing.T) store.TaskStore) {
	t.Run("create get round trip", func(t *testing.T) { taskRoundTrip(t, newStore(t)) })
	t.Run("invalid record", func(t *testing.T) { taskInvalid(t, newStore(t)) })
	t.Run("duplicate id", func(t *testing.T) { taskDuplicate(t, newStore(t)) })
	t.Run("unknown id", func(t *testing.T) { taskUnknown(t, newStore(t)) })
	t.Run("per-owner limit", func(t *testing.T) { taskLimit(t, newStore(t)) })
	t.Run("limit counts only live tasks", func(t *testing.T) { taskLimitExpiry(t, newStore(t)) })
	t.Run("concurrent creates never pass the limit", func(t *testing.T) { taskConcurrentCreates(t, newStore(t)) })
	t.Run("update", func(t *testing.T) { taskUpdate(t, newStore(t)) })
	t.Run("concurrent updates lose nothing", func(t *testing.T) { taskConcurrentUpdates(t, newStore(t)) })
	t.Run("terminal status stays", func(t *testing.T) { taskTerminal(t, newStore(t)) })
	t.Run("first terminal status wins a race", func(t *testing.T) { taskTerminalRace(t, newStore(t)) })
	t.Run("list", func(t *testing.T) { taskList(t, newStore(t)) })
	t.Run("delete", func(t *testing.T) { taskDelete(t, newStore(t)) })
	t.Run("expiry", func(t *testing.T) { taskExpiry(t, newStore(t)) })
	t.Run("ttl changed by an update", func(t *testing.T) { taskTTLChange(t, newStore(t)) })
	testTaskQuota(t, newStore)
}

// newTask returns a working task of owner created now (monotonic reading stripped: stores that encode
// times keep the wall clock only).
func newTask(id, owner string, ttl time.Duration) *store.TaskRecord {
	now := time.Now().Round(0)
	return &store.TaskRecord{ID: id, Owner: owner, Method: "tools/call", Name: "slow", Era: "2026-07-28",
		Status: store.TaskWorking, CreatedAt: now, UpdatedAt: now, TTL: ttl}
}

// taskDiff describes how got differs from want ("" when they are the same task, Version included).
func taskDiff(got, want *store.TaskRecord) string {
	var d []string
	str := func(name, g, w string) {
		if g != w {
			d = append(d, fmt.Sprintf("%s %q, want %q", name, g, w))
		}
	}
	tm := func(name string, g, w time.Time) {
		if !g.Equal(w) {
			d = append(d, fmt.Sprintf("%s %v, want %v", name, g, w))
		}
	}
	bs := func(name string, g, w []byte) {
		if !bytes.Equal(g, w) {
			d = append(d, fmt.Sprintf("%s %q, want %q", name, g, w))
		}
	}
	str("ID", got.ID, want.ID)
	str("Owner", got.Owner, want.Owner)
	str("Method", got.Method, want.Method)
	str("Name", got.Name, want.Name)
	str("Era", got.Era, want.Era)
	str("Status", got.Status, want.Status)
	str("StatusMessage", got.StatusMessage, want.StatusMessage)
	tm("CreatedAt", got.CreatedAt, want.CreatedAt)
	tm("UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	if got.TTL != want.TTL || got.PollInterval != want.PollInterval {
		d = append(d, fmt.Sprintf("TTL %v PollInterval %v, want %v %v", got.TTL, got.PollInterval, want.TTL, want.PollInterval))
	}
	bs("Result", got.Result, want.Result)
	bs("Error", got.Error, want.Error)
	bs("InputRequests", got.InputRequests, want.InputRequests)
	bs("InputResponses", got.InputResponses, want.InputResponses)
	str("Node", got.Node, want.Node)
	tm("LeaseUntil", got.LeaseUntil, want.LeaseUntil)
	if got.CancelRequested != want.CancelRequested || got.Version != want.Version {
		d = append(d, fmt.Sprintf("CancelRequested %v Version %d, want %v %d", got.CancelRequested, got.Version, want.CancelRequested, want.Version))
	}
	return strings.Join(d, "; ")
}

func mustGet(t *testing.T, st store.TaskStore, id string) *store.TaskRecord {
	t.Helper()
	got, err := st.GetTask(context.Background(), id)
	if err != nil {
		t.Fatalf("GetTask(%q): %v", id, err)
	}
	return got
}

func mustCreate(t *testing.T, st store.TaskStore, rec *store.TaskRecord, max int) {
	t.Helper()
	if err := st.CreateTask(context.Background(), rec, max); err != nil {
		t.Fatalf("CreateTask(%q): %v", rec.ID, err)
	}
}

// waitGone polls GetTask until the task is gone (ErrNotFound), for at most expiryWait.
func waitGone(t *testing.T, st store.TaskStore, id string) {
	t.Helper()
	deadline := time.Now().Add(expiryWait)
	for {
		_, err := st.GetTask(context.Background(), id)
		if errors.Is(err, store.ErrNotFound) {
			return
		}
		if err != nil {
			t.Fatalf("GetTask(%q) while waiting for its expiry: %v", id, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %q still there %v after it was created with a short TTL", id, expiryWait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func taskRoundTrip(t *testing.T, st store.TaskStore) {
	ctx := context.Background()
	now := time.Now().Round(0)
	rec := &store.TaskRecord{ID: "t-1", Owner: "alice", Method: "tools/call", Name: "slow", Era: "2025-11-25",
		Status: store.TaskInputRequired, StatusMessage: "waiting for you", CreatedAt: now,
		UpdatedAt: now.Add(time.Millisecond), TTL: time.Minute, PollInterval: 1500 * time.Millisecond,
		Result: []byte(`{"content":[{"type":"text","text":"é"}]}`), Error: []byte(`{"code":-32603,"message":"x"}`),
		InputRequests:  []byte(`{"k1":{"method":"elicitation/create","params":{}}}`),
		InputResponses: []byte{0, 1, 0xff, '"', '\n'}, // any bytes come back as they were
		Node:           "node-a", LeaseUntil: now.Add(15 * time.Second), CancelRequested: true}
	want := rec.Clone()
	mustCreate(t, st, rec, 0)
	rec.StatusMessage = "changed after CreateTask"
	rec.Result[0] = 'X'
	got := mustGet(t, st, "t-1")
	if d := taskDiff(got, want); d != "" {
		t.Fatalf("GetTask after CreateTask: %s", d)
	}
	got.StatusMessage = "changed by the caller"
	got.Result[0] = 'Y'
	got.InputResponses[0] = 9
	if d := taskDiff(mustGet(t, st, "t-1"), want); d != "" {
		t.Fatalf("GetTask must return a copy: %s", d)
	}
	// An update that changes one payload keeps the others.
	want.StatusMessage, want.Error, want.Version = "still waiting", []byte(`{"code":1}`), 1
	if got, err := st.UpdateTask(ctx, "t-1", func(r *store.TaskRecord) error {
		r.StatusMessage, r.Error = "still waiting", []byte(`{"code":1}`)
		return nil
	}); err != nil || taskDiff(got, want) != "" {
		t.Fatalf("UpdateTask of the status message and Error: %v %s", err, taskDiff(got, want))
	}
	if d := taskDiff(mustGet(t, st, "t-1"), want); d != "" {
		t.Fatalf("GetTask after an update of the status message and Error: %s", d)
	}
	// The smallest record: no owner, no byte slices.
	small := newTask("t-2", "", time.Minute)
	mustCreate(t, st, small, 0)
	got = mustGet(t, st, "t-2")
	if d := taskDiff(got, small); d != "" {
		t.Fatalf("a task without owner or payload: %s", d)
	}
	if got.Result != nil || got.Error != nil || got.InputRequests != nil || got.InputResponses != nil {
		t.Errorf("absent payloads came back as %q %q %q %q, want nil", got.Result, got.Error, got.InputRequests, got.InputResponses)
	}
	if list, _, err := st.ListTasks(ctx, "alice", "", 10); err != nil || len(list) != 1 || taskDiff(list[0], want) != "" {
		t.Fatalf("ListTasks: %d tasks, %v", len(list), err)
	}
}

func taskInvalid(t *testing.T, st store.TaskStore) {
	ctx := context.Background()
	noTTL := newTask("no-ttl", "alice", 0)
	if err := st.CreateTask(ctx, noTTL, 0); err == nil {
		t.Error("CreateTask accepted a task with TTL 0 (kept for no time at all)")
	}
	noTime := newTask("no-time", "alice", time.Minute)
	noTime.CreatedAt = time.Time{}
	if err := st.CreateTask(ctx, noTime, 0); err == nil {
		t.Error("CreateTask accepted a task without CreatedAt")
	}
	noID := newTask("", "alice", time.Minute)
	if err := st.CreateTask(ctx, noID, 0); err == nil {
		t.Error("CreateTask accepted a task without id")
	}
	for _, id := range []string{"no-ttl", "no-time"} {
		if _, err := st.GetTask(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("refused task %q: GetTask %v, want ErrNotFound", id, err)
		}
	}
}

func taskDuplicate(t *testing.T, st store.TaskStore) {
	ctx := context.Background()
	mustCreate(t, st, newTask("dup", "alice", time.Minute), 0)
	other := newTask("dup", "bob", time.Minute)
	other.StatusMessage = "second"
	if err := st.CreateTask(ctx, other, 0); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second CreateTask of the same id: %v, want ErrExists", err)
	}
	if got := mustGet(t, st, "dup"); got.Owner != "alice" || got.StatusMessage != "" {
		t.Errorf("the refused create changed the task: %+v", got)
	}
	if list, _, _ := st.ListTasks(ctx, "bob", "", 10); len(list) != 0 {
		t.Errorf("the refused create is listed for its owner: %d tasks", len(list))
	}
}

func taskUnknown(t *testing.T, st store.TaskStore) {
	ctx := context.Background()
	if _, err := st.GetTask(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetTask of an unknown id: %v, want ErrNotFound", err)
	}
	called := false
	if _, err := st.UpdateTask(ctx, "nope", func(*store.TaskRecord) error { called = true; return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateTask of an unknown id: %v, want ErrNotFound", err)
	}
	if called {
		t.Error("UpdateTask called fn for an unknown id")
	}
	if err := st.DeleteTask(ctx, "nope"); err != nil {
		t.Errorf("DeleteTask of an unknown id: %v, want nil", err)
	}
	if list, next, err := st.ListTasks(ctx, "nobody", "", 10); err != nil || len(list) != 0 || next != "" {
		t.Errorf("ListTasks of an owner without tasks: %d tasks, next %q, %v", len(list), next, err)
	}
}

func taskLimit(t *testing.T, st store.TaskStore) {
	ctx := context.Background()
	for i := range 3 {
		mustCreate(t, st, newTask(fmt.Sprint("a", i), "alice", time.Minute), 3)
	}
	if err := st.CreateTask(ctx, newTask("a3", "alice", time.Minute), 3); !errors.Is(err, store.ErrLimit) {
		t.Fatalf("a fourth task with a limit of 3: %v, want ErrLimit", err)
	}
	if _, err := st.GetTask(ctx, "a3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused task was stored: %v", err)
	}
	mustCreate(t, st, newTask("b0", "bob", time.Minute), 3) // another owner is not affected
	mustCreate(t, st, newTask("n0", "", time.Minute), 1)    // nor the empty owner
	mustCreate(t, st, newTask("a4", "alice", time.Minute), 0)
	mustCreate(t, st, newTask("a5", "alice", time.Minute), 6) // 0 is no limit; the limit is per call
	if err := st.CreateTask(ctx, newTask("a6", "alice", time.Minute), 5); !errors.Is(err, store.ErrLimit) {
		t.Fatalf("a task past a limit of 5 with 5 live: %v, want ErrLimit", err)
	}
	if err := st.DeleteTask(ctx, "a0"); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, st, newTask("a6", "alice", time.Minute), 5) // a deleted task frees its place
	if err := st.CreateTask(ctx, newTask("n1", "", time.Minute), 1); !errors.Is(err, store.ErrLimit) {
		t.Errorf("a second task of the empty owner with a limit of 1: %v, want ErrLimit", err)
	}
}

func taskLimitExpiry(t *testing.T, st store.TaskStore) {
	ctx := context.Background()
	mustCreate(t, st, newTask("long", "carol", time.Minute), 3)
	for i := range 2 {
		mustCreate(t, st, newTask(fmt.Sprint("short", i), "carol", 200*time.Millisecond), 3)
	}
	waitGone(t, st, "short0")
	waitGone(t, st, "short1")
	for i := range 2 {
		if err := st.CreateTask(ctx, newTask(fmt.Sprint("new", i), "carol", time.Minute), 3); err != nil {
			t.Fatalf("a task in the place of an expired one: %v", err)
		}
	}
	if err := st.CreateTask(ctx, newTask("new2", "carol", time.Minute), 3); !errors.Is(err, store.ErrLimit) {
		t.Fatalf("a fourth live task with a limit of 3: %v, want ErrLimit", err)
	}
}

func taskConcurrentCreates(t *testing.T, st store.TaskStore) {
	ctx := context.Background()
	const n, limit = 50, 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = st.CreateTask(ctx, newTask(fmt.Sprint("c", i), "dave", time.Minute), limit)
		})
	}
	close(start)
	wg.Wait()
	created := 0
	for i, err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, store.ErrLimit):
			t.Errorf("create %d: %v", i, err)
		}
	}
	if created != limit {
		t.Errorf("%d of %d concurrent creates succeeded with a limit of %d", created, n, limit)
	}
	list, _, err := st.ListTasks(ctx, "dave", "", 100)
	if err != nil || len(list) != limit {
		t.Errorf("ListTasks after the concurrent creates: %d tasks, %v; want %d", len(list), err, limit)
	}
}

func taskUpdate(t *testing.T, st store.TaskStore) {
	ctx := context.Background()
	rec := newTask("u", "alice", time.Minute)
	mustCreate(t, st, rec, 0)
	later := rec.CreatedAt.Add(time.Second)
	got, err := st.UpdateTask(ctx, "u", func(r *store.TaskRecord) error {
		r.StatusMessage = "half way"
		r.UpdatedAt = later
		r.InputRequests = []byte(`{"k":{}}`)
		r.Node, r.LeaseUntil = "node-b", later
		// Identity fields cannot change: the store puts them back.
		r.ID, r.Owner, r.CreatedAt = "other", "mallory", later
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := rec.Clone()
	want.StatusMessage, want.UpdatedAt, want.InputRequests, want.Node, want.LeaseUntil, want.Version =
		"half way", later, []byte(`{"k":{}}`), "node-b", later, 1
	if d := taskDiff(got, want); d != "" {
		t.Fatalf("UpdateTask returned: %s", d)
	}
	if d := taskDiff(mustGet(t, st, "u"), want); d != "" {
		t.Fatalf("GetTask after UpdateTask: %s", d)
	}
	if _, err := st.GetTask(ctx, "other"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an update that changed ID stored a task under the new id: %v", err)
	}
	if list, _, _ := st.ListTasks(ctx, "mallory", "", 10); len(list) != 0 {
		t.Errorf("an update that changed Owner listed the task for the new owner")
	}
	// Removing a payload.
	want.InputRequests = nil
	want.Version = 2
	if got, err := st.UpdateTask(ctx, "u", func(r *store.TaskRecord) error { r.InputRequests = nil; return nil }); err != nil || taskDiff(got, want) != "" {
		t.Fatalf("UpdateTask removing InputRequests: %v %s", err, taskDiff(got, want))
	}
	// fn's error aborts: nothing stored, the error returned as it is.
	boom := errors.New("boom")
	if _, err := st.UpdateTask(ctx, "u", func(r *store.TaskRecord) error {
		r.StatusMessage = "must not be stored"
		r.Status = store.TaskCompleted
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("UpdateTask with fn failing: %v, want fn's error", err)
	}
	if d := taskDiff(mustGet(t, st, "u"), want); d != "" {
		t.Fatalf("an aborted update changed the task: %s", d)
	}
}

func taskConcurrentUpdates(t *testing.T, st store.TaskStore) {
	ctx := context.Background()
	mustCreate(t, st, newTask("cu", "alice", time.Minute), 0)
	const writers, each = 10, 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	versions := map[int64]bool{}
	for range writers {
		wg.Go(func() {
			for range each {
				got, err := st.UpdateTask(ctx, "cu", func(r *store.TaskRecord) error {
					n, _ := strconv.Atoi(r.StatusMessage)
					r.StatusMessage = strconv.Itoa(n + 1)
					r.Result = append(r.Result, 'x')
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				versions[got.Version] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	got := mustGet(t, st, "cu")
	if got.StatusMessage != strconv.Itoa(writers*each) || len(got.Result) != writers*each || got.Version != writers*each {
		t.Errorf("after %d concurrent increments: counter %s, %d bytes appended, version %d", writers*each, got.StatusMessage, len(got.Result), got.Version)
	}
	if len(versions) != writers*each {
		t.Errorf("the %d updates returned %d distinct versions", writers*each, len(versions))
	}
}

func taskTerminal(t *testing.T, st store.TaskStore) {
	ctx := context.Background()
	mustCreate(t, st, newTask("term", "alice", time.Minute), 0)
	if _, err := st.UpdateTask(ctx, "term", func(r *store.TaskRecord) error {
		r.Status, r.Result = store.TaskCompleted, []byte(`{"content":[]}`)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, status := range []string{store.TaskWorking, store.TaskInputRequired, store.TaskFailed, store.TaskCancelled} {
		_, err := st.UpdateTask(ctx, "term", func(r *store.TaskRecord) error {
			r.Status, r.StatusMessage = status, "late"
			return nil
		})
		if !errors.Is(err, store.ErrTaskTerminal) {
			t.Errorf("changing a completed task to %s: %v, want ErrTaskTerminal", status, err)
		}
	}
	got := mustGet(t, st, "term")
	if got.Status != store.TaskCompleted || got.StatusMessage != "" || got.Version != 1 {
		t.Errorf("a refused update changed the task: status %s, message %q, version %d", got.Status, got.StatusMessage, got.Version)
	}
	// Other fields still change (a late cancel request, input responses).
	got, err := st.UpdateTask(ctx, "term", func(r *store.TaskRecord) error { r.CancelRequested = true; return nil })
	if err != nil || got.Status != store.TaskCompleted || !got.CancelRequested || got.Version != 2 || string(got.Result) != `{"content":[]}` {
		t.Errorf("an update of a finished task that keeps its status: %v, %+v", err, got)
	}
}

func taskTerminalRace(t *testing.T, st store.TaskStore) {
	ctx := context.Background()
	finals := []string{store.TaskCompleted, store.TaskFailed, store.TaskCancelled}
	for round := range 20 {
		id := fmt.Sprint("race", round)
		mustCreate(t, st, newTask(id, "alice", time.Minute), 0)
		var wg sync.WaitGroup
		errs := make([]error, len(finals))
		start := make(chan struct{})
		for i, status := range finals {
			wg.Go(func() {
				<-start
				_, errs[i] = st.UpdateTask(ctx, id, func(r *store.TaskRecord) error {
					r.Status, r.StatusMessage = status, "set by "+status
					return nil
				})
			})
		}
		close(start)
		wg.Wait()
		winner := ""
		for i, err := range errs {
			switch {
			case err == nil && winner == "":
				winner = finals[i]
			case err == nil:
				t.Fatalf("round %d: both %s and %s were stored", round, winner, finals[i])
			case !errors.Is(err, store.ErrTaskTerminal):
				t.Fatalf("round %d: %s: %v, want nil or ErrTaskTerminal", round, finals[i], err)
			}
		}
		got := mustGet(t, st, id)
		if winner == "" || got.Status != winner || got.StatusMessage != "set by "+winner || got.Version != 1 {
			t.Fatalf("round %d: winner %q, stored %s %q version %d", round, winner, got.Status, got.StatusMessage, got.Version)
		}
	}
}
