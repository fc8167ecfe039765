package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"context"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

type regionArgs struct {
	Region *string `json:"region,omitempty" jsonschema:"x-mcp-header=Region"`
	Count  int     `json:"count,omitempty" jsonschema:"x-mcp-header=Count"`
	Where  *struct {
		Zone string `json:"zone" jsonschema:"x-mcp-header=Zone"`
	} `json:"where,omitempty"`
}

// TestParamHeaders: on 2026-07-28 HTTP requests the Mcp-Param-* headers of x-mcp-header arguments must
// match the body (plain or strict =?base64?…?=), or the request is refused with 400 and -32020.
func TestParamHeaders(t *testing.T) {
	s := server.New("h", "1", nil)
	server.Tool(s, "route", "", func(ctx context.Context, in regionArgs) (string, error) { return fmt.Sprint(in.Region), nil })
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	h := streamable.NewHandler(s, nil)
	ts := httptest.NewServer(h)
	defer ts.Close()
	defer h.Close(context.Background())

	post := func(args string, hdr map[string]string) (int, string) {
		body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"route","arguments":%s,%s}}`, args, modernMeta)
		req, _ := http.NewRequest("POST", ts.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", mcp.Version20260728)
		req.Header.Set("Mcp-Method", "tools/call")
		req.Header.Set("Mcp-Name", "route")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, c := range []struct {
		name string
		args string
		hdr  map[string]string
		ok   bool
	}{
		{"plain", `{"region":"eu-west"}`, map[string]string{"Mcp-Param-Region": "eu-west"}, true},
		{"base64", `{"region":"Hello"}`, map[string]string{"Mcp-Param-Region": "=?base64?SGVsbG8=?="}, true},
		{"number", `{"count":3}`, map[string]string{"Mcp-Param-Count": "3"}, true},
		{"neither", `{}`, nil, true},
		{"null is no value", `{"region":null}`, nil, true},
		{"nested", `{"where":{"zone":"z1"}}`, map[string]string{"Mcp-Param-Zone": "z1"}, true},
		{"nested missing header", `{"where":{"zone":"z1"}}`, nil, false},
		{"literal without suffix", `{"region":"=?base64?SGVsbG8="}`, map[string]string{"Mcp-Param-Region": "=?base64?SGVsbG8="}, true},
		{"missing header", `{"region":"eu-west"}`, nil, false},
		{"header without argument", `{}`, map[string]string{"Mcp-Param-Region": "eu-west"}, false},
		{"mismatch", `{"region":"eu-west"}`, map[string]string{"Mcp-Param-Region": "us-east"}, false},
		{"bad padding", `{"region":"Hello"}`, map[string]string{"Mcp-Param-Region": "=?base64?SGVsbG8?="}, false},
		{"bad characters", `{"region":"Hello"}`, map[string]string{"Mcp-Param-Region": "=?base64?SGVs!!!bG8=?="}, false},
	} {
		status, body := post(c.args, c.hdr)
		if c.ok && (status != 200 || !strings.Contains(body, `"result"`)) {
			t.Errorf("%s: %d %s", c.name, status, body)
		}
		if !c.ok && (status != 400 || !strings.Contains(body, "-32020")) {
			t.Errorf("%s: %d %s, want 400 with -32020", c.name, status, body)
		}
	}
}

func TestParamHeaderRegistrationErrors(t *testing.T) {
	s := server.New("h", "1", nil)
	s.AddRawTool(mcp.Tool{Name: "dup", InputSchema: []byte(`{"type":"object","properties":{"a":{"type":"string","x-mcp-header":"X"},"b":{"type":"string","x-mcp-header":"x"}}}`)}, nil)
	s.AddRawTool(mcp.Tool{Name: "obj", InputSchema: []byte(`{"type":"object","properties":{"a":{"type":"object","x-mcp-header":"A"}}}`)}, nil)
	s.AddRawTool(mcp.Tool{Name: "num", InputSchema: []byte(`{"type":"object","properties":{"a":{"type":"number","x-mcp-header":"A"}}}`)}, nil)
	s.AddRawTool(mcp.Tool{Name: "nested", InputSchema: []byte(`{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"string","x-mcp-header":"B c"}}}}}`)}, nil)
	type badName struct {
		A string `json:"a" jsonschema:"x-mcp-header=Bad Name"`
	}
	server.Tool(s, "typed", "", func(ctx context.Context, in badName) (string, error) { return "", nil })
	err := s.Err()
	if err == nil || !strings.Contains(err.Error(), `"typed"`) || !strings.Contains(err.Error(), `"dup"`) || !strings.Contains(err.Error(), `"obj"`) || !strings.Contains(err.Error(), `"num"`) || !strings.Contains(err.Error(), `"nested"`) {
		t.Fatalf("Err() = %v", err)
	}
}
