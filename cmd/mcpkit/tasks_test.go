package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

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

// TestKillNodeRunningTask: the process running a task is killed; polled on another process, the task reads
// failed, saying its node stopped, once the node's lease lapsed (--lease-ttl 1s here; a working task
// forever before the lease reached tasks).
func TestKillNodeRunningTask(t *testing.T) {
	rs := redistest.Start(t)
	a := startNode(t, "--redis", rs.URL(0), "--lease-ttl", "1s")
	b := startNode(t, "--redis", rs.URL(0), "--lease-ttl", "1s")
	urlA, urlB := a.target.String()+"/mcp", b.target.String()+"/mcp"
	status, _, body := postModern(t, urlA, "process_files",
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
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = a.cmd.Wait()
	killed := time.Now()
	get := `{"jsonrpc":"2.0","id":2,"method":"tasks/get","params":{"taskId":"` + id + `",` + tasksMeta + `}}`
	for {
		status, _, body := post(t, urlB, "", get, "MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tasks/get", "Mcp-Name", id)
		if status != http.StatusOK {
			t.Fatalf("tasks/get on B: HTTP %d %s", status, body)
		}
		if strings.Contains(body, `"status":"failed"`) {
			if !strings.Contains(body, "stopped") {
				t.Errorf("the failed task does not say its node stopped: %s", body)
			}
			t.Logf("failed %v after the kill: %s", time.Since(killed).Round(time.Millisecond), body)
			return
		}
		if !strings.Contains(body, `"status":"working"`) || time.Since(killed) > 10*time.Second {
			t.Fatalf("%v after its node was killed (lease 1s) the task reads: %s", time.Since(killed).Round(time.Millisecond), body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
