package interop

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// taskAsks records the elicitations a client answered.
type taskAsks struct {
	mu   sync.Mutex
	msgs []string
	rel  []string // the related-task id in each request's _meta
}

func (a *taskAsks) onElicit(_ context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.msgs = append(a.msgs, p.Message)
	var rel mcp.RelatedTaskMetadata
	if p.Meta != nil {
		_ = json.Unmarshal(p.Meta.Extra[mcp.MetaRelatedTask], &rel)
	}
	a.rel = append(a.rel, rel.TaskID)
	return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: []byte(`{"confirm":true}`)}, nil
}

func (a *taskAsks) seen() (msgs, rel []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.msgs), slices.Clone(a.rel)
}

// connectTaskClient connects mcpkit's client to endpoint in 2025-11-25.
func connectTaskClient(t *testing.T, ctx context.Context, endpoint string, opts client.Options) *client.Session {
	t.Helper()
	c, err := streamable.NewClient(endpoint, &streamable.ClientOptions{HTTPClient: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	opts.ProtocolVersion = mcp.Version20251125
	s, err := client.Connect(ctx, c, &opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if s.Era() != mcp.EraLegacy || s.ProtocolVersion() != mcp.Version20251125 {
		t.Fatalf("negotiated %v %s, want 2025-11-25", s.Era(), s.ProtocolVersion())
	}
	return s
}

// startTask calls the tool name as a task and fails t unless the server made it one.
func startTask(t *testing.T, ctx context.Context, s *client.Session, name string, args any, opts *client.TaskOptions) *client.TaskHandle {
	t.Helper()
	h, err := s.CallToolAsTask(ctx, name, args, opts)
	if err != nil {
		t.Fatal(err)
	}
	if h.ID() == "" {
		t.Fatalf("%s: the server answered at once; want a task", name)
	}
	return h
}

// wantResumed checks that a handle made from the id alone (another process, a later connection) reads the
// completed task and its result text.
func wantResumed(t *testing.T, ctx context.Context, s *client.Session, id, text string) {
	t.Helper()
	again := client.NewTaskHandle(s, id)
	if d, err := again.Get(ctx); err != nil || d.Status != mcp.TaskCompleted {
		t.Errorf("resumed Get: %+v %v", d, err)
	}
	if res, err := again.Result(ctx); err != nil || resultText(res) != text {
		t.Errorf("resumed Result: %+v %v", res, err)
	}
}

// wantListedEnded checks that tasks/list (every page) shows each of ids in a terminal status.
func wantListedEnded(t *testing.T, ctx context.Context, s *client.Session, ids []string) {
	t.Helper()
	var got []mcp.Task
	for task, err := range s.Tasks(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, task)
	}
	for _, id := range ids {
		i := slices.IndexFunc(got, func(task mcp.Task) bool { return task.TaskID == id })
		if i < 0 || !got[i].Status.Terminal() {
			t.Errorf("task %s: listed %v", id, got)
		}
	}
}

func resultText(res *mcp.CallToolResult) string {
	if res == nil || len(res.Content) == 0 {
		return ""
	}
	return res.Content[0].Text
}

// TestTaskClientAgainstTsServer drives the tasks of a TypeScript server (@modelcontextprotocol/sdk 1.32.2
// with an InMemoryTaskStore and a task message queue; the only TypeScript server with tasks, 2025-11-25
// only) with mcpkit's client: a task polled to its result, a task cancelled, a failed task, a task that
// asks for input on its tasks/result stream, tasks/list, a handle resumed from an id, and CallTool
// following a required-task tool (Options.Tasks).
func TestTaskClientAgainstTsServer(t *testing.T) {
	node := peers(t)
	endpoint := startNodeServer(t, node, "taskserver.mjs")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	asks := &taskAsks{}
	var notesMu sync.Mutex
	var notes []string
	s := connectTaskClient(t, ctx, endpoint, client.Options{
		OnElicit: asks.onElicit,
		OnTaskStatus: func(_ context.Context, d *mcp.DetailedTask) {
			notesMu.Lock()
			notes = append(notes, d.TaskID+"="+string(d.Status))
			notesMu.Unlock()
		},
	})
	var ids []string

	t.Run("slow_add", func(t *testing.T) {
		h := startTask(t, ctx, s, "slow_add", map[string]int{"a": 2, "b": 3}, &client.TaskOptions{TTL: time.Minute})
		ids = append(ids, h.ID())
		if ttl := h.Task().TTLMs; ttl == nil || *ttl != time.Minute.Milliseconds() {
			t.Errorf("task ttl %v, want %d", ptr(ttl), time.Minute.Milliseconds())
		}
		d, err := h.Wait(ctx)
		if err != nil || d.Status != mcp.TaskCompleted {
			t.Fatalf("Wait: %+v %v", d, err)
		}
		res, err := h.Result(ctx)
		if err != nil || res.IsError || resultText(res) != "5" {
			t.Errorf("Result: %+v %v", res, err)
		}
		wantResumed(t, ctx, s, h.ID(), "5")
	})

	t.Run("inline", func(t *testing.T) {
		// slow_add is optional: called without a task, the SDK runs it and answers inline.
		res, err := s.CallTool(ctx, "slow_add", map[string]int{"a": 4, "b": 5})
		if err != nil || resultText(res) != "9" {
			t.Errorf("CallTool: %+v %v", res, err)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		h := startTask(t, ctx, s, "block", nil, nil)
		ids = append(ids, h.ID())
		if d, err := h.Get(ctx); err != nil || d.Status != mcp.TaskWorking {
			t.Fatalf("Get before cancel: %+v %v", d, err)
		}
		if err := h.Cancel(ctx); err != nil {
			t.Fatal(err)
		}
		if h.Status() != mcp.TaskCancelled {
			t.Errorf("after Cancel the handle says %s; tasks/cancel answers with the cancelled task", h.Status())
		}
		if d, err := h.Get(ctx); err != nil || d.Status != mcp.TaskCancelled {
			t.Errorf("Get after cancel: %+v %v", d, err)
		}
		if _, err := h.Result(ctx); !errors.Is(err, client.ErrTaskCancelled) {
			t.Errorf("Result of a cancelled task: %v, want ErrTaskCancelled", err)
		}
		var rpcErr *jsonrpc.Error
		if err := h.Cancel(ctx); !errors.As(err, &rpcErr) || rpcErr.Code != jsonrpc.CodeInvalidParams {
			t.Errorf("cancelling a cancelled task: %v, want error -32602", err)
		}
	})

	t.Run("fail", func(t *testing.T) {
		h := startTask(t, ctx, s, "fail", nil, nil)
		ids = append(ids, h.ID())
		d, err := h.Wait(ctx)
		if err != nil || d.Status != mcp.TaskFailed {
			t.Fatalf("Wait: %+v %v", d, err)
		}
		// This server keeps a Result for a failed task (a CallToolResult with isError), which tasks/result
		// returns; the client hands it over as the tool's result.
		res, err := h.Result(ctx)
		if err != nil || !res.IsError || resultText(res) != "deliberate failure" {
			t.Errorf("Result: %+v %v", res, err)
		}
	})

	t.Run("confirm", func(t *testing.T) {
		h := startTask(t, ctx, s, "confirm", map[string]string{"action": "deploy"}, nil)
		ids = append(ids, h.ID())
		res, err := h.Result(ctx)
		if err != nil || resultText(res) != "deploy: accept confirm=true" {
			t.Fatalf("Result: %+v %v", res, err)
		}
		msgs, rel := asks.seen()
		if len(msgs) != 1 || msgs[0] != "Really deploy?" || rel[0] != h.ID() {
			t.Errorf("OnElicit saw %q related to %q, want once \"Really deploy?\" related to %s", msgs, rel, h.ID())
		}
	})

	t.Run("list", func(t *testing.T) { wantListedEnded(t, ctx, s, ids) })

	t.Run("Options.Tasks", func(t *testing.T) {
		// With Options.Tasks, CallTool runs a required-task tool as a task and returns its final result.
		s2 := connectTaskClient(t, ctx, endpoint, client.Options{Tasks: true, OnElicit: (&taskAsks{}).onElicit})
		res, err := s2.CallTool(ctx, "fail", nil)
		if err != nil || !res.IsError || resultText(res) != "deliberate failure" {
			t.Errorf("CallTool(fail): %+v %v", res, err)
		}
		res, err = s2.CallTool(ctx, "confirm", map[string]string{"action": "ship"})
		if err != nil || resultText(res) != "ship: accept confirm=true" {
			t.Errorf("CallTool(confirm): %+v %v", res, err)
		}
	})

	notesMu.Lock()
	t.Logf("notifications/tasks/status seen: %v", notes)
	notesMu.Unlock()
}
