package server_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mcpkit/mcpkit/server"
)

type patterned struct {
	Code string `json:"code" jsonschema:"pattern=^[a-z]+$"`
}

// TestErrorsQuoteCallerInputBounded: method names, tool, prompt and resource names, URIs, log levels and
// argument values a caller sends are quoted bounded in error messages, on a UTF-8 boundary, never echoed
// in full (a 3 MB method name used to come back whole).
func TestErrorsQuoteCallerInputBounded(t *testing.T) {
	s := server.New("t", "1", nil)
	server.Tool(s, "check", "", func(ctx context.Context, in patterned) (string, error) { return "ok", nil })
	w := rawPeer(t, s)
	legacyInit(w, "2025-11-25")
	huge := strings.Repeat("é", 1<<20) // 2 MiB, two bytes a rune: a cut in the middle would split one
	for _, tc := range []struct{ name, req string }{
		{"method", `{"jsonrpc":"2.0","id":1,"method":"` + huge + `"}`},
		{"tool", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"` + huge + `"}}`},
		{"prompt", `{"jsonrpc":"2.0","id":3,"method":"prompts/get","params":{"name":"` + huge + `"}}`},
		{"uri", `{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"` + huge + `"}}`},
		{"completion", `{"jsonrpc":"2.0","id":5,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"` + huge + `"},"argument":{"name":"a","value":""}}}`},
		{"level", `{"jsonrpc":"2.0","id":6,"method":"logging/setLevel","params":{"level":"` + huge + `"}}`},
		{"argument", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"check","arguments":{"code":"` + huge + `"}}}`},
	} {
		res := w.roundTrip(tc.req)
		text := errMessage(res)
		if text == "" {
			r := result(t, res)
			content, _ := r["content"].([]any)
			if len(content) > 0 {
				text, _ = content[0].(map[string]any)["text"].(string)
			}
		}
		if text == "" {
			t.Fatalf("%s: no error in %.300v", tc.name, res)
		}
		if len(text) > 600 || !utf8.ValidString(text) || !strings.Contains(text, "…") {
			t.Errorf("%s: error message of %d bytes (valid UTF-8 %v): %.200q", tc.name, len(text), utf8.ValidString(text), text)
		}
		if e, ok := res["error"].(map[string]any); ok {
			if d, ok := e["data"].(map[string]any); ok {
				if u, _ := d["uri"].(string); len(u) > 2048 {
					t.Errorf("%s: error data echoes %d bytes", tc.name, len(u))
				}
			}
		}
	}
}
