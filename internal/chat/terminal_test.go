package chat_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/chat"
	"github.com/mcpkit/mcpkit/internal/chat/chattest"
	"github.com/mcpkit/mcpkit/internal/cli/ask"
	"github.com/mcpkit/mcpkit/internal/exampletest"
	"github.com/mcpkit/mcpkit/mcp"
)

// TestTerminal: a scripted stdin session: /tools, a question that calls get_inventory, /quit.
func TestTerminal(t *testing.T) {
	e := chattest.Start(t, chattest.Shop("shop"))
	var out strings.Builder
	term := &chat.Terminal{In: ask.NewLines(strings.NewReader("/tools\nwhat's in stock in books?\n/nope\n/quit\nnever read\n")), Out: &out}
	c := newChat(t, e, term.Options(chat.Options{}))
	shopServer(t, c, "shop")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := term.Run(ctx, c); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	t.Logf("transcript:\n%s", got)
	for _, want := range []string{
		"mcpkit chat: 1 servers,",
		"> shop:\n  shop__", "\n  shop__get_inventory   ",
		"> ",
		`  → shop__get_inventory {"category":"books"}`,
		"  ← shop__get_inventory: {",
		"\nIn stock: {",
		"unknown command /nope",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	if n := len(e.Requests()); n != 2 {
		t.Errorf("%d model requests, want 2 (the line after /quit is not sent)", n)
	}
}

// TestTerminalAsks: a tool that samples asks y/n on the terminal (a wrong answer re-asked, then y), and
// a tool that elicits shows its form there; both answers reach the server.
func TestTerminalAsks(t *testing.T) {
	e := chattest.Start(t, func(n int, r *chattest.Request) chattest.Message {
		last := r.Last()
		switch {
		case len(r.Tools) == 0:
			return chattest.Answer("green leaves in hot water")
		case last.Role == "tool":
			return chattest.Answer("done: " + last.Text())
		case strings.Contains(last.Text(), "haiku"):
			return chattest.Calls(chattest.Call("h", "poet__haiku", `{"topic":"tea"}`))
		}
		return chattest.Calls(chattest.Call("g", "poet__greet", `{}`))
	})
	var out strings.Builder
	in := "a haiku\nmaybe\ny\ngreet me\nAda\n3\ny\n"
	term := &chat.Terminal{In: ask.NewLines(strings.NewReader(in)), Out: &out}
	c := newChat(t, e, term.Options(chat.Options{}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Add(ctx, "poet", exampletest.Connect(t, chattest.Poet(), mcp.Version20251125, c.ClientOptions("poet", client.Options{}))); err != nil {
		t.Fatal(err)
	}
	if err := term.Run(ctx, c); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	t.Logf("transcript:\n%s", got)
	for _, want := range []string{
		"The server poet asks the model (sampling, up to 60 tokens):\n  user: Write a haiku about tea\nSend it to the model? [y/n]: Send it to the model? [y/n]: ",
		"(sampling for poet answered: green leaves in hot water)",
		`done: {"result":"green leaves in hot water"}`,
		"(poet asks)",
		"Who are you?",
		`done: {"result":"Hello Ada, 3 cups"}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
}
