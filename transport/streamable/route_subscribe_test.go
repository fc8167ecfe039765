package streamable_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/server"
)

// TestRouteSubscribeReachesGETHolder: the node holding a legacy session's GET stream is the one that
// sends it resources/updated, filtered by its copy's subscriptions. A resources/subscribe that lands on
// the other node must reach that copy without waiting for a request to come to its node (none may: the
// change can come from anywhere, as in interop's TestCluster, where another client makes it).
func TestRouteSubscribeReachesGETHolder(t *testing.T) {
	n := newTwoNodes(t, func(*server.Server) {})
	sid := n.initializeOn(0)
	n.ping(1, sid) // node 1 caches the session, with no subscription yet

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	get, err := n.getStream(ctx, 1, sid)
	if err != nil {
		t.Fatal(err)
	}
	defer get.Body.Close()
	updated := make(chan struct{})
	go func() {
		events := newSSE(get.Body)
		for {
			ev, err := events.next()
			if err != nil {
				return
			}
			if strings.Contains(ev.data, "notifications/resources/updated") {
				close(updated)
				return
			}
		}
	}()

	resp := n.post(`{"jsonrpc":"2.0","id":2,"method":"resources/subscribe","params":{"uri":"demo://x"}}`, on(0, sid)...)
	readJSON(t, resp)
	if resp.StatusCode != 200 {
		t.Fatalf("subscribe on node 0: %d", resp.StatusCode)
	}
	// The bus is asynchronous: changes made right after the subscribe may still meet the old copy. Without
	// the reload, none ever reaches the client.
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		n.srv[1].ResourceUpdated("demo://x") // a change on node 1, the GET holder, made by no request of the session
		select {
		case <-updated:
			return
		case <-deadline:
			t.Fatal("no resources/updated on the GET stream of node 1 within 10s of subscribing through node 0")
		case <-tick.C:
		}
	}
}
