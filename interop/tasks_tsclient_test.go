package interop

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// The task peers: interop/node/taskclient.mjs drives a server's tasks with @modelcontextprotocol/sdk
// 1.32.2 (client.experimental.tasks, 2025-11-25) and with @modelcontextprotocol/ext-tasks 0.2.2 on
// @modelcontextprotocol/client 2.4.0 (2025-11-25 in a legacy session, and the 2026-07-28 extension
// io.modelcontextprotocol/tasks). docs/TASKS.md ("Interop") says which peer supports which shape.

// taskPollInterval is the poll interval the Go task server suggests; the TypeScript clients honour it.
const taskPollInterval = 50 * time.Millisecond

// taskTTLMs is the retention taskclient.mjs asks for (2025-11-25 lets a client ask; at 2026-07-28 the
// server chooses alone).
const taskTTLMs = 60000

// taskServerTTL is the Go task server's retention when the client asks for none.
const taskServerTTL = 10 * time.Minute

// taskProbe lets a test see what the Go task server's handlers saw.
type taskProbe struct {
	// blockEnded receives the context error of each block call when it returns.
	blockEnded chan error
}

// startTaskServer serves a Go server with four task-capable tools (taskSupport optional) on 127.0.0.1
// for the test's lifetime, over Streamable HTTP (both eras on /mcp; the returned endpoint) and HTTP+SSE
// (/sse and /messages):
//
//	slow_add {a, b}  returns the text a+b after ~100 ms.
//	block {}         returns only when its context is cancelled (tasks/cancel), with the context's error.
//	fail {}          returns a JSON-RPC error -32603 "deliberate failure" (a failed task in both shapes).
//	confirm {action} asks the user (server.Elicit) "Really <action>?" and returns
//	                 "<action>: <answer action> confirm=<confirm>".
func startTaskServer(t *testing.T) (endpoint string, probe *taskProbe) {
	t.Helper()
	probe = &taskProbe{blockEnded: make(chan error, 8)}
	s := server.New("go-task-server", "1.0.0", &server.Options{
		Tasks: server.TaskOptions{PollInterval: taskPollInterval, TTL: taskServerTTL},
	})
	optional := &mcp.ToolExecution{TaskSupport: mcp.TaskOptional}
	type addIn struct {
		A float64 `json:"a"`
		B float64 `json:"b"`
	}
	server.AddTool(s, mcp.Tool{Name: "slow_add", Description: "Add two numbers, slowly", Execution: optional},
		func(ctx context.Context, in addIn) (*mcp.CallToolResult, error) {
			select {
			case <-time.After(100 * time.Millisecond):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return mcp.TextResult(fmt.Sprint(in.A + in.B)), nil
		})
	server.AddTool(s, mcp.Tool{Name: "block", Description: "Work until cancelled", Execution: optional},
		func(ctx context.Context, _ struct{}) (*mcp.CallToolResult, error) {
			<-ctx.Done()
			probe.blockEnded <- ctx.Err()
			return nil, ctx.Err()
		})
	type confirmIn struct {
		Action string `json:"action"`
	}
	type confirmation struct {
		Confirm bool `json:"confirm"`
	}
	server.AddTool(s, mcp.Tool{Name: "confirm", Description: "Ask before acting", Execution: optional},
		func(ctx context.Context, in confirmIn) (*mcp.CallToolResult, error) {
			e, err := server.Elicit[confirmation](ctx, "Really "+in.Action+"?")
			if err != nil {
				return nil, err
			}
			return mcp.TextResult(fmt.Sprintf("%s: %s confirm=%v", in.Action, e.Action, e.Content.Confirm)), nil
		})
	server.AddTool(s, mcp.Tool{Name: "fail", Description: "Fail", Execution: optional},
		func(ctx context.Context, _ struct{}) (*mcp.CallToolResult, error) {
			return nil, jsonrpc.NewError(jsonrpc.CodeInternalError, "deliberate failure")
		})
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() }) // runs after serveBoth's, as the last step
	return serveBoth(t, s) + "/mcp", probe
}

// tsErr is an error as taskclient.mjs reports it.
type tsErr struct {
	Name    string `json:"name"`
	Code    *int64 `json:"code"`
	Message string `json:"message"`
}

func (e *tsErr) code() int64 {
	if e == nil || e.Code == nil {
		return 0
	}
	return *e.Code
}

// tsTaskRef is a task in a tasks/list answer.
type tsTaskRef struct {
	TaskID string `json:"taskId"`
	Status string `json:"status"`
}

// tsV1Call is one callToolStream as the v1 mode reports it.
type tsV1Call struct {
	TaskID   string   `json:"taskId"`
	Messages []string `json:"messages"`
	Statuses []string `json:"statuses"`
	Created  *struct {
		Status       string `json:"status"`
		TTL          *int64 `json:"ttl"`
		PollInterval *int64 `json:"pollInterval"`
	} `json:"created"`
	Result *struct {
		Text        string `json:"text"`
		IsError     bool   `json:"isError"`
		RelatedTask string `json:"relatedTask"`
	} `json:"result"`
	StreamError     *tsErr `json:"streamError"`
	CancelStatus    string `json:"cancelStatus"`
	GetStatus       string `json:"getStatus"`
	RecancelError   *tsErr `json:"recancelError"`
	TaskResultError *tsErr `json:"taskResultError"`
	TaskResult      *struct {
		Text    string `json:"text"`
		IsError bool   `json:"isError"`
	} `json:"taskResult"`
	Asked []tsAsked `json:"asked"`
}

// tsAsked is an elicitation the TypeScript client answered: its message, the task it said it belonged to
// (v1: _meta related-task; ext-tasks: the input context's taskId) and, for ext-tasks, how it travelled
// (peer-request, request-retry or task-update).
type tsAsked struct {
	Kind        string `json:"kind"`
	Message     string `json:"message"`
	RelatedTask string `json:"relatedTask"`
	TaskID      string `json:"taskId"`
	Delivery    string `json:"delivery"`
}

// wantConfirm is what the confirm tool answers once the client accepted with confirm=true.
const wantConfirm = "deploy: accept confirm=true"

// tsView is a task as ext-tasks shows it (TaskView).
type tsView struct {
	Status        string  `json:"status"`
	TTL           *int64  `json:"ttl"`
	PollInterval  *int64  `json:"pollInterval"`
	StatusMessage *string `json:"statusMessage"`
}

// tsOutcome is an ext-tasks TaskOutcome.
type tsOutcome struct {
	Status  string `json:"status"`
	Text    string `json:"text"`
	IsError bool   `json:"isError"`
	Error   *tsErr `json:"error"`
}

// tsExtCall is one ext-tasks callTool as the ext modes report it.
type tsExtCall struct {
	Kind          string     `json:"kind"`
	TaskID        string     `json:"taskId"`
	Statuses      []string   `json:"statuses"`
	Outcome       *tsOutcome `json:"outcome"`
	Last          *tsView    `json:"last"`
	Before        *tsView    `json:"before"`
	After         *tsView    `json:"after"`
	RecancelError *tsErr     `json:"recancelError"`
	Asked         []tsAsked  `json:"asked"`
}

// tsTaskRun is what taskclient.mjs printed. V1 and ext modes fill different members of Add, Cancel and
// Fail, so each mode decodes them itself.
type tsTaskRun struct {
	Mode            string            `json:"mode"`
	OK              bool              `json:"ok"`
	Error           string            `json:"error"`
	ProtocolVersion *string           `json:"protocolVersion"`
	Era             *string           `json:"era"`
	ServerTasks     jsontext.Value    `json:"serverTasks"`
	Tools           map[string]string `json:"tools"`
	Generation      *struct {
		Inventory    string `json:"inventory"`
		Execution    bool   `json:"execution"`
		Cancellation bool   `json:"cancellation"`
	} `json:"generation"`
	Add      jsontext.Value `json:"add"`
	Confirm  jsontext.Value `json:"confirm"`
	Cancel   jsontext.Value `json:"cancel"`
	Fail     jsontext.Value `json:"fail"`
	List     []tsTaskRef    `json:"list"`
	Notified []tsTaskRef    `json:"notified"`
}

// runTaskClient runs taskclient.mjs against endpoint in mode and returns its report, failing the test when
// the script did not finish or reported an exception.
func runTaskClient(t *testing.T, node, endpoint, mode string, args ...string) (*tsTaskRun, []byte) {
	t.Helper()
	script, _ := filepath.Abs(filepath.Join("node", "taskclient.mjs"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{script, endpoint, mode}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	t.Logf("taskclient.mjs %s %v: %s", mode, args, out)
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var r tsTaskRun
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if !r.OK {
		t.Fatalf("the TypeScript task client failed: %s", r.Error)
	}
	return &r, out
}

func decodeInto(t *testing.T, what string, raw jsontext.Value, v any) {
	t.Helper()
	if len(raw) == 0 {
		t.Fatalf("%s: not reported", what)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s %s: %v", what, raw, err)
	}
}

// listed reports whether every id appears in list with a terminal status.
func listed(list []tsTaskRef, ids ...string) error {
	for _, id := range ids {
		i := slices.IndexFunc(list, func(r tsTaskRef) bool { return r.TaskID == id })
		if i < 0 {
			return fmt.Errorf("task %s not listed in %v", id, list)
		}
		if !mcp.TaskStatus(list[i].Status).Terminal() {
			return fmt.Errorf("task %s listed as %s", id, list[i].Status)
		}
	}
	return nil
}

// awaitBlockEnded waits (bounded) until the block handler returned, and checks it saw a cancellation.
func awaitBlockEnded(t *testing.T, probe *taskProbe) {
	t.Helper()
	select {
	case err := <-probe.blockEnded:
		if err == nil {
			t.Error("block returned without its context being cancelled")
		}
	case <-time.After(10 * time.Second):
		t.Error("tasks/cancel did not cancel the block handler's context within 10 s")
	}
}

// TestTaskTypeScriptClients: TypeScript task clients (the v1 SDK over Streamable HTTP and HTTP+SSE,
// ext-tasks on the v2 client in both eras) call the Go server's task-capable tools. In each mode
// the client gets a task for slow_add, polls it to completion and reads 5; cancels a second task (block)
// and sees it cancelled (and the Go handler's context cancelled); sees fail's task end failed; lists tasks
// where the shape has tasks/list.
func TestTaskTypeScriptClients(t *testing.T) {
	node := peers(t)
	endpoint, probe := startTaskServer(t)

	for _, mode := range []string{"v1", "v1-sse"} {
		t.Run(mode, func(t *testing.T) { v1TaskClient(t, node, endpoint, mode, probe) })
	}

	t.Run("ext-legacy", func(t *testing.T) {
		// @modelcontextprotocol/ext-tasks 0.2.2 on @modelcontextprotocol/client 2.4.0, legacy session.
		r, _ := runTaskClient(t, node, endpoint, "ext-legacy")
		checkLegacyServer(t, r)
		if r.Generation == nil || !r.Generation.Execution || !r.Generation.Cancellation || r.Generation.Inventory != "server-list" {
			t.Errorf("ext-tasks sees capabilities %+v, want execution, cancellation and server-list", r.Generation)
		}
		ids := checkExtCalls(t, r, probe, false)
		if err := listed(r.List, ids...); err != nil {
			t.Errorf("tasks/list: %v", err)
		}
	})

	t.Run("ext-modern", func(t *testing.T) {
		// @modelcontextprotocol/ext-tasks 0.2.2 on @modelcontextprotocol/client 2.4.0 pinned to 2026-07-28.
		r, _ := runTaskClient(t, node, endpoint, "ext-modern", "confirm")
		if deref(r.ProtocolVersion) != mcp.Version20260728 || deref(r.Era) != "modern" {
			t.Fatalf("negotiated %s (era %s), want 2026-07-28", deref(r.ProtocolVersion), deref(r.Era))
		}
		if string(r.ServerTasks) != "{}" {
			t.Errorf("server/discover extensions[%q] = %s, want {} (ext-tasks requires exactly an empty object)", mcp.ExtensionTasks, r.ServerTasks)
		}
		checkExtCalls(t, r, probe, true)
		if r.List != nil {
			t.Errorf("2026-07-28 has no tasks/list, yet ext-tasks listed %v", r.List)
		}
		// Input during a task, 2026-07-28: tasks/get shows inputRequests, the client answers with
		// tasks/update.
		var confirm tsExtCall
		decodeInto(t, "confirm", r.Confirm, &confirm)
		if confirm.Kind != "task" || confirm.Outcome == nil || confirm.Outcome.Status != string(mcp.TaskCompleted) || confirm.Outcome.Text != wantConfirm {
			t.Errorf("confirm: %+v, want a task completed with %q", confirm, wantConfirm)
		}
		if len(confirm.Asked) != 1 || confirm.Asked[0].Message != "Really deploy?" || confirm.Asked[0].Delivery != "task-update" ||
			confirm.Asked[0].TaskID != confirm.TaskID {
			t.Errorf("confirm: the client was asked %+v, want once \"Really deploy?\" for task %s, answered by tasks/update", confirm.Asked, confirm.TaskID)
		}
	})
}

// v1TaskClient runs taskclient.mjs in a v1 mode (@modelcontextprotocol/sdk 1.32.2, client.experimental.tasks,
// 2025-11-25; over Streamable HTTP or, for v1-sse, HTTP+SSE) against the Go task server and checks it.
func v1TaskClient(t *testing.T, node, endpoint, mode string, probe *taskProbe) {
	if mode == "v1-sse" {
		endpoint = strings.TrimSuffix(endpoint, "/mcp") + "/sse"
	}
	r, _ := runTaskClient(t, node, endpoint, mode, "confirm")
	checkLegacyServer(t, r)
	var add, cancel, fail tsV1Call
	decodeInto(t, "add", r.Add, &add)
	decodeInto(t, "cancel", r.Cancel, &cancel)
	decodeInto(t, "fail", r.Fail, &fail)

	if add.Created == nil || add.Created.Status != string(mcp.TaskWorking) || add.TaskID == "" {
		t.Errorf("slow_add: no working task created: %+v", add)
	} else if add.Created.TTL == nil || *add.Created.TTL != taskTTLMs || add.Created.PollInterval == nil ||
		*add.Created.PollInterval != taskPollInterval.Milliseconds() {
		t.Errorf("slow_add: ttl %v pollInterval %v, want %d and %d", ptr(add.Created.TTL), ptr(add.Created.PollInterval),
			taskTTLMs, taskPollInterval.Milliseconds())
	}
	if add.Result == nil || add.Result.Text != "5" || add.Result.IsError || add.StreamError != nil {
		t.Errorf("slow_add: result %+v, error %+v", add.Result, add.StreamError)
	} else if add.Result.RelatedTask != add.TaskID {
		t.Errorf("slow_add: tasks/result _meta related-task %q, want %q", add.Result.RelatedTask, add.TaskID)
	}
	if len(add.Statuses) == 0 || add.Statuses[len(add.Statuses)-1] != string(mcp.TaskCompleted) {
		t.Errorf("slow_add: polled statuses %v, want ending in completed", add.Statuses)
	}

	if cancel.TaskID == "" || cancel.CancelStatus != string(mcp.TaskCancelled) || cancel.GetStatus != string(mcp.TaskCancelled) {
		t.Errorf("block: tasks/cancel answered %q, tasks/get then %q; want cancelled twice (%+v)", cancel.CancelStatus, cancel.GetStatus, cancel)
	}
	if cancel.StreamError == nil || !strings.Contains(cancel.StreamError.Message, "cancelled") {
		t.Errorf("block: the stream ended with %+v, want its 'was cancelled' error", cancel.StreamError)
	}
	if cancel.RecancelError.code() != jsonrpc.CodeInvalidParams {
		t.Errorf("block: cancelling a cancelled task: %+v, want error -32602", cancel.RecancelError)
	}
	awaitBlockEnded(t, probe)

	if fail.TaskID == "" || fail.GetStatus != string(mcp.TaskFailed) {
		t.Errorf("fail: task %q status %q, want failed", fail.TaskID, fail.GetStatus)
	}
	// tasks/result of a failed task returns what tools/call would have: the JSON-RPC error.
	if fail.TaskResultError.code() != jsonrpc.CodeInternalError || !strings.Contains(fail.TaskResultError.Message, "deliberate failure") {
		t.Errorf("fail: tasks/result gave result %+v error %+v, want error -32603 'deliberate failure'", fail.TaskResult, fail.TaskResultError)
	}
	if err := listed(r.List, add.TaskID, cancel.TaskID, fail.TaskID); err != nil {
		t.Errorf("tasks/list: %v", err)
	}
	t.Logf("notifications/tasks/status received: %v", r.Notified)

	// Input during a task, 2025-11-25: the task goes input_required, the client calls tasks/result, and
	// the elicitation arrives on that stream with the task's related-task _meta.
	var confirm tsV1Call
	decodeInto(t, "confirm", r.Confirm, &confirm)
	if confirm.TaskID == "" || confirm.Result == nil || confirm.Result.Text != wantConfirm || confirm.StreamError != nil {
		t.Errorf("confirm: task %q result %+v error %+v, want %q", confirm.TaskID, confirm.Result, confirm.StreamError, wantConfirm)
	}
	if !slices.Contains(confirm.Statuses, string(mcp.TaskInputRequired)) && (confirm.Created == nil || confirm.Created.Status != string(mcp.TaskInputRequired)) {
		t.Errorf("confirm: statuses %v never input_required", confirm.Statuses)
	}
	if len(confirm.Asked) != 1 || confirm.Asked[0].Message != "Really deploy?" || confirm.Asked[0].RelatedTask != confirm.TaskID {
		t.Errorf("confirm: the client was asked %+v, want once \"Really deploy?\" related to task %s", confirm.Asked, confirm.TaskID)
	}
}

// checkLegacyServer checks what a 2025-11-25 client saw of the Go task server's declarations.
func checkLegacyServer(t *testing.T, r *tsTaskRun) {
	t.Helper()
	if deref(r.ProtocolVersion) != mcp.Version20251125 {
		t.Errorf("negotiated %s, want 2025-11-25", deref(r.ProtocolVersion))
	}
	var caps mcp.LegacyTasksCapability
	if err := json.Unmarshal(r.ServerTasks, &caps); err != nil || caps.List == nil || caps.Cancel == nil || caps.Requests["tools"] == nil {
		t.Errorf("server tasks capability %s (%v), want list, cancel and requests.tools.call", r.ServerTasks, err)
	}
	for _, name := range []string{"slow_add", "block", "fail"} {
		if r.Tools[name] != string(mcp.TaskOptional) {
			t.Errorf("tools/list: %s has taskSupport %q, want optional", name, r.Tools[name])
		}
	}
}

// checkExtCalls checks ext-tasks' three calls and returns their task ids. In 2026-07-28 a failed task
// carries the JSON-RPC error, which ext-tasks surfaces with its code.
func checkExtCalls(t *testing.T, r *tsTaskRun, probe *taskProbe, modern bool) []string {
	t.Helper()
	var add, cancel, fail tsExtCall
	decodeInto(t, "add", r.Add, &add)
	decodeInto(t, "cancel", r.Cancel, &cancel)
	decodeInto(t, "fail", r.Fail, &fail)
	if add.Kind != "task" || add.TaskID == "" {
		t.Errorf("slow_add ran as %q, want a task (%+v)", add.Kind, add)
	}
	if add.Outcome == nil || add.Outcome.Status != string(mcp.TaskCompleted) || add.Outcome.Text != "5" || add.Outcome.IsError {
		t.Errorf("slow_add: outcome %+v, want completed with 5", add.Outcome)
	}
	wantTTL := int64(taskTTLMs) // asked for
	if modern {
		wantTTL = taskServerTTL.Milliseconds() // the server's choice
	}
	if add.Last == nil || add.Last.TTL == nil || *add.Last.TTL != wantTTL {
		t.Errorf("slow_add: last seen %+v, want retention %d ms", add.Last, wantTTL)
	}

	if cancel.Kind != "task" || cancel.TaskID == "" {
		t.Fatalf("block ran as %q, want a task (%+v)", cancel.Kind, cancel)
	}
	if cancel.Before == nil || mcp.TaskStatus(cancel.Before.Status).Terminal() {
		t.Errorf("block: before cancel %+v, want a live task", cancel.Before)
	}
	if cancel.Outcome == nil || cancel.Outcome.Status != string(mcp.TaskCancelled) || cancel.After == nil || cancel.After.Status != string(mcp.TaskCancelled) {
		t.Errorf("block: outcome %+v, then %+v; want cancelled", cancel.Outcome, cancel.After)
	}
	// Cancelling a finished task: 2025-11-25 MUST reject it with -32602; 2026-07-28 MUST acknowledge
	// every tasks/cancel with an empty result.
	if !modern && cancel.RecancelError.code() != jsonrpc.CodeInvalidParams {
		t.Errorf("block: cancelling a cancelled task: %+v, want error -32602", cancel.RecancelError)
	}
	if modern && cancel.RecancelError != nil {
		t.Errorf("block: cancelling a cancelled task: %+v, want the empty acknowledgement", cancel.RecancelError)
	}
	awaitBlockEnded(t, probe)

	if fail.Kind != "task" || fail.Outcome == nil || fail.Outcome.Status != string(mcp.TaskFailed) {
		t.Errorf("fail: %+v, want a task that failed", fail)
	} else if modern && (fail.Outcome.Error.code() != jsonrpc.CodeInternalError || !strings.Contains(fail.Outcome.Error.Message, "deliberate failure")) {
		t.Errorf("fail: error %+v, want -32603 'deliberate failure'", fail.Outcome.Error)
	}
	return []string{add.TaskID, cancel.TaskID, fail.TaskID}
}

func ptr(p *int64) any {
	if p == nil {
		return "absent"
	}
	return *p
}
