package server_test

import (
	"strings"
	"testing"

	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
)

// These tests check what the server puts on the wire, byte-level rules the client hides.

func TestLegacyLifecycleRules(t *testing.T) {
	w := rawPeer(t, demo.New())
	// ping is allowed before initialize; other requests are not.
	if m := w.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"ping"}`); m["result"] == nil {
		t.Errorf("ping before initialize: %v", m)
	}
	m := w.roundTrip(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	if errCode(m) != mcp.CodeInvalidParams || !strings.Contains(errMessage(m), "initialize") {
		t.Errorf("tools/list before initialize: %v", m)
	}
	// An unknown version gets the newest legacy version.
	res := result(t, legacyInit(w, "1999-01-01"))
	if res["protocolVersion"] != mcp.LatestLegacyVersion {
		t.Errorf("negotiated %v", res["protocolVersion"])
	}
	if _, ok := res["resultType"]; ok {
		t.Errorf("legacy results must not carry resultType: %v", res)
	}
	caps := res["capabilities"].(map[string]any)
	for _, c := range []string{"tools", "resources", "prompts", "logging", "completions"} {
		if caps[c] == nil {
			t.Errorf("capability %s missing: %v", c, caps)
		}
	}
	if m := w.roundTrip(`{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`); errCode(m) != mcp.CodeInvalidRequest {
		t.Errorf("second initialize: %v", m)
	}
	if m := w.roundTrip(`{"jsonrpc":"2.0","id":4,"method":"server/discover"}`); errCode(m) != mcp.CodeMethodNotFound {
		t.Errorf("server/discover on a legacy session: %v", m)
	}
	if m := w.roundTrip(`{"jsonrpc":"2.0","id":5,"method":"no/such"}`); errCode(m) != mcp.CodeMethodNotFound {
		t.Errorf("unknown method: %v", m)
	}
	if m := w.roundTrip(`{"jsonrpc":"2.0","id":6,"method":"logging/setLevel","params":{"level":"loud"}}`); errCode(m) != mcp.CodeInvalidParams {
		t.Errorf("bad level: %v", m)
	}
	// Malformed JSON: -32700 and the connection survives.
	if m := w.roundTrip(`{"jsonrpc":"2.0","id":7,`); errCode(m) != -32700 {
		t.Errorf("malformed: %v", m)
	}
	if m := w.roundTrip(`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}`); result(t, m)["isError"] == true {
		t.Errorf("after errors: %v", m)
	}
	// Batches are refused outside 2025-03-26.
	if m := w.roundTrip(`[{"jsonrpc":"2.0","id":9,"method":"ping"}]`); errCode(m) != mcp.CodeInvalidRequest {
		t.Errorf("batch at 2025-11-25: %v", m)
	}
}

func TestBatchesAt20250326(t *testing.T) {
	w := rawPeer(t, demo.New())
	legacyInit(w, mcp.Version20250326)
	w.send(`[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}}]`)
	ctxMsg := w.recvRaw()
	if !strings.HasPrefix(ctxMsg, "[") || !strings.Contains(ctxMsg, `"id":1`) || !strings.Contains(ctxMsg, `"id":2`) {
		t.Errorf("batch reply = %s", ctxMsg)
	}
}

func TestModernRules(t *testing.T) {
	w := rawPeer(t, demo.New())
	tests := []struct {
		name, msg string
		code      int
		check     func(t *testing.T, m map[string]any)
	}{
		{"discover", `{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{` + modernMeta + `}}`, 0, func(t *testing.T, m map[string]any) {
			r := result(t, m)
			if r["resultType"] != "complete" || r["cacheScope"] != "public" || r["ttlMs"] == nil {
				t.Errorf("discover result = %v", r)
			}
			if vs := r["supportedVersions"].([]any); len(vs) != len(mcp.SupportedVersions) {
				t.Errorf("supportedVersions = %v", vs)
			}
			meta := r["_meta"].(map[string]any)
			if meta["io.modelcontextprotocol/serverInfo"].(map[string]any)["name"] != "mcpkit-demo" {
				t.Errorf("serverInfo missing: %v", meta)
			}
		}},
		{"tools/list is cacheable", `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{` + modernMeta + `}}`, 0, func(t *testing.T, m map[string]any) {
			r := result(t, m)
			if r["resultType"] != "complete" || r["ttlMs"] == nil || r["cacheScope"] != "public" {
				t.Errorf("tools/list = %v", r)
			}
		}},
		{"resources/read is private", `{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"greeting://Bob",` + modernMeta + `}}`, 0, func(t *testing.T, m map[string]any) {
			r := result(t, m)
			if r["cacheScope"] != "private" || r["resultType"] != "complete" {
				t.Errorf("resources/read = %v", r)
			}
		}},
		{"missing capabilities", `{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`, mcp.CodeInvalidParams, nil},
		{"missing version", `{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/clientCapabilities":{}}}}`, mcp.CodeInvalidParams, nil},
		{"no meta at all", `{"jsonrpc":"2.0","id":6,"method":"server/discover"}`, mcp.CodeInvalidParams, nil},
		{"unknown version", `{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}`, mcp.CodeUnsupportedProtocolVersion, func(t *testing.T, m map[string]any) {
			data := m["error"].(map[string]any)["data"].(map[string]any)
			if data["requested"] != "2099-01-01" || len(data["supported"].([]any)) == 0 {
				t.Errorf("data = %v", data)
			}
		}},
		{"ping removed", `{"jsonrpc":"2.0","id":8,"method":"ping","params":{` + modernMeta + `}}`, mcp.CodeMethodNotFound, nil},
		{"setLevel removed", `{"jsonrpc":"2.0","id":9,"method":"logging/setLevel","params":{"level":"info",` + modernMeta + `}}`, mcp.CodeMethodNotFound, nil},
		{"subscribe removed", `{"jsonrpc":"2.0","id":10,"method":"resources/subscribe","params":{"uri":"command://ping",` + modernMeta + `}}`, mcp.CodeMethodNotFound, nil},
		{"unknown resource", `{"jsonrpc":"2.0","id":11,"method":"resources/read","params":{"uri":"x://y",` + modernMeta + `}}`, mcp.CodeInvalidParams, nil},
		{"bad log level", `{"jsonrpc":"2.0","id":12,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/logLevel":"loud"}}}`, mcp.CodeInvalidParams, nil},
		{"tool call", `{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":"multiply","arguments":{"first":2,"second":2.5},` + modernMeta + `}}`, 0, func(t *testing.T, m map[string]any) {
			r := result(t, m)
			if r["resultType"] != "complete" || r["structuredContent"].(map[string]any)["result"] != 5.0 {
				t.Errorf("multiply = %v", r)
			}
			if _, cached := r["ttlMs"]; cached {
				t.Errorf("tools/call is not cacheable: %v", r)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := w.roundTrip(tt.msg)
			if got := errCode(m); got != tt.code {
				t.Fatalf("code = %d, want %d: %v", got, tt.code, m)
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}
