package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/store"
)

// The tasks/* methods. 2026-07-28 (extension io.modelcontextprotocol/tasks): tasks/get, tasks/update,
// tasks/cancel, refused with -32021 when the request did not declare the extension. 2025-11-25: tasks/get,
// tasks/result, tasks/list, tasks/cancel in sessions of that version.

// taskTime formats a task timestamp (ISO 8601, UTC, milliseconds).
func taskTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

func modernTask(rec *store.TaskRecord) mcp.Task {
	ttl := rec.TTL.Milliseconds()
	return mcp.Task{
		TaskID: rec.ID, Status: mcp.TaskStatus(rec.Status), StatusMessage: rec.StatusMessage,
		CreatedAt: taskTime(rec.CreatedAt), LastUpdatedAt: taskTime(rec.UpdatedAt),
		TTLMs: &ttl, PollIntervalMs: rec.PollInterval.Milliseconds(),
	}
}

func legacyTask(rec *store.TaskRecord) mcp.LegacyTask {
	ttl := rec.TTL.Milliseconds()
	return mcp.LegacyTask{
		TaskID: rec.ID, Status: mcp.TaskStatus(rec.Status), StatusMessage: rec.StatusMessage,
		CreatedAt: taskTime(rec.CreatedAt), LastUpdatedAt: taskTime(rec.UpdatedAt),
		TTL: &ttl, PollInterval: rec.PollInterval.Milliseconds(),
	}
}

// detailedTask is the task as tasks/get and notifications/tasks carry it: with the member its status has.
func detailedTask(rec *store.TaskRecord) mcp.DetailedTask {
	d := mcp.DetailedTask{Task: modernTask(rec)}
	switch rec.Status {
	case store.TaskInputRequired:
		var reqs mcp.InputRequests
		if len(rec.InputRequests) > 0 {
			_ = json.Unmarshal(rec.InputRequests, &reqs)
		}
		if reqs == nil {
			reqs = mcp.InputRequests{}
		}
		d.InputRequests = reqs
	case store.TaskCompleted:
		d.Result = rec.Result
	case store.TaskFailed:
		d.Error = rec.Error
		if len(d.Error) == 0 {
			d.Error = taskErrorJSON(&jsonrpc.Error{Code: mcp.CodeInternalError, Message: "the task failed"})
		}
	}
	return d
}

// errNoTask is -32602 for a task id this caller cannot see.
func errNoTask(method, id string) *jsonrpc.Error {
	return invalidParams(fmt.Sprintf("%s: no task %q (it never existed, it expired, or it belongs to another client)", method, bounded(id)))
}

// findTask returns the task r names when r's caller may see it (same owner, same era), after the dead-node
// check.
func (s *Server) findTask(ctx context.Context, r *Request, id string) (*store.TaskRecord, error) {
	if id == "" {
		return nil, invalidParams(r.Method + ": taskId is required")
	}
	if !validTaskID(id) {
		return nil, errNoTask(r.Method, id)
	}
	rec, err := s.tasks.opts.Store.GetTask(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoTask(r.Method, id)
	}
	if err != nil {
		s.log.Error("mcp: reading a task", "task", id, "err", err)
		return nil, internalError()
	}
	modernRec := mcp.EraOf(rec.Era) == mcp.EraModern
	if rec.Owner != s.taskOwner(ctx, r) || modernRec != (r.Era == mcp.EraModern) {
		return nil, errNoTask(r.Method, id)
	}
	return s.tasks.checkLease(ctx, rec), nil
}

// gateTasks refuses a 2026-07-28 tasks/* request that did not declare the extension.
func gateTasks(r *Request) error {
	if r.Era == mcp.EraModern && !clientTakesTasks(r.ClientCapabilities) {
		return errTasksExtensionRequired(r.Method)
	}
	return nil
}

// requestedTask serves the start of tasks/get, tasks/cancel and tasks/result: the extension gate, then the
// {taskId} params, then the task they name (findTask).
func (s *Server) requestedTask(ctx context.Context, r *Request) (*store.TaskRecord, error) {
	if err := gateTasks(r); err != nil {
		return nil, err
	}
	var p mcp.TaskParams
	if err := decodeParams(r.Params, &p); err != nil {
		return nil, err
	}
	return s.findTask(ctx, r, p.TaskID)
}

// errTaskFinished is the 2025-11-25 tasks/cancel answer for a task that already ended.
func errTaskFinished(rec *store.TaskRecord) *jsonrpc.Error {
	return invalidParams(fmt.Sprintf("tasks/cancel: task %q already finished (%s)", bounded(rec.ID), rec.Status))
}

// ackResult is the empty result of tasks/update and tasks/cancel (2026-07-28).
type ackResult struct {
	mcp.ResultFields `json:",embed"`
}

func (s *Server) ack(r *Request) (jsontext.Value, error) {
	var res ackResult
	r.finish(&res.ResultFields)
	return marshalResult(&res)
}

// getTask serves tasks/get.
func (s *Server) getTask(ctx context.Context, r *Request) (jsontext.Value, error) {
	rec, err := s.requestedTask(ctx, r)
	if err != nil {
		return nil, err
	}
	if r.Era == mcp.EraModern {
		res := detailedTask(rec)
		r.finish(&res.ResultFields)
		return marshalResult(&res)
	}
	return marshalResult(&mcp.LegacyTaskResult{LegacyTask: legacyTask(rec)})
}

// errUnchanged aborts an UpdateTask that has nothing to write.
var errUnchanged = errors.New("unchanged")

// updateTask serves tasks/update (2026-07-28): answers for outstanding inputRequests keys move to the
// record's InputResponses (and leave InputRequests at once, so tasks/get shows only what is still open);
// the running node takes them from there. Keys not outstanding are ignored.
func (s *Server) updateTask(ctx context.Context, r *Request) (jsontext.Value, error) {
	if err := gateTasks(r); err != nil {
		return nil, err
	}
	var p mcp.UpdateTaskParams
	if err := unmarshalParams(r.Params, &p); err != nil {
		return nil, err
	}
	if _, err := s.findTask(ctx, r, p.TaskID); err != nil {
		return nil, err
	}
	if len(p.InputResponses) == 0 {
		return s.ack(r)
	}
	rec, err := s.tasks.opts.Store.UpdateTask(ctx, p.TaskID, func(rec *store.TaskRecord) error {
		if store.TaskTerminal(rec.Status) || len(rec.InputRequests) == 0 {
			return errUnchanged
		}
		var open map[string]jsontext.Value
		_ = json.Unmarshal(rec.InputRequests, &open)
		answers := map[string]jsontext.Value{}
		if len(rec.InputResponses) > 0 {
			_ = json.Unmarshal(rec.InputResponses, &answers)
		}
		moved := 0
		for k, v := range p.InputResponses {
			if _, ok := open[k]; ok {
				answers[k] = v
				delete(open, k)
				moved++
			}
		}
		if moved == 0 {
			return errUnchanged
		}
		held := encodeObject(answers)
		if budget := s.tasks.opts.MaxInputBytes; budget > 0 && len(held) > budget {
			return invalidParams(fmt.Sprintf("tasks/update: the task would hold %d bytes of answers, more than this server keeps "+
				"for a task (TaskOptions.MaxInputBytes = %d); nothing was recorded", len(held), budget))
		}
		rec.InputRequests, rec.InputResponses = encodeObject(open), held
		if len(open) == 0 {
			rec.Status = store.TaskWorking
		}
		rec.UpdatedAt = time.Now().UTC()
		return nil
	})
	switch {
	case err == nil:
		s.taskChanged(rec, nil)
		s.tasks.signal(ctx, p.TaskID, "input")
	case errors.Is(err, errUnchanged), errors.Is(err, store.ErrTaskTerminal):
	case errors.Is(err, store.ErrNotFound):
		return nil, errNoTask(r.Method, p.TaskID)
	case asProtocolError(err) != nil:
		return nil, err
	default:
		s.log.Error("mcp: recording a task's answers", "task", p.TaskID, "err", err)
		return nil, internalError()
	}
	return s.ack(r)
}

// cancelTask serves tasks/cancel: the task is cancelled in the store at once (the first terminal status
// wins), and its node is told to stop the handler.
func (s *Server) cancelTask(ctx context.Context, r *Request) (jsontext.Value, error) {
	cur, err := s.requestedTask(ctx, r)
	if err != nil {
		return nil, err
	}
	id := cur.ID
	modern := r.Era == mcp.EraModern
	if store.TaskTerminal(cur.Status) {
		if modern {
			return s.ack(r) // idempotent (what the 2026-07-28 suite checks)
		}
		return nil, errTaskFinished(cur)
	}
	rec, err := s.tasks.opts.Store.UpdateTask(ctx, id, func(rec *store.TaskRecord) error {
		if store.TaskTerminal(rec.Status) {
			return errUnchanged
		}
		rec.CancelRequested = true
		rec.Status, rec.StatusMessage = store.TaskCancelled, "cancelled by the client"
		rec.InputRequests, rec.InputResponses, rec.LeaseUntil = nil, nil, time.Time{}
		rec.UpdatedAt = time.Now().UTC()
		return nil
	})
	switch {
	case err == nil:
		s.taskChanged(rec, r.sess)
		s.tasks.signal(ctx, id, "cancel")
	case errors.Is(err, errUnchanged), errors.Is(err, store.ErrTaskTerminal):
		if rec, err = s.tasks.opts.Store.GetTask(ctx, id); err != nil {
			return nil, errNoTask(r.Method, id)
		}
		if !modern {
			return nil, errTaskFinished(rec)
		}
	case errors.Is(err, store.ErrNotFound):
		return nil, errNoTask(r.Method, id)
	default:
		s.log.Error("mcp: cancelling a task", "task", id, "err", err)
		return nil, internalError()
	}
	if modern {
		return s.ack(r)
	}
	return marshalResult(&mcp.LegacyTaskResult{LegacyTask: legacyTask(rec)})
}

// taskResult serves tasks/result (2025-11-25): it waits until the task ends and answers what the call
// would have answered — its result, with the related-task _meta, or its error. While it waits, the task's
// questions to the client go on this request's stream.
func (s *Server) taskResult(ctx context.Context, r *Request) (jsontext.Value, error) {
	rec, err := s.requestedTask(ctx, r)
	if err != nil {
		return nil, err
	}
	id := rec.ID
	registered := false
	for !store.TaskTerminal(rec.Status) {
		var done <-chan struct{}
		if run := s.tasks.local(id); run != nil {
			if r.out != nil && !registered {
				defer run.addPeer(r.out)()
				registered = true
			}
			done = run.done
		}
		t := time.NewTimer(s.tasks.opts.PollInterval)
		select {
		case <-done:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
		t.Stop()
		if rec, err = s.findTask(ctx, r, id); err != nil {
			return nil, err
		}
	}
	switch rec.Status {
	case store.TaskCompleted:
		return withRelatedTask(jsontext.Value(rec.Result), rec.ID)
	case store.TaskFailed:
		var e jsonrpc.Error
		if err := json.Unmarshal(rec.Error, &e); err != nil || e.Code == 0 {
			return nil, &jsonrpc.Error{Code: mcp.CodeInternalError, Message: "the task failed"}
		}
		return nil, &e
	}
	return nil, &jsonrpc.Error{Code: mcp.CodeInternalError, Message: fmt.Sprintf("task %q was cancelled before it finished", bounded(rec.ID))}
}

// listTasks serves tasks/list (2025-11-25): the session's tasks, oldest first, paginated.
func (s *Server) listTasks(ctx context.Context, r *Request) (jsontext.Value, error) {
	var p mcp.ListToolsParams // {cursor}
	if err := decodeParams(r.Params, &p); err != nil {
		return nil, err
	}
	if len(p.Cursor) > maxTaskCursor {
		return nil, invalidParams("tasks/list: unknown cursor")
	}
	limit := s.opts.PageSize
	if limit <= 0 {
		limit = 1000
	}
	recs, next, err := s.tasks.opts.Store.ListTasks(ctx, s.taskOwner(ctx, r), p.Cursor, limit)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalidParams("tasks/list: unknown cursor")
	}
	if err != nil {
		s.log.Error("mcp: listing tasks", "err", err)
		return nil, internalError()
	}
	res := mcp.ListTasksResult{Tasks: make([]mcp.LegacyTask, 0, len(recs)), NextCursor: next}
	for _, rec := range recs {
		res.Tasks = append(res.Tasks, legacyTask(s.tasks.checkLease(ctx, rec)))
	}
	return marshalResult(&res)
}

// taskChanged tells clients a task's new state: notifications/tasks/status to the legacy session that
// created it (when known here), notifications/tasks to subscriptions/listen streams asking for it (every
// node, through the Bus).
func (s *Server) taskChanged(rec *store.TaskRecord, sess *session) {
	if mcp.EraOf(rec.Era) != mcp.EraModern {
		if sess != nil && sess.out != nil {
			p := mcp.LegacyTaskResult{LegacyTask: legacyTask(rec)}
			if err := sess.out.Notify(context.Background(), mcp.MethodNotificationTasksStatus, &p); err != nil {
				s.log.Debug("mcp: sending a task status notification", "task", rec.ID, "err", err)
			}
		}
		return
	}
	d := detailedTask(rec)
	s.publishChange(mcp.MethodNotificationTasks, &d)
}

// maxListenTaskIDs bounds the task ids one subscriptions/listen may ask notifications for: every task
// change is matched against the list, and each id is looked up when the listen starts.
const maxListenTaskIDs = 256

// visibleTaskIDs returns the ids of ids whose task r's caller may see (its own, of this era): a listen
// for another owner's task is answered as for an unknown one — acknowledged without it, and nothing about
// it is sent. The owner of a task never changes, so checking once is enough. More than maxListenTaskIDs
// ids is -32602.
func (s *Server) visibleTaskIDs(ctx context.Context, r *Request, ids []string) ([]string, error) {
	if len(ids) > maxListenTaskIDs {
		return nil, invalidParams(fmt.Sprintf("subscriptions/listen: %d taskIds, more than this server follows for one listen (%d)", len(ids), maxListenTaskIDs))
	}
	if len(ids) == 0 {
		return ids, nil
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, err := s.findTask(ctx, r, id); err == nil {
			out = append(out, id)
		}
	}
	return out, nil
}
