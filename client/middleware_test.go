package client_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestMiddleware: Options.Middleware sees every request of the session (the handshake's too) in order,
// outermost first; what SetMeta adds reaches the server in params._meta beside the session's own members
// (progress token, 2026-07-28 fields); the id the request went out with is in Request.ID afterwards; a
// JSON-RPC error comes back through the chain as *jsonrpc.Error.
func TestMiddleware(t *testing.T) {
	for _, v := range []string{mcp.Version20251125, mcp.Version20260728} {
		t.Run(v, func(t *testing.T) {
			s := server.New("t", "1", nil)
			var seenMu sync.Mutex
			var seen []string // "method traceparent" as the server got them
			s.Use(func(next server.Handler) server.Handler {
				return func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
					tp := ""
					if r.Meta != nil {
						tp = string(r.Meta.TraceParent)
					}
					seenMu.Lock()
					seen = append(seen, r.Method+" "+tp)
					seenMu.Unlock()
					return next(ctx, r)
				}
			})
			server.Tool(s, "echo", "", func(ctx context.Context, _ noArgs) (string, error) { return "hi", nil })
			var order []string
			var ids []jsonrpc.ID
			outer := func(next client.Invoker) client.Invoker {
				return func(ctx context.Context, req *client.Request) (jsontext.Value, error) {
					order = append(order, "outer "+req.Method)
					if req.Era.String() == "unknown" || req.ProtocolVersion == "" {
						t.Errorf("%s: era %v, version %q", req.Method, req.Era, req.ProtocolVersion)
					}
					if err := req.SetMeta("traceparent", jsontext.Value(`"first"`)); err != nil {
						t.Error(err)
					}
					return next(ctx, req)
				}
			}
			inner := func(next client.Invoker) client.Invoker {
				return func(ctx context.Context, req *client.Request) (jsontext.Value, error) {
					order = append(order, "inner "+req.Method)
					for _, k := range []string{"progressToken", "io.modelcontextprotocol/protocolVersion", ""} {
						if err := req.SetMeta(k, jsontext.Value(`1`)); err == nil {
							t.Errorf("SetMeta(%q) accepted", k)
						}
					}
					if err := req.SetMeta("x", jsontext.Value(`{bad`)); err == nil {
						t.Error("SetMeta accepted invalid JSON")
					}
					_ = req.SetMeta("traceparent", jsontext.Value(`"00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"`))
					res, err := next(ctx, req)
					ids = append(ids, req.ID)
					return res, err
				}
			}
			sess := connect(t, s, &client.Options{ProtocolVersion: v, Middleware: []client.Middleware{outer, inner}})
			ctx := context.Background()
			progress := client.WithProgress(ctx, func(*mcp.ProgressParams) {})
			if _, err := sess.CallTool(progress, "echo", noArgs{}); err != nil {
				t.Fatal(err)
			}
			_, err := sess.CallTool(ctx, "missing", noArgs{})
			var rpcErr *jsonrpc.Error
			if !errors.As(err, &rpcErr) {
				t.Fatalf("unknown tool: %v, want a *jsonrpc.Error", err)
			}
			first := "initialize"
			if v == mcp.Version20260728 {
				first = "server/discover"
			}
			want := []string{"outer " + first, "inner " + first, "outer tools/call", "inner tools/call", "outer tools/call", "inner tools/call"}
			if strings.Join(order, ",") != strings.Join(want, ",") {
				t.Fatalf("middleware order %v, want %v", order, want)
			}
			for i, id := range ids {
				if !id.IsValid() || (i > 0 && id == ids[i-1]) {
					t.Fatalf("request ids %v", ids)
				}
			}
			seenMu.Lock()
			defer seenMu.Unlock()
			tp := `"00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"`
			wantSeen := []string{first + " " + tp, "tools/call " + tp, "tools/call " + tp}
			if strings.Join(seen, ",") != strings.Join(wantSeen, ",") {
				t.Fatalf("server saw %v, want %v", seen, wantSeen)
			}
		})
	}
}

// TestMiddlewareMetaReplacesCallers: a key a middleware sets with SetMeta that the caller's own _meta
// (Session.Call's params) also has is sent once, with the middleware's value — a proxy forwarding its
// caller's traceparent through a traced session sends valid JSON, which a strict server (ours) accepts —
// and the caller's other members are kept, in both eras.
func TestMiddlewareMetaReplacesCallers(t *testing.T) {
	const mine = `"00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"`
	for _, v := range []string{mcp.Version20251125, mcp.Version20260728} {
		t.Run(v, func(t *testing.T) {
			s := server.New("t", "1", nil)
			var got []string
			var mu sync.Mutex
			s.Use(func(next server.Handler) server.Handler {
				return func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
					if r.Method == "tools/call" {
						mu.Lock()
						got = append(got, string(r.Meta.TraceParent)+" "+string(r.Meta.TraceState)+" "+string(r.Meta.Extra["x.example/k"]))
						mu.Unlock()
					}
					return next(ctx, r)
				}
			})
			server.Tool(s, "echo", "", func(ctx context.Context, _ noArgs) (string, error) { return "hi", nil })
			set := func(next client.Invoker) client.Invoker {
				return func(ctx context.Context, req *client.Request) (jsontext.Value, error) {
					_ = req.SetMeta("traceparent", jsontext.Value(mine))
					return next(ctx, req)
				}
			}
			sess := connect(t, s, &client.Options{ProtocolVersion: v, Middleware: []client.Middleware{set}})
			for _, params := range []string{
				`{"_meta":{"traceparent":"00-11111111111111111111111111111111-2222222222222222-01","tracestate":"a=b", "x.example/k":1},"name":"echo","arguments":{}}`,
				`{"_meta":{"x.example/k":1 ,"traceparent":"00-11111111111111111111111111111111-2222222222222222-01","tracestate":"a=b"},"name":"echo","arguments":{}}`,
			} {
				if _, err := sess.Call(context.Background(), "tools/call", jsontext.Value(params)); err != nil {
					t.Fatalf("%s: %v", params, err)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			want := mine + ` "a=b" 1`
			if len(got) != 2 || got[0] != want || got[1] != want {
				t.Fatalf("server saw %q, want twice %q", got, want)
			}
		})
	}
}
