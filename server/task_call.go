package server

import (
	"context"
	"fmt"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/store"
)

// taskModeOf says how a tools/call runs.
type taskModeOf int

const (
	taskInline   taskModeOf = iota // the handler runs inside the request
	taskAtCall                     // a task is created before the handler runs
	taskDeferred                   // the handler runs inline until it calls StartTask (DeferTaskStart)
)

// TaskTool registers a typed tool that may run as a task: support is mcp.TaskOptional (a task when the
// client can take one, inline otherwise) or mcp.TaskRequired (only as a task). It is AddTool with
// def.Execution.TaskSupport set; the handler is the same either way (see TaskID and SetTaskStatus).
func TaskTool[In, Out any](s *Server, name, description string, support mcp.TaskSupport, fn func(ctx context.Context, in In) (Out, error)) {
	AddTool(s, mcp.Tool{Name: name, Description: description, Execution: &mcp.ToolExecution{TaskSupport: support}}, fn)
}

// DeferTaskStart makes calls of the named task-supporting tools start inline in a 2026-07-28 request: the
// handler may gather input with Ask first (input_required rounds of the same request), and the call
// becomes a task when the handler calls StartTask (the client then receives the CreateTaskResult while the
// handler goes on). A handler that returns without calling StartTask answers inline. Legacy task-augmented
// calls are tasks from the start, as 2025-11-25 says. Unknown names are ignored.
func (s *Server) DeferTaskStart(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		if t, ok := s.tools.get(n); ok {
			t.deferTask = true
		}
	}
}

// toolTaskSupport returns a tool's declared task support (forbidden when absent).
func toolTaskSupport(t *toolEntry) mcp.TaskSupport {
	if t.def.Execution == nil || t.def.Execution.TaskSupport == "" {
		return mcp.TaskForbidden
	}
	return t.def.Execution.TaskSupport
}

// clientTakesTasks reports whether a 2026-07-28 request declared the tasks extension.
func clientTakesTasks(caps *mcp.ClientCapabilities) bool {
	if caps == nil {
		return false
	}
	_, ok := caps.Extensions[mcp.ExtensionTasks]
	return ok
}

// errTasksExtensionRequired is -32021 naming the tasks extension (2026-07-28).
func errTasksExtensionRequired(what string) *jsonrpc.Error {
	data, _ := json.Marshal(mcp.MissingCapabilityData{RequiredCapabilities: mcp.ClientCapabilities{
		Extensions: map[string]jsontext.Value{mcp.ExtensionTasks: jsontext.Value(`{}`)},
	}})
	return &jsonrpc.Error{Code: mcp.CodeMissingRequiredClientCapability,
		Message: "Missing required client capability: " + what + " needs the " + mcp.ExtensionTasks + " extension in the request's clientCapabilities",
		Data:    data}
}

// legacyHasTasks reports whether a legacy protocol version has tasks (2025-11-25).
func legacyHasTasks(version string) bool { return mcp.AtLeast(version, mcp.Version20251125) }

// taskMode decides whether a tools/call runs as a task. 2026-07-28: the server decides — a task-supporting
// tool runs as a task when the request declared the extension; the legacy `task` member is ignored.
// 2025-11-25: the client decides with params.task, within what the tool allows.
func (s *Server) taskMode(r *Request, t *toolEntry, task *mcp.TaskMetadata) (taskModeOf, error) {
	support := toolTaskSupport(t)
	if r.Era == mcp.EraModern {
		if support == mcp.TaskForbidden {
			return taskInline, nil
		}
		if !clientTakesTasks(r.ClientCapabilities) {
			if support == mcp.TaskRequired {
				return 0, errTasksExtensionRequired(fmt.Sprintf("tool %q runs only as a task; calling it", bounded(t.def.Name)))
			}
			return taskInline, nil
		}
		if t.deferTask {
			return taskDeferred, nil
		}
		return taskAtCall, nil
	}
	if !legacyHasTasks(r.ProtocolVersion) {
		if support == mcp.TaskRequired {
			return 0, &jsonrpc.Error{Code: mcp.CodeMethodNotFound, Message: fmt.Sprintf(
				"tool %q runs only as a task, and protocol %s has no tasks (2025-11-25 has)", bounded(t.def.Name), r.ProtocolVersion)}
		}
		return taskInline, nil
	}
	switch {
	case task != nil && support == mcp.TaskForbidden:
		return 0, &jsonrpc.Error{Code: mcp.CodeMethodNotFound, Message: fmt.Sprintf(
			"tool %q does not support task-augmented execution (execution.taskSupport is forbidden); call it without params.task", bounded(t.def.Name))}
	case task == nil && support == mcp.TaskRequired:
		return 0, &jsonrpc.Error{Code: mcp.CodeMethodNotFound, Message: fmt.Sprintf(
			"tool %q requires task-augmented execution (execution.taskSupport is required); call it with params.task", bounded(t.def.Name))}
	case task != nil:
		return taskAtCall, nil
	}
	return taskInline, nil
}

// callToolAsTask runs a tools/call as a task and answers with the task handle.
func (s *Server) callToolAsTask(ctx context.Context, r *Request, t *toolEntry, args jsontext.Value, task *mcp.TaskMetadata, mode taskModeOf) (jsontext.Value, error) {
	var requested *int64
	if task != nil && r.Era != mcp.EraModern {
		requested = task.TTL
	}
	ttl := s.tasks.opts.ttlFor(requested)
	if mode == taskDeferred {
		return s.callToolDeferred(ctx, r, t, args, ttl)
	}
	rec, run, err := s.tasks.create(ctx, r, t.def.Name, ttl, ctx)
	if err != nil {
		return nil, err
	}
	tr := r.forTask(run)
	run.execute(func(ctx context.Context) (jsontext.Value, error) {
		return s.runToolResult(withRequest(ctx, tr), tr, t, args)
	})
	return s.createTaskResult(r, rec)
}

// runToolResult runs the tool and encodes its result for the task's era.
func (s *Server) runToolResult(ctx context.Context, r *Request, t *toolEntry, args jsontext.Value) (jsontext.Value, error) {
	res, err := s.runTool(ctx, t, args)
	if err != nil {
		return nil, err
	}
	return marshalToolResult(r, res)
}

// forTask returns the request a task's handler sees: the original one, whose stream is replaced by the
// task's (the request's own stream is gone once the task handle is answered).
func (r *Request) forTask(run *taskRun) *Request {
	tr := &Request{
		Method: r.Method, ID: r.ID, Params: r.Params, Era: r.Era, ProtocolVersion: r.ProtocolVersion, Meta: r.Meta,
		ClientInfo: r.ClientInfo, ClientCapabilities: r.ClientCapabilities, SessionID: r.SessionID,
		server: r.server, sess: r.sess, task: run,
	}
	tr.out = &taskPeer{run: run, r: tr}
	return tr
}

// createTaskResult encodes the task handle in the request's era.
func (s *Server) createTaskResult(r *Request, rec *store.TaskRecord) (jsontext.Value, error) {
	if r.Era == mcp.EraModern {
		res := mcp.CreateTaskResult{Task: modernTask(rec)}
		r.finish(&res.ResultFields)
		res.ResultType = mcp.ResultTask
		return marshalResult(&res)
	}
	return marshalResult(&mcp.LegacyCreateTaskResult{Task: legacyTask(rec)})
}

// deferredStart is the state of a call whose handler decides when it becomes a task (DeferTaskStart).
type deferredStart struct {
	s       *Server
	t       *toolEntry
	ttl     time.Duration
	base    context.Context // the request's context (values only once detached)
	cancel  context.CancelFunc
	detach  func() bool             // stops the request's cancellation from reaching the handler
	created chan jsontext.Value     // the CreateTaskResult, once StartTask made the task
	run     *taskRun                // set by StartTask (the handler's goroutine)
	inline  chan deferredInlineDone // the handler returned before StartTask
}

type deferredInlineDone struct {
	res jsontext.Value
	err error
}

// callToolDeferred runs the handler in its own goroutine, with a context that follows the request's until
// StartTask detaches it, and answers with whichever comes first: the inline result or the task handle.
func (s *Server) callToolDeferred(ctx context.Context, r *Request, t *toolEntry, args jsontext.Value, ttl time.Duration) (jsontext.Value, error) {
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d := &deferredStart{
		s: s, t: t, ttl: ttl, base: ctx, cancel: cancel,
		detach:  context.AfterFunc(ctx, cancel),
		created: make(chan jsontext.Value, 1),
		inline:  make(chan deferredInlineDone, 1),
	}
	r.start = d
	s.tasks.mu.Lock()
	s.tasks.wg.Add(1)
	s.tasks.mu.Unlock()
	go func() {
		defer s.tasks.wg.Done()
		var res jsontext.Value
		var err error
		func() {
			defer func() {
				if p := recover(); p != nil {
					s.log.Error("mcp: a tool's handler panicked", "tool", t.def.Name, "panic", p)
					err = &jsonrpc.Error{Code: mcp.CodeInternalError, Message: fmt.Sprintf("internal error: the tool's handler panicked: %v", p)}
				}
			}()
			res, err = s.runToolResult(withRequest(hctx, r), r, t, args)
		}()
		if d.run != nil {
			d.run.finish(res, err)
			return
		}
		d.detach()
		cancel()
		d.inline <- deferredInlineDone{res, err}
	}()
	select {
	case out := <-d.inline:
		return out.res, out.err
	case created := <-d.created:
		return created, nil
	}
}

// StartTask turns the call being served into a task, for a tool registered with DeferTaskStart: the
// client receives the task handle, and the handler goes on detached from the request (its context is no
// longer cancelled with the request; Ask, Progress and SetTaskStatus now go to the task). Call it from
// the handler's own goroutine. It does nothing when the call is not one that may become a task (already a
// task, or the client cannot take one), and returns an error when the task cannot be created (the
// per-owner limit) — the handler should then return it.
func StartTask(ctx context.Context) error {
	r := RequestFrom(ctx)
	if r == nil || r.start == nil || r.task != nil {
		return nil
	}
	d := r.start
	if r.ia != nil {
		r.ia.mu.Lock()
		open := r.ia.pending != nil
		r.ia.mu.Unlock()
		if open {
			return ErrInputRequired
		}
	}
	rec, run, err := d.s.tasks.create(d.base, r, d.t.def.Name, d.ttl, d.base)
	if err != nil {
		return err
	}
	// The handler's context came from the request's; from now on the run's cancellation ends it.
	d.detach()
	context.AfterFunc(run.ctx, d.cancel)
	r.task = run
	r.out = &taskPeer{run: run, r: r}
	r.ia = nil // the multi round-trip phase ended: questions from now on are the task's
	d.run = run
	res, err := d.s.createTaskResult(r, rec)
	if err != nil {
		return err
	}
	d.created <- res
	return nil
}

// taskOwner returns the owner of tasks created by r: the legacy session, or the modern request's principal.
func (s *Server) taskOwner(ctx context.Context, r *Request) string {
	if r.Era != mcp.EraModern && r.sess != nil {
		return "session:" + r.sess.taskOwnerID()
	}
	if p := s.principal(ctx); p != "" {
		return "principal:" + p
	}
	return ""
}
