package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpkit/mcpkit/internal/redistest"
)

// TestServeRedisSharesSessions runs two `mcpkit serve --redis` processes on one Redis: a legacy session
// initialized on the first is served by the second.
func TestServeRedisSharesSessions(t *testing.T) {
	rs := redistest.Start(t)
	a := serveHTTP(t, "--redis", rs.URL(0))
	b := serveHTTP(t, "--redis", rs.URL(0))

	status, sid, body := post(t, a, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if status != http.StatusOK || sid == "" {
		t.Fatalf("initialize on A: %d, session %q, %s", status, sid, body)
	}
	if status, _, body := post(t, a, sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); status != http.StatusAccepted {
		t.Fatalf("initialized on A: %d %s", status, body)
	}
	status, _, body = post(t, b, sid, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":5,"b":10}}}`)
	if status != http.StatusOK || !strings.Contains(body, `"text":"15"`) {
		t.Fatalf("tools/call on B with A's session: %d %s", status, body)
	}
	// A 2026-07-28 requestState sealed on A (book_trip asks the user) opens on B: the key ring is shared.
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"elicitation":{}}}`
	status, _, body = postModern(t, a, "book_trip", `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"book_trip","arguments":{"date":"2024-12-25"},`+meta+`}}`)
	var first struct {
		Result struct {
			ResultType   string `json:"resultType"`
			RequestState string `json:"requestState"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(body), &first); status != http.StatusOK || err != nil || first.Result.RequestState == "" {
		t.Fatalf("book_trip on A: %d %s (%v)", status, body, err)
	}
	state, _ := json.Marshal(first.Result.RequestState)
	retry := `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"book_trip","arguments":{"date":"2024-12-25"},` +
		`"inputResponses":{"elicit-1":{"action":"accept","content":{"checkAlternative":true}}},"requestState":` + string(state) + `,` + meta + `}}`
	status, _, body = postModern(t, b, "book_trip", retry)
	if status != http.StatusOK || !strings.Contains(body, "Booked for 2024-12-26") {
		t.Fatalf("book_trip retried on B with A's requestState: %d %s", status, body)
	}

	// The control: without --redis, B does not know A's session.
	c := serveHTTP(t)
	if status, _, body := post(t, c, sid, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}`); status != http.StatusNotFound {
		t.Fatalf("a node without Redis answered %d for another node's session, want 404: %s", status, body)
	}
}

// TestServeRedisRefusals: a malformed --redis URL or an unreachable Redis stops serve at once with exit 1
// and a message naming the flag (and no password).
func TestServeRedisRefusals(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"bogus://127.0.0.1:6379", "invalid URL scheme"},
		{"redis://user:secret@127.0.0.1:1/0", "Redis does not answer"},
	} {
		_, stderr, code := mcpkit(t, "serve", "--addr", "127.0.0.1:0", "--redis", tc.url)
		if code != exitError || !strings.Contains(stderr, "mcpkit: --redis ") || !strings.Contains(stderr, tc.want) {
			t.Errorf("--redis %s: exit %d, want %d; stderr:\n%s", tc.url, code, exitError, stderr)
		}
		if strings.Contains(stderr, "secret") {
			t.Errorf("--redis %s: stderr shows the password:\n%s", tc.url, stderr)
		}
	}
	if _, stderr, code := mcpkit(t, "serve", "--stdio", "--redis", "redis://127.0.0.1:1/0"); code != exitUsage || !strings.Contains(stderr, "exclude each other") {
		t.Errorf("--stdio --redis: exit %d, stderr:\n%s", code, stderr)
	}
}

// postModern sends a 2026-07-28 tools/call of tool to url.
func postModern(t *testing.T, url, tool, body string) (int, string, string) {
	t.Helper()
	return post(t, url, "", body, "MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", tool)
}

// post sends one JSON-RPC message to url in session sid ("" for none) and returns the status, the
// Mcp-Session-Id answered and the body.
func post(t *testing.T, url, sid, body string, headers ...string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if sid != "" {
		req.Header.Set("Mcp-Session-Id", sid)
		req.Header.Set("MCP-Protocol-Version", "2025-11-25")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Mcp-Session-Id"), string(b)
}
