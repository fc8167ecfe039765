package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestRootsChangedHookMayAskRoots: the server's roots-changed hook runs off the connection's read loop
// and its ctx can ask the session's client (server.Roots), without deadlocking.
func TestRootsChangedHookMayAskRoots(t *testing.T) {
	got := make(chan []mcp.Root, 4)
	s := server.New("t", "1", &server.Options{OnRootsChanged: func(ctx context.Context, id string) {
		roots, err := server.Roots(ctx)
		if err != nil {
			t.Errorf("Roots from OnRootsChanged: %v", err)
		}
		got <- roots
	}})
	sess := connect(t, s, &client.Options{ProtocolVersion: mcp.Version20251125, Roots: []mcp.Root{{URI: "file:///a"}}})
	if err := sess.SetRoots(context.Background(), []mcp.Root{{URI: "file:///b"}, {URI: "file:///c"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case roots := <-got:
		if len(roots) != 2 || roots[0].URI != "file:///b" {
			t.Fatalf("the hook got roots %+v", roots)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("OnRootsChanged calling Roots deadlocked")
	}
}
