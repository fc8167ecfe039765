package server_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestHoldChanges: registrations made while a hold is open (two holds, nested) tell a legacy client once
// per kind when the last hold is released, not once per entry; a change after that is told at once.
// Notifications on one session arrive in order, so the count seen when the later change's notification
// arrives is exact.
func TestHoldChanges(t *testing.T) {
	s := demo.New()
	var tools, resources atomic.Int64
	sess := connect(t, s, &client.Options{
		ProtocolVersion:    mcp.Version20251125,
		OnToolsChanged:     func(context.Context) { tools.Add(1) },
		OnResourcesChanged: func(context.Context) { resources.Add(1) },
	})
	noop := func(ctx context.Context, args jsontext.Value) (*mcp.CallToolResult, error) { return nil, nil }
	outer := s.HoldChanges()
	inner := s.HoldChanges()
	for i := range 20 {
		s.AddRawTool(mcp.Tool{Name: fmt.Sprintf("held%02d", i), InputSchema: []byte(`{"type":"object"}`)}, noop)
	}
	server.Resource(s, "held://one", "held", func(ctx context.Context) (string, error) { return "1", nil })
	inner()
	inner() // a second call of the same release does nothing
	s.RemoveTools("held00")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sess.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if n := tools.Load() + resources.Load(); n != 0 {
		t.Fatalf("%d list_changed while a hold was still open", n)
	}
	if page, err := sess.ListTools(ctx, ""); err != nil || len(page.Tools) < 5 {
		t.Fatalf("tools/list during the hold: %v", err)
	}
	outer()
	s.AddRawTool(mcp.Tool{Name: "after", InputSchema: []byte(`{"type":"object"}`)}, noop)
	for tools.Load() < 2 {
		select {
		case <-ctx.Done():
			t.Fatalf("tools list_changed seen %d times; want 2 (the held ones once, then the later change)", tools.Load())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := sess.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if n, r := tools.Load(), resources.Load(); n != 2 || r != 1 {
		t.Fatalf("tools list_changed %d, resources %d; want 2 and 1", n, r)
	}
}
