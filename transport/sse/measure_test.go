package sse_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/internal/httptestx"
	"github.com/mcpkit/mcpkit/transport/sse"
)

func heapMiB() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / (1 << 20)
}

// TestMeasureNeverReadStreams re-measures the figures of issue 11 for the HTTP+SSE transport against the
// demo server, and checks them against the documented budgets: 2,000 book_trip calls (each waits for an
// elicitation nobody answers) on one session whose stream is never read; 2,000 echo calls of 64 KiB on one
// such session; 41 such sessions given 40 echo answers of 256 KiB each; then everything after the clients
// leave. It takes about 15 s, so it runs only with MCPKIT_MEASURE=1.
func TestMeasureNeverReadStreams(t *testing.T) {
	if os.Getenv("MCPKIT_MEASURE") == "" {
		t.Skip("set MCPKIT_MEASURE=1 to measure")
	}
	opts := sse.Options{Logger: slog.New(slog.DiscardHandler)}
	h := sse.NewHandler(demo.New(), &opts)
	mux := http.NewServeMux()
	mux.Handle("/sse", h.SSE())
	mux.Handle("/messages", h.Messages())
	ts := httptest.NewServer(mux)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		ts.CloseClientConnections()
		ts.Close()
	}()
	open := func() (string, func()) {
		ctx, cancel := context.WithCancel(context.Background())
		ep, next, closeBody := stream(t, ts, ctx)
		post(t, ts, ep, initialize)
		next()
		post(t, ts, ep, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
		return ep, func() { closeBody(); cancel() }
	}
	calls := func(ep string, n int, params func(i int) string) map[int]int {
		codes := map[int]int{}
		for i := range n {
			codes[post(t, ts, ep, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":%s}`, i, params(i)))]++
		}
		return codes
	}
	g0, m0 := runtime.NumGoroutine(), heapMiB()
	report := func(what string, codes map[int]int) (int, float64) {
		g, m := runtime.NumGoroutine()-g0, heapMiB()-m0
		t.Logf("%s: HTTP %v, goroutines %+d, heap %+.1f MiB, sessions %d, queued %d bytes", what, codes, g, m, h.Sessions(), h.QueuedBytes())
		return g, m
	}

	ep, closeA := open()
	codes := calls(ep, 2000, func(int) string { return `{"name":"book_trip","arguments":{"date":"2024-12-25"}}` })
	if g, _ := report("2,000 book_trip, one never-read session", codes); g > 4*64 {
		t.Errorf("%d goroutines for a session capped at 64 requests in flight", g)
	}
	closeA()

	ep, closeB := open()
	msg := strings.Repeat("x", 64<<10)
	codes = calls(ep, 2000, func(int) string { return fmt.Sprintf(`{"name":"echo","arguments":{"message":%q}}`, msg) })
	if _, m := report("2,000 echo of 64 KiB, one never-read session", codes); m > 4+16 {
		t.Errorf("heap grew by %.1f MiB for a session budget of 4 MiB", m)
	}
	closeB()

	var closers []func()
	msg = strings.Repeat("y", 256<<10)
	codes = map[int]int{}
	for range 41 {
		ep, c := open()
		closers = append(closers, c)
		for k, v := range calls(ep, 40, func(int) string { return fmt.Sprintf(`{"name":"echo","arguments":{"message":%q}}`, msg) }) {
			codes[k] += v
		}
	}
	if _, m := report("41 never-read sessions, 40 echo of 256 KiB each", codes); m > 41*4+32 {
		t.Errorf("heap grew by %.1f MiB for 41 sessions of 4 MiB", m)
	}
	for _, c := range closers {
		c()
	}
	httptestx.WaitFor(t, "every session to end", func() bool { return h.Sessions() == 0 })
	if _, m := report("after the clients left", nil); m > 16 || h.QueuedBytes() != 0 {
		t.Errorf("%.1f MiB and %d queued bytes still held after the clients left", m, h.QueuedBytes())
	}
}
