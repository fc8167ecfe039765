package proxy_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/proxy"
	"github.com/mcpkit/mcpkit/server"
)

// pairs are the (upstream, downstream) eras: every forwarded method must work in all four.
var pairs = [][2]string{
	{mcp.Version20251125, mcp.Version20251125},
	{mcp.Version20251125, mcp.Version20260728},
	{mcp.Version20260728, mcp.Version20251125},
	{mcp.Version20260728, mcp.Version20260728},
}

func name(p [2]string) string { return "up=" + p[0] + "/down=" + p[1] }

func TestForwardedMethods(t *testing.T) {
	for _, pair := range pairs {
		t.Run(name(pair), func(t *testing.T) {
			r := newRig(t, pair[0], pair[1], client.Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			if got, want := r.down.Instructions(), r.upSession.Instructions(); got != want || !strings.HasPrefix(got, "A demo server") {
				t.Fatalf("instructions through the proxy %q, upstream's %q", got, want)
			}
			var tools []string
			for tool, err := range r.down.Tools(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				tools = append(tools, tool.Name)
			}
			slices.Sort(tools)
			want := []string{"add", "block", "book_trip", "create_product", "echo", "meta", "multiply", "roots"}
			if !slices.Equal(tools, want) {
				t.Fatalf("tools/list = %v, want %v", tools, want)
			}
			res, err := r.down.CallTool(ctx, "add", map[string]int{"a": 2, "b": 3})
			if err != nil || res.IsError || res.Content[0].Text != "5" {
				t.Fatalf("tools/call add = %+v, %v", res, err)
			}
			res, err = r.down.CallTool(ctx, "add", map[string]any{"a": "two"})
			if err != nil || !res.IsError {
				t.Fatalf("tools/call add with bad arguments = %+v, %v; want a tool error", res, err)
			}

			var resources []string
			for res, err := range r.down.Resources(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				resources = append(resources, res.URI)
			}
			if !slices.Equal(resources, []string{"command://ping"}) {
				t.Fatalf("resources/list = %v", resources)
			}
			var templates []string
			for tm, err := range r.down.ResourceTemplates(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				templates = append(templates, tm.URITemplate)
			}
			if !slices.Equal(templates, []string{"greeting://{name}"}) {
				t.Fatalf("resources/templates/list = %v", templates)
			}
			read, err := r.down.ReadResource(ctx, "greeting://Ann")
			if err != nil || read.Contents[0].Text != "Hello, Ann!" {
				t.Fatalf("resources/read greeting://Ann = %+v, %v", read, err)
			}
			read, err = r.down.ReadResource(ctx, "command://ping")
			if err != nil || read.Contents[0].Text != "Pong" {
				t.Fatalf("resources/read command://ping = %+v, %v", read, err)
			}

			var prompts []string
			for pr, err := range r.down.Prompts(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				prompts = append(prompts, pr.Name)
				if len(pr.Arguments) != 1 || pr.Arguments[0].Name != "code" || !pr.Arguments[0].Required {
					t.Fatalf("prompt arguments = %+v", pr.Arguments)
				}
			}
			if !slices.Equal(prompts, []string{"review_code"}) {
				t.Fatalf("prompts/list = %v", prompts)
			}
			got, err := r.down.GetPrompt(ctx, "review_code", map[string]string{"code": "x := 1"})
			if err != nil || !strings.Contains(got.Messages[0].Content.Text, "x := 1") {
				t.Fatalf("prompts/get = %+v, %v", got, err)
			}
			if _, err := r.down.GetPrompt(ctx, "review_code", nil); err == nil {
				t.Fatal("prompts/get without its required argument succeeded")
			}

			comp, err := r.down.Complete(ctx, &mcp.CompleteParams{
				Ref:      mcp.CompletionReference{Type: mcp.RefTypePrompt, Name: "review_code"},
				Argument: mcp.CompletionArgument{Name: "code", Value: "f"},
			})
			if err != nil || !slices.Equal(comp.Completion.Values, []string{"f()", "f[]"}) {
				t.Fatalf("completion/complete = %+v, %v", comp, err)
			}
			// The downstream request's _meta goes along: extension keys and trace context.
			raw, err := r.down.Call(ctx, mcp.MethodToolsCall, jsontext.Value(`{"_meta":{"com.example/tenant":"blue","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},"name":"meta","arguments":{}}`))
			if err != nil {
				t.Fatal(err)
			}
			var metaRes mcp.CallToolResult
			if err := json.Unmarshal(raw, &metaRes); err != nil || metaRes.Content[0].Text != `"blue" "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"` {
				t.Fatalf("the upstream saw _meta %s (%v)", raw, err)
			}
			// The upstream hop's own result fields (serverInfo, resultType) are not passed on: the proxy's
			// server sets its own for the downstream era.
			for method, params := range map[string]string{
				mcp.MethodToolsCall:  `{"name":"add","arguments":{"a":1,"b":2}}`,
				mcp.MethodPromptsGet: `{"name":"review_code","arguments":{"code":"z"}}`,
			} {
				raw, err := r.down.Call(ctx, method, jsontext.Value(params))
				if err != nil {
					t.Fatalf("%s: %v", method, err)
				}
				if strings.Contains(string(raw), "mcpkit-demo") {
					t.Fatalf("%s result carries the upstream's serverInfo: %s", method, raw)
				}
				if modern := r.down.Era() == mcp.EraModern; modern != strings.Contains(string(raw), `"name":"bridge"`) {
					t.Fatalf("%s result in era %s: %s", method, r.down.Era(), raw)
				}
			}
			if err := r.down.Ping(ctx); err != nil {
				t.Fatalf("ping: %v", err)
			}
			if r.down.Era() == mcp.EraLegacy {
				if err := r.down.SetLevel(ctx, mcp.LevelWarning); err != nil {
					t.Fatalf("logging/setLevel: %v", err)
				}
			}
		})
	}
}

func TestElicitationRoundTrip(t *testing.T) {
	for _, pair := range pairs {
		t.Run(name(pair), func(t *testing.T) {
			var mu sync.Mutex
			var messages []string
			r := newRig(t, pair[0], pair[1], client.Options{
				OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
					mu.Lock()
					messages = append(messages, p.Message)
					mu.Unlock()
					return &mcp.ElicitResult{Action: mcp.ElicitActionAccept,
						Content: jsontext.Value(`{"checkAlternative":true,"alternativeDate":"2024-12-28"}`)}, nil
				},
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := r.down.CallTool(ctx, "book_trip", map[string]string{"date": demo.FullDate})
			if err != nil || res.IsError || res.Content[0].Text != "[SUCCESS] Booked for 2024-12-28" {
				t.Fatalf("book_trip = %+v, %v", res, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(messages) != 1 || !strings.Contains(messages[0], "No availability on "+demo.FullDate) {
				t.Fatalf("the downstream client was asked %q, want the demo's question once", messages)
			}
		})
	}
}

func TestSamplingRoundTrip(t *testing.T) {
	for _, pair := range pairs {
		t.Run(name(pair), func(t *testing.T) {
			var prompt string
			r := newRig(t, pair[0], pair[1], client.Options{
				OnSample: func(ctx context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
					prompt = p.Messages[0].Content.Blocks[0].Text
					return &mcp.CreateMessageResult{Role: mcp.RoleAssistant, Model: "test",
						Content: mcp.SamplingBlock(mcp.TextContent("A sturdy mug."))}, nil
				},
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := r.down.CallTool(ctx, "create_product", map[string]string{"product_name": "Mug", "keywords": "sturdy"})
			if err != nil || res.IsError {
				t.Fatalf("create_product = %+v, %v", res, err)
			}
			var p demo.Product
			if err := json.Unmarshal(res.StructuredContent, &p); err != nil || p.Description != "A sturdy mug." {
				t.Fatalf("structuredContent = %s (%v)", res.StructuredContent, err)
			}
			if !strings.Contains(prompt, `"Mug"`) {
				t.Fatalf("the downstream LLM was asked %q", prompt)
			}
		})
	}
}

func TestRootsRoundTrip(t *testing.T) {
	for _, pair := range pairs {
		t.Run(name(pair), func(t *testing.T) {
			r := newRig(t, pair[0], pair[1], client.Options{
				Roots: []mcp.Root{{URI: "file:///work/a"}, {URI: "file:///work/b"}},
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := r.down.CallTool(ctx, "roots", struct{}{})
			if err != nil || res.IsError || res.Content[0].Text != "file:///work/a,file:///work/b" {
				t.Fatalf("roots through the proxy = %+v, %v", res, err)
			}
		})
	}
}

// TestRootsChangedRelayed: a legacy host's roots/list_changed reaches a legacy upstream, whose roots/list
// (asked outside any call) gets the host's new roots.
func TestRootsChangedRelayed(t *testing.T) {
	got := make(chan []mcp.Root, 4)
	up := demo.NewWith(server.Options{OnRootsChanged: func(ctx context.Context, _ string) {
		roots, err := server.Roots(ctx)
		if err != nil {
			t.Errorf("upstream roots/list after list_changed: %v", err)
			return
		}
		got <- roots
	}})
	r := newRigOn(t, up, nil, mcp.Version20251125, mcp.Version20251125, client.Options{Roots: []mcp.Root{{URI: "file:///old"}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.down.SetRoots(ctx, []mcp.Root{{URI: "file:///new", Name: "new"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case roots := <-got:
		if len(roots) != 1 || roots[0].URI != "file:///new" || roots[0].Name != "new" {
			t.Fatalf("the upstream read %+v, want the host's new roots", roots)
		}
	case <-ctx.Done():
		t.Fatal("the upstream never heard that the roots changed")
	}
}

// TestAmbiguousQuestion: a legacy upstream's question that arrives while two downstream calls are in
// flight is refused by default (it might belong to the other client) and put to the newest call with
// OneClient.
func TestAmbiguousQuestion(t *testing.T) {
	for _, one := range []bool{false, true} {
		t.Run("OneClient="+strconv.FormatBool(one), func(t *testing.T) {
			r := newRigOn(t, demo.New(), &proxy.Options{OneClient: one}, mcp.Version20251125, mcp.Version20251125, client.Options{
				OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
					return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: jsontext.Value(`{"checkAlternative":true}`)}, nil
				},
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			bctx, stopBlock := context.WithCancel(ctx)
			blocked := make(chan error, 1)
			go func() {
				_, err := r.down.CallTool(bctx, "block", struct{}{})
				blocked <- err
			}()
			defer func() {
				stopBlock()
				<-blocked
			}()
			select {
			case <-r.started:
			case <-ctx.Done():
				t.Fatal("block never started")
			}
			res, err := r.down.CallTool(ctx, "book_trip", map[string]string{"date": demo.FullDate})
			if err != nil {
				t.Fatal(err)
			}
			if one {
				if res.IsError || res.Content[0].Text != "[SUCCESS] Booked for 2024-12-26" {
					t.Fatalf("book_trip with OneClient = %+v", res)
				}
				return
			}
			if !res.IsError || !strings.Contains(res.Content[0].Text, "not guessing") {
				t.Fatalf("book_trip with two calls in flight = %+v; want the question refused", res)
			}
		})
	}
}

func TestQuestionWithoutCapability(t *testing.T) {
	// The downstream client declares no elicitation. As with the demo served directly: a legacy session
	// gets a tool result with isError (the handler's question failed), a 2026-07-28 request -32021 naming
	// the capability, when the question comes in the call (a 2026-07-28 upstream). A legacy upstream's
	// question names no call: it fails alone, toward the upstream (whose tool then fails), and the
	// downstream call gets the upstream's result, in both eras (TestUntiedRootsQuestion).
	for _, pair := range pairs {
		t.Run(name(pair), func(t *testing.T) {
			r := newRig(t, pair[0], pair[1], client.Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := r.down.CallTool(ctx, "book_trip", map[string]string{"date": demo.FullDate})
			if r.down.Era() == mcp.EraModern && r.upSession.Era() == mcp.EraModern {
				var je *jsonrpc.Error
				if !errors.As(err, &je) || je.Code != mcp.CodeMissingRequiredClientCapability {
					t.Fatalf("book_trip without elicitation = %+v, %v; want -32021", res, err)
				}
				return
			}
			if err != nil || !res.IsError || !strings.Contains(res.Content[0].Text, "elicitation") {
				t.Fatalf("book_trip without elicitation = %+v, %v; want a tool error naming elicitation", res, err)
			}
		})
	}
}

func TestProgressAndLogsRelayed(t *testing.T) {
	for _, pair := range pairs {
		t.Run(name(pair), func(t *testing.T) {
			var mu sync.Mutex
			var logs []string
			r := newRig(t, pair[0], pair[1], client.Options{
				LogLevel: mcp.LevelInfo,
				OnLog: func(ctx context.Context, p *mcp.LoggingMessageParams) {
					var s string
					_ = json.Unmarshal(p.Data, &s)
					mu.Lock()
					logs = append(logs, string(p.Level)+" "+s)
					mu.Unlock()
				},
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var progress []string
			pctx := client.WithProgress(ctx, func(p *mcp.ProgressParams) {
				total := 0.0
				if p.Total != nil {
					total = *p.Total
				}
				progress = append(progress, strings.Join([]string{ftoa(p.Progress), ftoa(total), p.Message}, " "))
			})
			res, err := r.down.CallTool(pctx, "echo", map[string]string{"message": "hi"})
			if err != nil || res.Content[0].Text != "Here's the file content: hi" {
				t.Fatalf("echo = %+v, %v", res, err)
			}
			wantProgress := []string{"1 3 file 1/3", "2 3 file 2/3", "3 3 file 3/3"}
			if !slices.Equal(progress, wantProgress) {
				t.Fatalf("progress = %q, want %q", progress, wantProgress)
			}
			mu.Lock()
			defer mu.Unlock()
			wantLogs := []string{"info Processing file 1/3", "info Processing file 2/3", "info Processing file 3/3"}
			if !slices.Equal(logs, wantLogs) {
				t.Fatalf("logs = %q, want %q", logs, wantLogs)
			}
		})
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func TestCancelPropagated(t *testing.T) {
	for _, pair := range pairs {
		t.Run(name(pair), func(t *testing.T) {
			r := newRig(t, pair[0], pair[1], client.Options{})
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() {
				_, err := r.down.CallTool(ctx, "block", struct{}{})
				errc <- err
			}()
			bound := time.After(10 * time.Second)
			select {
			case <-r.started:
			case <-bound:
				t.Fatal("the upstream tool never started")
			}
			cancel()
			select {
			case <-r.cancelled:
			case <-bound:
				t.Fatal("the upstream tool's context did not end after the downstream call was cancelled")
			}
			if err := <-errc; err == nil {
				t.Fatal("the cancelled call returned no error")
			}
		})
	}
}

func TestListChangedRelayed(t *testing.T) {
	for _, pair := range pairs {
		t.Run(name(pair), func(t *testing.T) {
			changed := make(chan struct{}, 8)
			r := newRig(t, pair[0], pair[1], client.Options{
				OnToolsChanged: func(context.Context) { changed <- struct{}{} },
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			listenDone := make(chan error, 1)
			lctx, stopListen := context.WithCancel(ctx)
			ready := make(chan struct{})
			go func() {
				listenDone <- r.down.Listen(lctx, mcp.SubscriptionFilter{ToolsListChanged: true}, func(mcp.SubscriptionFilter) { close(ready) })
			}()
			defer func() {
				stopListen()
				<-listenDone
			}()
			select {
			case <-ready:
			case <-ctx.Done():
				t.Fatal("downstream listen not acknowledged")
			}
			// Register again until the change is seen: a 2026-07-28 upstream tells only once Run's
			// subscriptions/listen is in place, which happens asynchronously.
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
		wait:
			for {
				server.Tool(r.up, "late", "Added while serving", func(ctx context.Context, _ struct{}) (string, error) {
					return "late result", nil
				})
				select {
				case <-changed:
					break wait
				case <-tick.C:
				case <-ctx.Done():
					t.Fatal("no tools list_changed reached the downstream client")
				}
			}
			res, err := r.down.CallTool(ctx, "late", struct{}{})
			if err != nil || res.Content[0].Text != "late result" {
				t.Fatalf("the new tool through the proxy = %+v, %v", res, err)
			}
			r.up.RemoveTools("late")
			waitFor(t, ctx, func() bool {
				res, err := r.down.CallTool(ctx, "late", struct{}{})
				return err != nil || res.IsError
			})
		})
	}
}

func TestResourceUpdatedRelayed(t *testing.T) {
	for _, pair := range pairs {
		t.Run(name(pair), func(t *testing.T) {
			updated := make(chan string, 8)
			r := newRig(t, pair[0], pair[1], client.Options{
				OnResourceUpdated: func(_ context.Context, uri string) { updated <- uri },
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			lctx, stopListen := context.WithCancel(ctx)
			listenDone := make(chan error, 1)
			ready := make(chan struct{})
			go func() {
				listenDone <- r.down.Listen(lctx, mcp.SubscriptionFilter{ResourceSubscriptions: []string{"command://ping"}},
					func(mcp.SubscriptionFilter) { close(ready) })
			}()
			defer func() {
				stopListen()
				<-listenDone
			}()
			select {
			case <-ready:
			case <-ctx.Done():
				t.Fatal("downstream subscription not in place")
			}
			// Repeat until the upstream subscription is in place (a 2026-07-28 upstream's listen is reopened
			// asynchronously by Run).
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				r.up.ResourceUpdated("command://ping")
				select {
				case uri := <-updated:
					if uri != "command://ping" {
						t.Fatalf("resources/updated for %q", uri)
					}
					return
				case <-tick.C:
				case <-ctx.Done():
					t.Fatal("no resources/updated reached the downstream client")
				}
			}
		})
	}
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal("condition never held")
		case <-time.After(10 * time.Millisecond):
		}
	}
}
