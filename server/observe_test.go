package server_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestObserveSeesEveryRequest: an observer sees requests refused before the middleware of Use (an
// unknown method), with the era and transport filled once next returns, and ToolError for isError
// results; Use middleware does not see the refused one.
func TestObserveSeesEveryRequest(t *testing.T) {
	s := server.New("t", "1", nil)
	server.Tool(s, "fail", "fails", func(ctx context.Context, in struct{}) (int, error) { return 0, errors.New("no") })
	type seen struct {
		method, transport string
		era               mcp.Era
		toolErr           bool
		code              int64
	}
	var mu sync.Mutex
	var observed []seen
	var used []string
	s.Observe(func(next server.Handler) server.Handler {
		return func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
			res, err := next(ctx, r)
			var code int64
			if e, ok := err.(*jsonrpc.Error); ok {
				code = e.Code
			}
			mu.Lock()
			observed = append(observed, seen{r.Method, r.Transport(), r.Era, r.ToolError(), code})
			mu.Unlock()
			return res, err
		}
	})
	s.Use(func(next server.Handler) server.Handler {
		return func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
			mu.Lock()
			used = append(used, r.Method)
			mu.Unlock()
			return next(ctx, r)
		}
	})
	conn := jsonrpc.NewConn(serve(t, s), jsonrpc.ConnOptions{})
	conn.Start()
	defer conn.Close()
	ctx := context.Background()
	if _, err := conn.CallRaw(ctx, "tools/list", nil); err == nil {
		t.Fatal("tools/list before initialize answered")
	}
	if _, err := conn.CallRaw(ctx, mcp.MethodInitialize, jsontext.Value(`{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.CallRaw(ctx, "no/such", nil); err == nil {
		t.Fatal("an unknown method answered")
	}
	if _, err := conn.CallRaw(ctx, mcp.MethodToolsCall, jsontext.Value(`{"name":"fail","arguments":{}}`)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []seen{
		{"tools/list", "memory", mcp.EraUnknown, false, mcp.CodeInvalidParams},
		{"initialize", "memory", mcp.EraLegacy, false, 0},
		{"no/such", "memory", mcp.EraLegacy, false, mcp.CodeMethodNotFound},
		{"tools/call", "memory", mcp.EraLegacy, true, 0},
	}
	if len(observed) != len(want) {
		t.Fatalf("observed %+v, want %+v", observed, want)
	}
	for i := range want {
		if observed[i] != want[i] {
			t.Errorf("request %d: observed %+v, want %+v", i, observed[i], want[i])
		}
	}
	if len(used) != 2 || used[0] != "initialize" || used[1] != "tools/call" {
		t.Errorf("Use middleware saw %v, want [initialize tools/call]", used)
	}
}
