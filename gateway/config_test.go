package gateway_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

func noDial(context.Context, client.Options) (*client.Session, error) {
	return nil, errors.New("not dialled in this test")
}

func TestValidate(t *testing.T) {
	up := func(name string) gateway.Upstream { return gateway.Upstream{Name: name, Dial: noDial} }
	cases := []struct {
		name string
		cfg  gateway.Config
		want string // "" = valid
	}{
		{"two names", gateway.Config{Upstreams: []gateway.Upstream{up("github"), up("files")}}, ""},
		{"dots and dashes", gateway.Config{Upstreams: []gateway.Upstream{up("my-files.v2")}}, ""},
		{"same name without case", gateway.Config{Upstreams: []gateway.Upstream{up("Files"), up("files")}}, `collides with upstream "Files"`},
		{"prefix collision", gateway.Config{Separator: "_", Upstreams: []gateway.Upstream{up("a"), up("a-b")}}, ""},
		{"sep prefix collision", gateway.Config{Separator: "-", Upstreams: []gateway.Upstream{up("a"), up("a-b")}}, `contains the separator`},
		{"dot separator prefix", gateway.Config{Separator: ".", Upstreams: []gateway.Upstream{up("a"), up("a.b")}}, `"a.b." begins "a."`},
		{"underscore in name", gateway.Config{Upstreams: []gateway.Upstream{up("my_server")}}, `character '_'`},
		{"digit first", gateway.Config{Upstreams: []gateway.Upstream{up("1st")}}, "must start with an ASCII letter"},
		{"plus in name", gateway.Config{Upstreams: []gateway.Upstream{up("a+b")}}, `character '+'`},
		{"empty name", gateway.Config{Upstreams: []gateway.Upstream{up("")}}, "needs a name"},
		{"bad separator", gateway.Config{Separator: "/", Upstreams: []gateway.Upstream{up("a")}}, `separator "/"`},
		{"no dial", gateway.Config{Upstreams: []gateway.Upstream{{Name: "a"}}}, "no Dial"},
		{"negative timeout", gateway.Config{Upstreams: []gateway.Upstream{{Name: "a", Dial: noDial, Timeout: -time.Second}}}, "negative timeout"},
		{"bad pattern", gateway.Config{Upstreams: []gateway.Upstream{{Name: "a", Dial: noDial, Deny: []string{"[x"}}}}, `tool pattern "[x"`},
		{"too long", gateway.Config{Upstreams: []gateway.Upstream{up("a" + strings.Repeat("b", 130))}}, "too long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate = %v, want an error containing %q", err, c.want)
			}
			g := gateway.New("gw", "test", nil)
			defer g.Close()
			if aerr := g.Apply(context.Background(), c.cfg); aerr == nil || aerr.Error() != err.Error() {
				t.Fatalf("Apply = %v, want Validate's error", aerr)
			}
		})
	}
}

// TestAllowDeny: denied tools are neither listed nor callable; the allow list hides what it does not match.
func TestAllowDeny(t *testing.T) {
	cfg := gateway.Config{Upstreams: []gateway.Upstream{
		{Name: "a", Dial: newMemUp(t, newDemo(), mcp.Version20251125).dial, Allow: []string{"add", "mul*", "echo"}, Deny: []string{"multiply", "e?ho"}},
		{Name: "b", Dial: newMemUp(t, newDemo(), mcp.Version20260728).dial, Deny: []string{"*"}},
	}}
	g := newGateway(t, fastOptions(), cfg)
	for _, down := range []string{mcp.Version20251125, mcp.Version20260728} {
		sess := connectDown(t, g, down, client.Options{})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		tools, err := toolNames(ctx, sess)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(tools, []string{"a__add"}) {
			t.Fatalf("tools = %v, want [a__add]", tools)
		}
		if res, err := sess.CallTool(ctx, "a__add", map[string]int{"a": 1, "b": 1}); err != nil || res.Content[0].Text != "2" {
			t.Fatalf("a__add = %+v, %v", res, err)
		}
		for _, denied := range []string{"a__multiply", "a__echo", "b__add"} {
			res, err := sess.CallTool(ctx, denied, map[string]any{"a": 1, "b": 1, "message": "x"})
			if err == nil && !res.IsError {
				t.Fatalf("denied %s was called: %+v", denied, res)
			}
		}
		// Prompts and resources are not filtered: the lists concern tools.
		if _, err := sess.GetPrompt(ctx, "b__review_code", map[string]string{"code": "x"}); err != nil {
			t.Fatalf("b's prompt: %v", err)
		}
	}
}

// TestTimeout: a call that exceeds the upstream's timeout fails with a JSON-RPC error naming the upstream
// and the bound, and is cancelled upstream; the other upstream's calls are not bounded.
func TestTimeout(t *testing.T) {
	for _, pair := range pairs {
		t.Run(pairName(pair), func(t *testing.T) {
			slow := newDemo()
			cfg := gateway.Config{Upstreams: []gateway.Upstream{
				{Name: "slowpoke", Dial: newMemUp(t, slow, pair[0]).dial, Timeout: time.Second}, // long enough for the fast call below on a loaded machine
				upstreamOf("other", newMemUp(t, newDemo(), pair[0])),
			}}
			g := newGateway(t, fastOptions(), cfg)
			sess := connectDown(t, g, pair[1], client.Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			ended := slowEnded.Load()
			res, err := sess.CallTool(ctx, "slowpoke__slow", struct{}{})
			var je *jsonrpc.Error
			if !errors.As(err, &je) || je.Code != mcp.CodeInternalError ||
				!strings.Contains(je.Message, `upstream "slowpoke" did not answer tools/call within 1s`) {
				t.Fatalf("slow call = %+v, %v; want the timeout error", res, err)
			}
			if !strings.Contains(string(je.Data), `"timeoutMs":1000`) {
				t.Fatalf("error data %s", je.Data)
			}
			waitFor(t, ctx, "the upstream call cancelled", func() bool { return slowEnded.Load() > ended })
			if res, err := sess.CallTool(ctx, "slowpoke__add", map[string]int{"a": 1, "b": 2}); err != nil || res.Content[0].Text != "3" {
				t.Fatalf("a fast call to the same upstream = %+v, %v", res, err)
			}
			// Without a timeout, the other upstream's slow call runs until the client cancels it.
			// ... and the client's cancellation reaches the upstream handler.
			ended = slowEnded.Load()
			cctx, ccancel := context.WithTimeout(ctx, 400*time.Millisecond)
			defer ccancel()
			if _, err := sess.CallTool(cctx, "other__slow", struct{}{}); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("other__slow = %v, want the client's own deadline", err)
			}
			waitFor(t, ctx, "the downstream cancellation to reach the upstream", func() bool { return slowEnded.Load() > ended })
		})
	}
}

// TestUnservableEntriesSkipped: an upstream tool whose namespaced name would break the specification's
// rule (over 128 characters, or a character outside A-Z a-z 0-9 _ - .) is skipped; the upstream's other
// entries and the other upstreams are served, and the gateway's server keeps no error (it would refuse to
// serve).
func TestUnservableEntriesSkipped(t *testing.T) {
	odd := newDemo()
	odd.AddRawTool(mcp.Tool{Name: strings.Repeat("x", 126), InputSchema: []byte(`{"type":"object"}`)}, nil)
	odd.AddRawTool(mcp.Tool{Name: "has/slash", InputSchema: []byte(`{"type":"object"}`)}, nil)
	oddUp := newMemUp(t, odd, mcp.Version20251125)
	direct, err := oddUp.dial(context.Background(), client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	if names, err := toolNames(context.Background(), direct); err != nil || !slices.Contains(names, "has/slash") || !slices.Contains(names, strings.Repeat("x", 126)) {
		t.Fatalf("the upstream itself lists %v (%v)", names, err)
	}
	g := newGateway(t, fastOptions(), gateway.Config{Upstreams: []gateway.Upstream{
		upstreamOf("odd", oddUp),
		upstreamOf("fine", newMemUp(t, newDemo(), mcp.Version20260728)),
	}})
	sess := connectDown(t, g, mcp.Version20251125, client.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tools, err := toolNames(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range tools {
		if strings.Contains(n, "xxxx") || strings.Contains(n, "/") {
			t.Fatalf("an invalid name is offered: %q", n)
		}
	}
	if !slices.Contains(tools, "odd__add") || !slices.Contains(tools, "fine__add") {
		t.Fatalf("tools = %v", tools)
	}
	if err := g.Server().Err(); err != nil {
		t.Fatalf("the gateway's server holds an error: %v", err)
	}
}
