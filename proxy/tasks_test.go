package proxy_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestTasksForwarded: tools keep their execution.taskSupport through the proxy; a task-augmented call of an
// "optional" tool becomes a task at the proxy (its id, polled, its result) whose work is the call forwarded
// inline; a "required" tool, which the upstream runs only as a task, is called as an upstream task and its
// result comes back; cancelling the proxy's task ends the upstream work. Four era pairs.
func TestTasksForwarded(t *testing.T) {
	for _, pair := range pairs {
		t.Run(name(pair), func(t *testing.T) {
			up := demo.New()
			demo.AddTaskTools(up)
			ranAsTask := make(chan bool, 4)
			server.TaskTool(up, "required_job", "Runs only as a task", mcp.TaskRequired, func(ctx context.Context, in struct {
				N int `json:"n"`
			}) (string, error) {
				_, asTask := server.TaskID(ctx)
				ranAsTask <- asTask
				return fmt.Sprintf("job %d done", in.N), nil
			})
			longStarted, longStopped := make(chan struct{}), make(chan struct{})
			server.TaskTool(up, "long_job", "Runs until cancelled", mcp.TaskOptional, func(ctx context.Context, _ struct{}) (string, error) {
				close(longStarted)
				<-ctx.Done()
				close(longStopped)
				return "", ctx.Err()
			})
			r := newRigOn(t, up, nil, pair[0], pair[1], client.Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			support := map[string]mcp.TaskSupport{}
			for tool, err := range r.down.Tools(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				if tool.Execution != nil {
					support[tool.Name] = tool.Execution.TaskSupport
				}
			}
			upLegacy, downLegacy := pair[0] == mcp.Version20251125, pair[1] == mcp.Version20251125
			switch {
			case upLegacy && downLegacy:
				if support["process_files"] != mcp.TaskOptional || support["required_job"] != mcp.TaskRequired {
					t.Fatalf("taskSupport through the proxy: %v", support)
				}
			case len(support) > 0: // 2026-07-28 tools have no execution member, either way
				t.Fatalf("taskSupport listed in a 2026-07-28 hop: %v", support)
			}

			h, err := r.down.CallToolAsTask(ctx, "process_files", map[string]any{"files": 2, "label": "x"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !upLegacy {
				// A 2026-07-28 upstream lists no taskSupport: the proxy's copy is a plain tool, called
				// inline (the server decides: it answers at once).
				if h.ID() != "" {
					t.Fatalf("a task (%s) for a tool a 2026-07-28 upstream declared nothing about", h.ID())
				}
			} else {
				if h.ID() == "" {
					t.Fatal("process_files answered inline: the proxy made no task")
				}
				if _, err := h.Get(ctx); err != nil {
					t.Fatalf("tasks/get through the proxy: %v", err)
				}
			}
			res, err := h.Result(ctx)
			if err != nil || res.IsError || res.Content[0].Text != "processed 2 files (x)" {
				t.Fatalf("process_files as a task = %+v, %v", res, err)
			}

			if !upLegacy {
				// The upstream refuses the inline call (-32021, the tasks extension): the proxy calls it
				// again as an upstream task.
				res, err := r.down.CallTool(ctx, "required_job", map[string]int{"n": 8})
				if err != nil || res.IsError || res.Content[0].Text != "job 8 done" {
					t.Fatalf("required_job through a 2026-07-28 upstream = %+v, %v", res, err)
				}
				if asTask := <-ranAsTask; !asTask {
					t.Error("the upstream ran required_job inline")
				}
				return
			}
			h, err = r.down.CallToolAsTask(ctx, "required_job", map[string]int{"n": 7}, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err = h.Result(ctx)
			if err != nil || res.IsError || res.Content[0].Text != "job 7 done" {
				t.Fatalf("required_job = %+v, %v", res, err)
			}
			if asTask := <-ranAsTask; !asTask {
				t.Error("the upstream ran required_job inline")
			}

			h, err = r.down.CallToolAsTask(ctx, "long_job", nil, nil)
			if err != nil || h.ID() == "" {
				t.Fatalf("long_job: %v (task %q)", err, h.ID())
			}
			select {
			case <-longStarted:
			case <-ctx.Done():
				t.Fatal("long_job never started upstream")
			}
			if err := h.Cancel(ctx); err != nil {
				t.Fatalf("tasks/cancel through the proxy: %v", err)
			}
			if d, err := h.Wait(ctx); err != nil || d.Status != mcp.TaskCancelled {
				t.Fatalf("after tasks/cancel: %+v, %v", d, err)
			}
			select {
			case <-longStopped:
			case <-ctx.Done():
				t.Fatal("the upstream call went on after the proxy's task was cancelled")
			}
		})
	}
}
