package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/memory"
)

const taskMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}`

type nopPeer struct{}

func (nopPeer) Notify(context.Context, string, any) error { return nil }
func (nopPeer) Call(context.Context, string, any) (jsontext.Value, error) {
	return nil, nil
}

func request(t *testing.T, s *server.Server, method, params string) map[string]any {
	t.Helper()
	raw, err := s.Stateless().HandleRequest(context.Background(), &jsonrpc.Message{ID: jsonrpc.Int64ID(1), Method: method,
		Params: jsontext.Value("{" + taskMeta + "," + params + "}")}, nopPeer{})
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m
}

func TestProcessFilesRunsAsATask(t *testing.T) {
	s := demo.New()
	demo.AddTaskTools(s)
	defer s.Close()
	created := request(t, s, "tools/call", `"name":"process_files","arguments":{"files":6,"label":"batch"}`)
	id, _ := created["taskId"].(string)
	if created["resultType"] != "task" || id == "" {
		t.Fatalf("tools/call: %v", created)
	}
	sawStatus := false
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := request(t, s, "tasks/get", `"taskId":"`+id+`"`)
		if msg, _ := m["statusMessage"].(string); strings.HasPrefix(msg, "file ") {
			sawStatus = true
		}
		if m["status"] == "completed" {
			res, _ := json.Marshal(m["result"])
			if !strings.Contains(string(res), "processed 6 files (batch)") {
				t.Errorf("result %s", res)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("task still %v", m["status"])
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !sawStatus {
		t.Errorf("no status message seen while the task ran")
	}
	// Inline for a client without tasks, with progress.
	a, b := memory.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, a) }()
	defer func() { cancel(); <-done }()
	sess, err := client.Connect(ctx, b, &client.Options{ProtocolVersion: mcp.Version20260728})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	progress := 0
	pctx := client.WithProgress(ctx, func(p *mcp.ProgressParams) { progress++ })
	res, err := sess.CallTool(pctx, "process_files", map[string]any{"files": 2, "label": "inline"})
	if err != nil || text(t, res) != "processed 2 files (inline)" || progress != 2 {
		t.Errorf("inline: %+v, %v, %d progress notifications", res, err, progress)
	}
}
