package server_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestOutboundMiddleware: Options.OutboundMiddleware wraps each server-to-client request of a legacy
// session, outermost first, with the asking request at hand; SetMeta adds members to the params' _meta
// (beside the ones the handler put there; the server's own keys and invalid JSON are refused); the id the
// request was sent with is set when the next invoker returns, and it is the id the client's
// HandlerMiddleware sees, with the session's era and version.
func TestOutboundMiddleware(t *testing.T) {
	var mu sync.Mutex
	var log []string
	note := func(format string, args ...any) {
		mu.Lock()
		log = append(log, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	outer := func(next server.OutboundInvoker) server.OutboundInvoker {
		return func(ctx context.Context, req *server.OutboundRequest) (jsontext.Value, error) {
			note("outer %s asked by %s", req.Method, req.Request.Method)
			if err := req.SetMeta("traceparent", jsontext.Value(`"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"`)); err != nil {
				t.Error(err)
			}
			for _, bad := range []struct {
				key string
				val jsontext.Value
			}{{"progressToken", jsontext.Value(`1`)}, {"io.modelcontextprotocol/related-task", jsontext.Value(`{}`)}, {"x", jsontext.Value(`{`)}, {"", jsontext.Value(`1`)}} {
				if err := req.SetMeta(bad.key, bad.val); err == nil {
					t.Errorf("SetMeta(%q, %s) accepted", bad.key, bad.val)
				}
			}
			return next(ctx, req)
		}
	}
	inner := func(next server.OutboundInvoker) server.OutboundInvoker {
		return func(ctx context.Context, req *server.OutboundRequest) (jsontext.Value, error) {
			note("inner %s", req.Method)
			_ = req.SetMeta("x-test", jsontext.Value(`{"a":1}`))
			res, err := next(ctx, req)
			note("sent %s id %s", req.Method, req.ID)
			return res, err
		}
	}
	s := server.New("t", "1", &server.Options{OutboundMiddleware: []server.OutboundMiddleware{outer, inner}})
	server.Tool(s, "ask", "", func(ctx context.Context, _ struct{}) (string, error) {
		res, err := server.ElicitWith(ctx, &mcp.ElicitParams{Message: "name?", RequestedSchema: jsontext.Value(`{"type":"object","properties":{}}`),
			Meta: &mcp.RequestMeta{Extra: map[string]jsontext.Value{"mine": jsontext.Value(`true`)}}})
		if err != nil {
			return "", err
		}
		if _, err := server.Roots(ctx); err != nil {
			return "", err
		}
		return string(res.Action), nil
	})
	sess := connect(t, s, &client.Options{ProtocolVersion: mcp.Version20251125,
		HandlerMiddleware: []client.HandlerMiddleware{func(next client.InboundHandler) client.InboundHandler {
			return func(ctx context.Context, req *client.InboundRequest) (jsontext.Value, error) {
				note("client %s id %s era %s version %s", req.Method, req.ID, req.Era, req.ProtocolVersion)
				return next(ctx, req)
			}
		}},
		OnElicit: func(_ context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			if p.Meta == nil || string(p.Meta.TraceParent) != `"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"` ||
				string(p.Meta.Extra["x-test"]) != `{"a":1}` || string(p.Meta.Extra["mine"]) != `true` {
				t.Errorf("the client got _meta %+v, want traceparent, x-test and mine", p.Meta)
			}
			return &mcp.ElicitResult{Action: mcp.ElicitActionDecline}, nil
		},
		Roots: []mcp.Root{},
	})
	res, err := sess.CallTool(context.Background(), "ask", struct{}{})
	if err != nil || res.IsError || res.Content[0].Text != "decline" {
		t.Fatalf("ask: %v %+v", err, res)
	}
	mu.Lock()
	defer mu.Unlock()
	var ids []string
	for _, l := range log {
		var m, id string
		if n, _ := fmt.Sscanf(l, "sent %s id %s", &m, &id); n == 2 {
			ids = append(ids, id)
		}
	}
	if len(ids) != 2 || ids[0] == ids[1] {
		t.Fatalf("ids %v; log %q", ids, log)
	}
	want := []string{
		"outer elicitation/create asked by tools/call", "inner elicitation/create",
		"client elicitation/create id " + ids[0] + " era legacy version 2025-11-25", "sent elicitation/create id " + ids[0],
		"outer roots/list asked by tools/call", "inner roots/list",
		"client roots/list id " + ids[1] + " era legacy version 2025-11-25", "sent roots/list id " + ids[1],
	}
	if !slices.Equal(log, want) {
		t.Errorf("log\n%q\nwant\n%q", log, want)
	}
}
