package server_test

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport"
)

// spyStore is a TaskStore that records the largest task id and list cursor it was handed, and the
// largest payloads it stored.
type spyStore struct {
	store.TaskStore
	mu                      sync.Mutex
	maxID, maxCursor        int
	maxInputs, maxResultErr int
}

func (s *spyStore) seenID(id string) {
	s.mu.Lock()
	s.maxID = max(s.maxID, len(id))
	s.mu.Unlock()
}

func (s *spyStore) GetTask(ctx context.Context, id string) (*store.TaskRecord, error) {
	s.seenID(id)
	return s.TaskStore.GetTask(ctx, id)
}

func (s *spyStore) UpdateTask(ctx context.Context, id string, fn func(*store.TaskRecord) error) (*store.TaskRecord, error) {
	s.seenID(id)
	rec, err := s.TaskStore.UpdateTask(ctx, id, fn)
	if err == nil {
		s.mu.Lock()
		s.maxInputs = max(s.maxInputs, len(rec.InputResponses))
		s.maxResultErr = max(s.maxResultErr, len(rec.Result)+len(rec.Error))
		s.mu.Unlock()
	}
	return rec, err
}

func (s *spyStore) ListTasks(ctx context.Context, owner, cursor string, limit int) ([]*store.TaskRecord, string, error) {
	s.mu.Lock()
	s.maxCursor = max(s.maxCursor, len(cursor))
	s.mu.Unlock()
	return s.TaskStore.ListTasks(ctx, owner, cursor, limit)
}

func (s *spyStore) seen() (id, cursor, inputs, resultErr int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxID, s.maxCursor, s.maxInputs, s.maxResultErr
}

// TestTaskIDShapeChecked: a task id that cannot be one this server issued (too long, or characters a
// Redis key should not carry) is not found without reaching the store, and the error quotes it clipped.
func TestTaskIDShapeChecked(t *testing.T) {
	spy := &spyStore{TaskStore: store.NewMemoryTasks()}
	s := newTaskServer(t, &server.Options{Tasks: server.TaskOptions{Store: spy}}, &taskTools{})
	huge := strings.Repeat("a", 1<<20)
	for _, id := range []string{huge, "{t}:x:*", "../../etc", strings.Repeat("f", 33), "ABCDEF0123456789ABCDEF0123456789"} {
		for _, method := range []string{"tasks/get", "tasks/cancel", "tasks/update"} {
			params := `"taskId":"` + id + `"`
			if method == "tasks/update" {
				params += `,"inputResponses":{"k":{}}`
			}
			_, err := modern(t, s, taskMeta, method, params)
			if rpcCode(err) != mcp.CodeInvalidParams {
				t.Errorf("%s of a %d-byte id: %v, want -32602", method, len(id), err)
			}
			if err != nil && len(err.Error()) > 1024 {
				t.Errorf("%s: the error quotes %d bytes of the id", method, len(err.Error()))
			}
		}
	}
	if id, _, _, _ := spy.seen(); id != 0 {
		t.Errorf("the store was handed a malformed task id of %d bytes", id)
	}
	// Ids this server issues still work.
	waitStatus(t, s, callTask(t, s, "quick"), "completed")
}

// TestTaskListCursorBounded: a tasks/list cursor longer than any store issues is refused before the store.
func TestTaskListCursorBounded(t *testing.T) {
	spy := &spyStore{TaskStore: store.NewMemoryTasks()}
	s := newTaskServer(t, &server.Options{Tasks: server.TaskOptions{Store: spy}}, &taskTools{})
	w := rawPeer(t, s)
	legacyInit(w, mcp.Version20251125)
	m := w.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"tasks/list","params":{"cursor":"` + strings.Repeat("1", 1<<20) + `"}}`)
	if errCode(m) != mcp.CodeInvalidParams || len(errMessage(m)) > 1024 {
		t.Errorf("a 1 MiB cursor: %v", errMessage(m))
	}
	if _, cursor, _, _ := spy.seen(); cursor > 0 {
		t.Errorf("the store was handed a %d-byte cursor", cursor)
	}
}

// TestTaskHugeTTLGetsTheCap: a 2025-11-25 ttl so large that it overflows in nanoseconds gets MaxTTL, not
// whatever the overflow left (it wrapped to 448 µs: the task was gone at once).
func TestTaskHugeTTLGetsTheCap(t *testing.T) {
	s := newTaskServer(t, nil, &taskTools{})
	w := rawPeer(t, s)
	legacyInit(w, mcp.Version20251125)
	for i, ttl := range []string{"18446744073710", "9223372036854775807", "9223372036855"} {
		m := w.roundTrip(`{"jsonrpc":"2.0","id":` + string(rune('1'+i)) + `,"method":"tools/call","params":{"name":"quick","arguments":{},"task":{"ttl":` + ttl + `}}}`)
		task, _ := result(t, m)["task"].(map[string]any)
		if task["ttl"] != float64(24*60*60*1000) {
			t.Errorf("ttl %s: the task got %v ms, want the 24 h cap", ttl, task["ttl"])
		}
	}
}

// TestTaskUpdateAnswerBudget: an answer larger than TaskOptions.MaxInputBytes is refused with -32602 and
// not stored; the question stays open and a normal answer still completes the task.
func TestTaskUpdateAnswerBudget(t *testing.T) {
	spy := &spyStore{TaskStore: store.NewMemoryTasks()}
	s := newTaskServer(t, &server.Options{Tasks: server.TaskOptions{Store: spy}}, &taskTools{})
	id := callTask(t, s, "ask")
	m := waitStatus(t, s, id, "input_required")
	var key string
	for k := range m["inputRequests"].(map[string]any) {
		key = k
	}
	big := strings.Repeat("x", 2<<20)
	_, err := modern(t, s, taskMeta, "tasks/update", `"taskId":"`+id+`","inputResponses":{"`+key+`":{"action":"accept","content":{"name":"`+big+`"}}}`)
	if rpcCode(err) != mcp.CodeInvalidParams || !strings.Contains(err.Error(), "MaxInputBytes") {
		t.Errorf("a 2 MiB answer: %v, want -32602 naming the limit", err)
	}
	if _, _, inputs, _ := spy.seen(); inputs > 1<<20 {
		t.Errorf("%d bytes of answers stored", inputs)
	}
	if m := getTask(t, s, id); m["status"] != "input_required" {
		t.Errorf("after the refused answer: %v", m["status"])
	}
	mustModern(t, s, "tasks/update", `"taskId":"`+id+`","inputResponses":{"`+key+`":{"action":"accept","content":{"name":"Ada"}}}`)
	if m := waitStatus(t, s, id, "completed", "failed"); !strings.Contains(resultText(m), "Ada") {
		t.Errorf("after a normal answer: %v", m)
	}
}

// TestTaskResultBudget: a result or an error larger than TaskOptions.MaxResultBytes is not stored: the
// task fails with an error naming the limit.
func TestTaskResultBudget(t *testing.T) {
	spy := &spyStore{TaskStore: store.NewMemoryTasks()}
	s := server.New("tasks", "1", &server.Options{Tasks: server.TaskOptions{Store: spy, MaxResultBytes: 64 << 10}})
	t.Cleanup(func() { s.Close() })
	server.TaskTool(s, "big", "a 1 MiB result", mcp.TaskOptional, func(ctx context.Context, _ struct{}) (string, error) {
		return strings.Repeat("r", 1<<20), nil
	})
	server.TaskTool(s, "bigerr", "a protocol error with 1 MiB of data", mcp.TaskOptional, func(ctx context.Context, _ struct{}) (string, error) {
		return "", &jsonrpc.Error{Code: -32042, Message: strings.Repeat("m", 1<<20), Data: []byte(`"` + strings.Repeat("d", 1<<20) + `"`)}
	})
	server.TaskTool(s, "fits", "a small result", mcp.TaskOptional, func(ctx context.Context, _ struct{}) (string, error) {
		return "small", nil
	})
	for _, tool := range []string{"big", "bigerr"} {
		m := waitStatus(t, s, callTask(t, s, tool), "completed", "failed")
		e, _ := m["error"].(map[string]any)
		msg, _ := e["message"].(string)
		if m["status"] != "failed" || !strings.Contains(msg, "MaxResultBytes") {
			t.Errorf("%s: status %v, error %.200s; want failed naming MaxResultBytes", tool, m["status"], msg)
		}
	}
	if _, _, _, stored := spy.seen(); stored > 64<<10 {
		t.Errorf("%d bytes of result and error stored, over the 64 KiB budget", stored)
	}
	if m := waitStatus(t, s, callTask(t, s, "fits"), "completed", "failed"); resultText(m) != "small" {
		t.Errorf("a small result: %v", m)
	}
}

// gatedCreateStore is a TaskStore whose CreateTask waits for release once it was entered.
type gatedCreateStore struct {
	store.TaskStore
	entered, release chan struct{}
}

func (g *gatedCreateStore) CreateTask(ctx context.Context, rec *store.TaskRecord, max int) error {
	close(g.entered)
	<-g.release
	return g.TaskStore.CreateTask(ctx, rec, max)
}

// TestTaskCreateRacingClose: a task whose creation was in the store while Server.Close ran does not start
// once Close returned (its handler and lease renewer would outlive Close): the call fails and nothing runs.
func TestTaskCreateRacingClose(t *testing.T) {
	g := &gatedCreateStore{TaskStore: store.NewMemoryTasks(), entered: make(chan struct{}), release: make(chan struct{})}
	tt := &taskTools{gate: make(chan struct{})}
	defer close(tt.gate)
	s := newTaskServer(t, &server.Options{Tasks: server.TaskOptions{Store: g}}, tt)
	type answer struct {
		m   map[string]any
		err error
	}
	done := make(chan answer, 1)
	go func() {
		m, err := modern(t, s, taskMeta, "tools/call", `"name":"sleepy","arguments":{}`)
		done <- answer{m, err}
	}()
	<-g.entered
	s.Close()
	close(g.release)
	a := <-done
	if a.err == nil || !strings.Contains(a.err.Error(), "shutting down") {
		t.Errorf("a task created while the server closed: %v %v, want the shutting-down error", a.m, a.err)
	}
	if n := server.RunningTasks(s); n != 0 {
		t.Errorf("%d tasks run after Close returned", n)
	}
}

// modernFrom is modern for a request that came from the client address addr.
func modernFrom(t testing.TB, s *server.Server, addr, method, params string) (map[string]any, error) {
	t.Helper()
	return modernIn(t, transport.WithClientAddr(context.Background(), addr), s, taskMeta, method, params)
}

// TestAnonymousTaskQuotaPerClient: unauthenticated 2026-07-28 clients share the owner "" (any of them may
// use a task whose id it holds) but not its budget: each client address has MaxPerOwner live tasks, all of
// them together MaxAnonymous. Before, one client holding MaxPerOwner tasks locked every other one out.
func TestAnonymousTaskQuotaPerClient(t *testing.T) {
	for _, st := range []store.TaskStore{store.NewMemoryTasks(), nil} {
		opts := server.TaskOptions{Store: st, MaxPerOwner: 2, MaxAnonymous: 5} // nil: the default memory store
		s := newTaskServer(t, &server.Options{Tasks: opts}, &taskTools{})
		call := func(addr string) (string, error) {
			m, err := modernFrom(t, s, addr, "tools/call", `"name":"quick","arguments":{}`)
			if err != nil {
				return "", err
			}
			id, _ := m["taskId"].(string)
			return id, nil
		}
		var first string
		for i := range 2 {
			id, err := call("192.0.2.1")
			if err != nil {
				t.Fatalf("client A, task %d: %v", i, err)
			}
			first = cmp.Or(first, id)
		}
		if _, err := call("192.0.2.1"); err == nil || !strings.Contains(err.Error(), "this client") || !strings.Contains(err.Error(), "MaxPerOwner") {
			t.Errorf("client A's third task: %v, want its own limit", err)
		}
		for i := range 2 {
			if _, err := call("192.0.2.2"); err != nil {
				t.Fatalf("client B, task %d, while A is at its limit: %v", i, err)
			}
		}
		if _, err := call("192.0.2.3"); err != nil {
			t.Fatalf("client C: %v", err)
		}
		if _, err := call("192.0.2.4"); err == nil || !strings.Contains(err.Error(), "MaxAnonymous") {
			t.Errorf("a sixth anonymous task: %v, want the MaxAnonymous limit", err)
		}
		// Whoever holds the id may use it: B reads A's task.
		if m, err := modernFrom(t, s, "192.0.2.2", "tasks/get", `"taskId":"`+first+`"`); err != nil || m["taskId"] != first {
			t.Errorf("client B reading client A's task: %v %v", m, err)
		}
	}
}

// plainTaskStore hides the TaskQuotaStore methods of the store it wraps.
type plainTaskStore struct{ store.TaskStore }

// TestAnonymousTaskQuotaWithoutQuotaStore: with a store that has no quota keys, anonymous clients share
// MaxPerOwner as one owner (what they did before quota keys), and the error says so.
func TestAnonymousTaskQuotaWithoutQuotaStore(t *testing.T) {
	opts := server.TaskOptions{Store: plainTaskStore{store.NewMemoryTasks()}, MaxPerOwner: 2, MaxAnonymous: 5}
	s := newTaskServer(t, &server.Options{Tasks: opts}, &taskTools{})
	for _, addr := range []string{"192.0.2.1", "192.0.2.2"} {
		if _, err := modernFrom(t, s, addr, "tools/call", `"name":"quick","arguments":{}`); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := modernFrom(t, s, "192.0.2.3", "tools/call", `"name":"quick","arguments":{}`); err == nil || !strings.Contains(err.Error(), "MaxPerOwner") {
		t.Errorf("a third anonymous task with a store without quotas: %v, want MaxPerOwner", err)
	}
}

// notePeer records the notifications sent on a request's stream.
type notePeer struct{ ch chan string }

func (p notePeer) Notify(_ context.Context, method string, params any) error {
	b, _ := json.Marshal(params)
	p.ch <- method + " " + string(b)
	return nil
}

func (notePeer) Call(context.Context, string, any) (jsontext.Value, error) {
	return nil, errors.New("no calls")
}

// TestListenHidesOtherOwnersTasks: subscriptions/listen asking for the notifications of another owner's
// task (its id known, say from a log) neither acknowledges that id nor delivers the task's changes: a task
// of another owner is not found, on every path. Before, the listener received the other owner's task,
// result included, whenever it changed.
func TestListenHidesOtherOwnersTasks(t *testing.T) {
	var principal atomic.Value
	principal.Store("alice")
	tt := &taskTools{gate: make(chan struct{})}
	defer close(tt.gate)
	s := newTaskServer(t, &server.Options{Principal: func(context.Context) string { return principal.Load().(string) }}, tt)
	aliceTask := callTask(t, s, "sleepy")
	principal.Store("bob")
	bobTask := callTask(t, s, "sleepy")

	peer := notePeer{ch: make(chan string, 16)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = s.Stateless().HandleRequest(ctx, &jsonrpc.Message{ID: jsonrpc.Int64ID(9), Method: mcp.MethodSubscriptionsListen,
			Params: jsontext.Value(`{` + taskMeta + `,"notifications":{"taskIds":["` + aliceTask + `","` + bobTask + `"]}}`)}, peer)
	}()
	defer func() { cancel(); <-done }()
	ack := <-peer.ch
	if !strings.Contains(ack, "acknowledged") || strings.Contains(ack, aliceTask) || !strings.Contains(ack, bobTask) {
		t.Errorf("bob's listen was acknowledged with %s; want his task only", ack)
	}
	principal.Store("alice")
	mustModern(t, s, "tasks/cancel", `"taskId":"`+aliceTask+`"`)
	principal.Store("bob")
	mustModern(t, s, "tasks/cancel", `"taskId":"`+bobTask+`"`)
	// Notifications come in order: the first one after the ack is about bob's task, never alice's.
	for n := <-peer.ch; !strings.Contains(n, bobTask); n = <-peer.ch {
		if strings.Contains(n, aliceTask) {
			t.Fatalf("bob received alice's task: %.300s", n)
		}
	}
}

// TestListenTaskIDsBounded: a subscriptions/listen asking for more task ids than any client follows is
// refused (every change notification is matched against the list).
func TestListenTaskIDsBounded(t *testing.T) {
	s := newTaskServer(t, nil, &taskTools{})
	ids := make([]string, 10_000)
	for i := range ids {
		ids[i] = `"` + strings.Repeat("0", 31) + "1" + `"`
	}
	_, err := modern(t, s, taskMeta, mcp.MethodSubscriptionsListen, `"notifications":{"taskIds":[`+strings.Join(ids, ",")+`]}`)
	if rpcCode(err) != mcp.CodeInvalidParams {
		t.Errorf("listen with 10,000 task ids: %v, want -32602", err)
	}
}

// TestTaskFirstTerminalOutcomeStays: when another writer ended a task first (a node that saw its lease
// lapse wrote failed "node stopped"), the handler that returns later on the running node changes nothing:
// not the status, nor the error, nor lastUpdatedAt. Before, a handler ending with the same status (failed)
// replaced the first error with its own, so clients read two different outcomes of one task.
func TestTaskFirstTerminalOutcomeStays(t *testing.T) {
	st := store.NewMemoryTasks()
	release := make(chan struct{})
	started := make(chan string, 1)
	s := server.New("tasks", "1", &server.Options{Tasks: server.TaskOptions{Store: st}})
	t.Cleanup(func() { s.Close() })
	server.TaskTool(s, "late", "fails once released", mcp.TaskOptional, func(ctx context.Context, _ struct{}) (string, error) {
		id, _ := server.TaskID(ctx)
		started <- id
		<-release
		return "", &jsonrpc.Error{Code: -32042, Message: "the handler's own error"}
	})
	id := callTask(t, s, "late")
	<-started
	first, err := st.UpdateTask(context.Background(), id, func(r *store.TaskRecord) error {
		r.Status, r.StatusMessage = store.TaskFailed, "the node running this task stopped"
		r.Error = []byte(`{"code":-32603,"message":"the node running this task stopped"}`)
		r.UpdatedAt = time.Now().UTC()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for server.RunningTasks(s) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the handler did not end")
		}
		time.Sleep(5 * time.Millisecond)
	}
	got, err := st.GetTask(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != first.Version || string(got.Error) != string(first.Error) || !got.UpdatedAt.Equal(first.UpdatedAt) {
		t.Errorf("after the handler ended: version %d error %s updated %v; want the first outcome (version %d, %s, %v) untouched",
			got.Version, got.Error, got.UpdatedAt, first.Version, first.Error, first.UpdatedAt)
	}
}
