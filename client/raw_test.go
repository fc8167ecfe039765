package client_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestCallRaw: Session.Call returns the result as the server sent it (members no mcpkit type knows
// included) and keeps the caller's _meta: as it is in 2025-11-25, merged with the per-request _meta in
// 2026-07-28.
func TestCallRaw(t *testing.T) {
	for _, version := range []string{mcp.Version20251125, mcp.FirstModernVersion} {
		t.Run(version, func(t *testing.T) {
			var mu sync.Mutex
			var seen jsontext.Value
			s := server.New("t", "1", &server.Options{Middleware: []server.Middleware{func(next server.Handler) server.Handler {
				return func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
					if r.Method != mcp.MethodToolsList {
						return next(ctx, r)
					}
					mu.Lock()
					seen = append(jsontext.Value(nil), r.Params...)
					mu.Unlock()
					return jsontext.Value(`{"tools":[],"x-extra":{"kept":true}}`), nil
				}
			}}})
			sess := connect(t, s, &client.Options{ProtocolVersion: version})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			res, err := sess.Call(ctx, mcp.MethodToolsList, jsontext.Value(`{"_meta":{"trace":"t1","n":{"a":1}},"cursor":"c"}`))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(res), `"x-extra":{"kept":true}`) {
				t.Errorf("result %s lost the unknown member", res)
			}
			mu.Lock()
			params := seen
			mu.Unlock()
			var p struct {
				Meta   map[string]jsontext.Value `json:"_meta"`
				Cursor string                    `json:"cursor"`
			}
			if err := json.Unmarshal(params, &p); err != nil { // duplicate _meta members would fail here
				t.Fatalf("params %s: %v", params, err)
			}
			if string(p.Meta["trace"]) != `"t1"` || string(p.Meta["n"]) != `{"a":1}` || p.Cursor != "c" {
				t.Errorf("params %s: the caller's _meta or cursor is missing", params)
			}
			_, modern := p.Meta["io.modelcontextprotocol/protocolVersion"]
			if modern != (version == mcp.FirstModernVersion) {
				t.Errorf("params %s: per-request _meta present = %v in %s", params, modern, version)
			}
			if _, err := sess.Call(ctx, mcp.MethodToolsList, jsontext.Value(`[1]`)); err == nil {
				t.Error("params that are not an object were sent")
			}
		})
	}
}
