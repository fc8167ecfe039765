package streamable_test

import (
	"context"
	"testing"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

type routed struct {
	Region string `json:"region" jsonschema:"x-mcp-header=Region"`
}

// TestClientRelearnsToolHeaders: a 2026-07-28 client that calls an x-mcp-header tool it never listed is
// refused (-32020: the Mcp-Param-Region header is missing); the transport lists the tools itself and
// retries once, with the header, and the call succeeds.
func TestClientRelearnsToolHeaders(t *testing.T) {
	s := server.New("t", "1", nil)
	server.Tool(s, "route", "", func(ctx context.Context, in routed) (string, error) { return "to " + in.Region, nil })
	ts, rec := serveClientTest(t, s, nil)
	sess, err := client.Connect(testCtx(t), newClient(t, ts, "", nil), &client.Options{ProtocolVersion: mcp.Version20260728})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	res, err := sess.CallTool(testCtx(t), "route", map[string]string{"region": "eu-west"})
	if err != nil || res.IsError || textOf(res) != "to eu-west" {
		t.Fatalf("call: %+v %v", res, err)
	}
	if n := rec.count(posts(mcp.MethodToolsList)); n != 1 {
		t.Fatalf("%d tools/list requests, want the transport's one", n)
	}
	calls := 0
	withHeader := 0
	rec.mu.Lock()
	for _, r := range rec.requests {
		if r.rpcMethod == mcp.MethodToolsCall {
			calls++
			if r.header.Get("Mcp-Param-Region") == "eu-west" {
				withHeader++
			}
		}
	}
	rec.mu.Unlock()
	if calls != 2 || withHeader != 1 {
		t.Fatalf("%d tools/call POSTs (%d with the header), want 2 (1)", calls, withHeader)
	}
	// Known now: the next call goes out right the first time.
	if _, err := sess.CallTool(testCtx(t), "route", map[string]string{"region": "us"}); err != nil {
		t.Fatal(err)
	}
	if n := rec.count(posts(mcp.MethodToolsList)); n != 1 {
		t.Fatalf("%d tools/list requests after a second call, want 1", n)
	}
}
