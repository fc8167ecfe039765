package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// BenchmarkTaskToolCall measures a 2026-07-28 tools/call served inline beside the same call as a task:
// tools/call (CreateTaskResult: the task stored, its run and supervisor started) then tasks/get until it
// is completed (memory store; server side only, no transport). gets/op counts the polls.
func BenchmarkTaskToolCall(b *testing.B) {
	// No per-owner limit: every iteration leaves a finished task until its TTL.
	s := server.New("bench", "1", &server.Options{Tasks: server.TaskOptions{MaxPerOwner: -1}})
	server.TaskTool(s, "add", "add", mcp.TaskOptional, func(ctx context.Context, in benchArgs) (int, error) { return in.A + in.B, nil })
	b.Cleanup(func() { s.Close() })
	st := s.Stateless()
	ctx := context.Background()
	do := func(meta, method, params string) jsontext.Value {
		raw, err := st.HandleRequest(ctx, &jsonrpc.Message{ID: jsonrpc.Int64ID(1), Method: method,
			Params: jsontext.Value("{" + meta + "," + params + "}")}, nopPeer{})
		if err != nil {
			b.Fatal(err)
		}
		return raw
	}
	call := `"name":"add","arguments":{"a":1,"b":2}`
	b.Run("inline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			do(modernMeta, "tools/call", call)
		}
	})
	b.Run("task", func(b *testing.B) {
		b.ReportAllocs()
		gets := 0
		for b.Loop() {
			raw := string(do(taskMeta, "tools/call", call))
			i := strings.Index(raw, `"taskId":"`)
			id := raw[i+10 : i+10+32]
			for {
				gets++
				if strings.Contains(string(do(taskMeta, "tasks/get", `"taskId":"`+id+`"`)), `"status":"completed"`) {
					break
				}
			}
		}
		b.ReportMetric(float64(gets)/float64(b.N), "gets/op")
	})
}
