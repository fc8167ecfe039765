package httpx

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestInboxBounded: Put waits while the inbox holds its byte budget (a flooding server is slowed down,
// not buffered), one oversized message fits an empty inbox, Push never waits, and Put gives up with its
// context or when the inbox closes. Before the bound the inbox grew without limit.
func TestInboxBounded(t *testing.T) {
	ctx := context.Background()
	b := NewInbox(10)
	if err := b.Put(ctx, make([]byte, 6)); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := b.Put(short, make([]byte, 6)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Put past the budget: %v, want it to wait until its context ends", err)
	}
	if !b.Push([]byte("synthetic")) {
		t.Fatal("Push refused")
	}
	put := make(chan error, 1)
	go func() { put <- b.Put(ctx, make([]byte, 6)) }()
	for range 2 { // frees the budget: the waiting Put goes in
		if _, err := b.Read(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-put; err != nil {
		t.Fatal(err)
	}
	if m, _ := b.Read(ctx); len(m) != 6 {
		t.Fatalf("read %d bytes", len(m))
	}
	if err := b.Put(ctx, make([]byte, 100)); err != nil {
		t.Fatalf("an oversized message into an empty inbox: %v", err)
	}
	go func() { put <- b.Put(ctx, []byte("x")) }()
	b.Close(errors.New("gone"))
	if err := <-put; !errors.Is(err, ErrInboxClosed) {
		t.Fatalf("Put into a closed inbox: %v", err)
	}
}
