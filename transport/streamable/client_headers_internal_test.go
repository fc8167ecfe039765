package streamable

import (
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/mcp"
)

func TestLearnTools(t *testing.T) {
	headers := map[string][]mcp.ParamHeader{"gone": {{Path: []string{"x"}, Name: "X"}}}
	res := jsontext.Value(`{"tools":[
		{"name":"ok","inputSchema":{"type":"object","properties":{"r":{"type":"string","x-mcp-header":"R"}}}},
		{"name":"bad","inputSchema":{"type":"object","properties":{"r":{"type":"number","x-mcp-header":"R"}}}},
		{"name":"gone","inputSchema":{"type":"object"}}],"nextCursor":"c"}`)
	out, removed, reasons := learnTools(res, headers)
	if len(removed) != 1 || removed[0] != "bad" || reasons[0] == nil {
		t.Fatalf("removed %v %v", removed, reasons)
	}
	if strings.Contains(string(out), `"bad"`) || !strings.Contains(string(out), `"nextCursor":"c"`) || !strings.Contains(string(out), `"ok"`) {
		t.Errorf("result %s", out)
	}
	if len(headers["ok"]) != 1 || headers["gone"] != nil || headers["bad"] != nil {
		t.Errorf("headers %v", headers)
	}
}
