package demo_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/memory"
)

// connectNodeTools connects to the demo server with AddNodeTools, in version's era.
func connectNodeTools(t *testing.T, version string, opts client.Options) *client.Session {
	t.Helper()
	s := demo.New()
	demo.AddNodeTools(s)
	a, b := memory.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, a) }()
	opts.ProtocolVersion = version
	sess, err := client.Connect(ctx, b, &opts)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sess.Close()
		cancel()
		<-done
	})
	return sess
}

func TestWaitReportsProgressAndStopsWhenCancelled(t *testing.T) {
	for _, version := range eras {
		t.Run(version, func(t *testing.T) {
			sess := connectNodeTools(t, version, client.Options{})
			var mu sync.Mutex
			var seen []float64
			ctx := client.WithProgress(context.Background(), func(p *mcp.ProgressParams) {
				mu.Lock()
				seen = append(seen, p.Progress)
				mu.Unlock()
			})
			res, err := sess.CallTool(ctx, "wait", map[string]any{"seconds": 0.3, "id": "a"})
			if err != nil || text(t, res) != "waited a" {
				t.Fatalf("wait: %+v, %v", res, err)
			}
			mu.Lock()
			if len(seen) != 3 || seen[2] != 3 {
				t.Errorf("progress = %v, want 1 2 3", seen)
			}
			mu.Unlock()

			cctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if _, err := sess.CallTool(cctx, "wait", map[string]any{"seconds": 30}); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("cancelled wait: %v", err)
			}
			if res, err := sess.CallTool(context.Background(), "wait", map[string]any{"seconds": 61}); err == nil && !res.IsError {
				t.Fatalf("61 seconds accepted: %+v", res)
			}
		})
	}
}

func TestListRootsBothEras(t *testing.T) {
	for _, version := range eras {
		t.Run(version, func(t *testing.T) {
			sess := connectNodeTools(t, version, client.Options{Roots: []mcp.Root{{URI: "file:///a"}, {URI: "file:///b"}}})
			res, err := sess.CallTool(context.Background(), "list_roots", nil)
			if err != nil || text(t, res) != "roots: file:///a, file:///b" {
				t.Fatalf("list_roots: %+v, %v", res, err)
			}
		})
	}
}

// TestNotifyChange: a legacy session subscribed to a resource gets one resources/updated, and one
// list_changed per list named; a bad list is refused before anything is announced.
func TestNotifyChange(t *testing.T) {
	got := make(chan string, 16)
	sess := connectNodeTools(t, mcp.Version20251125, client.Options{
		OnResourceUpdated: func(_ context.Context, uri string) { got <- "updated " + uri },
		OnToolsChanged:    func(context.Context) { got <- "tools" },
		OnPromptsChanged:  func(context.Context) { got <- "prompts" },
		OnResourcesChanged: func(context.Context) {
			got <- "resources"
		},
	})
	ctx := context.Background()
	if err := sess.Subscribe(ctx, "demo://x"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args map[string]string
		want string
	}{
		{map[string]string{"uri": "demo://x"}, "updated demo://x"},
		{map[string]string{"list": "tools"}, "tools"},
		{map[string]string{"list": "prompts"}, "prompts"},
		{map[string]string{"list": "resources"}, "resources"},
	} {
		res, err := sess.CallTool(ctx, "notify_change", tc.args)
		if err != nil || res.IsError {
			t.Fatalf("notify_change %v: %+v, %v", tc.args, res, err)
		}
		if g := <-got; g != tc.want {
			t.Fatalf("notify_change %v: got %q, want %q", tc.args, g, tc.want)
		}
	}
	res, err := sess.CallTool(ctx, "notify_change", map[string]string{"uri": "demo://x", "list": "bogus"})
	if err != nil || !res.IsError || !strings.Contains(text(t, res), "is not one of") {
		t.Fatalf("bad list: %+v, %v", res, err)
	}
	if _, err := sess.CallTool(ctx, "add", map[string]int{"a": 1, "b": 2}); err != nil { // a barrier: later notifications would arrive before its result
		t.Fatal(err)
	}
	select {
	case g := <-got:
		t.Fatalf("unexpected notification %q", g)
	default:
	}
}
