package server_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
)

// taskMeta is the _meta of a 2026-07-28 request that declares the tasks extension (and elicitation).
const taskMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"elicitation":{},"extensions":{"io.modelcontextprotocol/tasks":{}}},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}`

type nopPeer struct{}

func (nopPeer) Notify(context.Context, string, any) error { return nil }
func (nopPeer) Call(context.Context, string, any) (jsontext.Value, error) {
	return nil, errors.New("no calls")
}

// taskTools registers the tools of these tests. gate, when not nil, holds "sleepy" until it is closed or
// the task is cancelled; cancelled counts handlers that saw their context end.
type taskTools struct {
	gate      chan struct{}
	started   chan string
	cancelled atomic.Int32
}

func newTaskServer(t testing.TB, opts *server.Options, tt *taskTools) *server.Server {
	t.Helper()
	s := server.New("tasks", "1", opts)
	server.TaskTool(s, "sleepy", "blocks until released or cancelled", mcp.TaskOptional,
		func(ctx context.Context, _ struct{}) (string, error) {
			id, _ := server.TaskID(ctx)
			if tt.started != nil {
				tt.started <- id
			}
			_ = server.SetTaskStatus(ctx, "sleeping")
			select {
			case <-tt.gate:
				return "woke", nil
			case <-ctx.Done():
				tt.cancelled.Add(1)
				return "", ctx.Err()
			}
		})
	server.TaskTool(s, "quick", "answers at once", mcp.TaskOptional,
		func(ctx context.Context, _ struct{}) (string, error) {
			if _, ok := server.TaskID(ctx); ok {
				return "as a task", nil
			}
			return "inline", nil
		})
	server.TaskTool(s, "must", "only as a task", mcp.TaskRequired,
		func(ctx context.Context, _ struct{}) (string, error) { return "required ran", nil })
	server.Tool(s, "plain", "never a task",
		func(ctx context.Context, _ struct{}) (string, error) { return "plain ran", nil })
	server.TaskTool(s, "boom", "panics", mcp.TaskOptional,
		func(ctx context.Context, _ struct{}) (string, error) { panic("boom") })
	server.TaskTool(s, "proto", "a protocol error", mcp.TaskOptional,
		func(ctx context.Context, _ struct{}) (string, error) {
			return "", &jsonrpc.Error{Code: -32042, Message: "proto failed"}
		})
	server.TaskTool(s, "toolerr", "a tool error", mcp.TaskOptional,
		func(ctx context.Context, _ struct{}) (string, error) { return "", errors.New("tool said no") })
	server.TaskTool(s, "ask", "asks a question", mcp.TaskOptional,
		func(ctx context.Context, _ struct{}) (string, error) {
			ans, err := server.Ask(ctx, server.ElicitationInput("q", &mcp.ElicitParams{Message: "name?",
				RequestedSchema: jsontext.Value(`{"type":"object","properties":{"name":{"type":"string"}}}`)}))
			if err != nil {
				return "", err
			}
			var res mcp.ElicitResult
			_ = json.Unmarshal(ans[0], &res)
			return "answer " + string(res.Content), nil
		})
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// modern sends a 2026-07-28 request straight to s (no transport) and returns its result as a map.
func modern(t testing.TB, s *server.Server, meta, method, params string) (map[string]any, error) {
	t.Helper()
	return modernIn(t, context.Background(), s, meta, method, params)
}

// modernIn is modern with a context carrying what a transport would add.
func modernIn(t testing.TB, ctx context.Context, s *server.Server, meta, method, params string) (map[string]any, error) {
	t.Helper()
	body := "{" + meta
	if params != "" {
		body += "," + params
	}
	body += "}"
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	raw, err := s.Stateless().HandleRequest(ctx, &jsonrpc.Message{ID: jsonrpc.Int64ID(1), Method: method, Params: jsontext.Value(body)}, nopPeer{})
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v in %s", method, err, raw)
	}
	return m, nil
}

func mustModern(t testing.TB, s *server.Server, method, params string) map[string]any {
	t.Helper()
	m, err := modern(t, s, taskMeta, method, params)
	if err != nil {
		t.Fatalf("%s %s: %v", method, params, err)
	}
	return m
}

func callTask(t testing.TB, s *server.Server, tool string) string {
	t.Helper()
	m := mustModern(t, s, "tools/call", `"name":"`+tool+`","arguments":{}`)
	if m["resultType"] != "task" {
		t.Fatalf("%s: %v, want a CreateTaskResult", tool, m)
	}
	return m["taskId"].(string)
}

func getTask(t testing.TB, s *server.Server, id string) map[string]any {
	t.Helper()
	return mustModern(t, s, "tasks/get", `"taskId":"`+id+`"`)
}

// waitStatus polls tasks/get until the task has one of statuses (bounded: it fails after 10 s).
func waitStatus(t testing.TB, s *server.Server, id string, statuses ...string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := getTask(t, s, id)
		for _, st := range statuses {
			if m["status"] == st {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s is %v, want one of %v", id, m["status"], statuses)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func resultText(m map[string]any) string {
	res, _ := m["result"].(map[string]any)
	content, _ := res["content"].([]any)
	if len(content) == 0 {
		return ""
	}
	c, _ := content[0].(map[string]any)
	s, _ := c["text"].(string)
	return s
}

func TestModernTaskSupportLevels(t *testing.T) {
	s := newTaskServer(t, nil, &taskTools{})
	noExt := modernMeta
	for _, tc := range []struct {
		tool     string
		ext      bool
		wantTask bool
		wantCode int64
	}{
		{"plain", true, false, 0},
		{"quick", true, true, 0},
		{"quick", false, false, 0},
		{"must", true, true, 0},
		{"must", false, false, mcp.CodeMissingRequiredClientCapability},
	} {
		meta := noExt
		if tc.ext {
			meta = taskMeta
		}
		m, err := modern(t, s, meta, "tools/call", `"name":"`+tc.tool+`","arguments":{}`)
		if tc.wantCode != 0 {
			if rpcCode(err) != tc.wantCode {
				t.Errorf("%s ext=%v: %v, want code %d", tc.tool, tc.ext, err, tc.wantCode)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s ext=%v: %v", tc.tool, tc.ext, err)
		}
		if got := m["resultType"] == "task"; got != tc.wantTask {
			t.Errorf("%s ext=%v: %v, want task=%v", tc.tool, tc.ext, m, tc.wantTask)
		}
		if tc.wantTask {
			done := waitStatus(t, s, m["taskId"].(string), "completed")
			if txt := resultText(done); txt == "" || txt == "inline" {
				t.Errorf("%s: task result %v", tc.tool, done)
			}
		}
	}
	// The tasks methods need the extension.
	for _, method := range []string{"tasks/get", "tasks/update", "tasks/cancel"} {
		if _, err := modern(t, s, noExt, method, `"taskId":"x","inputResponses":{}`); rpcCode(err) != mcp.CodeMissingRequiredClientCapability {
			t.Errorf("%s without the extension: %v", method, err)
		}
	}
	if _, err := modern(t, s, taskMeta, "tasks/get", `"taskId":"nope"`); rpcCode(err) != mcp.CodeInvalidParams {
		t.Errorf("unknown task: %v", err)
	}
	for _, method := range []string{"tasks/result", "tasks/list"} {
		if _, err := modern(t, s, taskMeta, method, `"taskId":"x"`); rpcCode(err) != mcp.CodeMethodNotFound {
			t.Errorf("%s in 2026-07-28: %v, want -32601", method, err)
		}
	}
}

func TestModernTaskOutcomes(t *testing.T) {
	s := newTaskServer(t, &server.Options{Logger: discardLogger()}, &taskTools{})
	m := waitStatus(t, s, callTask(t, s, "toolerr"), "completed", "failed")
	if m["status"] != "completed" || m["result"].(map[string]any)["isError"] != true {
		t.Errorf("tool error: %v, want completed with isError", m)
	}
	m = waitStatus(t, s, callTask(t, s, "proto"), "completed", "failed")
	if e, _ := m["error"].(map[string]any); m["status"] != "failed" || e["code"] != float64(-32042) || m["result"] != nil {
		t.Errorf("protocol error: %v, want failed with code -32042", m)
	}
	m = waitStatus(t, s, callTask(t, s, "boom"), "completed", "failed")
	if e, _ := m["error"].(map[string]any); m["status"] != "failed" || e["code"] != float64(mcp.CodeInternalError) {
		t.Errorf("panic: %v, want failed with -32603", m)
	}
}

func TestModernTaskCancel(t *testing.T) {
	tt := &taskTools{gate: make(chan struct{}), started: make(chan string, 1)}
	s := newTaskServer(t, nil, tt)
	id := callTask(t, s, "sleepy")
	<-tt.started
	ack := mustModern(t, s, "tasks/cancel", `"taskId":"`+id+`"`)
	if ack["resultType"] != "complete" || ack["taskId"] != nil || ack["status"] != nil {
		t.Errorf("cancel ack %v", ack)
	}
	m := waitStatus(t, s, id, "cancelled", "completed", "failed")
	if m["status"] != "cancelled" {
		t.Errorf("after cancel: %v", m)
	}
	// Idempotent on a terminal task.
	if ack := mustModern(t, s, "tasks/cancel", `"taskId":"`+id+`"`); ack["resultType"] != "complete" {
		t.Errorf("second cancel: %v", ack)
	}
	s.Close() // waits for the handler
	if tt.cancelled.Load() != 1 {
		t.Errorf("the handler's context was not cancelled")
	}
}

func TestModernTaskInput(t *testing.T) {
	s := newTaskServer(t, nil, &taskTools{})
	id := callTask(t, s, "ask")
	m := waitStatus(t, s, id, "input_required")
	reqs, _ := m["inputRequests"].(map[string]any)
	if len(reqs) != 1 {
		t.Fatalf("inputRequests %v", m)
	}
	var key string
	for k := range reqs {
		key = k
	}
	ack := mustModern(t, s, "tasks/update", `"taskId":"`+id+`","inputResponses":{"unknown":{},"`+key+`":{"action":"accept","content":{"name":"Ada"}}}`)
	if ack["resultType"] != "complete" || len(ack) > 2 {
		t.Errorf("update ack %v", ack)
	}
	m = waitStatus(t, s, id, "completed", "failed")
	if txt := resultText(m); !strings.Contains(txt, "Ada") {
		t.Errorf("result %v", m)
	}
}

func TestTaskPerOwnerLimit(t *testing.T) {
	s := newTaskServer(t, &server.Options{Tasks: server.TaskOptions{MaxPerOwner: 2}}, &taskTools{})
	callTask(t, s, "quick")
	callTask(t, s, "quick")
	_, err := modern(t, s, taskMeta, "tools/call", `"name":"quick","arguments":{}`)
	if err == nil || !strings.Contains(err.Error(), "too many tasks") {
		t.Errorf("third task: %v, want the per-owner limit", err)
	}
}

func TestTaskExpiryLeavesNothing(t *testing.T) {
	st := store.NewMemoryTasks()
	s := newTaskServer(t, &server.Options{Tasks: server.TaskOptions{Store: st, TTL: 100 * time.Millisecond}}, &taskTools{})
	for range 5 {
		waitStatus(t, s, callTask(t, s, "quick"), "completed")
	}
	deadline := time.Now().Add(10 * time.Second)
	for st.Len() != 0 || server.RunningTasks(s) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d tasks stored, %d running after their TTL", st.Len(), server.RunningTasks(s))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTaskTTLIsCapped(t *testing.T) {
	s := newTaskServer(t, &server.Options{Tasks: server.TaskOptions{TTL: 10 * time.Hour, MaxTTL: time.Hour}}, &taskTools{})
	m := mustModern(t, s, "tools/call", `"name":"quick","arguments":{}`)
	if m["ttlMs"] != float64(time.Hour.Milliseconds()) {
		t.Errorf("ttlMs %v, want the cap", m["ttlMs"])
	}
}

// failingStore is a TaskStore whose writes fail once dead is set: the node using it is gone.
type failingStore struct {
	store.TaskStore
	dead atomic.Bool
}

func (f *failingStore) UpdateTask(ctx context.Context, id string, fn func(*store.TaskRecord) error) (*store.TaskRecord, error) {
	if f.dead.Load() {
		return nil, errors.New("node is dead")
	}
	return f.TaskStore.UpdateTask(ctx, id, fn)
}

func (f *failingStore) GetTask(ctx context.Context, id string) (*store.TaskRecord, error) {
	if f.dead.Load() {
		return nil, errors.New("node is dead")
	}
	return f.TaskStore.GetTask(ctx, id)
}

func TestTaskOfDeadNodeFails(t *testing.T) {
	shared := store.NewMemoryTasks()
	a := &failingStore{TaskStore: shared}
	tt := &taskTools{gate: make(chan struct{}), started: make(chan string, 1)}
	lease := server.TaskOptions{LeaseTTL: 300 * time.Millisecond, PollInterval: 50 * time.Millisecond}
	optsA, optsB := lease, lease
	optsA.Store, optsA.Node = a, "A"
	optsB.Store, optsB.Node = shared, "B"
	nodeA := newTaskServer(t, &server.Options{Tasks: optsA, Logger: discardLogger()}, tt)
	nodeB := newTaskServer(t, &server.Options{Tasks: optsB}, &taskTools{})
	id := callTask(t, nodeA, "sleepy")
	<-tt.started
	// Node B sees it working while A renews the lease (several lease periods).
	for range 3 {
		time.Sleep(lease.LeaseTTL)
		if m := getTask(t, nodeB, id); m["status"] != "working" {
			t.Fatalf("while A lives: %v", m)
		}
	}
	a.dead.Store(true) // A stops: no more renewals, and its handler never reports
	m := waitStatus(t, nodeB, id, "failed", "completed", "cancelled")
	e, _ := m["error"].(map[string]any)
	if m["status"] != "failed" || !strings.Contains(fmt.Sprint(e["message"]), "the node running this task stopped") {
		t.Errorf("after A died: %v", m)
	}
	close(tt.gate)
}

func TestTaskCrossNodeCancelAndInput(t *testing.T) {
	for _, withBus := range []bool{true, false} {
		t.Run(fmt.Sprintf("bus=%v", withBus), func(t *testing.T) {
			shared := store.NewMemoryTasks()
			opts := server.TaskOptions{Store: shared, PollInterval: 50 * time.Millisecond}
			var bus store.Bus
			if withBus {
				mb := store.NewMemoryBus(store.MemoryBusOptions{})
				bus = mb
				// The fallback poll (and the lease renewal, which also re-reads) is slow: only the bus can be
				// this quick.
				opts.PollInterval, opts.LeaseTTL = time.Hour, 3*time.Hour
			}
			tt := &taskTools{gate: make(chan struct{}), started: make(chan string, 1)}
			nodeA := newTaskServer(t, &server.Options{Tasks: opts, Bus: bus}, tt)
			nodeB := newTaskServer(t, &server.Options{Tasks: opts, Bus: bus}, &taskTools{})

			id := callTask(t, nodeA, "sleepy")
			<-tt.started
			mustModern(t, nodeB, "tasks/cancel", `"taskId":"`+id+`"`)
			if m := getTask(t, nodeA, id); m["status"] != "cancelled" {
				t.Errorf("A sees %v after B cancelled", m["status"])
			}
			deadline := time.Now().Add(10 * time.Second)
			for tt.cancelled.Load() == 0 {
				if time.Now().After(deadline) {
					t.Fatal("node A's handler was not cancelled")
				}
				time.Sleep(5 * time.Millisecond)
			}

			id = callTask(t, nodeA, "ask")
			m := waitStatus(t, nodeB, id, "input_required")
			var key string
			for k := range m["inputRequests"].(map[string]any) {
				key = k
			}
			mustModern(t, nodeB, "tasks/update", `"taskId":"`+id+`","inputResponses":{"`+key+`":{"action":"accept","content":{"name":"Bo"}}}`)
			m = waitStatus(t, nodeB, id, "completed", "failed")
			if !strings.Contains(resultText(m), "Bo") {
				t.Errorf("answered on B: %v", m)
			}
			if bus != nil {
				nodeA.Close()
				nodeB.Close()
			}
		})
	}
}

func TestModernDeferredTaskStart(t *testing.T) {
	s := server.New("tasks", "1", nil)
	server.TaskTool(s, "later", "asks inline, then becomes a task", mcp.TaskRequired,
		func(ctx context.Context, _ struct{}) (string, error) {
			ans, err := server.Ask(ctx, server.ElicitationInput("name", &mcp.ElicitParams{Message: "name?",
				RequestedSchema: jsontext.Value(`{"type":"object","properties":{"name":{"type":"string"}}}`)}))
			if err != nil {
				return "", err
			}
			if _, ok := server.TaskID(ctx); ok {
				return "", errors.New("a task before StartTask")
			}
			if err := server.StartTask(ctx); err != nil {
				return "", err
			}
			if _, ok := server.TaskID(ctx); !ok {
				return "", errors.New("not a task after StartTask")
			}
			var res mcp.ElicitResult
			_ = json.Unmarshal(ans[0], &res)
			return "hi " + string(res.Content), nil
		})
	s.DeferTaskStart("later")
	t.Cleanup(func() { s.Close() })
	r1 := mustModern(t, s, "tools/call", `"name":"later","arguments":{}`)
	if r1["resultType"] != "input_required" || r1["taskId"] != nil {
		t.Fatalf("round 1: %v", r1)
	}
	r2 := mustModern(t, s, "tools/call", `"name":"later","arguments":{},"inputResponses":{"name":{"action":"accept","content":{"name":"Al"}}},"requestState":"`+r1["requestState"].(string)+`"`)
	if r2["resultType"] != "task" || r2["requestState"] != nil || r2["inputRequests"] != nil {
		t.Fatalf("round 2: %v", r2)
	}
	m := waitStatus(t, s, r2["taskId"].(string), "completed", "failed")
	if !strings.Contains(resultText(m), "Al") {
		t.Errorf("task result %v", m)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
