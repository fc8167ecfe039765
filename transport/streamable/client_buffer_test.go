package streamable_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
)

// TestClientWriteKeepsNoCallerBuffer: Write must not read the caller's buffer after it returns (jsonrpc.Conn
// puts it back in a pool at once). A 2026-07-28 tools/call's Mcp-Param-* headers are computed in the
// background; they were read from the caller's buffer, so a buffer reused right after Write changed the
// headers of the call already written (and was a data race, seen under -race by interop's TestCluster).
func TestClientWriteKeepsNoCallerBuffer(t *testing.T) {
	s := demo.New()
	s.AddRawTool(mcp.Tool{Name: "sql", InputSchema: jsontext.Value(`{"type":"object","properties":{
		"region":{"type":"string","x-mcp-header":"Region"}}}`)},
		func(ctx context.Context, args jsontext.Value) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{{Type: "text", Text: string(args)}}}, nil
		})
	ts, rec := serveClientTest(t, s, nil)
	c := newClient(t, ts, "/", nil)
	defer c.Close()
	ctx := testCtx(t)
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}`
	// tools/list first: the client learns which arguments go into headers.
	if err := c.Write(ctx, []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{`+meta+`}}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		buf := []byte(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"sql","arguments":{"region":"us-west1"},` + meta + `}}`)
		if err := c.Write(ctx, buf); err != nil {
			t.Fatal(err)
		}
		copy(buf[bytes.Index(buf, []byte("us-west1")):], "XXXXXXXX") // the caller reuses its buffer
		if _, err := c.Read(ctx); err != nil {
			t.Fatal(err)
		}
		r, _ := rec.find(posts(mcp.MethodToolsCall))
		if got := r.header.Get("Mcp-Param-Region"); got != "us-west1" {
			t.Fatalf("call %d: Mcp-Param-Region %q, want us-west1: the client read the caller's buffer after Write returned", i, got)
		}
	}
}
