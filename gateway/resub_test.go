package gateway_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestSubscribeWhileConnecting: a downstream subscription made while a 2026-07-28 upstream is being
// connected (it is routable before its lists are copied) is counted once upstream, so that when the client
// unsubscribes, the upstream's subscriptions/listen stops naming the URI. Before, the subscription was sent
// by the subscribe and again by the resubscription that follows the connection: counted twice, it stayed
// in the upstream's listen after the last client left.
func TestSubscribeWhileConnecting(t *testing.T) {
	srv := newDemo()
	up := newMemUp(t, srv, mcp.Version20260728)
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock)
	var mu sync.Mutex
	var lastFilter []string // the resource URIs of the upstream's newest subscriptions/listen
	srv.Use(func(next server.Handler) server.Handler {
		return func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
			switch r.Method {
			case mcp.MethodResourcesList:
				<-release // the connection is held in Attach until the test has subscribed
			case mcp.MethodSubscriptionsListen:
				var p struct {
					Notifications mcp.SubscriptionFilter `json:"notifications"`
				}
				_ = json.Unmarshal(r.Params, &p)
				mu.Lock()
				lastFilter = p.Notifications.ResourceSubscriptions
				mu.Unlock()
			}
			return next(ctx, r)
		}
	})
	g := gateway.New("gw", "test", fastOptions())
	t.Cleanup(func() { _ = g.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	applied := make(chan error, 1)
	go func() { applied <- g.Apply(ctx, gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("mem", up)}}) }()
	waitFor(t, ctx, "the upstream routable", func() bool { s := g.Status(); return len(s) == 1 && s[0].State == gateway.StateUp })
	sess := connectDown(t, g, mcp.Version20251125, client.Options{})
	const uri = "mem+command://ping"
	if err := sess.Subscribe(ctx, uri); err != nil {
		t.Fatal(err)
	}
	unblock()
	if err := <-applied; err != nil {
		t.Fatal(err)
	}
	filter := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return lastFilter
	}
	waitFor(t, ctx, "the upstream's listen naming the URI", func() bool { return slices.Contains(filter(), "command://ping") })
	if err := sess.Unsubscribe(ctx, uri); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for slices.Contains(filter(), "command://ping") {
		select {
		case <-deadline:
			t.Fatalf("after the only client unsubscribed, the upstream's listen still names the URI: %v", filter())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
