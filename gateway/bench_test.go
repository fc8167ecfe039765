package gateway_test

import (
	"context"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// BenchmarkGateway is tools/call add on the demo directly and through a gateway with that one upstream:
// the same client type, in the same era, against the same upstream server, once directly and once through
// the gateway, alternating in blocks within the same run so that both see the same machine load. Both
// hops are in the same era. "memory": everything in process over memory pipes (the gateway's own cost);
// "http": the upstream and the gateway each on a loopback Streamable HTTP port (what a deployment adds).
// What is reported is in measureOverhead.
func BenchmarkGateway(b *testing.B) {
	for _, tr := range []string{"memory", "http"} {
		for _, version := range []string{mcp.Version20251125, mcp.Version20260728} {
			b.Run(tr+"/"+version, func(b *testing.B) {
				var direct, through *client.Session
				if tr == "memory" {
					up := newMemUp(b, demo.New(), version)
					var err error
					if direct, err = up.dial(context.Background(), client.Options{}); err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { direct.Close() })
					g := newGateway(b, &gateway.Options{Logger: fastOptions().Logger}, gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("demo", up)}})
					through = connectDown(b, g, version, client.Options{})
				} else {
					up := newHTTPUp(b, demo.New(), version)
					var err error
					if direct, err = up.dial(context.Background(), client.Options{}); err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { direct.Close() })
					g := newGateway(b, &gateway.Options{Logger: fastOptions().Logger}, gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("demo", up)}})
					through = serveHTTP(b, g, version)
				}
				measureOverhead(b, direct, through)
			})
		}
	}
}

// overheadBlock is how many calls of one case run back to back between two reads of the process's CPU
// time (getrusage's resolution is too coarse for one call); the cases alternate block by block.
const overheadBlock = 16

// measureOverhead calls add directly and through the gateway, alternating blocks of overheadBlock calls of
// each, and reports per call: wall time (means, and p50 of single calls) and the process's CPU time, which
// counts every goroutine of the process — client, gateway and upstream — and not the other processes of
// the machine. Ratios are direct / gateway: ratio (mean wall time: one caller's throughput), ratio-p50
// (median wall time: the same, robust to the pauses a loaded machine adds) and cpu-ratio (CPU time: the
// throughput when the CPU is what runs out, as with many callers).
func measureOverhead(b *testing.B, direct, through *client.Session) {
	ctx := context.Background()
	args := map[string]int{"a": 1, "b": 2}
	var wall, cpu [2]time.Duration
	var per [2][]time.Duration
	calls := [2]func() (*mcp.CallToolResult, error){
		func() (*mcp.CallToolResult, error) { return direct.CallTool(ctx, "add", args) },
		func() (*mcp.CallToolResult, error) { return through.CallTool(ctx, "demo__add", args) },
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for c, call := range calls {
			c0 := processCPU()
			for range overheadBlock {
				t0 := time.Now()
				if res, err := call(); err != nil || res.IsError {
					b.Fatalf("add (case %d) = %+v, %v", c, res, err)
				}
				d := time.Since(t0)
				wall[c] += d
				per[c] = append(per[c], d)
			}
			cpu[c] += processCPU() - c0
		}
	}
	n := float64(b.N * overheadBlock)
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / n / 1e3 }
	p50 := func(ds []time.Duration) float64 {
		slices.Sort(ds)
		return float64(ds[len(ds)/2].Nanoseconds()) / 1e3
	}
	dp50, gp50 := p50(per[0]), p50(per[1])
	b.ReportMetric(us(wall[0]), "direct-µs/call")
	b.ReportMetric(us(wall[1]), "gateway-µs/call")
	b.ReportMetric(float64(wall[0])/float64(wall[1]), "ratio")
	b.ReportMetric(dp50/gp50, "ratio-p50")
	b.ReportMetric(gp50-dp50, "added-p50-µs")
	if cpu[0] > 0 && cpu[1] > 0 {
		b.ReportMetric(us(cpu[0]), "direct-cpu-µs/call")
		b.ReportMetric(us(cpu[1]), "gateway-cpu-µs/call")
		b.ReportMetric(float64(cpu[0])/float64(cpu[1]), "cpu-ratio")
	}
}

// serveHTTP serves the gateway on a loopback port over Streamable HTTP and connects a client in version.
func serveHTTP(b *testing.B, g *gateway.Gateway, version string) *client.Session {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	h := g.Server().Handler(nil)
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = hs.Serve(ln)
	}()
	c, err := streamable.NewClient("http://"+ln.Addr().String()+"/mcp", nil)
	if err != nil {
		b.Fatal(err)
	}
	sess, err := client.Connect(context.Background(), c, &client.Options{ProtocolVersion: version})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		sess.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		_ = hs.Close()
		<-served
	})
	return sess
}
