package gateway_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/mcp"
)

// TestApply: a new configuration connects what is new, closes what is gone, restarts what changed and
// leaves the rest untouched (no new connection, calls keep working); the downstream client hears
// list_changed each time; an invalid configuration changes nothing.
func TestApply(t *testing.T) {
	a := newMemUp(t, newDemo(), mcp.Version20251125)
	b := newMemUp(t, newDemo(), mcp.Version20260728)
	g := newGateway(t, fastOptions(), gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("a", a)}})
	var changes atomic.Int32
	sess := connectDown(t, g, mcp.Version20251125, client.Options{OnToolsChanged: func(context.Context) { changes.Add(1) }})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	prefixes := func() []string {
		tools, err := toolNames(ctx, sess)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range tools {
			if len(out) == 0 || !slices.Contains(out, n[:1]) {
				out = append(out, n[:1])
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	apply := func(cfg gateway.Config) {
		t.Helper()
		if err := g.Apply(ctx, cfg); err != nil {
			t.Fatalf("Apply: %v", err)
		}
	}
	if got := prefixes(); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("tools of %v", got)
	}

	// Add b: a untouched.
	before := changes.Load()
	apply(gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("a", a), upstreamOf("b", b)}})
	if got := prefixes(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("after adding b: tools of %v", got)
	}
	waitFor(t, ctx, "list_changed for b", func() bool { return changes.Load() > before })
	if a.dials() != 1 || b.dials() != 1 {
		t.Fatalf("dials a=%d b=%d, want 1 and 1", a.dials(), b.dials())
	}

	// Change b (its fingerprint): restarted; a untouched.
	changed := upstreamOf("b", b)
	changed.Fingerprint = "b v2"
	apply(gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("a", a), changed}})
	if a.dials() != 1 || b.dials() != 2 {
		t.Fatalf("after changing b: dials a=%d b=%d, want 1 and 2", a.dials(), b.dials())
	}
	if res, err := sess.CallTool(ctx, "b__add", map[string]int{"a": 1, "b": 2}); err != nil || res.Content[0].Text != "3" {
		t.Fatalf("b__add after the restart = %+v, %v", res, err)
	}

	// A deny list is a change too: b restarts with the tool hidden.
	denied := changed
	denied.Deny = []string{"add"}
	apply(gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("a", a), denied}})
	tools, _ := toolNames(ctx, sess)
	if slices.Contains(tools, "b__add") || !slices.Contains(tools, "b__echo") || b.dials() != 3 {
		t.Fatalf("after denying b's add: %v (b dialled %d times)", tools, b.dials())
	}

	// An invalid configuration is refused and changes nothing.
	if err := g.Apply(ctx, gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("a", a), upstreamOf("A", b)}}); err == nil {
		t.Fatal("Apply accepted colliding names")
	}
	if got := prefixes(); !slices.Equal(got, []string{"a", "b"}) || a.dials() != 1 || b.dials() != 3 {
		t.Fatalf("after a refused Apply: tools of %v, dials a=%d b=%d", got, a.dials(), b.dials())
	}

	// Remove a: its tools go, with list_changed.
	before = changes.Load()
	apply(gateway.Config{Upstreams: []gateway.Upstream{denied}})
	if got := prefixes(); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("after removing a: tools of %v", got)
	}
	waitFor(t, ctx, "list_changed for a's removal", func() bool { return changes.Load() > before })
	if st := g.Status(); len(st) != 1 || st[0].Name != "b" {
		t.Fatalf("status after removing a: %+v", st)
	}

	// A new separator renames everything: every upstream restarts.
	apply(gateway.Config{Separator: ".", Upstreams: []gateway.Upstream{denied}})
	tools, _ = toolNames(ctx, sess)
	if !slices.Contains(tools, "b.echo") || slices.Contains(tools, "b__echo") || b.dials() != 4 {
		t.Fatalf("after the separator change: %v (b dialled %d times)", tools, b.dials())
	}
	res, err := sess.Complete(ctx, &mcp.CompleteParams{
		Ref:      mcp.CompletionReference{Type: mcp.RefTypePrompt, Name: "b.review_code"},
		Argument: mcp.CompletionArgument{Name: "code", Value: "g"},
	})
	if err != nil || !slices.Equal(res.Completion.Values, []string{"g()", "g[]"}) {
		t.Fatalf("completion with the new separator = %+v, %v", res, err)
	}
}
