package streamable_test

import (
	"testing"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
)

// TestTaskRequestsCarryMcpName: the tasks extension routes tasks/get, tasks/update and tasks/cancel on
// the task id (SEP-2663 "Routing Headers"): the client mirrors params.taskId into Mcp-Name, and the
// server rejects a tasks/get whose Mcp-Name names another task with -32020 (HeaderMismatch).
func TestTaskRequestsCarryMcpName(t *testing.T) {
	ts, rec := serveClientTest(t, demo.New(), nil)
	ctx := testCtx(t)
	sess, err := client.Connect(ctx, newClient(t, ts, "/", nil), &client.Options{ProtocolVersion: mcp.Version20260728})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	h := client.NewTaskHandle(sess, "task-Ä1") // not plain ASCII: the header carries it base64-encoded
	_, _ = h.Get(ctx)                          // the demo has no such task; the headers are what matter
	_ = h.Cancel(ctx)
	for _, method := range []string{mcp.MethodTasksGet, mcp.MethodTasksCancel} {
		r, ok := rec.find(posts(method))
		if !ok {
			t.Fatalf("no %s was sent", method)
		}
		if got := r.header.Get("Mcp-Name"); got != mcp.EncodeHeaderValue("task-Ä1") {
			t.Errorf("%s: Mcp-Name %q, want the task id", method, got)
		}
		if got := r.header.Get("Mcp-Method"); got != method {
			t.Errorf("%s: Mcp-Method %q", method, got)
		}
	}

	e := newEnv(t, demo.New(), nil)
	get := `{"jsonrpc":"2.0","id":7,"method":"tasks/get","params":{"taskId":"t1",` + modernMeta + `}}`
	resp := e.post(get, modernHeaders("tasks/get", "t2")...)
	body := readJSON(t, resp)
	if resp.StatusCode != 400 || code(body) != mcp.CodeHeaderMismatch {
		t.Fatalf("tasks/get with Mcp-Name of another task: HTTP %d %v, want 400 and %d", resp.StatusCode, body, mcp.CodeHeaderMismatch)
	}
}
