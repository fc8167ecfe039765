package gateway_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
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
				direct, through := benchSessions(b, tr, version)
				measureOverhead(b, direct, through)
			})
			b.Run(tr+"/"+version+"/callers=8", func(b *testing.B) {
				direct, through := benchSessions(b, tr, version)
				measureParallel(b, direct, through, 8)
			})
		}
	}
}

// benchSessions returns a client of the demo upstream and a client of a gateway with that one upstream,
// both over transport tr ("memory" or "http") in version.
func benchSessions(b *testing.B, tr, version string) (direct, through *client.Session) {
	var up fixture
	if tr == "memory" {
		up = newMemUp(b, demo.New(), version)
	} else {
		b.Cleanup(benchHTTPClient.CloseIdleConnections) // last: after the servers and clients closed
		hu := newHTTPUp(b, demo.New(), version)
		hu.hc = benchHTTPClient
		up = hu
	}
	direct, err := up.dial(context.Background(), client.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { direct.Close() })
	g := newGateway(b, &gateway.Options{Logger: fastOptions().Logger}, gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("demo", up)}})
	if tr == "memory" {
		return direct, connectDown(b, g, version, client.Options{})
	}
	return direct, serveHTTP(b, g, version)
}

// benchHTTPClient sends every HTTP request of the benchmark — the callers' (direct and through) and the
// gateway's to its upstream — keeping enough idle connections for callers=8 (as mcpkit gateway does for
// its upstreams): the default transport keeps 2 per host and would open and close one per call beyond.
var benchHTTPClient = &http.Client{Transport: func() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return tr
}()}

// measureParallel is the throughput with callers calls in flight at once on each session (one direct,
// one through the gateway): per b.Loop iteration, callers goroutines make overheadBlock calls each
// directly, then the same through the gateway. Reported per call: wall time and process CPU time of
// each case, and ratio = direct wall time / gateway wall time for the same number of calls (the
// gateway's throughput as a fraction of the direct one), cpu-ratio the same in CPU time.
func measureParallel(b *testing.B, direct, through *client.Session, callers int) {
	ctx := context.Background()
	args := map[string]int{"a": 1, "b": 2}
	sessions := [2]*client.Session{direct, through}
	names := [2]string{"add", "demo__add"}
	var wall, cpu [2]time.Duration
	b.ResetTimer()
	for b.Loop() {
		for c := range sessions {
			c0, t0 := processCPU(), time.Now()
			var wg sync.WaitGroup
			errs := make(chan error, callers)
			for range callers {
				wg.Go(func() {
					for range overheadBlock {
						if res, err := sessions[c].CallTool(ctx, names[c], args); err != nil || res.IsError {
							errs <- fmt.Errorf("add (case %d) = %+v, %v", c, res, err)
							return
						}
					}
				})
			}
			wg.Wait()
			wall[c] += time.Since(t0)
			cpu[c] += processCPU() - c0
			close(errs)
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
	}
	n := float64(b.N * overheadBlock * callers)
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / n / 1e3 }
	b.ReportMetric(us(wall[0]), "direct-µs/call")
	b.ReportMetric(us(wall[1]), "gateway-µs/call")
	b.ReportMetric(float64(wall[0])/float64(wall[1]), "ratio")
	if cpu[0] > 0 && cpu[1] > 0 {
		b.ReportMetric(us(cpu[0]), "direct-cpu-µs/call")
		b.ReportMetric(us(cpu[1]), "gateway-cpu-µs/call")
		b.ReportMetric(float64(cpu[0])/float64(cpu[1]), "cpu-ratio")
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
	c, err := streamable.NewClient("http://"+ln.Addr().String()+"/mcp", &streamable.ClientOptions{HTTPClient: benchHTTPClient})
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
