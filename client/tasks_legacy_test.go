package client_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

const legacyTools = `{"tools":[
	{"name":"slow","inputSchema":{"type":"object"},"execution":{"taskSupport":"optional"}},
	{"name":"must","inputSchema":{"type":"object"},"execution":{"taskSupport":"required"}},
	{"name":"fast","inputSchema":{"type":"object"}}]}`

// taskParam returns the task member of a tools/call's params ("" when absent).
func taskParam(params jsontext.Value) string {
	v, _ := jsonrpc.Member(params, "task")
	return string(v)
}

// taskWhenAsked is a 2025-11-25 tools/call handler: the task when the call asked for one, else okResult.
func taskWhenAsked(task string) func(context.Context, jsontext.Value) (any, error) {
	return func(_ context.Context, params jsontext.Value) (any, error) {
		if taskParam(params) == "" {
			return jsontext.Value(okResult), nil
		}
		return jsontext.Value(`{"task":` + task + `}`), nil
	}
}

// TestTaskLegacyCallAndInput: at 2025-11-25 CallToolAsTask asks for a task (task.ttl) only for a tool
// whose execution.taskSupport allows it (learned from one tools/list), and calls the others as usual.
// When the task needs input, Wait calls tasks/result, on which the server asks its question as an
// ordinary server-to-client request (with related-task _meta) that OnElicit answers; the result it
// returns is the task's, fetched once.
func TestTaskLegacyCallAndInput(t *testing.T) {
	var srv *fakeServer
	var elicited atomic.Int32
	sess, srv := connectFake(t, mcp.Version20251125, fakeHandlers{
		mcp.MethodToolsList: script(legacyTools),
		mcp.MethodToolsCall: taskWhenAsked(legacyTask("working", `"pollInterval":300`)),
		mcp.MethodTasksGet:  script(legacyTask("input_required", `"pollInterval":300`), legacyTask("completed", "")),
		mcp.MethodTasksResult: func(ctx context.Context, params jsontext.Value) (any, error) {
			ans, err := srv.conn.CallRaw(ctx, mcp.MethodElicitationCreate, jsontext.Value(
				`{"_meta":{"io.modelcontextprotocol/related-task":{"taskId":"t1"}},"message":"n?","requestedSchema":{"type":"object","properties":{"n":{"type":"integer"}}}}`))
			if err != nil {
				return nil, err
			}
			var r struct {
				Action  string `json:"action"`
				Content struct {
					N int `json:"n"`
				} `json:"content"`
			}
			if err := json.Unmarshal(ans, &r); err != nil || r.Action != "accept" {
				return nil, errors.New("bad answer")
			}
			return jsontext.Value(fmt.Sprintf(`{"content":[{"type":"text","text":"got %d"}],"_meta":{"io.modelcontextprotocol/related-task":{"taskId":"t1"}}}`, r.Content.N)), nil
		},
	}, &client.Options{OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
		elicited.Add(1)
		return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: jsontext.Value(`{"n":7}`)}, nil
	}})
	var sl sleeps
	sl.install(sess)
	ctx := testContext(t)
	h := mustCallAsTask(t, ctx, sess, "slow", nil, &client.TaskOptions{TTL: time.Minute})
	if h.ID() != "t1" || h.Status() != mcp.TaskWorking {
		t.Fatalf("handle %q %s", h.ID(), h.Status())
	}
	if got := taskParam(srv.got(mcp.MethodToolsCall)[0]); got != `{"ttl":60000}` {
		t.Errorf("task param %s", got)
	}
	res, err := h.Result(ctx)
	if err != nil || textOf(t, res) != "got 7" {
		t.Fatalf("%v %v", res, err)
	}
	if elicited.Load() != 1 || len(srv.got(mcp.MethodTasksResult)) != 1 || h.Status() != mcp.TaskCompleted {
		t.Errorf("elicited %d, tasks/result %d, status %s", elicited.Load(), len(srv.got(mcp.MethodTasksResult)), h.Status())
	}
	if got := sl.got(); len(got) != 1 || got[0] != 300*time.Millisecond {
		t.Errorf("waits %v, want one of 300ms", got)
	}
	// A tool without task support is called as usual: the handle is complete at once.
	h2, err := sess.CallToolAsTask(ctx, "fast", nil, &client.TaskOptions{TTL: time.Minute})
	if err != nil || h2.ID() != "" || h2.Status() != mcp.TaskCompleted {
		t.Fatalf("fast: %v %+v", err, h2)
	}
	if got := taskParam(srv.got(mcp.MethodToolsCall)[1]); got != "" {
		t.Errorf("fast was called with task %s", got)
	}
	if n := len(srv.got(mcp.MethodToolsList)); n != 1 {
		t.Errorf("tools/list %d times, want once (cached)", n)
	}
	for _, p := range srv.got(mcp.MethodTasksGet) {
		if strings.Contains(string(p), "_meta") {
			t.Errorf("legacy tasks/get carries _meta: %s", p)
		}
	}
}

// TestTaskLegacyFailedAndCancel: a 2025-11-25 task's failure is what tasks/result returns, the JSON-RPC
// error as a *jsonrpc.Error; Cancel records the cancelled state the server answers with, after which
// Result reports ErrTaskCancelled without asking.
func TestTaskLegacyFailedAndCancel(t *testing.T) {
	sess, srv := connectFake(t, mcp.Version20251125, fakeHandlers{
		mcp.MethodToolsList: script(legacyTools),
		mcp.MethodToolsCall: script(`{"task":` + legacyTask("working", "") + `}`),
		mcp.MethodTasksGet:  script(legacyTask("failed", `"statusMessage":"boom"`)),
		mcp.MethodTasksResult: func(context.Context, jsontext.Value) (any, error) {
			return nil, &jsonrpc.Error{Code: -32001, Message: "upstream gone"}
		},
		mcp.MethodTasksCancel: script(legacyTask("cancelled", `"statusMessage":"by request"`)),
	}, nil)
	var sl sleeps
	sl.install(sess)
	ctx := testContext(t)
	h := mustCallAsTask(t, ctx, sess, "slow", nil, nil)
	if got := taskParam(srv.got(mcp.MethodToolsCall)[0]); got != `{}` {
		t.Errorf("task param %s, want {}", got)
	}
	_, err := h.Result(ctx)
	var rpcErr *jsonrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != -32001 || h.Status() != mcp.TaskFailed {
		t.Fatalf("err = %v, status %s", err, h.Status())
	}

	h2 := client.NewTaskHandle(sess, "t1")
	if err := h2.Cancel(ctx); err != nil {
		t.Fatal(err)
	}
	if h2.Status() != mcp.TaskCancelled {
		t.Fatalf("status after cancel %s", h2.Status())
	}
	results := len(srv.got(mcp.MethodTasksResult))
	if _, err := h2.Result(ctx); !errors.Is(err, client.ErrTaskCancelled) || !strings.Contains(err.Error(), "by request") {
		t.Fatalf("err = %v", err)
	}
	if len(srv.got(mcp.MethodTasksResult)) != results {
		t.Error("Result of a cancelled task asked tasks/result")
	}
}

// TestTaskLegacyRequiredToolViaCallTool: with Options.Tasks, CallTool runs a tool whose taskSupport is
// "required" as a task and returns its result; other tools are called as usual.
func TestTaskLegacyRequiredToolViaCallTool(t *testing.T) {
	sess, srv := connectFake(t, mcp.Version20251125, fakeHandlers{
		mcp.MethodToolsList:   script(legacyTools),
		mcp.MethodToolsCall:   taskWhenAsked(legacyTask("working", "")),
		mcp.MethodTasksGet:    script(legacyTask("working", ""), legacyTask("completed", "")),
		mcp.MethodTasksResult: script(`{"content":[{"type":"text","text":"from task"}]}`),
	}, &client.Options{Tasks: true})
	var sl sleeps
	sl.install(sess)
	ctx := testContext(t)
	res, err := sess.CallTool(ctx, "must", nil)
	if err != nil || textOf(t, res) != "from task" {
		t.Fatalf("%v %v", res, err)
	}
	if res, err = sess.CallTool(ctx, "slow", nil); err != nil || textOf(t, res) != "done" {
		t.Fatalf("%v %v", res, err)
	}
	calls := srv.got(mcp.MethodToolsCall)
	if taskParam(calls[0]) == "" || taskParam(calls[1]) != "" {
		t.Errorf("task params %q %q: want a task for the required tool only", taskParam(calls[0]), taskParam(calls[1]))
	}
}

// TestTaskLegacyNotificationAndList: a 2025-11-25 server's notifications/tasks/status reaches
// OnTaskStatus and wakes Wait, which then needs no poll to learn the end; tasks/list pages through
// ListTasks and Tasks in the 2026-07-28 shape.
func TestTaskLegacyNotificationAndList(t *testing.T) {
	statuses := make(chan mcp.TaskStatus, 4)
	sess, srv := connectFake(t, mcp.Version20251125, fakeHandlers{
		mcp.MethodToolsList:   script(legacyTools),
		mcp.MethodToolsCall:   script(`{"task":` + legacyTask("working", "") + `}`),
		mcp.MethodTasksGet:    script(legacyTask("working", "")),
		mcp.MethodTasksResult: script(okResult),
		mcp.MethodTasksList: func(ctx context.Context, params jsontext.Value) (any, error) {
			if c, _ := jsonrpc.Member(params, "cursor"); string(c) == `"p2"` {
				return jsontext.Value(`{"tasks":[` + strings.Replace(legacyTask("completed", ""), "t1", "t2", 1) + `]}`), nil
			}
			return jsontext.Value(`{"tasks":[` + legacyTask("working", `"pollInterval":5`) + `],"nextCursor":"p2"}`), nil
		},
	}, &client.Options{OnTaskStatus: func(ctx context.Context, d *mcp.DetailedTask) { statuses <- d.Status }})
	ctx := testContext(t)
	h := mustCallAsTask(t, ctx, sess, "slow", nil, nil)
	notifyInSleep(t, sess, srv, nil, mcp.MethodNotificationTasksStatus, legacyTask("completed", ""))
	wantResultWithoutPolls(t, ctx, h, srv)
	if s := <-statuses; s != mcp.TaskCompleted {
		t.Errorf("OnTaskStatus got %s", s)
	}
	var ids []string
	for task, err := range sess.Tasks(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, task.TaskID+":"+string(task.Status))
		if task.TaskID == "t1" && (task.PollIntervalMs != 5 || task.TTLMs == nil || *task.TTLMs != 60000) {
			t.Errorf("t1 converted as %+v", task)
		}
	}
	if strings.Join(ids, ",") != "t1:working,t2:completed" {
		t.Errorf("tasks %v", ids)
	}
}

// TestTaskLegacyProgressOutlivesCall: at 2025-11-25 the progress token of a task-augmented call stays
// valid for the task's life: progress the task reports while the client polls reaches the WithProgress
// func of CallToolAsTask; once the handle saw the task end the token is released (later progress goes to
// Options.OnProgress).
func TestTaskLegacyProgressOutlivesCall(t *testing.T) {
	var srv *fakeServer
	token := func() jsontext.Value {
		var p struct {
			Meta struct {
				Token jsontext.Value `json:"progressToken"`
			} `json:"_meta"`
		}
		_ = json.Unmarshal(srv.got(mcp.MethodToolsCall)[0], &p)
		return p.Meta.Token
	}
	progress := func(n int) jsontext.Value {
		return jsontext.Value(fmt.Sprintf(`{"progressToken":%s,"progress":%d}`, token(), n))
	}
	gets := script(legacyTask("working", ""), legacyTask("completed", ""))
	late := make(chan float64, 8)
	sess, srv := connectFake(t, mcp.Version20251125, fakeHandlers{
		mcp.MethodToolsList: script(legacyTools),
		mcp.MethodToolsCall: script(`{"task":` + legacyTask("working", "") + `}`),
		mcp.MethodTasksGet: func(ctx context.Context, params jsontext.Value) (any, error) {
			srv.notify(t, mcp.MethodNotificationProgress, progress(len(srv.got(mcp.MethodTasksGet))))
			return gets(ctx, params)
		},
		mcp.MethodTasksResult: script(okResult),
	}, &client.Options{OnProgress: func(_ context.Context, p *mcp.ProgressParams) {
		select {
		case late <- p.Progress:
		default:
		}
	}})
	var sl sleeps
	sl.install(sess)
	ctx := testContext(t)
	var seen []float64
	pctx := client.WithProgress(ctx, func(p *mcp.ProgressParams) { seen = append(seen, p.Progress) })
	h := mustCallAsTask(t, pctx, sess, "slow", nil, nil)
	if _, err := h.Result(ctx); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0] != 1 || seen[1] != 2 {
		t.Fatalf("the task's progress reached WithProgress as %v, want [1 2]", seen)
	}
	srv.notify(t, mcp.MethodNotificationProgress, progress(9))
	select {
	case n := <-late:
		if n != 9 {
			t.Errorf("OnProgress got %v", n)
		}
	case <-ctx.Done():
		t.Fatal("progress after the task's end did not reach OnProgress")
	}
}

// TestTaskLegacyServerWithoutTasks: a 2025-11-25 server that does not declare tasks for tools/call gets
// ordinary calls (no task member, no tools/list to learn task support); the handle is complete at once,
// and ListTasks says the server cannot list.
func TestTaskLegacyServerWithoutTasks(t *testing.T) {
	sess, srv := connectFake(t, mcp.Version20251125, fakeHandlers{
		mcp.MethodInitialize: script(`{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"plain","version":"1"}}`),
		mcp.MethodToolsList:  script(legacyTools),
		mcp.MethodToolsCall:  script(okResult),
	}, &client.Options{Tasks: true})
	ctx := testContext(t)
	h, err := sess.CallToolAsTask(ctx, "must", nil, &client.TaskOptions{TTL: time.Minute})
	if err != nil || h.ID() != "" || h.Status() != mcp.TaskCompleted {
		t.Fatalf("handle %+v %v", h, err)
	}
	if _, err := sess.CallTool(ctx, "must", nil); err != nil {
		t.Fatal(err)
	}
	for i, p := range srv.got(mcp.MethodToolsCall) {
		if taskParam(p) != "" {
			t.Errorf("call %d asked for a task: %s", i, p)
		}
	}
	if n := len(srv.got(mcp.MethodToolsList)); n != 0 {
		t.Errorf("%d tools/list to learn task support from a server without tasks", n)
	}
	if _, err := sess.ListTasks(ctx, ""); err == nil || !strings.Contains(err.Error(), "tasks.list") {
		t.Errorf("ListTasks: %v", err)
	}
}
