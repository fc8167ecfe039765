package streamable_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// With JSONResponse, a request cannot ask the client anything on its own response (its messages before
// the answer are dropped): a server→client request fails at once instead of waiting ClientRequestTimeout
// for an answer to a question the client never saw (found in review).
func TestJSONOnlyRefusesServerRequests(t *testing.T) {
	s := server.New("t", "1", &server.Options{ClientRequestTimeout: time.Minute})
	server.Tool(s, "roots", "", func(ctx context.Context, _ struct{}) (string, error) {
		_, err := server.Roots(ctx)
		return "", err
	})
	e := newEnv(t, s, &streamable.Options{JSONResponse: true})
	resp := e.post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"roots":{}},"clientInfo":{"name":"t","version":"1"}}}`)
	sid := resp.Header.Get("Mcp-Session-Id")
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := e.do(ctx, "POST", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"roots","arguments":{}}}`, "Mcp-Session-Id: "+sid, "MCP-Protocol-Version: 2025-11-25")
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		t.Fatalf("the call waited for an answer to a request the client never saw: %v", err)
	}
	if !strings.Contains(string(b), `"isError":true`) || !strings.Contains(string(b), "JSONResponse") {
		t.Fatalf("got %s, want an isError result naming JSONResponse", b)
	}
}
