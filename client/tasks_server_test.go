package client_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/memory"
)

// taskServer is an mcpkit server with task tools: slow (optional; ends when release is closed), ask
// (required; elicits a number), confirm (optional; elicits a number, then becomes a task), block (optional; runs until cancelled) and fail (optional; fails with a
// JSON-RPC error).
func taskServer(release <-chan struct{}) *server.Server {
	s := server.New("tasks", "1", &server.Options{Tasks: server.TaskOptions{PollInterval: 20 * time.Millisecond}})
	server.TaskTool(s, "slow", "", mcp.TaskOptional, func(ctx context.Context, _ noArgs) (string, error) {
		_ = server.Progress(ctx, 1, 2, "waiting for release") // 2025-11-25: a notification; 2026-07-28: the status
		_ = server.SetTaskStatus(ctx, "waiting for release")
		select {
		case <-release:
			return "done", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	})
	server.TaskTool(s, "ask", "", mcp.TaskRequired, func(ctx context.Context, _ noArgs) (string, error) {
		e, err := server.Elicit[form](ctx, "n?")
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("got %d", e.Content.N), nil
	})
	server.TaskTool(s, "confirm", "", mcp.TaskOptional, func(ctx context.Context, _ noArgs) (string, error) {
		e, err := server.Elicit[form](ctx, "n?")
		if err != nil {
			return "", err
		}
		if err := server.StartTask(ctx); err != nil {
			return "", err
		}
		_, isTask := server.TaskID(ctx)
		return fmt.Sprintf("confirmed %d (task %v)", e.Content.N, isTask), nil
	})
	s.DeferTaskStart("confirm")
	server.TaskTool(s, "block", "", mcp.TaskOptional, func(ctx context.Context, _ noArgs) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	server.TaskTool(s, "fail", "", mcp.TaskOptional, func(ctx context.Context, _ noArgs) (string, error) {
		return "", &jsonrpc.Error{Code: mcp.CodeInvalidParams, Message: "n is out of range"}
	})
	return s
}

// TestTasksAgainstServer: mcpkit's client against mcpkit's server in both eras, in memory: a task started
// with CallToolAsTask and followed to its result; input asked by a running task (2026-07-28: inputRequests
// answered with tasks/update; 2025-11-25: a server-to-client request on tasks/result) through a plain
// CallTool with Options.Tasks; cancellation; a failed task's JSON-RPC error; status notifications
// (2025-11-25 unasked, 2026-07-28 on a Listen naming the task); tasks/list (2025-11-25) and resuming a
// task from another connection (2026-07-28).
func TestTasksAgainstServer(t *testing.T) {
	for _, v := range []string{mcp.Version20251125, mcp.Version20260728} {
		t.Run(v, func(t *testing.T) {
			release := make(chan struct{})
			s := taskServer(release)
			var elicited atomic.Int32
			notes := make(chan *mcp.DetailedTask, 64)
			sess := connect(t, s, &client.Options{
				ProtocolVersion: v,
				Tasks:           true,
				TaskPollMin:     5 * time.Millisecond,
				OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
					elicited.Add(1)
					return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: jsontext.Value(`{"n":7}`)}, nil
				},
				OnTaskStatus: func(ctx context.Context, d *mcp.DetailedTask) {
					select {
					case notes <- d:
					default:
					}
				},
			})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()

			var progress atomic.Int32
			pctx := client.WithProgress(ctx, func(*mcp.ProgressParams) { progress.Add(1) })
			h := mustCallAsTask(t, pctx, sess, "slow", nil, &client.TaskOptions{TTL: time.Minute})
			if h.ID() == "" || h.Status().Terminal() {
				t.Fatalf("slow: handle %q %s, want a running task", h.ID(), h.Status())
			}
			if v == mcp.Version20260728 {
				// Notifications need a Listen naming the task at 2026-07-28.
				lctx, stop := context.WithCancel(ctx)
				defer stop()
				acked := make(chan mcp.SubscriptionFilter, 1)
				done := make(chan error, 1)
				go func() {
					done <- sess.Listen(lctx, mcp.SubscriptionFilter{TaskIDs: []string{h.ID()}}, func(f mcp.SubscriptionFilter) { acked <- f })
				}()
				select {
				case f := <-acked:
					if !slices.Equal(f.TaskIDs, []string{h.ID()}) {
						t.Fatalf("acknowledged %+v", f)
					}
				case err := <-done:
					t.Fatalf("Listen: %v", err)
				}
				defer func() {
					stop()
					if err := <-done; err != nil {
						t.Errorf("Listen: %v", err)
					}
				}()
			}
			close(release)
			res, err := h.Result(ctx)
			if err != nil || len(res.Content) != 1 || res.Content[0].Text != "done" {
				t.Fatalf("slow: %+v %v", res, err)
			}
			if h.Status() != mcp.TaskCompleted {
				t.Errorf("slow: status %s", h.Status())
			}
			// A 2025-11-25 task's progress reaches the func of the call that started it (the token lives as
			// long as the task); 2026-07-28 tasks have no progress notifications.
			if want := map[string]int32{mcp.Version20251125: 1, mcp.Version20260728: 0}[v]; progress.Load() != want {
				t.Errorf("slow: %d progress notifications, want %d", progress.Load(), want)
			}
			waitNote(t, ctx, notes, h.ID(), mcp.TaskCompleted)

			res, err = sess.CallTool(ctx, "ask", nil)
			if err != nil || len(res.Content) != 1 || res.Content[0].Text != "got 7" {
				t.Fatalf("ask: %+v %v", res, err)
			}
			if elicited.Load() != 1 {
				t.Errorf("ask: the user was asked %d times, want once", elicited.Load())
			}
			elicited.Store(0)

			// A tool that asks before it becomes a task (DeferTaskStart): at 2026-07-28 the question is an
			// input_required round of tools/call (declaring the extension), then the answer is a task; at
			// 2025-11-25 the call is a task from the start and asks through tasks/result.
			hc := mustCallAsTask(t, ctx, sess, "confirm", nil, nil)
			if hc.ID() == "" {
				t.Fatal("confirm did not become a task")
			}
			res, err = hc.Result(ctx)
			if err != nil || len(res.Content) != 1 || res.Content[0].Text != "confirmed 7 (task true)" {
				t.Fatalf("confirm: %+v %v", res, err)
			}

			if elicited.Load() != 1 {
				t.Errorf("confirm: the user was asked %d times, want once", elicited.Load())
			}
			hb := mustCallAsTask(t, ctx, sess, "block", nil, nil)
			if err := hb.Cancel(ctx); err != nil {
				t.Fatal(err)
			}
			if d, err := hb.Wait(ctx); err != nil || d.Status != mcp.TaskCancelled {
				t.Fatalf("block after cancel: %+v %v", d, err)
			}
			if _, err := hb.Result(ctx); !errors.Is(err, client.ErrTaskCancelled) {
				t.Errorf("block: Result = %v, want ErrTaskCancelled", err)
			}

			hf := mustCallAsTask(t, ctx, sess, "fail", nil, nil)
			_, err = hf.Result(ctx)
			var rpcErr *jsonrpc.Error
			if !errors.As(err, &rpcErr) || rpcErr.Code != mcp.CodeInvalidParams || rpcErr.Message != "n is out of range" {
				t.Fatalf("fail: err = %v, want the tool's JSON-RPC error", err)
			}
			if hf.Status() != mcp.TaskFailed {
				t.Errorf("fail: status %s", hf.Status())
			}

			if v == mcp.Version20251125 {
				var ids []string
				for task, err := range sess.Tasks(ctx) {
					if err != nil {
						t.Fatal(err)
					}
					ids = append(ids, task.TaskID)
				}
				for _, id := range []string{h.ID(), hb.ID(), hf.ID()} {
					if !slices.Contains(ids, id) {
						t.Errorf("tasks/list %v lacks %s", ids, id)
					}
				}
				return
			}
			// 2026-07-28: another connection (another process, after a crash) resumes the task by id.
			other := connect(t, s, &client.Options{ProtocolVersion: v})
			res, err = client.NewTaskHandle(other, h.ID()).Result(ctx)
			if err != nil || len(res.Content) != 1 {
				t.Fatalf("resumed: %+v %v", res, err)
			}
			if _, err := other.ListTasks(ctx, ""); !errors.Is(err, client.ErrNoTaskList) {
				t.Errorf("ListTasks: %v", err)
			}
		})
	}
}

// waitNote waits for the status notification saying task id reached status.
func waitNote(t *testing.T, ctx context.Context, notes <-chan *mcp.DetailedTask, id string, status mcp.TaskStatus) {
	t.Helper()
	for {
		select {
		case d := <-notes:
			if d.TaskID == id && d.Status == status {
				return
			}
		case <-ctx.Done():
			t.Fatalf("no status notification: task %s %s", id, status)
		}
	}
}

// tapStream reports the messages a client reads.
type tapStream struct {
	jsonrpc.Stream
	onRead func(msg []byte)
}

func (s *tapStream) Read(ctx context.Context) ([]byte, error) {
	msg, err := s.Stream.Read(ctx)
	if err == nil {
		s.onRead(msg)
	}
	return msg, err
}

// TestTaskNotificationsAgainstServer: with Options.TaskNotifications, Wait on a 2026-07-28 task of our
// server listens for it and takes the end from notifications/tasks: the server suggests polling once an
// hour, so only the notification can end the Wait.
func TestTaskNotificationsAgainstServer(t *testing.T) {
	release := make(chan struct{})
	s := server.New("tasks", "1", &server.Options{Tasks: server.TaskOptions{PollInterval: time.Hour}})
	server.TaskTool(s, "slow", "", mcp.TaskOptional, func(ctx context.Context, _ noArgs) (string, error) {
		select {
		case <-release:
			return "done", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	})
	a, b := memory.Pipe()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, a) }()
	acked := make(chan struct{}, 1)
	tap := &tapStream{Stream: b, onRead: func(msg []byte) {
		if strings.Contains(string(msg), mcp.MethodNotificationSubscriptionsAcknowledged) {
			select {
			case acked <- struct{}{}:
			default:
			}
		}
	}}
	sess, err := client.Connect(ctx, tap, &client.Options{ProtocolVersion: mcp.Version20260728, TaskNotifications: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		sess.Close()
		cancel()
		<-served
	}()
	h := mustCallAsTask(t, ctx, sess, "slow", nil, nil)
	type outcome struct {
		res *mcp.CallToolResult
		err error
	}
	out := make(chan outcome, 1)
	go func() {
		res, err := h.Result(ctx)
		out <- outcome{res, err}
	}()
	select {
	case <-acked: // Wait's listen is in place
	case <-ctx.Done():
		t.Fatal("Wait did not listen for its task")
	}
	close(release)
	o := <-out
	if o.err != nil || len(o.res.Content) != 1 || o.res.Content[0].Text != "done" {
		t.Fatalf("%+v %v", o.res, o.err)
	}
}
