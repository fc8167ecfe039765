package gateway_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// TestSubscriptionsPerClient: one downstream client's resources/unsubscribe never ends another's
// subscription. A subscribes; B subscribes and unsubscribes; C, which never subscribed, unsubscribes; B
// subscribes twice and unsubscribes once: A still gets the upstream's resources/updated, for a legacy and
// a 2026-07-28 upstream. The clients are legacy sessions over Streamable HTTP (the gateway command's
// /mcp), each with its session id. Before, every downstream unsubscribe was sent upstream (a legacy upstream then
// stopped sending updates for everyone) or counted against the others' (a 2026-07-28 upstream's listen
// dropped the URI).
func TestSubscriptionsPerClient(t *testing.T) {
	for _, version := range []string{mcp.Version20251125, mcp.Version20260728} {
		t.Run(version, func(t *testing.T) {
			up := newMemUp(t, newDemo(), version)
			g := newGateway(t, fastOptions(), gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("mem", up)}})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			hs := serveGatewayHTTP(t, g)
			const uri = "mem+command://ping"
			updated := make(chan string, 64)
			a := connectHTTP(t, hs, client.Options{OnResourceUpdated: func(_ context.Context, u string) { updated <- u }})
			b := connectHTTP(t, hs, client.Options{})
			c := connectHTTP(t, hs, client.Options{})
			// touched says whether A gets an update within a while of B calling touch.
			touched := func() bool {
				t.Helper()
				for range 20 {
					if res, err := b.CallTool(ctx, "mem__touch", struct{}{}); err != nil || res.IsError {
						t.Fatalf("touch = %+v, %v", res, err)
					}
					select {
					case <-updated:
						return true
					case <-time.After(20 * time.Millisecond):
					}
				}
				return false
			}
			if err := a.Subscribe(ctx, uri); err != nil {
				t.Fatal(err)
			}
			if !touched() {
				t.Fatal("A subscribed but got no resources/updated")
			}
			steps := []struct {
				what string
				do   func() error
			}{
				{"B subscribes", func() error { return b.Subscribe(ctx, uri) }},
				{"B unsubscribes", func() error { return b.Unsubscribe(ctx, uri) }},
				{"C, never subscribed, unsubscribes", func() error { return c.Unsubscribe(ctx, uri) }},
				{"B subscribes twice", func() error {
					if err := b.Subscribe(ctx, uri); err != nil {
						return err
					}
					return b.Subscribe(ctx, uri)
				}},
				{"B unsubscribes once", func() error { return b.Unsubscribe(ctx, uri) }},
			}
			for _, s := range steps {
				if err := s.do(); err != nil {
					t.Fatalf("%s: %v", s.what, err)
				}
				for len(updated) > 0 {
					<-updated
				}
				if !touched() {
					t.Fatalf("after %q, A (still subscribed) gets no resources/updated", s.what)
				}
			}
			if err := a.Unsubscribe(ctx, uri); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// serveGatewayHTTP serves g over Streamable HTTP on a loopback port until the test ends; it returns the
// endpoint's URL.
func serveGatewayHTTP(t *testing.T, g *gateway.Gateway) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := g.Server().Handler(nil)
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = hs.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		_ = hs.Close()
		<-served
	})
	return "http://" + ln.Addr().String() + "/mcp"
}

// connectHTTP connects a legacy (2025-11-25) client to the gateway's endpoint url; it is closed when the
// test ends.
func connectHTTP(t *testing.T, url string, opts client.Options) *client.Session {
	t.Helper()
	c, err := streamable.NewClient(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts.ProtocolVersion = mcp.Version20251125
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, err := client.Connect(ctx, c, &opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	return sess
}
