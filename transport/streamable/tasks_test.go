package streamable_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

const tasksMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}}`

// TestTasksOverHTTP: Mcp-Name mirrors params.taskId on tasks/get (SEP-2663 routing headers), and a
// subscriptions/listen stream asking for a task's notifications needs the extension and then receives
// notifications/tasks when the task changes.
func TestTasksOverHTTP(t *testing.T) {
	s := server.New("t", "1", nil)
	server.TaskTool(s, "block", "", mcp.TaskOptional, func(ctx context.Context, in struct{}) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	t.Cleanup(func() { s.Close() })
	e := newEnv(t, s, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	created := readJSON(t, e.do(ctx, "POST", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"block","arguments":{},`+tasksMeta+`}}`,
		modernHeaders("tools/call", "block")...))
	res, _ := created["result"].(map[string]any)
	id, _ := res["taskId"].(string)
	if id == "" {
		t.Fatalf("tools/call: %v", created)
	}
	get := `{"jsonrpc":"2.0","id":2,"method":"tasks/get","params":{"taskId":"` + id + `",` + tasksMeta + `}}`
	if m := readJSON(t, e.do(ctx, "POST", get, modernHeaders("tasks/get", id)...)); m["result"] == nil {
		t.Errorf("tasks/get with Mcp-Name = taskId: %v", m)
	}
	if m := readJSON(t, e.do(ctx, "POST", get, modernHeaders("tasks/get", "other")...)); code(m) != mcp.CodeHeaderMismatch {
		t.Errorf("tasks/get with a wrong Mcp-Name: %v", m)
	}
	if m := readJSON(t, e.do(ctx, "POST", get, modernHeaders("tasks/get")...)); code(m) != mcp.CodeHeaderMismatch {
		t.Errorf("tasks/get without Mcp-Name: %v", m)
	}

	listenBody := func(meta string) string {
		return `{"jsonrpc":"2.0","id":"l","method":"subscriptions/listen","params":{"notifications":{"taskIds":["` + id + `"]},` + meta + `}}`
	}
	if m := readJSON(t, e.do(ctx, "POST", listenBody(modernMeta), modernHeaders("subscriptions/listen")...)); code(m) != mcp.CodeMissingRequiredClientCapability {
		t.Errorf("listen for tasks without the extension: %v", m)
	}
	listen := e.do(ctx, "POST", listenBody(tasksMeta), modernHeaders("subscriptions/listen")...)
	defer listen.Body.Close()
	rs := newSSE(listen.Body)
	if ack, err := rs.next(); err != nil || !strings.Contains(ack.data, "acknowledged") || !strings.Contains(ack.data, id) {
		t.Fatalf("listen ack: %+v, %v", ack, err)
	}
	readJSON(t, e.do(ctx, "POST", `{"jsonrpc":"2.0","id":3,"method":"tasks/cancel","params":{"taskId":"`+id+`",`+tasksMeta+`}}`,
		modernHeaders("tasks/cancel", id)...))
	ev, err := rs.next()
	if err != nil || !strings.Contains(ev.data, `"method":"notifications/tasks"`) || !strings.Contains(ev.data, `"status":"cancelled"`) || !strings.Contains(ev.data, id) {
		t.Errorf("notification after cancel: %+v, %v", ev, err)
	}
}
