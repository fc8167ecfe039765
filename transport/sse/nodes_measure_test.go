package sse_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/internal/httptestx"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/sse"
)

// TestMeasureStreamCostWithBus measures what Options.Bus adds to each open stream (its subscription and
// the goroutine that takes forwarded messages): goroutines and heap per stream for 500 open streams, with
// and without a memory bus (Redis adds no per-stream goroutine: one pub/sub connection per node). It runs
// only with MCPKIT_MEASURE=1.
func TestMeasureStreamCostWithBus(t *testing.T) {
	if os.Getenv("MCPKIT_MEASURE") == "" {
		t.Skip("set MCPKIT_MEASURE=1 to measure")
	}
	const n = 500
	mem := func() float64 { // heap and goroutine stacks, MiB
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return float64(ms.HeapAlloc+ms.StackInuse) / (1 << 20)
	}
	for _, withBus := range []bool{false, true, false, true} {
		opts := sse.Options{Logger: slog.New(slog.DiscardHandler)}
		if withBus {
			opts.Bus = store.NewMemoryBus(store.MemoryBusOptions{})
		}
		h := sse.NewHandler(demo.New(), &opts)
		mux := http.NewServeMux()
		mux.Handle("/sse", h.SSE())
		mux.Handle("/messages", h.Messages())
		ts := httptest.NewServer(mux)
		g0, m0 := runtime.NumGoroutine(), mem()
		var closers []func()
		for range n {
			ctx, cancel := context.WithCancel(context.Background())
			_, _, closeBody := stream(t, ts, ctx)
			closers = append(closers, func() { closeBody(); cancel() })
		}
		g, m := runtime.NumGoroutine()-g0, mem()-m0
		t.Logf("bus %v: %d streams: %.2f goroutines and %.1f KiB heap and stacks per stream (client side included)", withBus, n,
			float64(g)/n, m*1024/n)
		for _, c := range closers {
			c()
		}
		httptestx.WaitFor(t, "every session to end", func() bool { return h.Sessions() == 0 })
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = h.Close(ctx)
		cancel()
		ts.CloseClientConnections()
		ts.Close()
	}
}
