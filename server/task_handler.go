package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/store"
)

// TaskID returns the id of the task the handler runs as, and whether it runs as one (false when the call
// runs inline).
func TaskID(ctx context.Context) (string, bool) {
	r := RequestFrom(ctx)
	if r == nil || r.task == nil {
		return "", false
	}
	return r.task.id, true
}

// SetTaskStatus sets the statusMessage of the task the handler runs as (what tasks/get and status
// notifications show). It does nothing when the handler runs inline. A message equal to the last one is
// not written again.
func SetTaskStatus(ctx context.Context, message string) error {
	r := RequestFrom(ctx)
	if r == nil || r.task == nil {
		return nil
	}
	return r.task.setStatusMessage(ctx, boundedTo(message, maxErrText))
}

func (run *taskRun) setStatusMessage(ctx context.Context, msg string) error {
	run.mu.Lock()
	same := run.lastMsg == msg
	run.lastMsg = msg
	run.mu.Unlock()
	if same {
		return nil
	}
	rec, err := run.rt.opts.Store.UpdateTask(ctx, run.id, func(r *store.TaskRecord) error {
		if store.TaskTerminal(r.Status) {
			return store.ErrTaskTerminal
		}
		r.StatusMessage, r.UpdatedAt = msg, time.Now().UTC()
		return nil
	})
	if errors.Is(err, store.ErrTaskTerminal) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mcp: setting the task's status message: %w", err)
	}
	run.rt.s.taskChanged(rec, run.sess)
	return nil
}

// taskPeer is the stream of a handler running as a task. Progress messages become the task's status
// message. 2026-07-28: nothing else is sent (the extension has no notifications on tasks). 2025-11-25:
// notifications go to the session's stream with the related-task _meta.
type taskPeer struct {
	run *taskRun
	r   *Request
}

// Notify implements transport.Peer.
func (p *taskPeer) Notify(ctx context.Context, method string, params any) error {
	if method == mcp.MethodNotificationProgress {
		if pp, ok := params.(*mcp.ProgressParams); ok && pp.Message != "" {
			if err := p.run.setStatusMessage(ctx, boundedTo(pp.Message, maxErrText)); err != nil {
				return err
			}
		}
	}
	if !p.run.legacy || p.run.sess == nil {
		return nil
	}
	raw, err := withRelatedTask(params, p.run.id)
	if err != nil {
		return err
	}
	return p.run.sess.out.Notify(ctx, method, raw)
}

// Call implements transport.Peer: a server-to-client request of a legacy task goes on a tasks/result
// stream (see askLegacyTask); Ask never calls it.
func (p *taskPeer) Call(ctx context.Context, method string, params any) (jsontext.Value, error) {
	return nil, errors.New("mcp: a task asks the client through Ask")
}

// withRelatedTask returns params with _meta["io.modelcontextprotocol/related-task"] = {"taskId": id}.
func withRelatedTask(params any, id string) (jsontext.Value, error) {
	var raw jsontext.Value
	switch v := params.(type) {
	case nil:
		raw = jsontext.Value(`{}`)
	case jsontext.Value:
		raw = v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		raw = b
	}
	obj := map[string]jsontext.Value{}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	meta := map[string]jsontext.Value{}
	if m, ok := obj["_meta"]; ok {
		_ = json.Unmarshal(m, &meta)
	}
	rel, _ := json.Marshal(mcp.RelatedTaskMetadata{TaskID: id})
	meta[mcp.MetaRelatedTask] = rel
	obj["_meta"], _ = json.Marshal(meta, json.Deterministic(true))
	return json.Marshal(obj, json.Deterministic(true))
}

// ask puts questions to the client of a task: as inputRequests (2026-07-28) or as server-to-client
// requests on a tasks/result stream (2025-11-25). The task is input_required meanwhile.
func (run *taskRun) ask(ctx context.Context, inputs []Input, params []jsontext.Value) ([]jsontext.Value, error) {
	if run.legacy {
		return run.askLegacy(ctx, inputs, params)
	}
	run.mu.Lock()
	keys := make([]string, len(inputs))
	chans := make([]chan jsontext.Value, len(inputs))
	reqs := make(mcp.InputRequests, len(inputs))
	if run.waiters == nil {
		run.waiters = map[string]chan jsontext.Value{}
	}
	for i, in := range inputs {
		// Keys are unique over the task's life: the task's own counter, whatever key the handler chose.
		run.seq++
		key := autoKey(in.Method, run.seq-1)
		if in.Key != "" {
			key = in.Key + "-" + strconv.Itoa(run.seq)
		}
		keys[i] = key
		chans[i] = make(chan jsontext.Value, 1)
		run.waiters[key] = chans[i]
		reqs[key] = mcp.InputRequest{Method: in.Method, Params: params[i]}
	}
	run.mu.Unlock()
	forget := func() {
		run.mu.Lock()
		for _, k := range keys {
			delete(run.waiters, k)
		}
		run.mu.Unlock()
	}
	rec, err := run.rt.opts.Store.UpdateTask(ctx, run.id, func(r *store.TaskRecord) error {
		if store.TaskTerminal(r.Status) {
			return store.ErrTaskTerminal
		}
		open := map[string]mcp.InputRequest{}
		if len(r.InputRequests) > 0 {
			_ = json.Unmarshal(r.InputRequests, &open)
		}
		for k, v := range reqs {
			open[k] = v
		}
		r.InputRequests = encodeObject(open)
		r.Status, r.UpdatedAt = store.TaskInputRequired, time.Now().UTC()
		return nil
	})
	if err != nil {
		forget()
		if errors.Is(err, store.ErrTaskTerminal) {
			return nil, context.Canceled
		}
		return nil, fmt.Errorf("mcp: recording the task's questions: %w", err)
	}
	run.rt.s.taskChanged(rec, run.sess)
	out := make([]jsontext.Value, len(inputs))
	for i, ch := range chans {
		select {
		case v := <-ch:
			if err := checkAnswer(inputs[i].Method, v); err != nil {
				forget()
				return nil, fmt.Errorf("mcp: the answer to %q is not a valid %s result: %w", keys[i], inputs[i].Method, err)
			}
			out[i] = v
		case <-ctx.Done():
			forget()
			return nil, ctx.Err()
		}
	}
	return out, nil
}

// askLegacy sends the questions of a 2025-11-25 task as server-to-client requests carrying the
// related-task _meta, on the stream of a tasks/result request waiting for the task (the client is told
// to call tasks/result when it sees input_required).
func (run *taskRun) askLegacy(ctx context.Context, inputs []Input, params []jsontext.Value) ([]jsontext.Value, error) {
	if t := run.rt.s.opts.ClientRequestTimeout; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	if err := run.setLegacyStatus(ctx, store.TaskInputRequired, "waiting for the client to answer (call tasks/result to receive the requests)"); err != nil {
		return nil, err
	}
	out := make([]jsontext.Value, len(inputs))
	errs := make([]error, len(inputs))
	for {
		peer, err := run.waitPeer(ctx)
		if err != nil {
			return nil, fmt.Errorf("mcp: no tasks/result request came to take the task's questions: %w", err)
		}
		var wg sync.WaitGroup
		for i := range inputs {
			if out[i] != nil {
				continue
			}
			wg.Go(func() {
				raw, err := withRelatedTask(params[i], run.id)
				if err != nil {
					errs[i] = fmt.Errorf("mcp: %s: %w", inputs[i].Method, err)
					return
				}
				out[i], errs[i] = askPeer(ctx, run.rt.s, peer, inputs[i].Method, raw)
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			if ctx.Err() == nil && anyClientError(errs) == nil {
				// The stream went away (the client dropped tasks/result): wait for the next one.
				run.dropPeer(peer)
				continue
			}
			return nil, err
		}
		break
	}
	if err := run.setLegacyStatus(ctx, store.TaskWorking, ""); err != nil {
		return nil, err
	}
	return out, nil
}

func anyClientError(errs []error) error {
	for _, e := range errs {
		if e != nil && isClientError(e) {
			return e
		}
	}
	return nil
}

func (run *taskRun) setLegacyStatus(ctx context.Context, status, msg string) error {
	rec, err := run.rt.opts.Store.UpdateTask(ctx, run.id, func(r *store.TaskRecord) error {
		if store.TaskTerminal(r.Status) {
			return store.ErrTaskTerminal
		}
		r.Status, r.StatusMessage, r.UpdatedAt = status, msg, time.Now().UTC()
		return nil
	})
	if errors.Is(err, store.ErrTaskTerminal) {
		return context.Canceled
	}
	if err != nil {
		return err
	}
	run.rt.s.taskChanged(rec, run.sess)
	return nil
}

// waitPeer returns the stream of a tasks/result request waiting on the task, waiting for one.
func (run *taskRun) waitPeer(ctx context.Context) (peerOf, error) {
	for {
		run.mu.Lock()
		if n := len(run.peers); n > 0 {
			p := run.peers[n-1]
			run.mu.Unlock()
			return p, nil
		}
		ready := run.peerReady
		run.mu.Unlock()
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// peerOf is what server-to-client requests go on (askPeer): a request's own stream, or the tasks/result
// stream a legacy task's questions go on.
type peerOf = interface {
	Call(ctx context.Context, method string, params any) (jsontext.Value, error)
}

// addPeer registers a tasks/result stream; the returned func removes it.
func (run *taskRun) addPeer(p peerOf) func() {
	run.mu.Lock()
	run.peers = append(run.peers, p)
	close(run.peerReady)
	run.peerReady = make(chan struct{})
	run.mu.Unlock()
	return func() { run.dropPeer(p) }
}

func (run *taskRun) dropPeer(p peerOf) {
	run.mu.Lock()
	defer run.mu.Unlock()
	for i, q := range run.peers {
		if q == p {
			run.peers = append(run.peers[:i], run.peers[i+1:]...)
			return
		}
	}
}
