package client

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// Tasks, client side. One API serves both eras: CallToolAsTask starts a tool call that may become a task
// and returns a TaskHandle, which polls (Get), waits (Wait), fetches the result (Result) and cancels
// (Cancel) in the session's era. At 2025-11-25 the handle speaks the experimental core tasks
// (tasks/get, tasks/result, tasks/cancel); at 2026-07-28 the io.modelcontextprotocol/tasks extension
// (tasks/get inlining the result, tasks/update answering input requests, tasks/cancel). The task's state
// is reported in the 2026-07-28 shape (mcp.DetailedTask, durations in milliseconds) in both eras.

// ErrTaskCancelled is returned (wrapped, with the task id) by TaskHandle.Result for a task that ended
// cancelled.
var ErrTaskCancelled = errors.New("client: the task was cancelled")

// ErrNoTaskList is returned by ListTasks at 2026-07-28: the tasks extension has no tasks/list (a server
// cannot scope a list to its caller without sessions); keep the ids of the tasks you started.
var ErrNoTaskList = errors.New("client: protocol 2026-07-28 has no tasks/list (the tasks extension dropped it); keep the ids of the tasks you start")

// errTaskResult is checkResultType's answer to resultType "task" (2026-07-28).
var errTaskResult = errors.New("client: the server answered with a task")

// acceptTask decides what a CreateTaskResult to method means: the result to follow when this request
// declared the tasks extension on a method that may become a task, an invalid answer otherwise.
func acceptTask(method string, declared bool, res jsontext.Value) (jsontext.Value, error) {
	switch {
	case method != mcp.MethodToolsCall:
		return nil, fmt.Errorf("client: the server answered %s with a task, which that method cannot become", method)
	case !declared:
		return nil, fmt.Errorf("client: the server answered %s with a task although this request did not declare the %s extension (set Options.Tasks or use CallToolAsTask)", method, mcp.ExtensionTasks)
	}
	return res, nil
}

// TaskHandle follows one task. Create it with Session.CallToolAsTask, or with NewTaskHandle from a task id
// kept elsewhere (another process, an earlier connection). It is safe for concurrent use.
type TaskHandle struct {
	s  *Session
	id string // empty when the server answered the call at once: the handle is then complete

	mu      sync.Mutex
	state   mcp.DetailedTask // last state seen (Status empty until the first Get of a resumed handle)
	result  jsontext.Value   // the final CallToolResult, once known
	failure *jsonrpc.Error   // the JSON-RPC error of a failed task, once known
	news    chan struct{}    // closed (and replaced) when a notification changes the state

	progress string // the progress token kept registered while the task runs (2025-11-25), or ""

	inputMu  sync.Mutex      // one goroutine answers the task's input requests at a time
	answered map[string]bool // inputRequests keys already answered (2026-07-28): asked once
	rounds   int             // tasks/update rounds sent
}

// NewTaskHandle returns a handle on the task id of session s's server, to poll, wait for, fetch or cancel
// a task started earlier, perhaps by another connection or process (keep ids in durable storage so that
// polling can resume after a crash). Its Status is empty until the first Get or Wait.
func NewTaskHandle(s *Session, id string) *TaskHandle {
	h := &TaskHandle{s: s, id: id, news: make(chan struct{})}
	h.state.TaskID = id
	return h
}

// completedHandle is the handle of a call the server answered at once with its result.
func completedHandle(s *Session, result jsontext.Value) *TaskHandle {
	h := NewTaskHandle(s, "")
	h.state.Status = mcp.TaskCompleted
	h.result = result
	return h
}

// ID returns the task's id, to keep and resume with NewTaskHandle. It is empty when the server answered
// the call at once (no task was created): the handle is then already complete.
func (h *TaskHandle) ID() string { return h.id }

// Status returns the last status seen (by the call, Get, Wait, Cancel or a notification), without asking
// the server. It is empty for a resumed handle not yet polled.
func (h *TaskHandle) Status() mcp.TaskStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state.Status
}

// Task returns the last state seen, without asking the server.
func (h *TaskHandle) Task() mcp.Task {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.state.Task
	if t.TTLMs != nil {
		ttl := *t.TTLMs
		t.TTLMs = &ttl // the caller's copy
	}
	return t
}

// Get polls the task once (tasks/get) and returns its state. At 2026-07-28 the answer inlines the result
// (completed), the error (failed) or the outstanding input requests (input_required); at 2025-11-25 it
// carries the state only (Result fetches the result). Get does not answer input requests: Wait does.
func (h *TaskHandle) Get(ctx context.Context) (*mcp.DetailedTask, error) {
	if h.id == "" {
		return h.snapshot(), nil
	}
	raw, err := h.s.callRawAs(ctx, mcp.MethodTasksGet, &mcp.TaskParams{TaskID: h.id}, true)
	if err != nil {
		return nil, fmt.Errorf("client: tasks/get %s: %w", h.id, err)
	}
	d, err := h.s.decodeTask(raw)
	if err != nil {
		return nil, fmt.Errorf("client: tasks/get %s: %w", h.id, err)
	}
	if d.TaskID != h.id {
		return nil, fmt.Errorf("client: tasks/get %s answered with task %q", h.id, d.TaskID)
	}
	h.observe(d)
	return h.snapshot(), nil
}

// Cancel asks the server to cancel the task (tasks/cancel). Cancellation is cooperative: the task may
// still complete or fail; Wait or Get tell what happened. At 2025-11-25 the server answers with the
// task's new state, which the handle records; a task already finished is an error there (-32602).
func (h *TaskHandle) Cancel(ctx context.Context) error {
	if h.id == "" {
		return errors.New("client: the server answered this call at once; there is no task to cancel")
	}
	raw, err := h.s.callRawAs(ctx, mcp.MethodTasksCancel, &mcp.TaskParams{TaskID: h.id}, true)
	if err != nil {
		return fmt.Errorf("client: tasks/cancel %s: %w", h.id, err)
	}
	if h.s.era == mcp.EraLegacy {
		var lt mcp.LegacyTaskResult
		if err := json.Unmarshal(raw, &lt); err == nil && lt.TaskID == h.id {
			h.observe(&mcp.DetailedTask{Task: fromLegacy(lt.LegacyTask)})
		}
	}
	return nil
}

// Result waits for the task to end (see Wait) and returns its final CallToolResult. A tool that failed
// returns a result with IsError set, not an error; a task that failed with a JSON-RPC error returns that
// error as a *jsonrpc.Error; a cancelled task returns an error wrapping ErrTaskCancelled. At 2025-11-25
// the result is fetched with tasks/result.
func (h *TaskHandle) Result(ctx context.Context) (*mcp.CallToolResult, error) {
	raw, err := h.resultRaw(ctx)
	if err != nil {
		return nil, err
	}
	res := new(mcp.CallToolResult)
	if err := json.Unmarshal(raw, res); err != nil {
		return nil, fmt.Errorf("client: decoding the result of task %s: %w", h.id, err)
	}
	return res, nil
}

func (h *TaskHandle) resultRaw(ctx context.Context) (jsontext.Value, error) {
	if h.id == "" {
		return h.result, nil
	}
	d, err := h.Wait(ctx)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	result, failure := h.result, h.failure
	h.mu.Unlock()
	switch {
	case d.Status == mcp.TaskCancelled:
		if d.StatusMessage != "" {
			return nil, fmt.Errorf("client: task %s: %s: %w", h.id, d.StatusMessage, ErrTaskCancelled)
		}
		return nil, fmt.Errorf("client: task %s: %w", h.id, ErrTaskCancelled)
	case failure != nil:
		return nil, failure
	case result != nil:
		return result, nil
	case h.s.era == mcp.EraLegacy:
		return h.fetchLegacyResult(ctx)
	case d.Status == mcp.TaskFailed:
		msg := "the task failed without saying why"
		if d.StatusMessage != "" {
			msg = d.StatusMessage
		}
		return nil, &jsonrpc.Error{Code: mcp.CodeInternalError, Message: msg}
	}
	return nil, fmt.Errorf("client: task %s completed without a result", h.id)
}

// fetchLegacyResult asks for the result of a 2025-11-25 task with tasks/result (which blocks until the
// task ends): the original request's result, or its JSON-RPC error.
func (h *TaskHandle) fetchLegacyResult(ctx context.Context) (jsontext.Value, error) {
	raw, err := h.s.callRawAs(ctx, mcp.MethodTasksResult, &mcp.TaskParams{TaskID: h.id}, true)
	if err != nil {
		var rpcErr *jsonrpc.Error
		if errors.As(err, &rpcErr) {
			h.mu.Lock()
			h.failure = rpcErr
			h.mu.Unlock()
			return nil, rpcErr
		}
		return nil, fmt.Errorf("client: tasks/result %s: %w", h.id, err)
	}
	h.mu.Lock()
	h.result = raw
	h.mu.Unlock()
	return raw, nil
}

// keepProgress makes the handle own a progress token kept registered for its task (2025-11-25: the
// token of a task-augmented request stays valid for the task's life); it is released when the handle
// sees the task end. A handle already complete releases it at once.
func (h *TaskHandle) keepProgress(token string) {
	if token == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.id == "" || h.state.Status.Terminal() {
		h.s.progress.Delete(token)
		return
	}
	h.progress = token
}

// dropProgress releases the handle's progress token, if it still has one.
func (h *TaskHandle) dropProgress() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.progress != "" {
		h.s.progress.Delete(h.progress)
		h.progress = ""
	}
}

// snapshot returns a copy of the last state seen.
func (h *TaskHandle) snapshot() *mcp.DetailedTask {
	h.mu.Lock()
	defer h.mu.Unlock()
	d := h.state
	return &d
}

// observe records a state read from the server (a poll, a notification, a cancel answer). A terminal
// state stays: a late answer showing an earlier state does not undo it. It reports whether the state
// changed.
func (h *TaskHandle) observe(d *mcp.DetailedTask) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state.Status.Terminal() && !d.Status.Terminal() {
		return false
	}
	changed := markOf(&h.state.Task) != markOf(&d.Task)
	h.state = *d
	h.state.ResultFields = mcp.ResultFields{}
	if d.Status.Terminal() && h.progress != "" {
		h.s.progress.Delete(h.progress) // the task is over: no more progress for it
		h.progress = ""
	}
	switch d.Status {
	case mcp.TaskCompleted:
		if len(d.Result) > 0 {
			h.result = d.Result
		}
	case mcp.TaskFailed:
		if len(d.Error) > 0 {
			e := new(jsonrpc.Error)
			if json.Unmarshal(d.Error, e) == nil {
				h.failure = e
			} else {
				h.failure = &jsonrpc.Error{Code: mcp.CodeInternalError, Message: "the task failed with a malformed error: " + string(d.Error)}
			}
		}
	}
	return changed
}

// decodeTask reads a task state in the session's era: a 2026-07-28 DetailedTask or a 2025-11-25 flat
// task (the result of tasks/get and tasks/cancel, the params of notifications/tasks/status).
func (s *Session) decodeTask(raw jsontext.Value) (*mcp.DetailedTask, error) {
	d := new(mcp.DetailedTask)
	if s.era == mcp.EraLegacy {
		var lt mcp.LegacyTaskResult
		if err := json.Unmarshal(raw, &lt); err != nil {
			return nil, err
		}
		d.Task = fromLegacy(lt.LegacyTask)
	} else if err := json.Unmarshal(raw, d); err != nil {
		return nil, err
	}
	if d.TaskID == "" || d.Status == "" {
		return nil, errors.New("the task has no taskId or status")
	}
	return d, nil
}

// fromLegacy converts a 2025-11-25 task into the 2026-07-28 shape (the same members, renamed).
func fromLegacy(t mcp.LegacyTask) mcp.Task {
	return mcp.Task{
		TaskID:         t.TaskID,
		Status:         t.Status,
		StatusMessage:  t.StatusMessage,
		CreatedAt:      t.CreatedAt,
		LastUpdatedAt:  t.LastUpdatedAt,
		TTLMs:          t.TTL,
		PollIntervalMs: t.PollInterval,
	}
}
