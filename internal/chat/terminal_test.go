package chat_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/chat"
	"github.com/mcpkit/mcpkit/internal/chat/chattest"
	"github.com/mcpkit/mcpkit/internal/cli/ask"
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
