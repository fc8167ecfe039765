package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/store"
)

func ids(list []*store.TaskRecord) []string {
	out := make([]string, len(list))
	for i, r := range list {
		out[i] = r.ID
	}
	return out
}

func taskList(t *testing.T, st store.TaskStore) {
	ctx := context.Background()
	base := time.Now().Round(0)
	for i := range 5 {
		rec := newTask(fmt.Sprint("e", i), "erin", time.Minute)
		rec.CreatedAt = base.Add(time.Duration(i) * time.Millisecond)
		mustCreate(t, st, rec, 0)
		other := newTask(fmt.Sprint("f", i), "frank", time.Minute)
		other.CreatedAt = rec.CreatedAt
		mustCreate(t, st, other, 0)
	}
	page := func(owner, cursor string, limit int) ([]string, string) {
		t.Helper()
		list, next, err := st.ListTasks(ctx, owner, cursor, limit)
		if err != nil {
			t.Fatalf("ListTasks(%q, %q, %d): %v", owner, cursor, limit, err)
		}
		return ids(list), next
	}
	p1, next := page("erin", "", 2)
	if fmt.Sprint(p1) != "[e0 e1]" || next == "" {
		t.Fatalf("first page %v, next %q", p1, next)
	}
	// The task the cursor names is deleted: the cursor still leads on.
	if err := st.DeleteTask(ctx, "e1"); err != nil {
		t.Fatal(err)
	}
	p2, next := page("erin", next, 2)
	if fmt.Sprint(p2) != "[e2 e3]" || next == "" {
		t.Fatalf("second page %v, next %q", p2, next)
	}
	p3, next := page("erin", next, 2)
	if fmt.Sprint(p3) != "[e4]" || next != "" {
		t.Fatalf("last page %v, next %q", p3, next)
	}
	if all, next := page("erin", "", 4); fmt.Sprint(all) != "[e0 e2 e3 e4]" || next != "" {
		t.Errorf("a page exactly as long as the list: %v, next %q (want no next page)", all, next)
	}
	if all, next := page("frank", "", 100); fmt.Sprint(all) != "[f0 f1 f2 f3 f4]" || next != "" {
		t.Errorf("frank's tasks: %v, next %q", all, next)
	}
	for _, bad := range []string{"not a cursor", "-1", "x:y"} {
		if _, _, err := st.ListTasks(ctx, "erin", bad, 2); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("cursor %q: %v, want ErrNotFound", bad, err)
		}
	}
	// A task created while paging comes last; an expired one is not listed.
	_, next = page("erin", "", 2)
	late := newTask("e5", "erin", time.Minute)
	late.CreatedAt = base.Add(time.Second)
	mustCreate(t, st, late, 0)
	mustCreate(t, st, newTask("e6", "erin", 200*time.Millisecond), 0)
	waitGone(t, st, "e6")
	if rest, next := page("erin", next, 10); fmt.Sprint(rest) != "[e3 e4 e5]" || next != "" {
		t.Errorf("after the cursor, with one task added and one expired: %v, next %q", rest, next)
	}
}

func taskDelete(t *testing.T, st store.TaskStore) {
	ctx := context.Background()
	mustCreate(t, st, newTask("d", "alice", time.Minute), 0)
	if err := st.DeleteTask(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetTask(ctx, "d"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetTask after DeleteTask: %v", err)
	}
	if _, err := st.UpdateTask(ctx, "d", func(*store.TaskRecord) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateTask after DeleteTask: %v", err)
	}
	if list, _, _ := st.ListTasks(ctx, "alice", "", 10); len(list) != 0 {
		t.Errorf("a deleted task is listed")
	}
	if err := st.DeleteTask(ctx, "d"); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	again := newTask("d", "bob", time.Minute)
	mustCreate(t, st, again, 1) // the id is free again
	if got := mustGet(t, st, "d"); got.Owner != "bob" {
		t.Errorf("the new task of a reused id: owner %q", got.Owner)
	}
}

func taskExpiry(t *testing.T, st store.TaskStore) {
	ctx := context.Background()
	mustCreate(t, st, newTask("x", "alice", 200*time.Millisecond), 0)
	mustCreate(t, st, newTask("y", "alice", time.Minute), 0)
	waitGone(t, st, "x")
	if _, err := st.UpdateTask(ctx, "x", func(*store.TaskRecord) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateTask of an expired task: %v, want ErrNotFound", err)
	}
	if list, _, _ := st.ListTasks(ctx, "alice", "", 10); fmt.Sprint(ids(list)) != "[y]" {
		t.Errorf("listed after x expired: %v", ids(list))
	}
	// The id of an expired task can be used again.
	mustCreate(t, st, newTask("x", "bob", time.Minute), 1)
	if got := mustGet(t, st, "x"); got.Owner != "bob" || got.Version != 0 {
		t.Errorf("a task created in the place of an expired one: %+v", got)
	}
	if list, _, _ := st.ListTasks(ctx, "bob", "", 10); fmt.Sprint(ids(list)) != "[x]" {
		t.Errorf("bob's tasks: %v", ids(list))
	}
}

func taskTTLChange(t *testing.T, st store.TaskStore) {
	ctx := context.Background()
	rec := newTask("ttl", "alice", 300*time.Millisecond)
	mustCreate(t, st, rec, 0)
	if _, err := st.UpdateTask(ctx, "ttl", func(r *store.TaskRecord) error { r.TTL = time.Minute; return nil }); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			t.Skip("the machine is too slow: the task expired before its update")
		}
		t.Fatal(err)
	}
	for time.Now().Before(rec.CreatedAt.Add(500 * time.Millisecond)) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := mustGet(t, st, "ttl"); got.TTL != time.Minute {
		t.Fatalf("TTL after the update: %v", got.TTL)
	}
	if list, _, _ := st.ListTasks(ctx, "alice", "", 10); len(list) != 1 {
		t.Errorf("a task whose TTL was extended is not listed after its first TTL")
	}
	if _, err := st.UpdateTask(ctx, "ttl", func(r *store.TaskRecord) error { r.TTL = 600 * time.Millisecond; return nil }); err != nil {
		t.Fatal(err)
	}
	waitGone(t, st, "ttl")
	if err := st.CreateTask(ctx, newTask("ttl2", "alice", time.Minute), 1); err != nil {
		t.Errorf("the shortened task still counts against the limit: %v", err)
	}
}
