package metrics_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/metrics"
	"github.com/mcpkit/mcpkit/transport/memory"
)

// BenchmarkToolsCallMetrics measures what metrics cost a tools/call: the same server without and with
// metrics (Instrument, Transports, WrapHTTP), side by side in one run:
//
//   - http/{off,on}: 2026-07-28 tools/call over Streamable HTTP on 127.0.0.1 (keep-alive), client and
//     server in this process, 4 callers per CPU; cpu-ns/op is the process's CPU time per call (steadier
//     than ns/op on a shared machine) and calls/s the throughput;
//   - inproc/{off,on}: a 2025-11-25 session over an in-memory pipe, one caller: the observer's own cost
//     without HTTP around it.
//
// docs/PERFORMANCE.md ("Metrics") has the figures; the target is on ≥ 0.85× off.
func BenchmarkToolsCallMetrics(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := map[bool]string{false: "off", true: "on"}[on]
		b.Run("http/"+name, func(b *testing.B) { benchHTTP(b, on) })
	}
	for _, on := range []bool{false, true} {
		name := map[bool]string{false: "off", true: "on"}[on]
		b.Run("inproc/"+name, func(b *testing.B) { benchInProc(b, on) })
	}
}

func benchHTTP(b *testing.B, on bool) {
	s := newServer()
	h := s.Handler(nil)
	defer h.Close(context.Background())
	var handler http.Handler = h
	if on {
		m := metrics.New(nil)
		m.Instrument(s)
		m.Transports(h, nil)
		handler = m.WrapHTTP("streamable", h)
	}
	hs := httptest.NewServer(handler)
	defer hs.Close()
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},` + modernMeta + `}}`)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	call := func() error {
		req, _ := http.NewRequest(http.MethodPost, hs.URL, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", "2026-07-28")
		req.Header.Set("Mcp-Method", "tools/call")
		req.Header.Set("Mcp-Name", "add")
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return &statusError{resp.StatusCode}
		}
		return nil
	}
	if err := call(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	cpu0, start := processCPU(), time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := call(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
}

func benchInProc(b *testing.B, on bool) {
	s := newServer()
	if on {
		metrics.New(nil).Instrument(s)
	}
	a, z := memory.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, a) }()
	defer func() { cancel(); z.Close(); <-done }()
	sess, err := client.Connect(ctx, z, &client.Options{ProtocolVersion: "2025-11-25"})
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Close()
	args := addArgs{A: 1, B: 2}
	b.ReportAllocs()
	for b.Loop() {
		res, err := sess.CallTool(ctx, "add", &args)
		if err != nil || res.IsError {
			b.Fatal(err, res)
		}
	}
}

type statusError struct{ code int }

func (e *statusError) Error() string { return http.StatusText(e.code) }

// processCPU is the CPU time (user and system) this process has used, in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
