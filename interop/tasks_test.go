package interop

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// TestClientTasksAgainstServerEverything drives the 2025-11-25 tasks of
// @modelcontextprotocol/server-everything (TypeScript SDK 1.32.2) with mcpkit's client over Streamable
// HTTP: simulate-research-query (taskSupport "required", ~4 s) started with CallToolAsTask, its
// clarification question (input_required) answered through tasks/result by OnElicit, the result fetched;
// the same tool run by a plain CallTool with Options.Tasks; tasks/list; tasks/cancel.
func TestClientTasksAgainstServerEverything(t *testing.T) {
	node := peers(t)
	if !inPrivateNetwork(t) {
		return
	}
	base := startEverything(t, node, "streamableHttp")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c, err := streamable.NewClient(base+"/mcp", &streamable.ClientOptions{EraCache: &streamable.EraCache{}})
	if err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int32
	s, err := client.Connect(ctx, c, &client.Options{
		ProtocolVersion: mcp.Version20251125,
		Tasks:           true,
		OnElicit: func(_ context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			asked.Add(1)
			return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: jsontext.Value(`{"interpretation":"mcpkit-choice"}`)}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The server registers the tool once it knows the client's capabilities (after initialized).
	for found := false; !found; {
		for tool, err := range s.Tools(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			if tool.Name == "simulate-research-query" {
				found = true
				if tool.Execution == nil || tool.Execution.TaskSupport != mcp.TaskRequired {
					t.Fatalf("execution %+v", tool.Execution)
				}
			}
		}
		if !found {
			select {
			case <-ctx.Done():
				t.Fatal("simulate-research-query never appeared")
			case <-time.After(100 * time.Millisecond):
			}
		}
	}

	h, err := s.CallToolAsTask(ctx, "simulate-research-query", map[string]any{"topic": "tasks", "ambiguous": true},
		&client.TaskOptions{TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if h.ID() == "" || h.Status() != mcp.TaskWorking {
		t.Fatalf("handle %q %s", h.ID(), h.Status())
	}
	res, err := h.Result(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Content) == 0 || !strings.Contains(res.Content[0].Text, "mcpkit-choice") {
		t.Fatalf("result %+v", res)
	}
	if asked.Load() != 1 || h.Status() != mcp.TaskCompleted {
		t.Errorf("asked %d times, status %s", asked.Load(), h.Status())
	}

	// A plain CallTool of a tool that requires a task runs it as one (Options.Tasks).
	res, err = s.CallTool(ctx, "simulate-research-query", map[string]any{"topic": "plain"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Content) == 0 || !strings.Contains(res.Content[0].Text, "plain") {
		t.Fatalf("result %+v", res)
	}

	var listed bool
	for task, err := range s.Tasks(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		listed = listed || task.TaskID == h.ID() && task.Status == mcp.TaskCompleted
	}
	if !listed {
		t.Errorf("tasks/list does not show task %s completed", h.ID())
	}

	h2, err := s.CallToolAsTask(ctx, "simulate-research-query", map[string]any{"topic": "cancelled"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := h2.Cancel(ctx); err != nil {
		t.Fatal(err)
	}
	if h2.Status() != mcp.TaskCancelled {
		t.Errorf("status after tasks/cancel: %s", h2.Status())
	}
	d, err := h2.Get(ctx)
	if err != nil || d.Status != mcp.TaskCancelled {
		t.Errorf("tasks/get after cancel: %+v %v", d, err)
	}
}
