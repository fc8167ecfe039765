package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestSubscriptionLimit: a legacy session's subscriptions are bounded in count (Options.MaxSubscriptions)
// and in the bytes of their URIs together; a subscribe past either fails with -32000 saying so, the
// session keeps what it had (a resubscribe of a held URI still succeeds, and after an unsubscribe there is
// room again).
func TestSubscriptionLimit(t *testing.T) {
	s := demo.NewWith(server.Options{MaxSubscriptions: 3})
	sess := connect(t, s, &client.Options{ProtocolVersion: mcp.Version20251125})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		if err := sess.Subscribe(ctx, fmt.Sprintf("greeting://%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	err := sess.Subscribe(ctx, "greeting://3")
	if rpcCode(err) != -32000 || !strings.Contains(err.Error(), "subscribed to 3 resources") {
		t.Fatalf("a fourth subscription: %v; want -32000 naming the bound", err)
	}
	if err := sess.Subscribe(ctx, "greeting://1"); err != nil {
		t.Fatalf("subscribing again to a held URI: %v", err)
	}
	if err := sess.Unsubscribe(ctx, "greeting://0"); err != nil {
		t.Fatal(err)
	}
	if err := sess.Subscribe(ctx, "greeting://3"); err != nil {
		t.Fatalf("after an unsubscribe: %v", err)
	}

	big := demo.NewWith(server.Options{MaxSubscriptions: 100000})
	bsess := connect(t, big, &client.Options{ProtocolVersion: mcp.Version20251125})
	long := strings.Repeat("x", 200<<10)
	for i := range 5 {
		if err := bsess.Subscribe(ctx, fmt.Sprintf("greeting://%d%s", i, long)); err != nil {
			t.Fatalf("subscription %d of 200 KiB: %v", i, err)
		}
	}
	if err := bsess.Subscribe(ctx, "greeting://5"+long); rpcCode(err) != -32000 || !strings.Contains(err.Error(), "bytes") {
		t.Fatalf("a sixth 200 KiB URI (past 1 MiB): %v; want -32000 naming the bytes", err)
	}
}
