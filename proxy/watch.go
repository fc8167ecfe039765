package proxy

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/mcpkit/mcpkit/mcp"
)

// subscriptions are the resource URIs the downstream clients subscribed to, counted per URI, for a
// 2026-07-28 upstream (which has no resources/subscribe: Run holds a subscriptions/listen naming them).
// A legacy upstream is subscribed directly by the middleware.
type subscriptions struct {
	count   map[string]int // under Proxy.mu
	changed chan struct{}  // poked (never blocking) when the set of URIs changes
}

// subscribe counts a downstream subscription (on) or its end, and pokes Run when the set of URIs changed.
func (p *Proxy) subscribe(uri string, on bool) {
	p.mu.Lock()
	if p.subs.count == nil {
		p.subs.count = map[string]int{}
	}
	n := p.subs.count[uri]
	switch {
	case on:
		p.subs.count[uri] = n + 1
	case n > 1:
		p.subs.count[uri] = n - 1
	default:
		delete(p.subs.count, uri)
	}
	changed := (on && n == 0) || (!on && n == 1)
	p.mu.Unlock()
	if changed {
		select {
		case p.subs.changed <- struct{}{}:
		default:
		}
	}
}

// filter is what Run's subscriptions/listen asks for.
func (p *Proxy) filter() mcp.SubscriptionFilter {
	p.mu.Lock()
	defer p.mu.Unlock()
	uris := slices.Sorted(maps.Keys(p.subs.count))
	return mcp.SubscriptionFilter{ToolsListChanged: true, PromptsListChanged: true, ResourcesListChanged: true, ResourceSubscriptions: uris}
}

// Run relays the upstream's change notifications until ctx ends, and returns nil then. A legacy upstream
// sends list_changed and resources/updated unasked (ClientOptions relays them), so Run only waits. For a
// 2026-07-28 upstream it holds one subscriptions/listen for the list changes and the URIs the downstream
// clients subscribed to, opening it again when that set changes or the upstream closes it (after a
// pause that grows from 100 ms to 5 s while it keeps failing). Without Run, a 2026-07-28 upstream's lists
// are copied once by Attach and never refreshed.
func (p *Proxy) Run(ctx context.Context) error {
	up, err := p.upstream()
	if err != nil {
		return err
	}
	if up.Era() != mcp.EraModern {
		<-ctx.Done()
		return nil
	}
	pause := 100 * time.Millisecond
	for {
		lctx, cancel := context.WithCancel(ctx)
		errc := make(chan error, 1)
		go func(f mcp.SubscriptionFilter) {
			errc <- up.Listen(lctx, f, nil)
		}(p.filter())
		select {
		case <-ctx.Done():
			cancel()
			<-errc
			return nil
		case <-p.subs.changed:
			cancel()
			<-errc
			pause = 100 * time.Millisecond
			continue
		case err := <-errc:
			cancel()
			if err != nil {
				p.log.Warn("proxy: the upstream's subscriptions/listen ended", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-up.Done():
			return nil
		case <-time.After(pause):
		case <-p.subs.changed:
		}
		pause = min(2*pause, 5*time.Second)
	}
}
