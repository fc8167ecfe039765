package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestAddForwardedTool: a forwarded tool's arguments reach the handler without being checked against its
// input schema, its structuredContent is sent without being checked against its output schema, the
// schemas are listed as given, and arguments that are not a JSON object are still refused — in both eras.
// The same definition registered with AddRawTool refuses both, which is what the test contrasts.
func TestAddForwardedTool(t *testing.T) {
	def := mcp.Tool{
		Name:         "fwd",
		InputSchema:  jsontext.Value(`{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}`),
		OutputSchema: jsontext.Value(`{"type":"object","properties":{"sum":{"type":"integer"}},"required":["sum"]}`),
	}
	var got []string
	h := func(ctx context.Context, args jsontext.Value) (*mcp.CallToolResult, error) {
		got = append(got, string(args))
		return &mcp.CallToolResult{Content: []mcp.Content{mcp.TextContent("up")}, StructuredContent: jsontext.Value(`{"sum":"not a number"}`)}, nil
	}
	for _, version := range []string{mcp.Version20251125, mcp.Version20260728} {
		t.Run(version, func(t *testing.T) {
			got = nil
			s := server.New("fwd", "1", nil)
			s.AddForwardedTool(def, h)
			raw := def
			raw.Name = "raw"
			s.AddRawTool(raw, h)
			sess := connect(t, s, &client.Options{ProtocolVersion: version})
			ctx := context.Background()

			res, err := sess.CallTool(ctx, "fwd", map[string]any{"a": "x"})
			if err != nil || res.IsError || string(res.StructuredContent) != `{"sum":"not a number"}` {
				t.Fatalf("forwarded call = %+v, %v; want the handler's result unchecked", res, err)
			}
			if len(got) != 1 || got[0] != `{"a":"x"}` {
				t.Errorf("handler got %q, want the arguments as sent", got)
			}
			if res, err := sess.CallTool(ctx, "raw", map[string]any{"a": "x"}); err != nil || !res.IsError {
				t.Errorf("raw tool with bad arguments = %+v, %v; want a tool error", res, err)
			}
			if _, err := sess.CallTool(ctx, "raw", map[string]any{"a": 1}); rpcCode(err) != mcp.CodeInternalError {
				t.Errorf("raw tool with a bad structuredContent: %v, want an internal error", err)
			}

			out, err := sess.Call(ctx, mcp.MethodToolsCall, jsontext.Value(`{"name":"fwd","arguments":[1]}`))
			if err != nil {
				t.Fatal(err)
			}
			var r mcp.CallToolResult
			if err := r.UnmarshalJSONFrom(jsontext.NewDecoder(strings.NewReader(string(out)))); err != nil {
				t.Fatal(err)
			}
			if !r.IsError || len(r.Content) != 1 || !strings.Contains(r.Content[0].Text, "must be a JSON object") {
				t.Errorf("array arguments = %s; want a tool error saying they must be an object", out)
			}
			if len(got) != 2 { // the forwarded call, then the raw tool's second call; not the array
				t.Errorf("handler ran %d times, want 2", len(got))
			}

			page, err := sess.ListTools(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, tl := range page.Tools {
				if tl.Name == "fwd" && (string(tl.InputSchema) != string(def.InputSchema) || string(tl.OutputSchema) != string(def.OutputSchema)) {
					t.Errorf("listed %s / %s, want the schemas as given", tl.InputSchema, tl.OutputSchema)
				}
			}
		})
	}
}

// TestAddForwardedToolNeedsInputSchema: like AddRawTool, a definition without an input schema is refused.
func TestAddForwardedToolNeedsInputSchema(t *testing.T) {
	s := server.New("fwd", "1", nil)
	s.AddForwardedTool(mcp.Tool{Name: "x"}, nil)
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "InputSchema") {
		t.Errorf("Err = %v, want the missing InputSchema named", err)
	}
}
