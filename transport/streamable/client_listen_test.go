package streamable_test

import (
	"context"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestClientListenOverHTTP: client.Listen over Streamable HTTP in both eras: at 2026-07-28 the
// subscriptions/listen POST streams the tagged notifications; in a legacy session list_changed arrive on the
// GET stream. Ending the context closes the subscription (and its stream).
func TestClientListenOverHTTP(t *testing.T) {
	for _, v := range []string{mcp.Version20251125, mcp.Version20260728} {
		t.Run(v, func(t *testing.T) {
			s := server.New("t", "1", nil)
			ts, rec := serveClientTest(t, s, nil)
			tools := make(chan struct{}, 4)
			sess, err := client.Connect(testCtx(t), newClient(t, ts, "", nil), &client.Options{
				ProtocolVersion: v,
				OnToolsChanged:  func(context.Context) { tools <- struct{}{} },
			})
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			ctx, cancel := context.WithCancel(context.Background())
			ready := make(chan struct{})
			done := make(chan error, 1)
			go func() {
				done <- sess.Listen(ctx, mcp.SubscriptionFilter{ToolsListChanged: true}, func(mcp.SubscriptionFilter) { close(ready) })
			}()
			select {
			case <-ready:
			case err := <-done:
				t.Fatalf("Listen ended: %v", err)
			case <-time.After(10 * time.Second):
				t.Fatal("no acknowledgement")
			}
			server.Tool(s, "added", "", func(ctx context.Context, _ struct{}) (string, error) { return "", nil })
			select {
			case <-tools:
			case <-time.After(10 * time.Second):
				rec.mu.Lock()
				for _, r := range rec.requests {
					t.Logf("%s %s %s last=%q", r.method, r.rpcMethod, r.session, r.lastEventID)
				}
				rec.mu.Unlock()
				t.Fatal("no tools/list_changed")
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Listen did not end")
			}
		})
	}
}
