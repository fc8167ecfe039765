package chat_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/ecommerce/shop"
	"github.com/mcpkit/mcpkit/internal/chat"
	"github.com/mcpkit/mcpkit/internal/chat/chattest"
	"github.com/mcpkit/mcpkit/internal/exampletest"
	"github.com/mcpkit/mcpkit/mcp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// shopServer connects c's options to the e-commerce example on a fresh SQLite file, in process.
func shopServer(t *testing.T, c *chat.Chat, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := shop.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := shop.New(st, nil)
	t.Cleanup(func() { s.Close() })
	sess := exampletest.Connect(t, s, mcp.Version20251125, c.ClientOptions(name, client.Options{}))
	if err := c.Add(ctx, name, sess); err != nil {
		t.Fatal(err)
	}
}

func newChat(t *testing.T, e *chattest.Endpoint, o chat.Options) *chat.Chat {
	t.Helper()
	o.BaseURL, o.Model, o.APIKey = e.URL, "scripted", "k-test"
	c, err := chat.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func toolNamed(r chattest.Request, name string) *chattest.Tool {
	for i := range r.Tools {
		if r.Tools[i].Function.Name == name {
			return &r.Tools[i]
		}
	}
	return nil
}

// TestShopLoop: "what's in stock in books" against the e-commerce example: the model gets the shop's
// tools namespaced with their schemas (required kept), calls get_inventory, is given its result, and
// answers.
func TestShopLoop(t *testing.T) {
	e := chattest.Start(t, chattest.Shop("shop"))
	var events []chat.Event
	c := newChat(t, e, chat.Options{OnEvent: func(ev chat.Event) { events = append(events, ev) }})
	shopServer(t, c, "shop")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	answer, err := c.Send(ctx, "what's in stock in books?")
	if err != nil {
		t.Fatal(err)
	}
	reqs := e.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d model requests, want 2", len(reqs))
	}
	r0 := reqs[0]
	if r0.Model != "scripted" || r0.Auth != "Bearer k-test" {
		t.Errorf("model %q, auth %q", r0.Model, r0.Auth)
	}
	if last := r0.Last(); last.Role != "user" || last.Text() != "what's in stock in books?" {
		t.Errorf("first request's last message: %+v", last)
	}
	inv := toolNamed(r0, "shop__get_inventory")
	if inv == nil {
		t.Fatalf("no shop__get_inventory among the tools: %+v", r0.Tools)
	}
	if inv.Type != "function" || inv.Function.Description == "" {
		t.Errorf("get_inventory: %+v", inv)
	}
	props, _ := inv.Function.Parameters["properties"].(map[string]any)
	if _, ok := props["category"]; !ok || inv.Function.Parameters["type"] != "object" {
		t.Errorf("get_inventory parameters: %v", inv.Function.Parameters)
	}
	// A tool with a required argument keeps it.
	found := false
	for _, tl := range r0.Tools {
		if !strings.HasPrefix(tl.Function.Name, "shop__") {
			t.Errorf("tool %q is not namespaced", tl.Function.Name)
		}
		if req, ok := tl.Function.Parameters["required"].([]any); ok && len(req) > 0 {
			found = true
		}
	}
	if !found {
		t.Error("no tool has required arguments in its parameters")
	}
	tool := reqs[1].Last()
	if tool.Role != "tool" || tool.ToolCallID != "call_0" || !strings.Contains(strings.ToLower(tool.Text()), "book") {
		t.Errorf("second request's last message: %+v", tool)
	}
	if asst := reqs[1].Messages[len(reqs[1].Messages)-2]; asst.Role != "assistant" || len(asst.ToolCalls) != 1 {
		t.Errorf("the assistant's tool call is not in the history: %+v", asst)
	}
	if !strings.HasPrefix(answer, "In stock: ") || !strings.Contains(answer, tool.Text()) {
		t.Errorf("answer %q", answer)
	}
	kinds := []string{}
	for _, ev := range events {
		kinds = append(kinds, ev.Kind)
	}
	if !slices.Equal(kinds, []string{chat.EventToolCall, chat.EventToolResult, chat.EventAnswer}) {
		t.Errorf("events %v", kinds)
	}
	if events[0].Server != "shop" || events[0].Tool != "get_inventory" || events[0].Args != `{"category":"books"}` {
		t.Errorf("tool call event %+v", events[0])
	}

	// The history goes on: the next turn's request holds the first one.
	if _, err := c.Send(ctx, "and now?"); err != nil {
		t.Fatal(err)
	}
	reqs = e.Requests()
	if n := len(reqs[2].Messages); n != 5 { // user, assistant(tool call), tool, assistant, user
		t.Errorf("third request has %d messages, want 5", n)
	}
}

// TestMaxRounds: a model that keeps calling tools is stopped after MaxRounds model calls with
// ErrMaxRounds, and a tool it names wrongly gets an error result.
func TestMaxRounds(t *testing.T) {
	e := chattest.Start(t, func(n int, r *chattest.Request) chattest.Message {
		if n > 0 && !strings.Contains(r.Last().Text(), "no tool named") {
			t.Errorf("request %d: last message %+v", n, r.Last())
		}
		return chattest.Calls(chattest.Call("c", "nope__nothing", "{}"))
	})
	c := newChat(t, e, chat.Options{MaxRounds: 3})
	_, err := c.Send(context.Background(), "loop")
	if !errors.Is(err, chat.ErrMaxRounds) || !strings.Contains(err.Error(), "3 rounds") {
		t.Fatalf("err = %v", err)
	}
	if n := len(e.Requests()); n != 3 {
		t.Errorf("%d model requests, want 3", n)
	}
}

// TestSampling: a server's tool asks for sampling; once approved, the same model answers it, and the
// tool's result carries that answer back through the loop. Declined, the tool sees an error.
func TestSampling(t *testing.T) {
	e := chattest.Start(t, func(n int, r *chattest.Request) chattest.Message {
		last := r.Last()
		switch {
		case len(r.Tools) == 0: // the sampling request: no tools, the server's prompt
			if last.Text() != "Write a haiku about tea" || r.MaxTokens != 60 {
				t.Errorf("sampling request: %+v", r)
			}
			return chattest.Answer("green leaves in hot water")
		case last.Role == "tool":
			return chattest.Answer("the poet says: " + last.Text())
		}
		return chattest.Calls(chattest.Call("c1", "poet__haiku", `{"topic":"tea"}`))
	})
	approve := true
	var asked []string
	c := newChat(t, e, chat.Options{Approve: func(ctx context.Context, server string, p *mcp.CreateMessageParams) (bool, error) {
		asked = append(asked, server)
		return approve, nil
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Add(ctx, "poet", exampletest.Connect(t, chattest.Poet(), mcp.Version20251125, c.ClientOptions("poet", client.Options{}))); err != nil {
		t.Fatal(err)
	}
	answer, err := c.Send(ctx, "a haiku please")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(answer, "green leaves in hot water") || !slices.Equal(asked, []string{"poet"}) {
		t.Errorf("answer %q, approvals asked for %v", answer, asked)
	}
	approve = false
	answer, err = c.Send(ctx, "another")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(answer, "Error") || !strings.Contains(answer, "declined") {
		t.Errorf("declined sampling: answer %q", answer)
	}
}

// TestModelName: namespaced names keep to [a-zA-Z0-9_-] and 64 characters, distinct for distinct pairs.
func TestModelName(t *testing.T) {
	if got := chat.ModelName("shop", "get_inventory"); got != "shop__get_inventory" {
		t.Errorf("got %q", got)
	}
	if got := chat.ModelName("my server", "a.b/c"); got != "my-server__a-b-c" {
		t.Errorf("got %q", got)
	}
	long := strings.Repeat("x", 60)
	a, b := chat.ModelName("srv", long+"1"), chat.ModelName("srv", long+"2")
	if len(a) != chat.MaxNameLen || a == b || !strings.HasPrefix(a, "srv__xxx") {
		t.Errorf("long names %q %q", a, b)
	}
}
