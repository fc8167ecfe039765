package streamable_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport"
)

const tasksMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}}`

// newBlockServer returns a server (closed when the test ends) with the task tool "block", which returns
// when its task is cancelled.
func newBlockServer(t *testing.T, opts *server.Options) *server.Server {
	s := server.New("t", "1", opts)
	server.TaskTool(s, "block", "", mcp.TaskOptional, func(ctx context.Context, in struct{}) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	t.Cleanup(func() { s.Close() })
	return s
}

// startBlock calls block as a 2026-07-28 task over e and returns the task's id.
func startBlock(t *testing.T, ctx context.Context, e *env) string {
	t.Helper()
	m := readJSON(t, e.do(ctx, "POST", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"block","arguments":{},`+tasksMeta+`}}`,
		modernHeaders("tools/call", "block")...))
	res, _ := m["result"].(map[string]any)
	id, _ := res["taskId"].(string)
	if id == "" {
		t.Fatalf("tools/call: %v", m)
	}
	return id
}

// cancelOverHTTP sends tasks/cancel for the task id over e.
func cancelOverHTTP(t *testing.T, ctx context.Context, e *env, id string) {
	t.Helper()
	readJSON(t, e.do(ctx, "POST", `{"jsonrpc":"2.0","id":3,"method":"tasks/cancel","params":{"taskId":"`+id+`",`+tasksMeta+`}}`,
		modernHeaders("tasks/cancel", id)...))
}

// TestTasksOverHTTP: Mcp-Name mirrors params.taskId on tasks/get (SEP-2663 routing headers), and a
// subscriptions/listen stream asking for a task's notifications needs the extension and then receives
// notifications/tasks when the task changes.
func TestTasksOverHTTP(t *testing.T) {
	e := newEnv(t, newBlockServer(t, nil), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	id := startBlock(t, ctx, e)
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
	cancelOverHTTP(t, ctx, e, id)
	ev, err := rs.next()
	if err != nil || !strings.Contains(ev.data, `"method":"notifications/tasks"`) || !strings.Contains(ev.data, `"status":"cancelled"`) || !strings.Contains(ev.data, id) {
		t.Errorf("notification after cancel: %+v, %v", ev, err)
	}
}

// TestModernRequestCarriesClientAddr: a 2026-07-28 request's context carries the client's IP address
// (transport.ClientAddr), which the server's per-client task budget of unauthenticated clients uses.
func TestModernRequestCarriesClientAddr(t *testing.T) {
	s := server.New("t", "1", nil)
	seen := make(chan string, 1)
	server.Tool(s, "addr", "", func(ctx context.Context, in struct{}) (string, error) {
		seen <- transport.ClientAddr(ctx)
		return "ok", nil
	})
	t.Cleanup(func() { s.Close() })
	e := newEnv(t, s, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	readJSON(t, e.do(ctx, "POST", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"addr","arguments":{},`+modernMeta+`}}`,
		modernHeaders("tools/call", "addr")...))
	if got := <-seen; got != "127.0.0.1" {
		t.Errorf("the handler saw client address %q, want 127.0.0.1", got)
	}
}

// TestListenOverHTTPHidesOtherOwnersTasks: over HTTP too, a subscriptions/listen for another owner's task
// is acknowledged without that id and receives nothing about it (a task of another owner is not found).
func TestListenOverHTTPHidesOtherOwnersTasks(t *testing.T) {
	var principal atomic.Value
	principal.Store("alice")
	e := newEnv(t, newBlockServer(t, &server.Options{Principal: func(context.Context) string { return principal.Load().(string) }}), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	alice := startBlock(t, ctx, e)
	principal.Store("bob")
	bob := startBlock(t, ctx, e)
	listen := e.do(ctx, "POST", `{"jsonrpc":"2.0","id":"l","method":"subscriptions/listen","params":{"notifications":{"taskIds":["`+alice+`","`+bob+`"]},`+tasksMeta+`}}`,
		modernHeaders("subscriptions/listen")...)
	defer listen.Body.Close()
	rs := newSSE(listen.Body)
	if ack, err := rs.next(); err != nil || !strings.Contains(ack.data, "acknowledged") || strings.Contains(ack.data, alice) || !strings.Contains(ack.data, bob) {
		t.Fatalf("bob's listen ack: %+v, %v; want his task only", ack, err)
	}
	principal.Store("alice")
	cancelOverHTTP(t, ctx, e, alice)
	principal.Store("bob")
	cancelOverHTTP(t, ctx, e, bob)
	for {
		ev, err := rs.next()
		if err != nil {
			t.Fatalf("reading bob's listen stream: %v", err)
		}
		if strings.Contains(ev.data, alice) {
			t.Fatalf("bob received alice's task: %.300s", ev.data)
		}
		if strings.Contains(ev.data, bob) {
			break
		}
	}
}

// TestListenOverHTTPTaskIDsBounded: a listen asking for more task ids than the server follows is 400
// -32602 (each id costs a lookup at the start and a comparison for every task change).
func TestListenOverHTTPTaskIDsBounded(t *testing.T) {
	s := server.New("t", "1", nil)
	t.Cleanup(func() { s.Close() })
	e := newEnv(t, s, nil)
	ids := strings.TrimSuffix(strings.Repeat(`"0123456789abcdef0123456789abcdef",`, 10_000), ",")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // an accepted listen would hold the stream open
	defer cancel()
	m := readJSON(t, e.do(ctx, "POST", `{"jsonrpc":"2.0","id":"l","method":"subscriptions/listen","params":{"notifications":{"taskIds":[`+ids+`]},`+tasksMeta+`}}`,
		modernHeaders("subscriptions/listen")...))
	if code(m) != mcp.CodeInvalidParams || !strings.Contains(fmt.Sprint(m), "taskIds") {
		t.Errorf("listen with 10,000 task ids: %.300v, want -32602", m)
	}
}
