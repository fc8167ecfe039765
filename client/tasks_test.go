package client_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
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

// TestTaskModernPollsAtServerInterval: at 2026-07-28 CallToolAsTask declares the tasks extension on
// tools/call, takes the CreateTaskResult, and Wait polls tasks/get (declaring it too) at the server's
// pollIntervalMs (raised to TaskPollMin when smaller) until the result is inlined.
func TestTaskModernPollsAtServerInterval(t *testing.T) {
	for _, tc := range []struct {
		name     string
		interval string
		want     time.Duration
	}{
		{"server interval", `"pollIntervalMs":250`, 250 * time.Millisecond},
		{"below the minimum", `"pollIntervalMs":1`, 100 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sess, srv := connectFake(t, mcp.Version20260728, fakeHandlers{
				mcp.MethodToolsCall: script(modernTask("task", "working", tc.interval)),
				mcp.MethodTasksGet: script(modernTask("complete", "working", tc.interval), modernTask("complete", "working", tc.interval),
					modernTask("complete", "completed", tc.interval+`,"result":`+okResult)),
			}, nil)
			var sl sleeps
			sl.install(sess)
			ctx := testContext(t)
			h := mustCallAsTask(t, ctx, sess, "slow", map[string]int{"n": 1}, nil)
			if h.ID() != "t1" || h.Status() != mcp.TaskWorking {
				t.Fatalf("handle %q %q", h.ID(), h.Status())
			}
			res, err := h.Result(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if textOf(t, res) != "done" || h.Status() != mcp.TaskCompleted {
				t.Fatalf("result %q, status %s", textOf(t, res), h.Status())
			}
			if got := sl.got(); !slices.Equal(got, []time.Duration{tc.want, tc.want, tc.want}) {
				t.Errorf("waits %v, want 3 × %v", got, tc.want)
			}
			gets := srv.got(mcp.MethodTasksGet)
			if len(gets) != 3 {
				t.Fatalf("%d polls, want 3", len(gets))
			}
			if !declaresTasks(t, srv.got(mcp.MethodToolsCall)[0]) || !declaresTasks(t, gets[0]) {
				t.Error("tools/call or tasks/get did not declare the tasks extension")
			}
			if tid, _ := jsonrpc.Member(gets[0], "taskId"); string(tid) != `"t1"` {
				t.Errorf("tasks/get taskId %s", tid)
			}
		})
	}
}

// TestTaskPollBackoff: without a suggested interval Wait starts at TaskPollMin and doubles after each
// poll that shows nothing new, up to TaskPollMax; news (a new status message) resets it.
func TestTaskPollBackoff(t *testing.T) {
	same := modernTask("complete", "working", "")
	news := modernTask("complete", "working", `"statusMessage":"half way"`)
	sess, srv := connectFake(t, mcp.Version20260728, fakeHandlers{
		mcp.MethodToolsCall: script(modernTask("task", "working", "")),
		mcp.MethodTasksGet:  script(same, same, same, news, news, modernTask("complete", "completed", `"result":`+okResult)),
	}, &client.Options{TaskPollMin: 100 * time.Millisecond, TaskPollMax: 400 * time.Millisecond})
	var sl sleeps
	sl.install(sess)
	ctx := testContext(t)
	h := mustCallAsTask(t, ctx, sess, "slow", nil, nil)
	if _, err := h.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	ms := time.Millisecond
	want := []time.Duration{100 * ms, 200 * ms, 400 * ms, 400 * ms, 100 * ms, 200 * ms}
	if got := sl.got(); !slices.Equal(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	if n := len(srv.got(mcp.MethodTasksGet)); n != 6 {
		t.Errorf("%d polls, want 6", n)
	}
}

// TestTaskModernInputRequired: a task that needs input lists inputRequests in every poll until it has
// processed the answer; Wait answers each key once through the session's handlers (OnElicit, OnSample)
// with tasks/update, and keys seen in earlier polls are not asked again.
func TestTaskModernInputRequired(t *testing.T) {
	elicit := `"a":{"method":"elicitation/create","params":{"mode":"form","message":"n?","requestedSchema":{"type":"object","properties":{"n":{"type":"integer"}}}}}`
	sample := `"b":{"method":"sampling/createMessage","params":{"messages":[{"role":"user","content":{"type":"text","text":"hi"}}],"maxTokens":5}}`
	var elicited, sampled atomic.Int32
	sess, srv := connectFake(t, mcp.Version20260728, fakeHandlers{
		mcp.MethodToolsCall: script(modernTask("task", "working", `"pollIntervalMs":200`)),
		mcp.MethodTasksGet: script(
			modernTask("complete", "input_required", `"inputRequests":{`+elicit+`}`),
			modernTask("complete", "input_required", `"inputRequests":{`+elicit+`}`),            // not yet processed
			modernTask("complete", "input_required", `"inputRequests":{`+elicit+`,`+sample+`}`), // a new one
			modernTask("complete", "completed", `"result":`+okResult)),
		mcp.MethodTasksUpdate: script(`{"resultType":"complete"}`),
	}, &client.Options{
		OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			elicited.Add(1)
			return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: jsontext.Value(`{"n":7}`)}, nil
		},
		OnSample: func(ctx context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
			sampled.Add(1)
			return &mcp.CreateMessageResult{Role: "assistant", Content: mcp.SamplingBlock(mcp.TextContent("hello")), Model: "m"}, nil
		},
	})
	var sl sleeps
	sl.install(sess)
	ctx := testContext(t)
	h := mustCallAsTask(t, ctx, sess, "ask", nil, nil)
	res, err := h.Result(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if textOf(t, res) != "done" {
		t.Fatal(textOf(t, res))
	}
	if elicited.Load() != 1 || sampled.Load() != 1 {
		t.Errorf("elicited %d, sampled %d times; want once each", elicited.Load(), sampled.Load())
	}
	updates := srv.got(mcp.MethodTasksUpdate)
	if len(updates) != 2 {
		t.Fatalf("%d tasks/update, want 2", len(updates))
	}
	for i, key := range []string{"a", "b"} {
		var p mcp.UpdateTaskParams
		if err := json.Unmarshal(updates[i], &p); err != nil {
			t.Fatal(err)
		}
		if p.TaskID != "t1" || len(p.InputResponses) != 1 || p.InputResponses[key] == nil {
			t.Errorf("update %d: %s", i, updates[i])
		}
		if !declaresTasks(t, updates[i]) {
			t.Errorf("update %d does not declare the tasks extension", i)
		}
	}
	var ans mcp.ElicitResult
	var p mcp.UpdateTaskParams
	_ = json.Unmarshal(updates[0], &p)
	if err := json.Unmarshal(p.InputResponses["a"], &ans); err != nil || ans.Action != mcp.ElicitActionAccept {
		t.Errorf("answer %s", p.InputResponses["a"])
	}
}

// TestTaskModernFailed: a task that failed returns its JSON-RPC error from Result as a *jsonrpc.Error.
func TestTaskModernFailed(t *testing.T) {
	sess, _ := connectFake(t, mcp.Version20260728, fakeHandlers{
		mcp.MethodToolsCall: script(modernTask("task", "working", "")),
		mcp.MethodTasksGet: script(modernTask("complete", "failed",
			`"statusMessage":"rate limited","error":{"code":-32603,"message":"API rate limit exceeded"}`)),
	}, nil)
	var sl sleeps
	sl.install(sess)
	ctx := testContext(t)
	h := mustCallAsTask(t, ctx, sess, "slow", nil, nil)
	_, err := h.Result(ctx)
	var rpcErr *jsonrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != mcp.CodeInternalError || rpcErr.Message != "API rate limit exceeded" {
		t.Fatalf("err = %v, want the task's JSON-RPC error", err)
	}
	if h.Status() != mcp.TaskFailed {
		t.Errorf("status %s", h.Status())
	}
}

// TestTaskImmediateResult: a 2026-07-28 server may answer a tools/call that declared the extension with
// the result at once; the handle is then complete, without a task id.
func TestTaskImmediateResult(t *testing.T) {
	sess, srv := connectFake(t, mcp.Version20260728, fakeHandlers{
		mcp.MethodToolsCall: script(`{"resultType":"complete","content":[{"type":"text","text":"done"}]}`),
	}, nil)
	ctx := testContext(t)
	h := mustCallAsTask(t, ctx, sess, "fast", nil, nil)
	if h.ID() != "" || h.Status() != mcp.TaskCompleted {
		t.Fatalf("handle %q %s", h.ID(), h.Status())
	}
	res, err := h.Result(ctx)
	if err != nil || textOf(t, res) != "done" {
		t.Fatalf("%v %v", res, err)
	}
	if err := h.Cancel(ctx); err == nil {
		t.Error("Cancel of a call answered at once succeeded")
	}
	if n := len(srv.got(mcp.MethodTasksGet)); n != 0 {
		t.Errorf("%d polls of no task", n)
	}
}

// TestCallToolFollowsTask: with Options.Tasks a plain CallTool declares the extension and follows a task
// answer to its result, transparently.
func TestCallToolFollowsTask(t *testing.T) {
	sess, srv := connectFake(t, mcp.Version20260728, fakeHandlers{
		mcp.MethodToolsCall: script(modernTask("task", "working", "")),
		mcp.MethodTasksGet:  script(modernTask("complete", "working", ""), modernTask("complete", "completed", `"result":`+okResult)),
	}, &client.Options{Tasks: true})
	var sl sleeps
	sl.install(sess)
	res, err := sess.CallTool(testContext(t), "slow", nil)
	if err != nil || textOf(t, res) != "done" {
		t.Fatalf("%v %v", res, err)
	}
	if !declaresTasks(t, srv.got(mcp.MethodToolsCall)[0]) {
		t.Error("tools/call did not declare the tasks extension")
	}
	if n := len(srv.got(mcp.MethodTasksGet)); n != 2 {
		t.Errorf("%d polls, want 2", n)
	}
}

// TestCallToolCancelsAbandonedTask: when the ctx of a CallTool following a task ends, the client sends
// tasks/cancel for it and returns the ctx's error.
func TestCallToolCancelsAbandonedTask(t *testing.T) {
	sess, srv := connectFake(t, mcp.Version20260728, fakeHandlers{
		mcp.MethodToolsCall:   script(modernTask("task", "working", "")),
		mcp.MethodTasksGet:    script(modernTask("complete", "working", "")),
		mcp.MethodTasksCancel: script(`{"resultType":"complete"}`),
	}, &client.Options{Tasks: true})
	ctx, cancel := context.WithCancel(testContext(t))
	polls := 0
	client.SetTaskSleep(sess, func(sctx context.Context, d time.Duration, _ <-chan struct{}) error {
		if polls++; polls == 3 {
			cancel() // the caller gives up while the task works
		}
		return sctx.Err()
	})
	_, err := sess.CallTool(ctx, "slow", nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	cancels := srv.got(mcp.MethodTasksCancel)
	if len(cancels) != 1 {
		t.Fatalf("%d tasks/cancel, want 1", len(cancels))
	}
	if tid, _ := jsonrpc.Member(cancels[0], "taskId"); string(tid) != `"t1"` || !declaresTasks(t, cancels[0]) {
		t.Errorf("tasks/cancel params %s", cancels[0])
	}
}

// TestTaskUndeclaredIsInvalid: a server that answers a request that did not declare the extension with
// a task is wrong; the client says so instead of handing the caller an empty result.
func TestTaskUndeclaredIsInvalid(t *testing.T) {
	sess, _ := connectFake(t, mcp.Version20260728, fakeHandlers{
		mcp.MethodToolsCall: script(modernTask("task", "working", "")),
	}, nil)
	_, err := sess.CallTool(testContext(t), "slow", nil)
	if err == nil || !strings.Contains(err.Error(), "did not declare the io.modelcontextprotocol/tasks extension") {
		t.Fatalf("err = %v", err)
	}
}

// TestTaskResumeAndList: NewTaskHandle resumes a task by id (another process, a new connection): its
// status is unknown until Wait polls first. At 2026-07-28 ListTasks says the era has no tasks/list.
func TestTaskResumeAndList(t *testing.T) {
	sess, srv := connectFake(t, mcp.Version20260728, fakeHandlers{
		mcp.MethodTasksGet: script(modernTask("complete", "completed", `"result":`+okResult)),
	}, nil)
	ctx := testContext(t)
	h := client.NewTaskHandle(sess, "t1")
	if h.Status() != "" {
		t.Fatalf("status %q before any poll", h.Status())
	}
	res, err := h.Result(ctx)
	if err != nil || textOf(t, res) != "done" {
		t.Fatalf("%v %v", res, err)
	}
	if n := len(srv.got(mcp.MethodTasksGet)); n != 1 {
		t.Errorf("%d polls, want 1", n)
	}
	if _, err := sess.ListTasks(ctx, ""); !errors.Is(err, client.ErrNoTaskList) {
		t.Errorf("ListTasks: %v", err)
	}
}

// TestTaskModernNotificationWakesWait: a Listen naming the task receives notifications/tasks (declaring
// the extension on subscriptions/listen); the notification reaches OnTaskStatus and wakes Wait, which
// takes the inlined result without polling again.
func TestTaskModernNotificationWakesWait(t *testing.T) {
	listening := make(chan struct{})
	statuses := make(chan mcp.TaskStatus, 8)
	var srv *fakeServer
	sess, srv := connectFake(t, mcp.Version20260728, fakeHandlers{
		mcp.MethodToolsCall:           script(modernTask("task", "working", "")),
		mcp.MethodTasksGet:            script(modernTask("complete", "working", "")),
		mcp.MethodSubscriptionsListen: ackListen(t, &srv, listening, nil),
	}, &client.Options{OnTaskStatus: func(ctx context.Context, d *mcp.DetailedTask) { statuses <- d.Status }})
	ctx := testContext(t)
	lctx, stop := context.WithCancel(ctx)
	listenDone := make(chan error, 1)
	go func() { listenDone <- sess.Listen(lctx, mcp.SubscriptionFilter{TaskIDs: []string{"t1"}}, nil) }()
	<-listening
	h := mustCallAsTask(t, ctx, sess, "slow", nil, nil)
	notifyInSleep(t, sess, srv, nil, mcp.MethodNotificationTasks, modernTask("complete", "completed", `"result":`+okResult))
	wantResultWithoutPolls(t, ctx, h, srv)
	if s := <-statuses; s != mcp.TaskCompleted {
		t.Errorf("OnTaskStatus got %s", s)
	}
	stop()
	if err := <-listenDone; err != nil {
		t.Fatal(err)
	}
	lp := srv.got(mcp.MethodSubscriptionsListen)[0]
	if !declaresTasks(t, lp) || !strings.Contains(string(lp), `"taskIds":["t1"]`) {
		t.Errorf("subscriptions/listen params %s", lp)
	}
}

// TestTaskWaitEndsWithSession: a Wait sleeping out a long server interval returns when the session
// closes, instead of holding its caller until ctx ends.
func TestTaskWaitEndsWithSession(t *testing.T) {
	sess, _ := connectFake(t, mcp.Version20260728, fakeHandlers{
		mcp.MethodToolsCall: script(modernTask("task", "working", `"pollIntervalMs":3600000`)),
	}, nil)
	ctx := testContext(t)
	h := mustCallAsTask(t, ctx, sess, "slow", nil, nil)
	done := make(chan error, 1)
	go func() {
		_, err := h.Wait(ctx)
		done <- err
	}()
	sess.Close()
	if err := <-done; err == nil || ctx.Err() != nil {
		t.Fatalf("Wait returned %v (ctx: %v), want the session's end", err, ctx.Err())
	}
}

// TestTaskInputRoundsBounded: a task that never stops asking for input is cut off after MaxInputRounds
// tasks/update rounds, with a clear error, instead of asking the user forever.
func TestTaskInputRoundsBounded(t *testing.T) {
	n := 0
	var asked atomic.Int32
	sess, srv := connectFake(t, mcp.Version20260728, fakeHandlers{
		mcp.MethodToolsCall: script(modernTask("task", "working", "")),
		mcp.MethodTasksGet: func(context.Context, jsontext.Value) (any, error) {
			n++ // a new question in every poll
			return jsontext.Value(modernTask("complete", "input_required",
				`"inputRequests":{"q`+strconv.Itoa(n)+`":{"method":"elicitation/create","params":{"message":"again?","requestedSchema":{"type":"object","properties":{}}}}}`)), nil
		},
		mcp.MethodTasksUpdate: script(`{"resultType":"complete"}`),
	}, &client.Options{MaxInputRounds: 3, OnElicit: func(context.Context, *mcp.ElicitParams) (*mcp.ElicitResult, error) {
		asked.Add(1)
		return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: jsontext.Value(`{}`)}, nil
	}})
	var sl sleeps
	sl.install(sess)
	ctx := testContext(t)
	h := mustCallAsTask(t, ctx, sess, "ask", nil, nil)
	_, err := h.Wait(ctx)
	if err == nil || !strings.Contains(err.Error(), "after 3 rounds") {
		t.Fatalf("err = %v", err)
	}
	if len(srv.got(mcp.MethodTasksUpdate)) != 3 || asked.Load() != 3 {
		t.Errorf("%d tasks/update, %d questions to the user; want 3 each", len(srv.got(mcp.MethodTasksUpdate)), asked.Load())
	}
}

// TestTaskMalformedAnswers: a task answer without an id or status, a poll answering about another task,
// a task answer to a method that cannot become a task, and a task whose state cannot be read are errors
// that say so, not handles that poll nothing or wait forever.
func TestTaskMalformedAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, call, get, want string
	}{
		{"no task id", `{"resultType":"task","status":"working","createdAt":"x","lastUpdatedAt":"x","ttlMs":null}`, "", "without taskId or status"},
		{"no status", `{"resultType":"task","taskId":"t1","createdAt":"x","lastUpdatedAt":"x","ttlMs":null}`, "", "without taskId or status"},
		{"another task", modernTask("task", "working", ""), strings.Replace(modernTask("complete", "completed", ""), "t1", "t2", 1), `answered with task "t2"`},
		{"unreadable poll", modernTask("task", "working", ""), `{"resultType":"complete","taskId":"t1"}`, "no taskId or status"},
		{"task to tasks/get", modernTask("task", "working", ""), modernTask("task", "working", ""), "answered tasks/get with a task"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sess, _ := connectFake(t, mcp.Version20260728, fakeHandlers{
				mcp.MethodToolsCall: script(tc.call),
				mcp.MethodTasksGet:  script(tc.get),
			}, nil)
			var sl sleeps
			sl.install(sess)
			ctx := testContext(t)
			h, err := sess.CallToolAsTask(ctx, "slow", nil, nil)
			if err == nil {
				_, err = h.Wait(ctx)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestTaskWaitListens: with Options.TaskNotifications a 2026-07-28 Wait opens a subscriptions/listen naming
// its task (declaring the extension), wakes on the notification, takes the inlined result without polling,
// and ends the listen when it returns.
func TestTaskWaitListens(t *testing.T) {
	listening := make(chan struct{})
	ended := make(chan struct{})
	var srv *fakeServer
	sess, srv := connectFake(t, mcp.Version20260728, fakeHandlers{
		mcp.MethodToolsCall:           script(modernTask("task", "working", "")),
		mcp.MethodTasksGet:            script(modernTask("complete", "working", "")),
		mcp.MethodSubscriptionsListen: ackListen(t, &srv, listening, ended),
	}, &client.Options{TaskNotifications: true})
	ctx := testContext(t)
	h := mustCallAsTask(t, ctx, sess, "slow", nil, nil)
	notifyInSleep(t, sess, srv, listening, mcp.MethodNotificationTasks, modernTask("complete", "completed", `"result":`+okResult))
	wantResultWithoutPolls(t, ctx, h, srv)
	lp := srv.got(mcp.MethodSubscriptionsListen)
	if len(lp) != 1 || !declaresTasks(t, lp[0]) || !strings.Contains(string(lp[0]), `"taskIds":["t1"]`) {
		t.Fatalf("subscriptions/listen params %s", lp)
	}
	select {
	case <-ended:
	case <-ctx.Done():
		t.Fatal("the listen outlived Wait")
	}
}

// TestListenAcksMatched: concurrent Listens each get the acknowledgement of their own request, even when
// the server acknowledges the later one first (a Wait's task listen must not take the caller's).
func TestListenAcksMatched(t *testing.T) {
	tasksAcked := make(chan struct{})
	var srv *fakeServer
	sess, srv := connectFake(t, mcp.Version20260728, fakeHandlers{
		mcp.MethodSubscriptionsListen: func(ctx context.Context, params jsontext.Value) (any, error) {
			if strings.Contains(string(params), "taskIds") {
				srv.notify(t, mcp.MethodNotificationSubscriptionsAcknowledged, jsontext.Value(`{"notifications":{"taskIds":["t1"]}}`))
				close(tasksAcked)
			} else {
				<-tasksAcked
				srv.notify(t, mcp.MethodNotificationSubscriptionsAcknowledged, jsontext.Value(`{"notifications":{"toolsListChanged":true}}`))
			}
			<-ctx.Done()
			return nil, ctx.Err()
		},
	}, nil)
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	got := make(chan mcp.SubscriptionFilter, 2)
	done := make(chan error, 2)
	go func() {
		done <- sess.Listen(ctx, mcp.SubscriptionFilter{ToolsListChanged: true}, func(f mcp.SubscriptionFilter) { got <- f })
	}()
	for len(srv.got(mcp.MethodSubscriptionsListen)) == 0 { // the tools listen waits first
		if ctx.Err() != nil {
			t.Fatal("the tools listen was not sent")
		}
		time.Sleep(time.Millisecond)
	}
	go func() {
		done <- sess.Listen(ctx, mcp.SubscriptionFilter{TaskIDs: []string{"t1"}}, func(f mcp.SubscriptionFilter) {
			if len(f.TaskIDs) != 1 || f.ToolsListChanged {
				t.Errorf("the task listen got %+v", f)
			}
		})
	}()
	select {
	case f := <-got:
		if !f.ToolsListChanged || len(f.TaskIDs) != 0 {
			t.Errorf("the tools listen got %+v", f)
		}
	case <-ctx.Done():
		t.Fatal("no acknowledgement for the tools listen")
	}
	cancel()
	for range 2 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
