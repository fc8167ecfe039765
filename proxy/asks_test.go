package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// askingUpstream is the demo with two more tools: "ask_roots" asks the client for its roots and reports
// what it got (a legacy client cannot tie that question to the call: to the proxy it is a question from
// the session, like server-everything's roots/list after initialized), and "ask_raw" asks the question
// given in its arguments exactly as given (server.Ask with raw params) and returns the raw answer.
func askingUpstream() *server.Server {
	up := demo.New()
	server.Tool(up, "ask_roots", "Ask the client for its roots", func(ctx context.Context, _ struct{}) (string, error) {
		roots, err := server.Roots(ctx)
		if err != nil {
			return "", err
		}
		uris := []string{}
		for _, r := range roots {
			uris = append(uris, r.URI)
		}
		return fmt.Sprintf("roots %d [%s]", len(roots), strings.Join(uris, ",")), nil
	})
	type rawArgs struct {
		Method string         `json:"method"`
		Params jsontext.Value `json:"params"`
	}
	server.Tool(up, "ask_raw", "Ask the client one question with raw params", func(ctx context.Context, in rawArgs) (string, error) {
		ans, err := server.Ask(ctx, server.Input{Method: in.Method, Params: in.Params})
		if err != nil {
			return "", err
		}
		return string(ans[0]), nil
	})
	return up
}

// TestUntiedRootsQuestion: a legacy upstream's roots/list, which names no call, is put to the downstream
// call in flight only when that call's client declared roots. Without, the question is answered by the
// proxy (the remembered roots, else an empty list) and the call goes on: before, a 2026-07-28 call
// failed with -32021 for a question it never asked (server-everything's roots/list after initialized,
// docs/BRIDGE.md). A 2026-07-28 upstream's question comes in the call and stays the call's.
func TestUntiedRootsQuestion(t *testing.T) {
	for _, pair := range pairs {
		t.Run(name(pair), func(t *testing.T) {
			r := newRigOn(t, askingUpstream(), nil, pair[0], pair[1], client.Options{}) // no roots capability
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := r.down.CallTool(ctx, "ask_roots", struct{}{})
			if r.upSession.Era() == mcp.EraModern {
				// The question is the call's own (an input_required round of the forwarded call): the call
				// fails as it would fail directly.
				if r.down.Era() == mcp.EraModern {
					var je *jsonrpc.Error
					if !errors.As(err, &je) || je.Code != mcp.CodeMissingRequiredClientCapability {
						t.Fatalf("ask_roots (the call's own question) = %+v, %v; want -32021", res, err)
					}
					return
				}
				if err != nil || !res.IsError || !strings.Contains(res.Content[0].Text, "roots") {
					t.Fatalf("ask_roots (the call's own question) = %+v, %v; want a tool error naming roots", res, err)
				}
				return
			}
			if err != nil || res.IsError || res.Content[0].Text != "roots 0 []" {
				t.Fatalf("ask_roots (a question from the session) = %+v, %v; want the call's result, with no roots", res, err)
			}
			// Roots the proxy knows (a legacy host's last roots/list_changed, or SetRoots) are the answer.
			if err := r.proxy.SetRoots(ctx, []mcp.Root{{URI: "file:///kept"}}); err != nil {
				t.Fatal(err)
			}
			res, err = r.down.CallTool(ctx, "ask_roots", struct{}{})
			if err != nil || res.IsError || res.Content[0].Text != "roots 1 [file:///kept]" {
				t.Fatalf("ask_roots with remembered roots = %+v, %v", res, err)
			}
		})
	}
}

// TestUntiedQuestionOthersUnchanged: a downstream client that declares roots is still asked (the
// question is put to the call in flight, in both eras), so only the case without the capability changed.
func TestUntiedQuestionOthersUnchanged(t *testing.T) {
	for _, pair := range pairs {
		t.Run(name(pair), func(t *testing.T) {
			r := newRigOn(t, askingUpstream(), nil, pair[0], pair[1], client.Options{Roots: []mcp.Root{{URI: "file:///host"}}})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := r.proxy.SetRoots(ctx, []mcp.Root{{URI: "file:///stale"}}); err != nil {
				t.Fatal(err)
			}
			res, err := r.down.CallTool(ctx, "ask_roots", struct{}{})
			if err != nil || res.IsError || res.Content[0].Text != "roots 1 [file:///host]" {
				t.Fatalf("ask_roots = %+v, %v; want the host's own roots", res, err)
			}
		})
	}
}

// TestRawQuestionsRelayed: an upstream question is relayed as it came and the downstream client decides:
// go-sdk's sample tool sends "messages": null and "maxTokens": 0, which server.Sample refuses to send
// ("needs at least one message") and the proxy used to refuse with it; a form elicitation without
// requestedSchema likewise (server.ElicitWith's guard).
func TestRawQuestionsRelayed(t *testing.T) {
	cases := []struct {
		name, method, params string
		check                func(t *testing.T, got any)
		answer               string // the downstream answer ask_raw returns, as a substring
	}{
		{"sampling-without-messages", mcp.MethodSamplingCreateMessage, `{"messages":null,"maxTokens":0}`,
			func(t *testing.T, got any) {
				p := got.(*mcp.CreateMessageParams)
				if len(p.Messages) != 0 || p.MaxTokens != 0 {
					t.Errorf("the downstream client was asked %+v", p)
				}
			}, `"model":"host-model"`},
		{"form-without-schema", mcp.MethodElicitationCreate, `{"message":"Go on?"}`,
			func(t *testing.T, got any) {
				p := got.(*mcp.ElicitParams)
				if p.Message != "Go on?" || len(p.RequestedSchema) != 0 {
					t.Errorf("the downstream client was asked %+v", p)
				}
			}, `"action":"decline"`},
	}
	for _, pair := range pairs {
		for _, c := range cases {
			t.Run(name(pair)+"/"+c.name, func(t *testing.T) {
				var mu sync.Mutex
				var asked []any
				r := newRigOn(t, askingUpstream(), nil, pair[0], pair[1], client.Options{
					OnSample: func(ctx context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
						mu.Lock()
						asked = append(asked, p)
						mu.Unlock()
						return &mcp.CreateMessageResult{Role: mcp.RoleAssistant, Model: "host-model",
							Content: mcp.SamplingBlock(mcp.TextContent("ok"))}, nil
					},
					OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
						mu.Lock()
						asked = append(asked, p)
						mu.Unlock()
						return &mcp.ElicitResult{Action: mcp.ElicitActionDecline}, nil
					},
				})
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				res, err := r.down.CallTool(ctx, "ask_raw", map[string]any{"method": c.method, "params": jsontext.Value(c.params)})
				if err != nil || res.IsError || !strings.Contains(res.Content[0].Text, c.answer) {
					t.Fatalf("ask_raw %s %s = %+v, %v; want the downstream client's answer", c.method, c.params, res, err)
				}
				mu.Lock()
				defer mu.Unlock()
				if len(asked) == 0 {
					t.Fatal("the downstream client was never asked")
				}
				for _, a := range asked { // once per round: a 2026-07-28 hop may replay the call
					c.check(t, a)
				}
			})
		}
	}
}

// TestURLElicitationID: a URL-mode elicitation keeps its params but for elicitationId, which the eras
// disagree on: a 2025-11-25 client needs one (the proxy gives one when a 2026-07-28 upstream sent none,
// and keeps the upstream's), a 2026-07-28 client gets none.
func TestURLElicitationID(t *testing.T) {
	for _, pair := range pairs {
		for _, upID := range []string{"", "up-1"} {
			t.Run(name(pair)+"/id="+upID, func(t *testing.T) {
				var mu sync.Mutex
				var ids []string
				r := newRigOn(t, askingUpstream(), nil, pair[0], pair[1], client.Options{
					Capabilities: mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{Form: mcp.JSONObject{}, URL: mcp.JSONObject{}}},
					OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
						mu.Lock()
						ids = append(ids, p.ElicitationID)
						mu.Unlock()
						if p.URL != "https://example.com/connect" || p.Mode != mcp.ElicitModeURL {
							t.Errorf("the downstream client was asked %+v", p)
						}
						return &mcp.ElicitResult{Action: mcp.ElicitActionAccept}, nil
					},
				})
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				params := `{"mode":"url","message":"Connect","url":"https://example.com/connect"`
				if upID != "" {
					params += `,"elicitationId":"` + upID + `"`
				}
				res, err := r.down.CallTool(ctx, "ask_raw", map[string]any{"method": mcp.MethodElicitationCreate, "params": jsontext.Value(params + "}")})
				if err != nil || res.IsError || !strings.Contains(res.Content[0].Text, `"action":"accept"`) {
					t.Fatalf("ask_raw (URL elicitation) = %+v, %v", res, err)
				}
				mu.Lock()
				defer mu.Unlock()
				for _, id := range ids {
					switch {
					case r.down.Era() == mcp.EraModern && id != "":
						t.Errorf("a 2026-07-28 client got elicitationId %q", id)
					case r.down.Era() == mcp.EraLegacy && id == "":
						t.Error("a 2025-11-25 client got no elicitationId")
					case r.down.Era() == mcp.EraLegacy && upID != "" && r.upSession.Era() == mcp.EraLegacy && id != upID:
						t.Errorf("elicitationId %q, want the upstream's %q", id, upID)
					}
				}
			})
		}
	}
}
