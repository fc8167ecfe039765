package server_test

import (
	"context"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/server"
)

// BenchmarkScopeCheck: a 2026-07-28 tools/call straight into the server, without authentication, with a
// principal and no declared scopes, and with a principal whose scopes the tool requires (the check decodes
// the tool name once more).
func BenchmarkScopeCheck(b *testing.B) {
	params := jsontext.Value(`{"name":"add","arguments":{"a":1,"b":2},` + taskMeta + `}`)
	p := &auth.Principal{Subject: "ann", Issuer: "https://as.example", Scopes: []string{"User.Read"}}
	for _, c := range []struct {
		name      string
		principal bool
		scoped    bool
	}{{"no-auth", false, false}, {"principal-unscoped", true, false}, {"principal-scoped", true, true}} {
		b.Run(c.name, func(b *testing.B) {
			s := server.New("bench", "1", nil)
			server.Tool(s, "add", "", func(ctx context.Context, in struct{ A, B int }) (int, error) { return in.A + in.B, nil })
			if c.scoped {
				s.RequireToolScopes("add", "User.Read")
			}
			ctx := context.Background()
			if c.principal {
				ctx = auth.WithPrincipal(ctx, p)
			}
			m := &jsonrpc.Message{ID: jsonrpc.Int64ID(1), Method: "tools/call", Params: params}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Stateless().HandleRequest(ctx, m, nopPeer{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
