package streamable_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

func TestLegacyStatusCodes(t *testing.T) {
	e := newEnv(t, demo.New(), &streamable.Options{MaxBodyBytes: 4096})
	sid := e.initialize(mcp.Version20251125)
	call := `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}`
	sess := "Mcp-Session-Id: " + sid
	tests := []struct {
		name   string
		method string
		body   string
		hdrs   []string
		status int
		code   int // JSON-RPC error code in the body, 0 = none checked
	}{
		{"call in session", "POST", call, []string{sess}, 200, 0},
		{"missing session id", "POST", call, nil, 400, mcp.CodeInvalidRequest},
		{"unknown session", "POST", call, []string{"Mcp-Session-Id: nope"}, 404, 0},
		{"unsupported protocol version", "POST", call, []string{sess, "MCP-Protocol-Version: 1999-01-01"}, 400, 0},
		{"missing protocol version means 2025-03-26", "POST", call, []string{sess}, 200, 0},
		{"notification", "POST", `{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}`, []string{sess}, 202, 0},
		{"response to nothing", "POST", `{"jsonrpc":"2.0","id":"s99","result":{}}`, []string{sess}, 202, 0},
		{"malformed JSON", "POST", `{"jsonrpc":`, []string{sess}, 400, mcp.CodeParseError},
		{"invalid request", "POST", `{"jsonrpc":"1.0","id":1,"method":"x"}`, []string{sess}, 400, mcp.CodeInvalidRequest},
		{"wrong content type", "POST", call, []string{sess, "Content-Type: text/plain"}, 415, 0},
		{"content type with a JSON prefix", "POST", call, []string{sess, "Content-Type: application/jsonx"}, 415, 0},
		{"content type with a bad charset", "POST", call, []string{sess, "Content-Type: application/json; charset=latin1"}, 415, 0},
		{"content type with utf-8", "POST", call, []string{sess, "Content-Type: Application/JSON; charset=UTF-8"}, 200, 0},
		{"accept lacks event-stream", "POST", call, []string{sess, "Accept: application/json"}, 406, 0},
		{"body too large", "POST", `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"` + strings.Repeat("a", 5000) + `"}}`, []string{sess}, 413, 0},
		{"batch outside 2025-03-26", "POST", `[` + call + `]`, []string{sess}, 400, mcp.CodeInvalidRequest},
		{"bad origin", "POST", call, []string{sess, "Origin: http://evil.example.com"}, 403, 0},
		{"loopback origin", "POST", call, []string{sess, "Origin: http://localhost:6274"}, 200, 0},
		{"GET without session", "GET", "", []string{"Accept: text/event-stream"}, 405, 0},
		{"DELETE without session", "DELETE", "", nil, 405, 0},
		{"GET wrong accept", "GET", "", []string{sess, "Accept: application/json"}, 406, 0},
		{"PUT", "PUT", "", nil, 405, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.do(context.Background(), tt.method, tt.body, tt.hdrs...)
			body := readJSON(t, resp)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%v)", resp.StatusCode, tt.status, body)
			}
			if tt.code != 0 && code(body) != tt.code {
				t.Errorf("code %d, want %d (%v)", code(body), tt.code, body)
			}
		})
	}
}

func TestBadHostIsForbidden(t *testing.T) {
	e := newEnv(t, demo.New(), nil)
	req, _ := http.NewRequest("POST", e.url, strings.NewReader(`{}`))
	req.Host = "evil.example.com"
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("status %d for a foreign Host", resp.StatusCode)
	}
	e2 := newEnv(t, demo.New(), &streamable.Options{AllowedHosts: []string{"mcp.example.com"}})
	req, _ = http.NewRequest("POST", e2.url, strings.NewReader(`{}`))
	req.Host = "mcp.example.com"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, _ = e2.ts.Client().Do(req)
	resp.Body.Close()
	if resp.StatusCode == 403 {
		t.Fatal("an allowed host was refused")
	}
}

func TestSessionLifecycle(t *testing.T) {
	e := newEnv(t, demo.New(), &streamable.Options{MaxSessions: 2})
	a := e.initialize(mcp.Version20251125)
	b := e.initialize(mcp.Version20250618)
	if a == b {
		t.Fatal("session ids repeat")
	}
	for _, c := range a {
		if c < 0x21 || c > 0x7e {
			t.Fatalf("session id has a non-visible character: %q", a)
		}
	}
	resp := e.post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	body := readJSON(t, resp)
	if resp.StatusCode != 503 || !strings.Contains(fmt.Sprint(body), "maximum number of sessions") {
		t.Fatalf("third session: %d %v", resp.StatusCode, body)
	}
	// A second GET stream on one session is refused.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	get := e.do(ctx, "GET", "", "Mcp-Session-Id: "+a, "Accept: text/event-stream")
	if get.StatusCode != 200 || get.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET stream: %d", get.StatusCode)
	}
	defer get.Body.Close()
	if _, err := newSSE(get.Body).next(); err != nil { // the priming event
		t.Fatal(err)
	}
	second := e.do(context.Background(), "GET", "", "Mcp-Session-Id: "+a, "Accept: text/event-stream")
	second.Body.Close()
	if second.StatusCode != 409 {
		t.Errorf("second GET stream: %d, want 409", second.StatusCode)
	}
	// DELETE ends the session; the id is then unknown.
	del := e.do(context.Background(), "DELETE", "", "Mcp-Session-Id: "+a)
	del.Body.Close()
	if del.StatusCode != 204 {
		t.Fatalf("DELETE: %d", del.StatusCode)
	}
	after := e.post(`{"jsonrpc":"2.0","id":2,"method":"ping"}`, "Mcp-Session-Id: "+a)
	after.Body.Close()
	if after.StatusCode != 404 {
		t.Errorf("request after DELETE: %d, want 404", after.StatusCode)
	}
	// The slot is free again.
	e.initialize(mcp.Version20251125)
}

func TestModernStatusCodes(t *testing.T) {
	e := newEnv(t, demo.New(), nil)
	call := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},` + modernMeta + `}}`
	tests := []struct {
		name   string
		body   string
		hdrs   []string
		status int
		code   int
	}{
		{"ok", call, modernHeaders("tools/call", "add"), 200, 0},
		{"session id ignored", call, append(modernHeaders("tools/call", "add"), "Mcp-Session-Id: whatever", "Last-Event-ID: x/1"), 200, 0},
		{"base64 name", call, modernHeaders("tools/call", "=?base64?YWRk?="), 200, 0},
		{"name mismatch", call, modernHeaders("tools/call", "multiply"), 400, mcp.CodeHeaderMismatch},
		{"name missing", call, modernHeaders("tools/call"), 400, mcp.CodeHeaderMismatch},
		{"bad base64", call, modernHeaders("tools/call", "=?base64?!!!?="), 400, mcp.CodeHeaderMismatch},
		{"method mismatch", call, modernHeaders("tools/list"), 400, mcp.CodeHeaderMismatch},
		{"method missing", call, []string{"MCP-Protocol-Version: 2026-07-28", "Mcp-Name: add"}, 400, mcp.CodeHeaderMismatch},
		{"version missing", call, []string{"Mcp-Method: tools/call", "Mcp-Name: add"}, 400, mcp.CodeHeaderMismatch},
		{"version mismatch", strings.Replace(call, `"2026-07-28"`, `"v999.0.0"`, 1), modernHeaders("tools/call", "add"), 400, mcp.CodeHeaderMismatch},
		{"unsupported version", strings.Replace(call, `"2026-07-28"`, `"v999.0.0"`, 1), []string{"MCP-Protocol-Version: v999.0.0", "Mcp-Method: tools/call", "Mcp-Name: add"}, 400, mcp.CodeUnsupportedProtocolVersion},
		{"missing capabilities", `{"jsonrpc":"2.0","id":8,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`, modernHeaders("server/discover"), 400, mcp.CodeInvalidParams},
		{"no meta", `{"jsonrpc":"2.0","id":9,"method":"server/discover"}`, modernHeaders("server/discover"), 400, mcp.CodeInvalidParams},
		{"unknown method", `{"jsonrpc":"2.0","id":10,"method":"nope/nope","params":{` + modernMeta + `}}`, modernHeaders("nope/nope"), 404, mcp.CodeMethodNotFound},
		{"initialize is not modern", `{"jsonrpc":"2.0","id":11,"method":"initialize","params":{` + modernMeta + `}}`, modernHeaders("initialize"), 404, mcp.CodeMethodNotFound},
		{"ping removed", `{"jsonrpc":"2.0","id":12,"method":"ping","params":{` + modernMeta + `}}`, modernHeaders("ping"), 404, mcp.CodeMethodNotFound},
		{"resource not found", `{"jsonrpc":"2.0","id":13,"method":"resources/read","params":{"uri":"x://y",` + modernMeta + `}}`, modernHeaders("resources/read", "x://y"), 400, mcp.CodeInvalidParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.post(tt.body, tt.hdrs...)
			body := readJSON(t, resp)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%v)", resp.StatusCode, tt.status, body)
			}
			if resp.Header.Get("Mcp-Session-Id") != "" {
				t.Errorf("a modern response carries a session id")
			}
			if tt.code != 0 && code(body) != tt.code {
				t.Errorf("code %d, want %d (%v)", code(body), tt.code, body)
			}
			if tt.code == 0 {
				if r, _ := body["result"].(map[string]any); r["resultType"] != "complete" {
					t.Errorf("result = %v", body)
				}
			}
		})
	}
}
