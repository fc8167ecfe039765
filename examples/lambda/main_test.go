package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/awslambda"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestExampleHandler: the example's handler answers a 2026-07-28 tools/call carried in a function URL
// event through the adapter, as Lambda would invoke it.
func TestExampleHandler(t *testing.T) {
	h, closeAll, err := newHandler("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeAll)
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":5,"b":10},` +
		`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
	ev, _ := json.Marshal(map[string]any{
		"version": "2.0", "rawPath": "/mcp",
		"headers": map[string]string{"content-type": "application/json", "accept": "application/json, text/event-stream",
			"host": "abc.lambda-url.eu-west-1.on.aws", "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "add"},
		"requestContext": map[string]any{"http": map[string]string{"method": "POST", "path": "/mcp", "protocol": "HTTP/1.1", "sourceIp": "198.51.100.1"}},
		"body":           body, "isBase64Encoded": false,
	})
	out, err := awslambda.New(h, nil).Invoke(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(out, &res); err != nil || res.StatusCode != 200 || !strings.Contains(res.Body, `"15"`) {
		t.Fatalf("%s %v", out, err)
	}
}
