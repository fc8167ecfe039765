package server

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/store"
)

// taskRuntime runs the tasks of one Server: the store they live in and the runs of this node. A run exists
// only while its handler runs; everything else about a task is in the store, which forgets it at its TTL.
type taskRuntime struct {
	s    *Server
	opts TaskOptions

	mu     sync.Mutex
	runs   map[string]*taskRun
	closed bool
	wg     sync.WaitGroup // handler and supervisor goroutines
}

func newTaskRuntime(s *Server, o TaskOptions) *taskRuntime {
	return &taskRuntime{s: s, opts: o.withDefaults(), runs: map[string]*taskRun{}}
}

// taskRun is a task running on this node.
type taskRun struct {
	rt     *taskRuntime
	id     string
	legacy bool
	sess   *session // legacy: the session that created the task (status notifications)
	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{} // 1-buffered: re-read the record now (an answer or a cancellation arrived)
	done   chan struct{} // closed when the run ended

	mu        sync.Mutex
	seq       int                            // questions asked so far (keys unique over the task's life)
	waiters   map[string]chan jsontext.Value // open question keys → where their answer goes
	lastMsg   string                         // last status message written (progress dedup)
	peers     []peerOf                       // legacy: tasks/result streams waiting on this task
	peerReady chan struct{}                  // legacy: closed when a peer arrives
}

func (run *taskRun) poke() {
	select {
	case run.wake <- struct{}{}:
	default:
	}
}

// errTaskLimit is the error of a call past TaskOptions.MaxPerOwner.
func (rt *taskRuntime) errTaskLimit() *jsonrpc.Error {
	return &jsonrpc.Error{Code: mcp.CodeInternalError, Message: fmt.Sprintf(
		"too many tasks: this client already holds %d live tasks, the server's limit (TaskOptions.MaxPerOwner); "+
			"finished tasks count until they expire", rt.opts.MaxPerOwner)}
}

// create stores a new working task for r and registers its run. The run's context is detached from the
// request: only tasks/cancel (from any node), the task's expiry and Server.Close end it.
func (rt *taskRuntime) create(ctx context.Context, r *Request, tool string, ttl time.Duration, base context.Context) (*store.TaskRecord, *taskRun, error) {
	now := time.Now().UTC()
	rec := &store.TaskRecord{
		ID:           newTaskID(),
		Owner:        rt.s.taskOwner(ctx, r),
		Method:       r.Method,
		Name:         tool,
		Era:          r.ProtocolVersion,
		Status:       store.TaskWorking,
		CreatedAt:    now,
		UpdatedAt:    now,
		TTL:          ttl,
		PollInterval: rt.opts.PollInterval,
		Node:         rt.opts.Node,
		LeaseUntil:   now.Add(rt.opts.LeaseTTL),
	}
	max := rt.opts.MaxPerOwner
	if max < 0 {
		max = 0
	}
	rt.mu.Lock()
	closed := rt.closed
	rt.mu.Unlock()
	if closed {
		return nil, nil, &jsonrpc.Error{Code: mcp.CodeInternalError, Message: "the server is shutting down and starts no task"}
	}
	if err := rt.opts.Store.CreateTask(ctx, rec, max); err != nil {
		if errors.Is(err, store.ErrLimit) {
			return nil, nil, rt.errTaskLimit()
		}
		rt.s.log.Error("mcp: storing a new task", "err", err)
		return nil, nil, &jsonrpc.Error{Code: mcp.CodeInternalError, Message: "internal error: the task could not be stored"}
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(base))
	run := &taskRun{
		rt: rt, id: rec.ID, legacy: r.Era != mcp.EraModern, sess: r.sess, ctx: runCtx, cancel: cancel,
		wake: make(chan struct{}, 1), done: make(chan struct{}), peerReady: make(chan struct{}),
	}
	// Subscribe before the task handle is answered: a cancellation or an answer published once the client
	// has the handle then reaches this node.
	var sub store.Subscription
	if b := rt.s.opts.Bus; b != nil {
		var err error
		if sub, err = b.Subscribe(runCtx, taskTopic(run.id)); err != nil {
			rt.s.log.Warn("mcp: subscribing to a task's topic; polling the store only", "task", run.id, "err", err)
			sub = nil
		}
	}
	rt.mu.Lock()
	rt.runs[rec.ID] = run
	rt.wg.Add(1)
	rt.mu.Unlock()
	go func() {
		defer rt.wg.Done()
		run.supervise(sub)
	}()
	return rec, run, nil
}

// local returns this node's run of a task, or nil.
func (rt *taskRuntime) local(id string) *taskRun {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.runs[id]
}

// execute runs fn (the tool's handler and the encoding of its result) as the task's work, in a goroutine,
// and records how it ended.
func (run *taskRun) execute(fn func(ctx context.Context) (jsontext.Value, error)) {
	run.rt.mu.Lock()
	run.rt.wg.Add(1)
	run.rt.mu.Unlock()
	go func() {
		defer run.rt.wg.Done()
		res, err := run.guard(fn)
		run.finish(res, err)
	}()
}

// guard calls fn, turning a panic into an internal error (logged with its stack).
func (run *taskRun) guard(fn func(ctx context.Context) (jsontext.Value, error)) (res jsontext.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			run.rt.s.log.Error("mcp: a task's handler panicked", "task", run.id, "panic", p, "stack", string(debug.Stack()))
			res, err = nil, &jsonrpc.Error{Code: mcp.CodeInternalError, Message: fmt.Sprintf("internal error: the tool's handler panicked: %v", p)}
		}
	}()
	return fn(run.ctx)
}

// finish records the task's end: completed with the result, failed with a protocol error, or cancelled
// when its context was cancelled (a cancelled task's status was already written by tasks/cancel; the first
// terminal status wins).
func (run *taskRun) finish(res jsontext.Value, err error) {
	rt := run.rt
	defer func() {
		rt.mu.Lock()
		delete(rt.runs, run.id)
		rt.mu.Unlock()
		run.cancel()
		close(run.done)
	}()
	now := time.Now().UTC()
	cancelled := run.ctx.Err() != nil
	fn := func(rec *store.TaskRecord) error {
		rec.UpdatedAt = now
		rec.InputRequests, rec.InputResponses = nil, nil
		rec.LeaseUntil = time.Time{}
		switch {
		case err == nil && !cancelled:
			rec.Status, rec.Result = store.TaskCompleted, res
		case cancelled && rec.CancelRequested:
			rec.Status = store.TaskCancelled
		case cancelled:
			rec.Status = store.TaskFailed
			rec.StatusMessage = "the server stopped the task (it is shutting down)"
			rec.Error = taskErrorJSON(&jsonrpc.Error{Code: mcp.CodeInternalError, Message: rec.StatusMessage})
		default:
			perr := asProtocolError(err)
			if perr == nil {
				perr = &jsonrpc.Error{Code: mcp.CodeInternalError, Message: "internal error: " + boundedTo(err.Error(), maxErrText)}
			}
			rec.Status, rec.Error = store.TaskFailed, taskErrorJSON(perr)
			rec.StatusMessage = boundedTo(perr.Message, maxErrText)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	rec, uerr := rt.opts.Store.UpdateTask(ctx, run.id, fn)
	switch {
	case uerr == nil:
		rt.s.taskChanged(rec, run.sess)
	case errors.Is(uerr, store.ErrTaskTerminal), errors.Is(uerr, store.ErrNotFound):
	default:
		rt.s.log.Error("mcp: recording a task's end", "task", run.id, "err", uerr)
	}
}

// storeTimeout bounds one store operation the runtime makes on its own (not for a request).
const storeTimeout = 10 * time.Second

func taskErrorJSON(e *jsonrpc.Error) []byte {
	b, _ := json.Marshal(e)
	return b
}

// supervise keeps the run in step with its record until it ends: it renews the lease, delivers answers to
// questions, and stops the handler when the task was cancelled (on any node) or expired. It wakes on the
// Bus topic "task:"+id, on a local poke, and every poll interval (the Bus is at most once).
func (run *taskRun) supervise(sub store.Subscription) {
	rt := run.rt
	every := min(rt.opts.PollInterval, rt.opts.LeaseTTL/3)
	t := time.NewTicker(every)
	defer t.Stop()
	var msgs <-chan []byte
	if sub != nil {
		defer sub.Close()
		msgs = sub.C()
	}
	for {
		select {
		case <-run.done:
			return
		case <-run.ctx.Done():
			return
		case <-t.C:
		case <-run.wake:
		case _, ok := <-msgs:
			if !ok {
				msgs = nil
				continue
			}
		}
		run.sync()
	}
}

// sync reads the record and acts on it.
func (run *taskRun) sync() {
	rt := run.rt
	ctx, cancel := context.WithTimeout(run.ctx, storeTimeout)
	defer cancel()
	rec, err := rt.opts.Store.GetTask(ctx, run.id)
	if errors.Is(err, store.ErrNotFound) {
		run.cancel() // expired or deleted: nobody can read the outcome any more
		return
	}
	if err != nil {
		rt.s.log.Warn("mcp: reading a running task", "task", run.id, "err", err)
		return
	}
	if store.TaskTerminal(rec.Status) || rec.CancelRequested {
		run.cancel()
		return
	}
	var answers map[string]jsontext.Value
	if len(rec.InputResponses) > 0 {
		_ = json.Unmarshal(rec.InputResponses, &answers)
	}
	run.mu.Lock()
	for k, v := range answers {
		if ch, ok := run.waiters[k]; ok {
			ch <- v
			delete(run.waiters, k)
		}
	}
	run.mu.Unlock()
	now := time.Now()
	if len(answers) == 0 && rec.LeaseUntil.Sub(now) > rt.opts.LeaseTTL*2/3 {
		return
	}
	_, err = rt.opts.Store.UpdateTask(ctx, run.id, func(r *store.TaskRecord) error {
		if len(answers) > 0 {
			var left map[string]jsontext.Value
			_ = json.Unmarshal(r.InputResponses, &left)
			for k := range answers {
				delete(left, k)
			}
			r.InputResponses = encodeObject(left)
		}
		r.LeaseUntil = now.Add(rt.opts.LeaseTTL)
		r.Node = rt.opts.Node
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrTaskTerminal) {
		rt.s.log.Warn("mcp: renewing a task's lease", "task", run.id, "err", err)
	}
}

// encodeObject encodes a map as a JSON object, nil when it is empty.
func encodeObject[V any](m map[string]V) []byte {
	if len(m) == 0 {
		return nil
	}
	b, _ := json.Marshal(m, json.Deterministic(true))
	return b
}

// taskTopic is the Bus topic of a task: {"kind":"cancel"} and {"kind":"input"} reach its running node.
func taskTopic(id string) string { return "task:" + id }

// signal tells the node running a task to re-read it: directly when it runs here, on the Bus otherwise.
func (rt *taskRuntime) signal(ctx context.Context, id, kind string) {
	if run := rt.local(id); run != nil {
		if kind == "cancel" {
			run.cancel()
		}
		run.poke()
		return
	}
	if b := rt.s.opts.Bus; b != nil {
		if err := b.Publish(ctx, taskTopic(id), []byte(`{"kind":"`+kind+`"}`)); err != nil {
			rt.s.log.Warn("mcp: publishing to a task's node; it will see the change when it next polls", "task", id, "err", err)
		}
	}
}

// close cancels the runs of this node and waits for their goroutines: their tasks end failed ("the
// server stopped the task").
func (rt *taskRuntime) close() {
	rt.mu.Lock()
	rt.closed = true
	for _, run := range rt.runs {
		run.cancel()
	}
	rt.mu.Unlock()
	rt.wg.Wait()
}

// checkLease reports a non-terminal task whose node stopped renewing its lease as failed, writing that to
// the store (so every node answers the same from then on). It returns the record to answer with.
func (rt *taskRuntime) checkLease(ctx context.Context, rec *store.TaskRecord) *store.TaskRecord {
	if store.TaskTerminal(rec.Status) || rec.LeaseUntil.IsZero() || time.Now().Before(rec.LeaseUntil) {
		return rec
	}
	if rt.local(rec.ID) != nil {
		return rec // running here: the supervisor is only late
	}
	now := time.Now().UTC()
	out, err := rt.opts.Store.UpdateTask(ctx, rec.ID, func(r *store.TaskRecord) error {
		if store.TaskTerminal(r.Status) || r.LeaseUntil.IsZero() || now.Before(r.LeaseUntil) {
			return errLeaseRenewed
		}
		msg := fmt.Sprintf("the node running this task stopped (node %q did not renew its lease, which lapsed at %s)",
			r.Node, r.LeaseUntil.UTC().Format(time.RFC3339))
		r.Status, r.StatusMessage = store.TaskFailed, msg
		r.Error = taskErrorJSON(&jsonrpc.Error{Code: mcp.CodeInternalError, Message: msg})
		r.InputRequests, r.InputResponses, r.LeaseUntil, r.UpdatedAt = nil, nil, time.Time{}, now
		return nil
	})
	if err != nil {
		if cur, gerr := rt.opts.Store.GetTask(ctx, rec.ID); gerr == nil {
			return cur
		}
		return rec
	}
	rt.s.taskChanged(out, nil)
	return out
}

var errLeaseRenewed = errors.New("lease renewed")
