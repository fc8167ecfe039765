package client_test

import (
	"context"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestListenBothEras: Listen delivers what the filter asks for to the Options callbacks, in a legacy
// session (list_changed unasked, resources/subscribe for the URIs) and at 2026-07-28 (one
// subscriptions/listen request, tagged notifications), and ends cleanly when its context does.
func TestListenBothEras(t *testing.T) {
	for _, v := range []string{mcp.Version20251125, mcp.Version20260728} {
		t.Run(v, func(t *testing.T) {
			s := server.New("t", "1", nil)
			server.Resource(s, "res://a", "a", func(ctx context.Context) (string, error) { return "a", nil })
			server.Resource(s, "res://b", "b", func(ctx context.Context) (string, error) { return "b", nil })
			tools := make(chan struct{}, 4)
			prompts := make(chan struct{}, 4)
			updated := make(chan string, 4)
			sess := connect(t, s, &client.Options{
				ProtocolVersion:   v,
				OnToolsChanged:    func(context.Context) { tools <- struct{}{} },
				OnPromptsChanged:  func(context.Context) { prompts <- struct{}{} },
				OnResourceUpdated: func(_ context.Context, uri string) { updated <- uri },
			})
			ctx, cancel := context.WithCancel(context.Background())
			ready := make(chan mcp.SubscriptionFilter, 1)
			done := make(chan error, 1)
			filter := mcp.SubscriptionFilter{ToolsListChanged: true, ResourceSubscriptions: []string{"res://a"}}
			go func() { done <- sess.Listen(ctx, filter, func(f mcp.SubscriptionFilter) { ready <- f }) }()
			select {
			case f := <-ready:
				if !f.ToolsListChanged || len(f.ResourceSubscriptions) != 1 {
					t.Fatalf("acknowledged %+v", f)
				}
			case err := <-done:
				t.Fatalf("Listen returned early: %v", err)
			case <-time.After(5 * time.Second):
				t.Fatal("no acknowledgement")
			}
			server.Tool(s, "new", "", func(ctx context.Context, _ noArgs) (string, error) { return "", nil })
			s.ResourceUpdated("res://b")
			s.ResourceUpdated("res://a")
			if v == mcp.Version20260728 {
				server.Prompt(s, "p", "", func(ctx context.Context, _ noArgs) (string, error) { return "", nil })
			}
			select {
			case <-tools:
			case <-time.After(5 * time.Second):
				t.Fatal("no tools/list_changed")
			}
			select {
			case uri := <-updated:
				if uri != "res://a" {
					t.Fatalf("resources/updated for %s, which nobody subscribed to", uri)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no resources/updated")
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Listen: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Listen did not end with its context")
			}
			if v == mcp.Version20260728 && len(prompts) != 0 {
				t.Fatal("prompts/list_changed arrived although the filter did not ask for it")
			}
		})
	}
}
