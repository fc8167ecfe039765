package streamable_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
)

// TestClientParamHeaders: in the modern era the client mirrors the arguments a tool marks with
// x-mcp-header into Mcp-Param-* headers (learned from tools/list), leaves out tools whose annotations
// are invalid, and encodes values that are not plain ASCII; Mcp-Name survives a non-ASCII URI.
func TestClientParamHeaders(t *testing.T) {
	s := demo.New()
	echoArgs := func(ctx context.Context, args jsontext.Value) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{{Type: "text", Text: string(args)}}}, nil
	}
	s.AddRawTool(mcp.Tool{Name: "sql", InputSchema: jsontext.Value(`{"type":"object","properties":{
		"region":{"type":"string","x-mcp-header":"Region"},
		"opts":{"type":"object","properties":{"dry":{"type":"boolean","x-mcp-header":"Dry"}}},
		"query":{"type":"string"}}}`)}, echoArgs)
	s.AddRawTool(mcp.Tool{Name: "bad", InputSchema: jsontext.Value(`{"type":"object","properties":{
		"ratio":{"type":"number","x-mcp-header":"Ratio"}}}`)}, echoArgs)
	ts, rec := serveClientTest(t, s, nil)
	ctx := testCtx(t)
	sess, err := client.Connect(ctx, newClient(t, ts, "/", nil), &client.Options{ProtocolVersion: mcp.Version20260728})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var names []string
	for tool, err := range sess.Tools(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
	}
	if !slices.Contains(names, "sql") || slices.Contains(names, "bad") {
		t.Errorf("tools %v: want sql and not bad", names)
	}
	lastCall := func() http.Header {
		r, _ := rec.find(posts(mcp.MethodToolsCall))
		return r.header
	}
	if _, err := sess.CallTool(ctx, "sql", map[string]any{"region": "us-west1", "opts": map[string]bool{"dry": true}, "query": "SELECT 1"}); err != nil {
		t.Fatal(err)
	}
	if h := lastCall(); h.Get("Mcp-Param-Region") != "us-west1" || h.Get("Mcp-Param-Dry") != "true" || h.Get("Mcp-Name") != "sql" {
		t.Errorf("headers %v", h)
	}
	if _, err := sess.CallTool(ctx, "sql", map[string]any{"region": "Hello, 世界", "query": "SELECT 1"}); err != nil {
		t.Fatal(err)
	}
	if h := lastCall(); h.Get("Mcp-Param-Region") != "=?base64?SGVsbG8sIOS4lueVjA==?=" || h.Values("Mcp-Param-Dry") != nil {
		t.Errorf("headers %v", h)
	}
	// The server checks Mcp-Name against the body after decoding: a non-ASCII URI must round-trip.
	res, err := sess.ReadResource(ctx, "greeting://Jürgen")
	if err != nil || len(res.Contents) != 1 || res.Contents[0].Text != "Hello, Jürgen!" {
		t.Fatalf("read: %+v %v", res, err)
	}
	if r, _ := rec.find(posts(mcp.MethodResourcesRead)); r.header.Get("Mcp-Name") != "=?base64?Z3JlZXRpbmc6Ly9Kw7xyZ2Vu?=" {
		t.Errorf("Mcp-Name %q", r.header.Get("Mcp-Name"))
	}
}
