package gateway_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/mcp"
)

// TestRootsNotShared: one downstream client's roots never answer for another. Client A (legacy, with
// roots) announces its roots; client B (no roots capability) calls an upstream tool that asks the roots:
// the question cannot go to B, and the answer is the gateway's Options.Roots (empty by default), not A's.
// A's own call still gets A's roots. Before, A's announced roots were given to every upstream and became
// the answer B's call got.
func TestRootsNotShared(t *testing.T) {
	for _, tc := range []struct {
		name  string
		roots []mcp.Root
		want  string
	}{
		{"default", nil, ""},
		{"configured", []mcp.Root{{URI: "file:///srv/shared"}}, "file:///srv/shared"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up := newMemUp(t, newDemo(), mcp.Version20251125)
			opts := fastOptions()
			opts.Roots = tc.roots
			g := newGateway(t, opts, gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("demo", up)}})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			a := connectDown(t, g, mcp.Version20251125, client.Options{Roots: []mcp.Root{{URI: "file:///home/a/secret"}}})
			if err := a.SetRoots(ctx, []mcp.Root{{URI: "file:///home/a/private"}}); err != nil {
				t.Fatal(err)
			}
			res, err := a.CallTool(ctx, "demo__roots", struct{}{})
			if err != nil || res.IsError || res.Content[0].Text != "file:///home/a/private" {
				t.Fatalf("A's own call: %+v, %v; want A's roots", res, err)
			}
			for _, version := range []string{mcp.Version20251125, mcp.Version20260728} {
				b := connectDown(t, g, version, client.Options{})
				res, err := b.CallTool(ctx, "demo__roots", struct{}{})
				if err != nil || res.IsError {
					t.Fatalf("B (%s): %+v, %v", version, res, err)
				}
				if got := res.Content[0].Text; got != tc.want {
					t.Fatalf("B (%s) got roots %q; want %q (never A's)", version, got, tc.want)
				}
			}
		})
	}
}

// TestReconnectNotifiesOnce: an upstream lost and reconnected tells a downstream client once that its
// tools went and once that they came back — not once per tool (the demo has more than ten; before
// HoldChanges, one reconnection sent a list_changed per entry registered).
func TestReconnectNotifiesOnce(t *testing.T) {
	up := newMemUp(t, newDemo(), mcp.Version20251125)
	g := newGateway(t, fastOptions(), gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("demo", up)}})
	var changes atomic.Int32
	sess := connectDown(t, g, mcp.Version20251125, client.Options{OnToolsChanged: func(context.Context) { changes.Add(1) }})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	before, err := toolNames(ctx, sess)
	if err != nil || len(before) < 5 {
		t.Fatalf("tools before: %v, %v", before, err)
	}
	up.kill()
	waitFor(t, ctx, "the demo's tools gone", func() bool { n, _ := toolNames(ctx, sess); return len(n) == 0 })
	up.revive()
	waitFor(t, ctx, "the demo's tools back", func() bool { n, _ := toolNames(ctx, sess); return len(n) == len(before) })
	waitFor(t, ctx, "two list_changed", func() bool { return changes.Load() >= 2 })
	time.Sleep(200 * time.Millisecond) // any late extra notification
	if err := sess.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if n := changes.Load(); n != 2 {
		t.Fatalf("tools list_changed %d times for one loss and one reconnection of an upstream with %d tools; want 2", n, len(before))
	}
}
