package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpkit/mcpkit/internal/redistest"
)

// tasksMeta is the _meta of a 2026-07-28 request from a client that declares the tasks extension.
const tasksMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}}`

// TestServeRedisSharesTasks: with --redis, tasks are in the Redis task store: process_files started as a
// task on process A is found by tasks/get on process B, cancelled there, and A's copy reads cancelled.
func TestServeRedisSharesTasks(t *testing.T) {
	rs := redistest.Start(t)
	a := serveHTTP(t, "--redis", rs.URL(0))
	b := serveHTTP(t, "--redis", rs.URL(0))

	status, _, body := postModern(t, a, "process_files",
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"process_files","arguments":{"files":600},`+tasksMeta+`}}`)
	var created struct {
		Result struct {
			TaskID string `json:"taskId"`
		} `json:"result"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(body), &created) != nil || created.Result.TaskID == "" {
		t.Fatalf("process_files as a task on A: %d %s", status, body)
	}
	id := created.Result.TaskID
	call := func(url, method string) string {
		t.Helper()
		status, _, body := post(t, url, "", `{"jsonrpc":"2.0","id":2,"method":"`+method+`","params":{"taskId":"`+id+`",`+tasksMeta+`}}`,
			"MCP-Protocol-Version", "2026-07-28", "Mcp-Method", method, "Mcp-Name", id)
		if status != http.StatusOK {
			t.Fatalf("%s: HTTP %d %s", method, status, body)
		}
		return body
	}
	if got := call(b, "tasks/get"); !strings.Contains(got, `"status":"working"`) {
		t.Fatalf("tasks/get on B of A's task: %s", got)
	}
	if got := call(b, "tasks/cancel"); strings.Contains(got, `"error"`) {
		t.Fatalf("tasks/cancel on B: %s", got)
	}
	if got := call(a, "tasks/get"); !strings.Contains(got, `"status":"cancelled"`) {
		t.Fatalf("tasks/get on A after the cancel on B: %s", got)
	}
}
