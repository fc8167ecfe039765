package gateway_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/mcp"
)

// pairs are the (upstream, downstream) eras.
var pairs = [][2]string{
	{mcp.Version20251125, mcp.Version20251125},
	{mcp.Version20251125, mcp.Version20260728},
	{mcp.Version20260728, mcp.Version20251125},
	{mcp.Version20260728, mcp.Version20260728},
}

func pairName(p [2]string) string { return "up=" + p[0] + "/down=" + p[1] }

// TestThroughGateway: three upstreams (the demo in process, a stdio child, a Streamable HTTP server), each
// in the upstream era, one downstream client in the downstream era: every forwarded feature, on each
// upstream, by its namespaced name.
func TestThroughGateway(t *testing.T) {
	for _, pair := range pairs {
		t.Run(pairName(pair), func(t *testing.T) {
			up, down := pair[0], pair[1]
			cfg := gateway.Config{Upstreams: []gateway.Upstream{
				upstreamOf("mem", newMemUp(t, newDemo(), up)),
				upstreamOf("child", newStdioUp(up)),
				upstreamOf("web", newHTTPUp(t, newDemo(), up)),
			}}
			g := newGateway(t, fastOptions(), cfg)
			for _, s := range g.Status() {
				if s.State != gateway.StateUp || s.Version != up {
					t.Fatalf("upstream status %+v, want up at %s", s, up)
				}
			}
			var mu sync.Mutex
			var asked []string
			updated := make(chan string, 16)
			sess := connectDown(t, g, down, client.Options{
				OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
					mu.Lock()
					asked = append(asked, "elicit:"+p.Message)
					mu.Unlock()
					return &mcp.ElicitResult{Action: mcp.ElicitActionAccept,
						Content: jsontext.Value(`{"checkAlternative":true,"alternativeDate":"2024-12-28"}`)}, nil
				},
				OnSample: func(ctx context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
					mu.Lock()
					asked = append(asked, "sample:"+p.Messages[0].Content.Blocks[0].Text)
					mu.Unlock()
					return &mcp.CreateMessageResult{Role: mcp.RoleAssistant, Model: "test",
						Content: mcp.SamplingBlock(mcp.TextContent("A sturdy mug."))}, nil
				},
				Roots:             []mcp.Root{{URI: "file:///work/a"}},
				OnResourceUpdated: func(_ context.Context, uri string) { updated <- uri },
			})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			tools, err := toolNames(ctx, sess)
			if err != nil {
				t.Fatal(err)
			}
			for _, ns := range []string{"mem", "child", "web"} {
				for _, tool := range []string{"add", "book_trip", "create_product", "echo", "multiply", "roots", "slow", "touch"} {
					if !slices.Contains(tools, ns+"__"+tool) {
						t.Fatalf("tools/list lacks %s__%s: %v", ns, tool, tools)
					}
				}
			}
			var templates, resources []string
			for tm, err := range sess.ResourceTemplates(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				templates = append(templates, tm.URITemplate)
			}
			for r, err := range sess.Resources(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				resources = append(resources, r.URI)
			}
			slices.Sort(templates)
			slices.Sort(resources)
			if want := []string{"child+greeting://{name}", "mem+greeting://{name}", "web+greeting://{name}"}; !slices.Equal(templates, want) {
				t.Fatalf("templates = %v, want %v", templates, want)
			}
			if want := []string{"child+command://ping", "mem+command://ping", "web+command://ping"}; !slices.Equal(resources, want) {
				t.Fatalf("resources = %v, want %v", resources, want)
			}

			for _, ns := range []string{"mem", "child", "web"} {
				res, err := sess.CallTool(ctx, ns+"__add", map[string]int{"a": 2, "b": 3})
				if err != nil || res.IsError || res.Content[0].Text != "5" {
					t.Fatalf("%s__add = %+v, %v", ns, res, err)
				}
				read, err := sess.ReadResource(ctx, ns+"+greeting://Ann")
				if err != nil || read.Contents[0].Text != "Hello, Ann!" || read.Contents[0].URI != ns+"+greeting://Ann" {
					t.Fatalf("read %s+greeting://Ann = %+v, %v", ns, read, err)
				}
				read, err = sess.ReadResource(ctx, ns+"+command://ping")
				if err != nil || read.Contents[0].Text != "Pong" {
					t.Fatalf("read %s+command://ping = %+v, %v", ns, read, err)
				}
				got, err := sess.GetPrompt(ctx, ns+"__review_code", map[string]string{"code": "x := 1"})
				if err != nil || !strings.Contains(got.Messages[0].Content.Text, "x := 1") {
					t.Fatalf("prompts/get %s__review_code = %+v, %v", ns, got, err)
				}
				comp, err := sess.Complete(ctx, &mcp.CompleteParams{
					Ref:      mcp.CompletionReference{Type: mcp.RefTypePrompt, Name: ns + "__review_code"},
					Argument: mcp.CompletionArgument{Name: "code", Value: "f"},
				})
				if err != nil || !slices.Equal(comp.Completion.Values, []string{"f()", "f[]"}) {
					t.Fatalf("complete prompt %s = %+v, %v", ns, comp, err)
				}
				comp, err = sess.Complete(ctx, &mcp.CompleteParams{
					Ref:      mcp.CompletionReference{Type: mcp.RefTypeResource, URI: ns + "+greeting://{name}"},
					Argument: mcp.CompletionArgument{Name: "name", Value: "A"},
				})
				if err != nil || !slices.Equal(comp.Completion.Values, []string{"Ann", "Alice"}) {
					t.Fatalf("complete template %s = %+v, %v", ns, comp, err)
				}
				res, err = sess.CallTool(ctx, ns+"__book_trip", map[string]string{"date": demo.FullDate})
				if err != nil || res.IsError || res.Content[0].Text != "[SUCCESS] Booked for 2024-12-28" {
					t.Fatalf("%s__book_trip (elicitation) = %+v, %v", ns, res, err)
				}
				res, err = sess.CallTool(ctx, ns+"__create_product", map[string]string{"product_name": "Mug", "keywords": "sturdy"})
				if err != nil || res.IsError {
					t.Fatalf("%s__create_product (sampling) = %+v, %v", ns, res, err)
				}
				var p demo.Product
				if err := json.Unmarshal(res.StructuredContent, &p); err != nil || p.Description != "A sturdy mug." {
					t.Fatalf("%s__create_product structuredContent = %s (%v)", ns, res.StructuredContent, err)
				}
				res, err = sess.CallTool(ctx, ns+"__roots", struct{}{})
				if err != nil || res.IsError || res.Content[0].Text != "file:///work/a" {
					t.Fatalf("%s__roots = %+v, %v", ns, res, err)
				}
			}
			mu.Lock()
			if len(asked) != 6 {
				t.Fatalf("the downstream client was asked %q, want one elicitation and one sampling per upstream", asked)
			}
			mu.Unlock()

			// Subscriptions: held by a listen (both eras), the upstream's resources/updated comes back
			// under the namespaced URI.
			for _, ns := range []string{"mem", "child", "web"} {
				uri := ns + "+command://ping"
				lctx, stop := context.WithCancel(ctx)
				ready := make(chan struct{})
				done := make(chan error, 1)
				go func() {
					done <- sess.Listen(lctx, mcp.SubscriptionFilter{ResourceSubscriptions: []string{uri}}, func(mcp.SubscriptionFilter) { close(ready) })
				}()
				select {
				case <-ready:
				case <-ctx.Done():
					t.Fatalf("listen for %s not acknowledged", uri)
				}
				tick := time.NewTicker(30 * time.Millisecond)
			wait:
				for {
					// A 2026-07-28 upstream subscribes through Run's own listen, opened asynchronously:
					// touch until the update arrives.
					if _, err := sess.CallTool(ctx, ns+"__touch", struct{}{}); err != nil {
						t.Fatal(err)
					}
					select {
					case got := <-updated:
						if got != uri {
							t.Fatalf("resources/updated for %q, want %q", got, uri)
						}
						break wait
					case <-tick.C:
					case <-ctx.Done():
						t.Fatalf("no resources/updated for %s", uri)
					}
				}
				tick.Stop()
				stop()
				<-done
				for len(updated) > 0 {
					<-updated
				}
			}
			if err := sess.Ping(ctx); err != nil {
				t.Fatalf("ping: %v", err)
			}
			if sess.Era() == mcp.EraLegacy {
				if err := sess.SetLevel(ctx, mcp.LevelWarning); err != nil {
					t.Fatalf("logging/setLevel: %v", err)
				}
			}
		})
	}
}

// TestLogLevelsPerClient: an upstream's log messages reach each downstream client filtered by that
// client's own level: one client's logging/setLevel (or 2026-07-28 per-request level) does not silence
// another's.
func TestLogLevelsPerClient(t *testing.T) {
	for _, pair := range pairs {
		t.Run(pairName(pair), func(t *testing.T) {
			g := newGateway(t, fastOptions(), gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("mem", newMemUp(t, newDemo(), pair[0]))}})
			collect := func(level mcp.LoggingLevel) (*client.Session, func() []string) {
				var mu sync.Mutex
				var got []string
				sess := connectDown(t, g, pair[1], client.Options{LogLevel: level, OnLog: func(_ context.Context, p *mcp.LoggingMessageParams) {
					mu.Lock()
					got = append(got, string(p.Level))
					mu.Unlock()
				}})
				return sess, func() []string {
					mu.Lock()
					defer mu.Unlock()
					return slices.Clone(got)
				}
			}
			quiet, quietLogs := collect(mcp.LevelError)
			loud, loudLogs := collect(mcp.LevelDebug)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if quiet.Era() == mcp.EraLegacy {
				// The loud client first: were the level passed up, the quiet one's would then win.
				if err := loud.SetLevel(ctx, mcp.LevelDebug); err != nil {
					t.Fatal(err)
				}
				if err := quiet.SetLevel(ctx, mcp.LevelError); err != nil {
					t.Fatal(err)
				}
			}
			for _, s := range []*client.Session{quiet, loud} {
				if res, err := s.CallTool(ctx, "mem__log", struct{}{}); err != nil || res.IsError {
					t.Fatalf("mem__log = %+v, %v", res, err)
				}
			}
			waitFor(t, ctx, "the loud client's two messages", func() bool { return len(loudLogs()) >= 2 })
			if got := loudLogs(); !slices.Equal(got, []string{"debug", "error"}) {
				t.Fatalf("the debug-level client got %v", got)
			}
			waitFor(t, ctx, "the quiet client's message", func() bool { return len(quietLogs()) >= 1 })
			if got := quietLogs(); !slices.Equal(got, []string{"error"}) {
				t.Fatalf("the error-level client got %v", got)
			}
		})
	}
}
