package streamable_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

type taskForm struct {
	N int `json:"n"`
}

// TestClientTasksOverHTTP: mcpkit's client and server run a task over Streamable HTTP in both eras: the task
// asks for input while it runs (2026-07-28: inputRequests in tasks/get, answered with tasks/update, each
// carrying Mcp-Name: <taskId>, which the server checks; 2025-11-25: elicitation/create on the SSE stream
// of tasks/result) and the client follows it to its result, listening for its notifications meanwhile
// (Options.TaskNotifications); another task is cancelled.
func TestClientTasksOverHTTP(t *testing.T) {
	for _, v := range []string{mcp.Version20251125, mcp.Version20260728} {
		t.Run(v, func(t *testing.T) {
			s := server.New("tasks", "1", &server.Options{Tasks: server.TaskOptions{PollInterval: 20 * time.Millisecond}})
			server.TaskTool(s, "ask", "", mcp.TaskRequired, func(ctx context.Context, _ struct{}) (string, error) {
				e, err := server.Elicit[taskForm](ctx, "n?")
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("got %d", e.Content.N), nil
			})
			server.TaskTool(s, "block", "", mcp.TaskRequired, func(ctx context.Context, _ struct{}) (string, error) {
				<-ctx.Done()
				return "", ctx.Err()
			})
			ts, rec := serveClientTest(t, s, nil)
			ctx := testCtx(t)
			var asked atomic.Int32
			sess, err := client.Connect(ctx, newClient(t, ts, "/", nil), &client.Options{
				ProtocolVersion:   v,
				TaskPollMin:       5 * time.Millisecond,
				TaskNotifications: true, // 2026-07-28: each Wait also listens (an SSE stream) for its task
				OnElicit: func(context.Context, *mcp.ElicitParams) (*mcp.ElicitResult, error) {
					asked.Add(1)
					return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: jsontext.Value(`{"n":7}`)}, nil
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			h, err := sess.CallToolAsTask(ctx, "ask", nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if h.ID() == "" {
				t.Fatal("ask did not become a task")
			}
			res, err := h.Result(ctx)
			if err != nil || len(res.Content) != 1 || res.Content[0].Text != "got 7" {
				t.Fatalf("ask: %+v %v", res, err)
			}
			if asked.Load() != 1 {
				t.Errorf("asked %d times, want once", asked.Load())
			}
			hb, err := sess.CallToolAsTask(ctx, "block", nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := hb.Cancel(ctx); err != nil {
				t.Fatal(err)
			}
			if d, err := hb.Wait(ctx); err != nil || d.Status != mcp.TaskCancelled {
				t.Fatalf("block: %+v %v", d, err)
			}
			if v == mcp.Version20260728 {
				for _, m := range []string{mcp.MethodTasksGet, mcp.MethodTasksUpdate, mcp.MethodTasksCancel} {
					r, ok := rec.find(posts(m))
					if !ok {
						t.Fatalf("no %s was sent", m)
					}
					if r.header.Get("Mcp-Name") == "" {
						t.Errorf("%s without Mcp-Name", m)
					}
				}
			}
		})
	}
}
