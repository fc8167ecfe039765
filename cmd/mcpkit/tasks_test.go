package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/redistest"
)

// servedBy is a balancer without stickiness that names the node serving each request in the response
// header X-Node (its index), so that a test can tell which node ran a call and which answered a poll.
type servedBy struct {
	mu    sync.Mutex
	nodes []*node
	next  int
}

func (p *servedBy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	idx := -1
	for range len(p.nodes) {
		i := p.next % len(p.nodes)
		p.next++
		if !p.nodes[i].dead {
			idx = i
			break
		}
	}
	p.mu.Unlock()
	if idx < 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("X-Node", strconv.Itoa(idx))
	p.nodes[idx].proxy.ServeHTTP(w, r)
}

// kill kills node i with SIGKILL and takes it out of the rotation.
func (p *servedBy) kill(i int) {
	p.mu.Lock()
	n := p.nodes[i]
	n.dead = true
	p.mu.Unlock()
	_ = n.cmd.Process.Kill()
	_ = n.cmd.Wait()
}

// taskWire is what the tests read of a CreateTaskResult or a tasks/get result (2026-07-28).
type taskWire struct {
	ResultType    string          `json:"resultType"`
	TaskID        string          `json:"taskId"`
	Status        string          `json:"status"`
	StatusMessage string          `json:"statusMessage"`
	Result        json.RawMessage `json:"result"`
	Error         *wireError      `json:"error"`
}

// wireError is a JSON-RPC error object, or a failed task's error.
type wireError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// tasksMeta is the _meta of a 2026-07-28 request that declares the tasks extension.
const tasksMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",` +
	`"io.modelcontextprotocol/clientInfo":{"name":"tasks-test","version":"1"},` +
	`"io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}}`

// taskRPC sends one 2026-07-28 request (method, name for Mcp-Name, params without _meta) to url and
// returns the result read as a task, and the node that served it (X-Node; "" when url is a node itself).
func taskRPC(t *testing.T, url, method, name, params string) (taskWire, string) {
	t.Helper()
	body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":%q,"params":{%s,%s}}`, method, params, tasksMeta)
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", method)
	req.Header.Set("Mcp-Name", name)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d: %s", method, resp.StatusCode, raw)
	}
	// An SSE answer carries the response in its last data line; a JSON answer is the response itself.
	if i := bytes.LastIndex(raw, []byte("data: ")); i >= 0 {
		raw = bytes.TrimSpace(raw[i+len("data: "):])
	}
	var msg struct {
		Result json.RawMessage `json:"result"`
		Error  *wireError      `json:"error"`
	}
	if err := json.Unmarshal(raw, &msg); err != nil {
		t.Fatalf("%s: reading %q: %v", method, raw, err)
	}
	if msg.Error != nil {
		t.Fatalf("%s: error %d %s", method, msg.Error.Code, msg.Error.Message)
	}
	var tw taskWire
	if err := json.Unmarshal(msg.Result, &tw); err != nil {
		t.Fatalf("%s: reading result %s: %v", method, msg.Result, err)
	}
	return tw, resp.Header.Get("X-Node")
}

// startTask calls process_files through url as a task and returns the task id and the node that runs it.
func startTask(t *testing.T, url string, files int, label string) (string, string) {
	t.Helper()
	args := fmt.Sprintf(`"name":"process_files","arguments":{"files":%d,"label":%q}`, files, label)
	tw, node := taskRPC(t, url, "tools/call", "process_files", args)
	if tw.ResultType != "task" || tw.TaskID == "" || tw.Status != "working" {
		t.Fatalf("process_files answered %+v, want a working task", tw)
	}
	return tw.TaskID, node
}

// pollUntil polls tasks/get through url until the task's status is want or until the deadline; it returns
// the last answer and the nodes that answered.
func pollUntil(t *testing.T, url, id, want string, within time.Duration) (taskWire, map[string]int) {
	t.Helper()
	nodes := map[string]int{}
	deadline := time.Now().Add(within)
	for {
		tw, node := taskRPC(t, url, "tasks/get", id, fmt.Sprintf(`"taskId":%q`, id))
		nodes[node]++
		if tw.Status == want {
			return tw, nodes
		}
		if tw.Status != "working" {
			t.Fatalf("task %s is %s (%+v), want %s", id, tw.Status, tw, want)
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s still %s (%q) after %v, want %s", id, tw.Status, tw.StatusMessage, within, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTasksAcrossNodes is issue 19's multi-node check: three `mcpkit serve --redis` processes on one
// redis-server behind a balancer without stickiness. A task started on one node is polled through the
// balancer (every node answers polls, and sees the status message move), completes with its result
// readable from every node; a second task is cancelled on another node than the one running it, which
// stops the work there; the node running a third task is killed with SIGKILL and the task ends failed
// within a bounded time (the lease, 600 ms here) with a message saying its node stopped.
func TestTasksAcrossNodes(t *testing.T) {
	rs := redistest.Start(t)
	flags := []string{"--redis", rs.URL(0), "--lease-ttl", "600ms"}
	lb := &servedBy{}
	for range 3 {
		lb.nodes = append(lb.nodes, startNode(t, flags...))
	}
	front := httptest.NewServer(lb)
	defer front.Close()
	url := front.URL + "/mcp"

	t.Run("complete", func(t *testing.T) {
		id, runner := startTask(t, url, 8, "complete")
		tw, nodes := pollUntil(t, url, id, "completed", 10*time.Second)
		if len(nodes) < 3 {
			t.Errorf("polls were answered by nodes %v, want all three (no stickiness)", nodes)
		}
		if !strings.Contains(string(tw.Result), "processed 8 files (complete)") {
			t.Errorf("result %s, want the tool's text", tw.Result)
		}
		// The result is the store's: every node answers it, the runner included.
		for i, n := range lb.nodes {
			got, _ := taskRPC(t, n.target.String()+"/mcp", "tasks/get", id, fmt.Sprintf(`"taskId":%q`, id))
			if got.Status != "completed" || !bytes.Equal(got.Result, tw.Result) {
				t.Errorf("node %d answers %s %s, want completed %s", i, got.Status, got.Result, tw.Result)
			}
		}
		t.Logf("ran on node %s, polls answered by %v", runner, nodes)
	})

	t.Run("cancel from another node", func(t *testing.T) {
		id, runner := startTask(t, url, 600, "cancel-me")
		r, _ := strconv.Atoi(runner)
		// Wait until the runner has reported progress (the status message moved), through the balancer.
		deadline := time.Now().Add(10 * time.Second)
		for {
			tw, _ := taskRPC(t, url, "tasks/get", id, fmt.Sprintf(`"taskId":%q`, id))
			if tw.Status != "working" {
				t.Fatalf("task is %s before the cancel", tw.Status)
			}
			if strings.HasPrefix(tw.StatusMessage, "file ") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no progress in the status message within 10 s (%q)", tw.StatusMessage)
			}
			time.Sleep(50 * time.Millisecond)
		}
		other := lb.nodes[(r+1)%3]
		taskRPC(t, other.target.String()+"/mcp", "tasks/cancel", id, fmt.Sprintf(`"taskId":%q`, id))
		tw, _ := pollUntil(t, url, id, "cancelled", 5*time.Second)
		if tw.Result != nil || tw.Error != nil {
			t.Errorf("a cancelled task carries %s / %+v", tw.Result, tw.Error)
		}
		// The work stopped on the runner (its log says so), not only the record.
		stopped := false
		for range 100 {
			if strings.Contains(lb.nodes[r].logs(), "process_files stopped") {
				stopped = true
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if !stopped {
			t.Errorf("node %d did not stop the cancelled work; its log:\n%s", r, lb.nodes[r].logs())
		}
	})

	t.Run("runner killed", func(t *testing.T) {
		id, runner := startTask(t, url, 600, "kill-my-node")
		r, _ := strconv.Atoi(runner)
		lb.kill(r)
		killed := time.Now()
		tw, _ := pollUntil(t, url, id, "failed", 10*time.Second)
		if tw.Error == nil || !strings.Contains(tw.Error.Message, "stopped") {
			t.Errorf("the failed task carries error %+v, want one saying its node stopped", tw.Error)
		}
		t.Logf("reported failed %v after the kill (lease 600 ms): %s", time.Since(killed).Round(time.Millisecond), tw.Error.Message)
	})
}

// logs returns what the node wrote to stderr so far.
func (n *node) logs() string {
	lw := n.cmd.Stderr.(*lockedWriter)
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return n.stderr.String()
}
