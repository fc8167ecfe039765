package streamable_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// BenchmarkHTTPToolCall measures one tools/call over loopback HTTP (keep-alive), server and client in
// this process, in both eras, answered as JSON (add) or as an SSE stream (echo with its three log
// notifications).
func BenchmarkHTTPToolCall(b *testing.B) {
	h := streamable.NewHandler(demo.New(), &streamable.Options{KeepAlive: -1})
	ts := httptest.NewServer(h)
	defer ts.Close()
	client := ts.Client()

	post := func(b *testing.B, body string, hdr map[string]string) *http.Response {
		req, _ := http.NewRequest("POST", ts.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		return resp
	}
	init := post(b, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"b","version":"1"}}}`, nil)
	sid := init.Header.Get("Mcp-Session-Id")
	io.Copy(io.Discard, init.Body)
	init.Body.Close()
	legacy := map[string]string{"Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25"}
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/logLevel":"info"}`

	cases := []struct {
		name, body string
		hdr        map[string]string
		want       string
	}{
		{"legacy/json", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}`, legacy, `"text":"3"`},
		{"legacy/sse", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"message":"m"}}}`, legacy, "file content"},
		{"modern/json", `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},` + meta + `}}`,
			map[string]string{"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "add"}, `"text":"3"`},
		{"modern/sse", `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"message":"m"},` + meta + `}}`,
			map[string]string{"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "echo"}, "file content"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				resp := post(b, c.body, c.hdr)
				buf.Reset()
				_, _ = buf.ReadFrom(resp.Body)
				resp.Body.Close()
				if !bytes.Contains(buf.Bytes(), []byte(c.want)) {
					b.Fatalf("response %s", buf.Bytes())
				}
			}
		})
	}
}
