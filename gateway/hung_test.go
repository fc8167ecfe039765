package gateway_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestHungUpstreamDuringRefresh: an upstream that says its tools changed and then stops answering
// (tools/list and ping hang, the connection stays open: a stopped process, a silent network) is found
// lost by the ping, and the gateway still gets rid of it: its entries go, and Close returns. Before, the
// refresh's tools/list held the proxy's sync lock until the session closed, and the session was closed
// only after Detach, which waited for that lock: the upstream's goroutine never ended, its tools stayed
// listed, and Close (so a reload or the command's exit) hung for as long as the upstream did.
func TestHungUpstreamDuringRefresh(t *testing.T) {
	srv := newDemo()
	up := newMemUp(t, srv, mcp.Version20251125)
	release := make(chan struct{})
	var once sync.Once
	unhang := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unhang) // before up's cleanup: its Serve must end
	var hang atomic.Bool
	srv.Use(func(next server.Handler) server.Handler {
		return func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
			if hang.Load() && (r.Method == mcp.MethodToolsList || r.Method == mcp.MethodPing) {
				<-release // a hung peer answers nothing, whatever the client does
			}
			return next(ctx, r)
		}
	})
	opts := fastOptions()
	opts.PingTimeout = 100 * time.Millisecond
	g := gateway.New("gw", "test", opts)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := g.Apply(ctx, gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("mem", up)}}); err != nil {
		t.Fatal(err)
	}
	hang.Store(true)
	srv.RemoveTools("slow") // list_changed: the gateway's refresh asks tools/list, which hangs
	waitFor(t, ctx, "the hung upstream found lost", func() bool { return g.Status()[0].State != gateway.StateUp })
	closed := make(chan error, 1)
	go func() { closed <- g.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Error("Close did not return while the upstream hangs")
		unhang()
		<-closed
	}
}
