package gateway_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/mcp"
)

// traffic calls NAME__add on each of names in a loop until stopped, and counts failures per name.
type traffic struct {
	stop   context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	calls  map[string]int
	failed map[string][]string
}

func startTraffic(sess *client.Session, names ...string) *traffic {
	ctx, cancel := context.WithCancel(context.Background())
	tr := &traffic{stop: cancel, calls: map[string]int{}, failed: map[string][]string{}}
	for _, n := range names {
		tr.wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				res, err := sess.CallTool(ctx, n+"__add", map[string]int{"a": i, "b": 1})
				if ctx.Err() != nil {
					return
				}
				tr.mu.Lock()
				tr.calls[n]++
				if err != nil || res.IsError || res.Content[0].Text != fmt.Sprint(i+1) {
					tr.failed[n] = append(tr.failed[n], fmt.Sprintf("%+v %v", res, err))
				}
				tr.mu.Unlock()
			}
		})
	}
	return tr
}

func (tr *traffic) end(t *testing.T) {
	t.Helper()
	tr.stop()
	tr.wg.Wait()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for n, f := range tr.failed {
		t.Errorf("%d of %d calls to %s failed while another upstream was down, e.g. %s", len(f), tr.calls[n], n, f[0])
	}
	for n, c := range tr.calls {
		if c == 0 {
			t.Errorf("no call to %s completed", n)
		}
	}
}

// TestUpstreamKilledMidTraffic: with traffic on every other upstream, one upstream is killed (a stdio
// child, then a Streamable HTTP server, then an in-process one): the others' calls keep succeeding, the
// downstream client gets tools list_changed and the dead one's tools disappear; once it can be reached
// again it is reconnected and its tools reappear with list_changed again. In both downstream eras.
func TestUpstreamKilledMidTraffic(t *testing.T) {
	for _, down := range []string{mcp.Version20251125, mcp.Version20260728} {
		t.Run("down="+down, func(t *testing.T) {
			fx := map[string]fixture{
				"child": newStdioUp(mcp.Version20251125),
				"web":   newHTTPUp(t, newDemo(), mcp.Version20260728),
				"mem":   newMemUp(t, newDemo(), mcp.Version20251125),
			}
			cfg := gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("child", fx["child"]), upstreamOf("web", fx["web"]), upstreamOf("mem", fx["mem"])}}
			g := newGateway(t, fastOptions(), cfg)
			var changes atomic.Int32
			sess := connectDown(t, g, down, client.Options{OnToolsChanged: func(context.Context) { changes.Add(1) }})
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			lctx, stopListen := context.WithCancel(ctx)
			ready := make(chan struct{})
			listenDone := make(chan error, 1)
			go func() {
				listenDone <- sess.Listen(lctx, mcp.SubscriptionFilter{ToolsListChanged: true}, func(mcp.SubscriptionFilter) { close(ready) })
			}()
			defer func() {
				stopListen()
				<-listenDone
			}()
			select {
			case <-ready:
			case <-ctx.Done():
				t.Fatal("listen not acknowledged")
			}
			hasTools := func(ns string) bool {
				tools, err := toolNames(ctx, sess)
				if err != nil {
					t.Fatal(err)
				}
				return slices.Contains(tools, ns+"__add")
			}
			for _, victim := range []string{"child", "web", "mem"} {
				var others []string
				for n := range fx {
					if n != victim {
						others = append(others, n)
					}
				}
				slices.Sort(others)
				if !hasTools(victim) {
					t.Fatalf("%s's tools missing before the kill", victim)
				}
				tr := startTraffic(sess, others...)
				before := changes.Load()
				fx[victim].kill()
				waitFor(t, ctx, victim+"'s tools to disappear", func() bool { return !hasTools(victim) })
				waitFor(t, ctx, "tools list_changed after the loss", func() bool { return changes.Load() > before })
				for _, s := range g.Status() {
					if s.Name == victim && s.State == gateway.StateUp {
						t.Fatalf("status of the killed upstream: %+v", s)
					}
				}
				res, err := sess.CallTool(ctx, victim+"__add", map[string]int{"a": 1, "b": 1})
				if err == nil && !res.IsError {
					t.Fatalf("a call to the dead upstream succeeded: %+v", res)
				}
				time.Sleep(300 * time.Millisecond) // traffic on the others while it stays down (several reconnection attempts)
				tr.end(t)

				before = changes.Load()
				fx[victim].revive()
				waitFor(t, ctx, victim+"'s tools to come back", func() bool { return hasTools(victim) })
				waitFor(t, ctx, "tools list_changed after the reconnection", func() bool { return changes.Load() > before })
				res, err = sess.CallTool(ctx, victim+"__add", map[string]int{"a": 20, "b": 22})
				if err != nil || res.IsError || res.Content[0].Text != "42" {
					t.Fatalf("%s__add after the reconnection = %+v, %v", victim, res, err)
				}
				waitFor(t, ctx, "status up with a second connection", func() bool {
					for _, s := range g.Status() {
						if s.Name == victim {
							return s.State == gateway.StateUp && s.Connects >= 2
						}
					}
					return false
				})
			}
		})
	}
}

// TestFailedFirstConnect: an upstream that cannot connect at Apply is reported down and does not hold up
// the others; it joins when it becomes reachable.
func TestFailedFirstConnect(t *testing.T) {
	late := newMemUp(t, newDemo(), mcp.Version20260728)
	late.kill()
	g := newGateway(t, fastOptions(), gateway.Config{Upstreams: []gateway.Upstream{
		upstreamOf("ok", newMemUp(t, newDemo(), mcp.Version20251125)),
		upstreamOf("late", late),
	}})
	st := g.Status()
	if len(st) != 2 || st[0].Name != "late" || st[0].State != gateway.StateDown || !strings.Contains(st[0].Error, "memUp: down") || st[1].State != gateway.StateUp {
		t.Fatalf("status = %+v", st)
	}
	sess := connectDown(t, g, mcp.Version20251125, client.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if res, err := sess.CallTool(ctx, "ok__add", map[string]int{"a": 1, "b": 1}); err != nil || res.IsError {
		t.Fatalf("ok__add = %+v, %v", res, err)
	}
	late.revive()
	waitFor(t, ctx, "late's tools", func() bool {
		tools, _ := toolNames(ctx, sess)
		return slices.Contains(tools, "late__add")
	})
}

// TestSubscriptionSurvivesReconnect: a downstream subscription (resources/subscribe in a legacy session, a
// 2026-07-28 subscriptions/listen) outlives its upstream's loss: the reconnected upstream is subscribed
// again, and its resources/updated reaches the client.
func TestSubscriptionSurvivesReconnect(t *testing.T) {
	for _, pair := range pairs {
		t.Run(pairName(pair), func(t *testing.T) {
			up := newMemUp(t, newDemo(), pair[0])
			g := newGateway(t, fastOptions(), gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("mem", up)}})
			updated := make(chan string, 64)
			sess := connectDown(t, g, pair[1], client.Options{OnResourceUpdated: func(_ context.Context, uri string) { updated <- uri }})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			const uri = "mem+command://ping"
			if sess.Era() == mcp.EraLegacy {
				if err := sess.Subscribe(ctx, uri); err != nil {
					t.Fatal(err)
				}
			} else {
				lctx, stop := context.WithCancel(ctx)
				ready := make(chan struct{})
				done := make(chan error, 1)
				go func() {
					done <- sess.Listen(lctx, mcp.SubscriptionFilter{ResourceSubscriptions: []string{uri}}, func(mcp.SubscriptionFilter) { close(ready) })
				}()
				defer func() { stop(); <-done }()
				select {
				case <-ready:
				case <-ctx.Done():
					t.Fatal("listen not acknowledged")
				}
			}
			touchUntilUpdated := func(when string) {
				t.Helper()
				for {
					if res, err := sess.CallTool(ctx, "mem__touch", struct{}{}); err != nil || res.IsError {
						t.Fatalf("%s: touch = %+v, %v", when, res, err)
					}
					select {
					case got := <-updated:
						if got != uri {
							t.Fatalf("%s: updated %q", when, got)
						}
						return
					case <-time.After(30 * time.Millisecond):
					case <-ctx.Done():
						t.Fatalf("%s: no resources/updated", when)
					}
				}
			}
			touchUntilUpdated("before the loss")
			up.kill()
			waitFor(t, ctx, "the upstream's loss", func() bool { return g.Status()[0].State != gateway.StateUp })
			up.revive()
			waitFor(t, ctx, "the reconnection", func() bool {
				tools, _ := toolNames(ctx, sess)
				return slices.Contains(tools, "mem__touch")
			})
			for len(updated) > 0 {
				<-updated
			}
			touchUntilUpdated("after the reconnection")
		})
	}
}
