package client

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// Default bounds of the waits between task polls (Options.TaskPollMin, TaskPollMax).
const (
	defaultTaskPollMin = 100 * time.Millisecond
	defaultTaskPollMax = 5 * time.Second
)

// taskRegistry knows the handles waiting on each task id, so that a status notification wakes them.
type taskRegistry struct {
	mu      sync.Mutex
	waiting map[string]map[*TaskHandle]int // task id → handles in Wait (→ how many Waits each)
}

// initTasks sets the session's task defaults from its options.
func (s *Session) initTasks() {
	_, declared := s.opts.Capabilities.Extensions[mcp.ExtensionTasks]
	s.tasksOn = s.opts.Tasks || declared
	if s.opts.TaskPollMin <= 0 {
		s.opts.TaskPollMin = defaultTaskPollMin
	}
	if s.opts.TaskPollMax <= 0 {
		s.opts.TaskPollMax = defaultTaskPollMax
	}
	if s.opts.TaskPollMax < s.opts.TaskPollMin {
		s.opts.TaskPollMax = s.opts.TaskPollMin
	}
	s.sleep = func(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
		return sleepOrWake(ctx, d, wake, s.conn.Done())
	}
}

// errSessionClosed ends a Wait whose session closed.
var errSessionClosed = errors.New("client: the session closed while waiting for the task")

// sleepOrWake waits d, or until wake is closed, or until ctx ends (its error) or the session closes.
func sleepOrWake(ctx context.Context, d time.Duration, wake, closed <-chan struct{}) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-wake:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-closed:
		return errSessionClosed
	}
}

// watch registers h as waiting for news of its task until the returned func is called.
func (r *taskRegistry) watch(h *TaskHandle) func() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.waiting == nil {
		r.waiting = map[string]map[*TaskHandle]int{}
	}
	hs := r.waiting[h.id]
	if hs == nil {
		hs = map[*TaskHandle]int{}
		r.waiting[h.id] = hs
	}
	hs[h]++
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if hs[h]--; hs[h] == 0 {
			delete(hs, h)
		}
		if len(hs) == 0 {
			delete(r.waiting, h.id)
		}
	}
}

// taskNews takes a status notification (on the read loop: it must not block): the handles waiting on
// the task record it and wake, and Options.OnTaskStatus is queued.
func (s *Session) taskNews(method string, d *mcp.DetailedTask) {
	s.tasks.mu.Lock()
	hs := slices.Collect(maps.Keys(s.tasks.waiting[d.TaskID]))
	s.tasks.mu.Unlock()
	for _, h := range hs {
		if h.observe(d) {
			h.wake()
		}
	}
	if fn := s.opts.OnTaskStatus; fn != nil {
		s.later(method, func(ctx context.Context) { fn(ctx, d) })
	}
}

// wake tells the handle's Waits that the state changed.
func (h *TaskHandle) wake() {
	h.mu.Lock()
	close(h.news)
	h.news = make(chan struct{})
	h.mu.Unlock()
}

func (h *TaskHandle) newsChan() chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.news
}

// Wait follows the task until it ends (completed, failed or cancelled) or ctx ends, and returns its final
// state. It polls with tasks/get at the server's suggested interval (or with backoff, see
// Options.TaskPollMin) and wakes early on a status notification. When the task needs input it answers
// with the session's handlers (Options.OnElicit, OnSample, Roots): at 2026-07-28 it answers each new
// inputRequests key once (keys seen in earlier polls are not asked again) with tasks/update; at
// 2025-11-25 it calls tasks/result, on whose stream the server sends its requests, which the handlers
// answer. Ending ctx stops waiting; it does not cancel the task (Cancel does).
func (h *TaskHandle) Wait(ctx context.Context) (*mcp.DetailedTask, error) {
	if h.id == "" {
		return h.snapshot(), nil
	}
	defer h.s.tasks.watch(h)()
	defer h.listen(ctx)()
	o := &h.s.opts
	backoff := o.TaskPollMin
	poll := h.Status() == "" // a resumed handle asks first
	resultAsked := false
	var last taskMark
	for {
		if poll {
			if _, err := h.Get(ctx); err != nil {
				return nil, err
			}
		}
		poll = true
		d := h.snapshot()
		if d.Status.Terminal() {
			return d, nil
		}
		if m := markOf(&d.Task); m != last {
			backoff = o.TaskPollMin // news: poll promptly again
			last = m
		}
		if d.Status == mcp.TaskInputRequired {
			if h.s.era == mcp.EraModern {
				if err := h.answerInput(ctx, d.InputRequests); err != nil {
					return nil, err
				}
			} else if !resultAsked {
				// 2025-11-25: tasks/result blocks until the task ends; the server sends its questions
				// meanwhile (related-task _meta) and the session's handlers answer them.
				resultAsked = true
				if _, err := h.fetchLegacyResult(ctx); err != nil && !isRPCError(err) {
					return nil, err
				}
				continue
			}
		}
		wait := backoff
		if iv := time.Duration(d.PollIntervalMs) * time.Millisecond; iv > 0 {
			wait = max(iv, o.TaskPollMin)
		} else {
			backoff = min(backoff*2, o.TaskPollMax)
		}
		news := h.newsChan()
		if err := h.s.sleep(ctx, wait, news); err != nil {
			return nil, err
		}
		select {
		case <-news:
			poll = false // a notification brought the state; look at it before asking again
		default:
		}
	}
}

// listen opens a subscriptions/listen naming the handle's task for the time of a Wait
// (Options.TaskNotifications, 2026-07-28). The returned func ends it and waits for it to return.
func (h *TaskHandle) listen(ctx context.Context) func() {
	if h.s.era != mcp.EraModern || !h.s.opts.TaskNotifications {
		return func() {}
	}
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := h.s.Listen(lctx, mcp.SubscriptionFilter{TaskIDs: []string{h.id}}, nil)
		if err != nil && lctx.Err() == nil {
			h.s.log.Debug("mcp: listening for a task's notifications failed; polling only", "task", h.id, "err", err)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// taskMark is what tells one state of a task from the next.
type taskMark struct {
	status  mcp.TaskStatus
	message string
	updated string
}

func markOf(t *mcp.Task) taskMark {
	return taskMark{t.Status, t.StatusMessage, t.LastUpdatedAt}
}

func isRPCError(err error) bool {
	var e *jsonrpc.Error
	return errors.As(err, &e)
}

// answerInput answers the input requests of a 2026-07-28 task that have not been answered yet, with the
// session's handlers, in one tasks/update. A key is answered once: the server repeats outstanding
// requests in every poll until it has processed the answer. A handle answers at most
// Options.MaxInputRounds rounds (a server that never stops asking is cut off).
func (h *TaskHandle) answerInput(ctx context.Context, reqs mcp.InputRequests) error {
	h.inputMu.Lock()
	defer h.inputMu.Unlock()
	keys := slices.DeleteFunc(slices.Sorted(maps.Keys(reqs)), func(k string) bool { return h.answered[k] })
	if len(keys) == 0 {
		return nil
	}
	if max := h.s.maxInputRounds(); h.rounds >= max {
		return fmt.Errorf("client: task %s still needs input after %d rounds (Options.MaxInputRounds)", h.id, max)
	}
	responses := mcp.InputResponses{}
	for _, key := range keys {
		req := reqs[key]
		ans, err := h.s.answer(ctx, req.Method, req.Params)
		if err != nil {
			return fmt.Errorf("client: task %s: input request %q (%s): %w", h.id, key, req.Method, err)
		}
		responses[key] = ans
	}
	h.rounds++
	p := &mcp.UpdateTaskParams{TaskID: h.id, InputResponses: responses}
	if _, err := h.s.callRawAs(ctx, mcp.MethodTasksUpdate, p, true); err != nil {
		return fmt.Errorf("client: tasks/update %s: %w", h.id, err)
	}
	if h.answered == nil {
		h.answered = map[string]bool{}
	}
	for key := range responses {
		h.answered[key] = true
	}
	return nil
}

// finish follows a task a plain CallTool was answered with to its result; when ctx ends first it asks
// the server to cancel the task (tasks/cancel, bounded by 5s) and returns ctx's error.
func (h *TaskHandle) finish(ctx context.Context) (jsontext.Value, error) {
	raw, err := h.resultRaw(ctx)
	if err != nil && ctx.Err() != nil && h.id != "" {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if cerr := h.Cancel(cctx); cerr != nil {
			h.s.log.Debug("mcp: cancelling an abandoned task failed", "task", h.id, "err", cerr)
		}
		return nil, ctx.Err()
	}
	return raw, err
}
