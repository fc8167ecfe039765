package store_test

import (
	"context"
	"testing"

	"github.com/mcpkit/mcpkit/store"
)

// TestMailbox: a full mailbox drops and counts instead of blocking; Shut closes the channel and later
// deliveries are ignored; CloseWhenDone closes the subscription when its ctx ends.
func TestMailbox(t *testing.T) {
	m := store.NewMailbox(2)
	for _, msg := range []string{"a", "b", "c"} {
		m.Deliver([]byte(msg))
	}
	if m.Dropped() != 1 {
		t.Fatalf("dropped %d, want 1", m.Dropped())
	}
	if got := string(<-m.C()) + string(<-m.C()); got != "ab" {
		t.Fatalf("got %q, want ab (oldest first)", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	closed := make(chan struct{})
	m.CloseWhenDone(ctx, func() error { m.Shut(); close(closed); return nil })
	cancel()
	<-closed
	m.Deliver([]byte("late"))
	if _, open := <-m.C(); open {
		t.Fatal("a message after Shut, or the channel still open")
	}
}
