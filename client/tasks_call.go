package client

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/bufpool"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// TaskOptions tune CallToolAsTask. The zero value is usable.
type TaskOptions struct {
	// TTL asks the server to keep the task and its result this long after creation (2025-11-25: the
	// request's task.ttl, which the server may lower; a 2026-07-28 server chooses alone). Zero leaves it
	// to the server. It is sent in whole milliseconds.
	TTL time.Duration
}

// CallToolAsTask calls a tool, letting it run as a task, and returns a handle on it. In a 2025-11-25
// session the call asks for a task (params.task, with TTL) when the server declares tasks for tools/call
// and the tool's execution.taskSupport is "optional" or "required" (as tools/list said: the session keeps
// what ListTools returned and lists the tools itself when it does not know the tool); otherwise the tool
// is called as usual. At 2026-07-28 the request declares the io.modelcontextprotocol/tasks extension and
// the server decides. Either way, when the server answers at once with the result the handle is already
// complete (ID is empty, Result returns the result). A ctx made WithProgress keeps receiving a 2025-11-25
// task's progress until the handle sees the task end.
func (s *Session) CallToolAsTask(ctx context.Context, name string, args any, opts *TaskOptions) (*TaskHandle, error) {
	var task *mcp.TaskMetadata
	if s.era == mcp.EraLegacy {
		var ttl time.Duration
		if opts != nil {
			ttl = opts.TTL
		}
		var err error
		if task, err = s.legacyTaskParam(ctx, name, false, ttl); err != nil {
			return nil, err
		}
	}
	raw, token, err := s.callToolKeeping(ctx, name, args, task, true)
	if err != nil {
		return nil, err
	}
	return s.handleKeeping(raw, token)
}

// legacyTaskParam returns the params.task of a 2025-11-25 tools/call of name: nil when the call is not to
// be a task (legacyTaskAllowed with onlyRequired), else with the ttl when it is > 0.
func (s *Session) legacyTaskParam(ctx context.Context, name string, onlyRequired bool, ttl time.Duration) (*mcp.TaskMetadata, error) {
	ok, err := s.legacyTaskAllowed(ctx, name, onlyRequired)
	if err != nil || !ok {
		return nil, err
	}
	task := &mcp.TaskMetadata{}
	if ttl > 0 {
		ms := ttl.Milliseconds()
		task.TTL = &ms
	}
	return task, nil
}

// handleKeeping is handleFor, the handle keeping the call's progress token (released when the answer is
// unreadable).
func (s *Session) handleKeeping(raw jsontext.Value, token string) (*TaskHandle, error) {
	h, err := s.handleFor(raw)
	if err != nil {
		s.releaseToken(token)
		return nil, err
	}
	h.keepProgress(token)
	return h, nil
}

// keepTokenKey marks a context whose call leaves its progress token registered, reporting it through
// the *string value: a 2025-11-25 task's progress token stays valid for the task's life.
type keepTokenKey struct{}

// callToolKeeping is callTool that, for a 2025-11-25 task-augmented call made WithProgress, leaves the
// progress token registered and returns it (empty otherwise): the caller hands it to the task's handle
// or releases it.
func (s *Session) callToolKeeping(ctx context.Context, name string, args any, task *mcp.TaskMetadata, tasks bool) (jsontext.Value, string, error) {
	if task == nil || progressFunc(ctx) == nil {
		raw, err := s.callTool(ctx, name, args, task, tasks)
		return raw, "", err
	}
	var token string
	raw, err := s.callTool(context.WithValue(ctx, keepTokenKey{}, &token), name, args, task, tasks)
	if err != nil {
		s.releaseToken(token)
		return nil, "", err
	}
	return raw, token, nil
}

// releaseToken forgets a progress token kept by callToolKeeping.
func (s *Session) releaseToken(token string) {
	if token != "" {
		s.progress.Delete(token)
	}
}

// callTool sends tools/call; task, when set, asks for a task (2025-11-25); tasks declares the tasks
// extension on the request (2026-07-28).
func (s *Session) callTool(ctx context.Context, name string, args any, task *mcp.TaskMetadata, tasks bool) (jsontext.Value, error) {
	buf := bufpool.Get()
	defer bufpool.Put(buf)
	buf.B = append(buf.B, `{"name":`...)
	buf.B, _ = jsontext.AppendQuote(buf.B, name)
	if args != nil {
		buf.B = append(buf.B, `,"arguments":`...)
		var err error
		if raw, ok := args.(jsontext.Value); ok {
			buf.B = append(buf.B, raw...)
		} else if buf.B, err = bufpool.MarshalAppend(buf.B, args); err != nil {
			return nil, fmt.Errorf("client: encoding arguments of tool %q: %w", name, err)
		}
	}
	if task != nil {
		buf.B = append(buf.B, `,"task":`...)
		var err error
		if buf.B, err = bufpool.MarshalAppend(buf.B, task); err != nil {
			return nil, err
		}
	}
	buf.B = append(buf.B, '}')
	return s.callEncodedAs(ctx, mcp.MethodToolsCall, buf.B, tasks)
}

// handleFor reads a tools/call answer: a task (a 2026-07-28 CreateTaskResult, a 2025-11-25
// CreateTaskResult {task}) becomes a handle on it; a CallToolResult a complete handle.
func (s *Session) handleFor(raw jsontext.Value) (*TaskHandle, error) {
	var state *mcp.DetailedTask
	if s.era == mcp.EraModern {
		if rt, _ := jsonrpc.Member(raw, "resultType"); string(rt) == `"`+string(mcp.ResultTask)+`"` {
			state = new(mcp.DetailedTask)
			if err := json.Unmarshal(raw, state); err != nil {
				return nil, fmt.Errorf("client: decoding the task of tools/call: %w", err)
			}
		}
	} else if t, _ := jsonrpc.Member(raw, "task"); len(t) > 0 {
		var lt mcp.LegacyTask
		if err := json.Unmarshal(t, &lt); err != nil {
			return nil, fmt.Errorf("client: decoding the task of tools/call: %w", err)
		}
		state = &mcp.DetailedTask{Task: fromLegacy(lt)}
	}
	if state == nil {
		return completedHandle(s, raw), nil
	}
	if state.TaskID == "" || state.Status == "" {
		return nil, fmt.Errorf("client: the server answered tools/call with a task without taskId or status")
	}
	h := NewTaskHandle(s, state.TaskID)
	h.observe(state)
	return h, nil
}

// CallTool calls a tool. args is anything that encodes as a JSON object (a struct, a map, or
// jsontext.Value); nil sends no arguments. A tool that failed returns a result with IsError set, not an
// error: errors are for protocol failures. With Options.Tasks a call the server turns into a task is
// followed to its end (see Options.Tasks); a task that failed returns its JSON-RPC error.
func (s *Session) CallTool(ctx context.Context, name string, args any) (*mcp.CallToolResult, error) {
	var task *mcp.TaskMetadata
	if s.tasksOn && s.era == mcp.EraLegacy {
		var err error
		if task, err = s.legacyTaskParam(ctx, name, true, 0); err != nil {
			return nil, err
		}
	}
	raw, token, err := s.callToolKeeping(ctx, name, args, task, s.tasksOn)
	if err != nil {
		return nil, err
	}
	if s.tasksOn {
		h, err := s.handleKeeping(raw, token)
		if err != nil {
			return nil, err
		}
		raw, err = h.finish(ctx)
		h.dropProgress()
		if err != nil {
			return nil, err
		}
	}
	res := new(mcp.CallToolResult)
	if err := json.Unmarshal(raw, res); err != nil {
		return nil, fmt.Errorf("client: decoding tools/call result: %w", err)
	}
	return res, nil
}

// toolTasks remembers the execution.taskSupport of each tool tools/list named (2025-11-25).
type toolTasks struct {
	mu     sync.Mutex
	byName map[string]mcp.TaskSupport
	full   bool // every page was read since the last list_changed
}

func (t *toolTasks) record(tools []mcp.Tool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byName == nil {
		t.byName = map[string]mcp.TaskSupport{}
	}
	for i := range tools {
		sup := mcp.TaskForbidden
		if e := tools[i].Execution; e != nil && e.TaskSupport != "" {
			sup = e.TaskSupport
		}
		t.byName[tools[i].Name] = sup
	}
}

func (t *toolTasks) lookup(name string) (mcp.TaskSupport, bool, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	sup, ok := t.byName[name]
	return sup, ok, t.full
}

// forget drops what the list said (notifications/tools/list_changed).
func (t *toolTasks) forget() {
	t.mu.Lock()
	t.byName, t.full = nil, false
	t.mu.Unlock()
}

// legacyTaskAllowed reports whether a 2025-11-25 call of tool name may (onlyRequired false) or must
// (onlyRequired true) be a task: the server declares tasks.requests.tools.call and the tool's
// execution.taskSupport allows (requires) it. A tool the session has not seen in tools/list makes it read
// the whole list once.
func (s *Session) legacyTaskAllowed(ctx context.Context, name string, onlyRequired bool) (bool, error) {
	if !s.serverTaskCaps().toolsCall {
		return false, nil
	}
	sup, ok, full := s.toolTasks.lookup(name)
	if !ok && !full {
		for _, err := range s.Tools(ctx) {
			if err != nil {
				return false, fmt.Errorf("client: listing tools to learn whether %q runs as a task: %w", name, err)
			}
		}
		s.toolTasks.mu.Lock()
		s.toolTasks.full = true
		s.toolTasks.mu.Unlock()
		sup, _, _ = s.toolTasks.lookup(name)
	}
	if onlyRequired {
		return sup == mcp.TaskRequired, nil
	}
	return sup == mcp.TaskOptional || sup == mcp.TaskRequired, nil
}

// legacyTaskCaps is what a 2025-11-25 server's tasks capability allows.
type legacyTaskCaps struct{ toolsCall, list, cancel bool }

func (s *Session) serverTaskCaps() legacyTaskCaps {
	raw, ok := s.serverCaps.Extra["tasks"]
	if !ok || s.era != mcp.EraLegacy {
		return legacyTaskCaps{}
	}
	var c mcp.LegacyTasksCapability
	if json.Unmarshal(raw, &c) != nil {
		return legacyTaskCaps{}
	}
	var toolsCall bool
	if tools, ok := c.Requests["tools"]; ok {
		_, toolsCall = tools["call"]
	}
	return legacyTaskCaps{toolsCall: toolsCall, list: c.List != nil, cancel: c.Cancel != nil}
}

// TaskList is one page of tasks/list (2025-11-25), in the 2026-07-28 shape.
type TaskList struct {
	// Tasks are this page's tasks.
	Tasks []mcp.Task
	// NextCursor, when set, fetches the next page.
	NextCursor string
}

// ListTasks returns one page of the caller's tasks (tasks/list, 2025-11-25). At 2026-07-28 it returns
// ErrNoTaskList: the era has no tasks/list. A 2025-11-25 server that does not declare tasks.list is not
// asked.
func (s *Session) ListTasks(ctx context.Context, cursor string) (*TaskList, error) {
	if s.era == mcp.EraModern {
		return nil, ErrNoTaskList
	}
	if !s.serverTaskCaps().list {
		return nil, fmt.Errorf("client: the server does not declare tasks.list; it cannot list tasks")
	}
	var res mcp.ListTasksResult
	if err := s.call(ctx, mcp.MethodTasksList, &mcp.PaginatedParams{Cursor: cursor}, &res); err != nil {
		return nil, err
	}
	out := &TaskList{Tasks: make([]mcp.Task, len(res.Tasks)), NextCursor: res.NextCursor}
	for i, t := range res.Tasks {
		out.Tasks[i] = fromLegacy(t)
	}
	return out, nil
}

// Tasks iterates over every task ListTasks returns, fetching pages as needed. An error ends the iteration.
func (s *Session) Tasks(ctx context.Context) iter.Seq2[mcp.Task, error] {
	return paginate(ctx, s.ListTasks, func(r *TaskList) ([]mcp.Task, string) { return r.Tasks, r.NextCursor })
}
