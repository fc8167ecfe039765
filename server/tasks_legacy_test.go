package server_test

import (
	"strings"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/mcp"
)

func toolByName(t *testing.T, list map[string]any, name string) map[string]any {
	t.Helper()
	for _, x := range list["tools"].([]any) {
		if tool := x.(map[string]any); tool["name"] == name {
			return tool
		}
	}
	t.Fatalf("no tool %q", name)
	return nil
}

func TestLegacyTasks(t *testing.T) {
	tt := &taskTools{gate: make(chan struct{}), started: make(chan string, 1)}
	s := newTaskServer(t, nil, tt)
	w := rawPeer(t, s)
	caps := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{}},"clientInfo":{"name":"t","version":"1"}}}`))["capabilities"].(map[string]any)
	w.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	tc, _ := caps["tasks"].(map[string]any)
	req, _ := tc["requests"].(map[string]any)
	if tc["list"] == nil || tc["cancel"] == nil || req["tools"].(map[string]any)["call"] == nil || caps["extensions"] != nil {
		t.Errorf("capabilities %v", caps)
	}
	list := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	if ex, _ := toolByName(t, list, "quick")["execution"].(map[string]any); ex["taskSupport"] != "optional" {
		t.Errorf("quick: %v", toolByName(t, list, "quick"))
	}
	if _, ok := toolByName(t, list, "plain")["execution"]; ok {
		t.Errorf("plain has execution")
	}

	if r := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"quick","arguments":{}}}`)); !strings.Contains(string(mustJSON(r)), "inline") {
		t.Errorf("quick inline: %v", r)
	}
	if m := w.roundTrip(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"plain","arguments":{},"task":{}}}`); errCode(m) != mcp.CodeMethodNotFound {
		t.Errorf("forbidden tool as a task: %v", m)
	}
	if m := w.roundTrip(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"must","arguments":{}}}`); errCode(m) != mcp.CodeMethodNotFound || !strings.Contains(errMessage(m), "requires task-augmented execution") {
		t.Errorf("required tool inline: %v", m)
	}

	created := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"quick","arguments":{},"task":{"ttl":60000}}}`))
	task, _ := created["task"].(map[string]any)
	id, _ := task["taskId"].(string)
	if id == "" || task["ttl"] != float64(60000) || created["resultType"] != nil {
		t.Fatalf("CreateTaskResult %v", created)
	}
	res := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":6,"method":"tasks/result","params":{"taskId":"`+id+`"}}`))
	meta, _ := res["_meta"].(map[string]any)
	rel, _ := meta[mcp.MetaRelatedTask].(map[string]any)
	if rel["taskId"] != id || !strings.Contains(string(mustJSON(res)), "as a task") {
		t.Errorf("tasks/result %v", res)
	}
	if got := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":7,"method":"tasks/get","params":{"taskId":"`+id+`"}}`)); got["status"] != "completed" || got["taskId"] != id {
		t.Errorf("tasks/get %v", got)
	}
	if got := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":8,"method":"tasks/list"}`)); len(got["tasks"].([]any)) != 1 {
		t.Errorf("tasks/list %v", got)
	}
	if m := w.roundTrip(`{"jsonrpc":"2.0","id":9,"method":"tasks/cancel","params":{"taskId":"` + id + `"}}`); errCode(m) != mcp.CodeInvalidParams {
		t.Errorf("cancelling a finished task: %v", m)
	}

	created = result(t, w.roundTrip(`{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"sleepy","arguments":{},"task":{}}}`))
	id = created["task"].(map[string]any)["taskId"].(string)
	<-tt.started
	if got := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":11,"method":"tasks/cancel","params":{"taskId":"`+id+`"}}`)); got["status"] != "cancelled" {
		t.Errorf("tasks/cancel %v", got)
	}

	// Input during a task: the question comes on the tasks/result stream, with the related-task _meta.
	created = result(t, w.roundTrip(`{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"ask","arguments":{},"task":{}}}`))
	id = created["task"].(map[string]any)["taskId"].(string)
	w.send(`{"jsonrpc":"2.0","id":13,"method":"tasks/result","params":{"taskId":"` + id + `"}}`)
	sawQuestion, sawInputRequired := false, false
	var questionID any
	for done := false; !done; {
		m := w.recv()
		switch {
		case m["method"] == mcp.MethodElicitationCreate:
			p := m["params"].(map[string]any)
			rel := p["_meta"].(map[string]any)[mcp.MetaRelatedTask].(map[string]any)
			if rel["taskId"] != id {
				t.Errorf("question without related-task: %v", m)
			}
			sawQuestion = true
			// The task waits for the answer: input_required meanwhile.
			w.send(`{"jsonrpc":"2.0","id":14,"method":"tasks/get","params":{"taskId":"` + id + `"}}`)
			questionID = m["id"]
		case m["method"] != nil:
		case m["id"] == float64(14):
			sawInputRequired = result(t, m)["status"] == "input_required"
			w.send(`{"jsonrpc":"2.0","id":` + string(mustJSON(questionID)) + `,"result":{"action":"accept","content":{"name":"Lu"}}}`)
		case m["id"] == float64(13):
			if r := result(t, m); !strings.Contains(string(mustJSON(r)), "Lu") {
				t.Errorf("tasks/result after the answer: %v", r)
			}
			done = true
		}
	}
	if !sawQuestion || !sawInputRequired {
		t.Errorf("question seen %v, input_required while asking %v", sawQuestion, sawInputRequired)
	}
}

func TestLegacyBeforeTasks(t *testing.T) {
	s := newTaskServer(t, nil, &taskTools{})
	w := rawPeer(t, s)
	caps := result(t, legacyInit(w, mcp.Version20250618))["capabilities"].(map[string]any)
	if caps["tasks"] != nil {
		t.Errorf("2025-06-18 capabilities have tasks: %v", caps)
	}
	list := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	if _, ok := toolByName(t, list, "quick")["execution"]; ok {
		t.Errorf("2025-06-18 tools/list has execution")
	}
	if m := w.roundTrip(`{"jsonrpc":"2.0","id":2,"method":"tasks/get","params":{"taskId":"x"}}`); errCode(m) != mcp.CodeMethodNotFound {
		t.Errorf("tasks/get in 2025-06-18: %v", m)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
