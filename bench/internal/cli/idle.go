package cli

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/mcpkit/mcpkit/bench/internal/child"
	"github.com/mcpkit/mcpkit/bench/internal/loadgen"
	"github.com/mcpkit/mcpkit/bench/internal/sdks"
)

// idleResult is the memory a server keeps per idle legacy session.
type idleResult struct {
	SDK      string
	Sessions int64
	Failed   string
	// Per session: live heap, goroutine stacks, goroutines (deltas after GC, divided by Sessions).
	Heap, Stack, Goroutines float64
}

// idleWorkers is the number of connections that open the sessions.
const idleWorkers = 8

// measureIdle opens n legacy sessions on a fresh server and reads the server's live memory before and
// after (after a GC). The workers' connections and one session each are opened before the first
// reading, so only the n sessions are in the difference.
func measureIdle(sdk *sdks.SDK, n int) idleResult {
	out := idleResult{SDK: sdk.Name}
	p, err := child.Start([]string{"serve-http", "-sdk", sdk.Name, "-max-sessions", strconv.Itoa(n + idleWorkers + 100)}, true)
	if err != nil {
		out.Failed = err.Error()
		return out
	}
	defer p.Close()
	conns := make([]*loadgen.Conn, idleWorkers)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i := range conns {
		if conns[i], err = loadgen.Dial(p.HTTPAddr, 0); err != nil {
			out.Failed = err.Error()
			return out
		}
		if _, _, err := loadgen.OpenSession(conns[i], p.HTTPAddr, "/mcp"); err != nil {
			out.Failed = err.Error()
			return out
		}
	}
	ctx := context.Background()
	before, err := p.Stats(ctx, true, "")
	if err != nil {
		out.Failed = err.Error()
		return out
	}
	var opened atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, c := range conns {
		share := n / idleWorkers
		if i < n%idleWorkers {
			share++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range share {
				if _, _, err := loadgen.OpenSession(c, p.HTTPAddr, "/mcp"); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				opened.Add(1)
			}
		}()
	}
	wg.Wait()
	after, err := p.Stats(ctx, true, "")
	if err != nil {
		out.Failed = err.Error()
		return out
	}
	out.Sessions = opened.Load()
	if firstErr != nil {
		out.Failed = fmt.Sprintf("opened %d of %d: %v", out.Sessions, n, firstErr)
	}
	if out.Sessions > 0 {
		d := after.Sub(before)
		k := float64(out.Sessions)
		out.Heap, out.Stack, out.Goroutines = float64(d.Heap)/k, float64(d.Stack)/k, float64(d.Goroutines)/k
	}
	return out
}
