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

// BenchmarkGateway is tools/call add on the demo directly and through a gateway with one upstream, the two
// interleaved call by call in the same run so that both see the same machine load. Both hops are in the
// same era. "memory": everything in process over memory pipes (the gateway's own cost); "http": the
// upstream and the gateway each on a loopback Streamable HTTP port (what a deployment adds). Reported:
// direct-µs/call, gateway-µs/call, added-µs/call (means), added-p50-µs (gateway p50 − direct p50) and ratio
// (direct time / gateway time: the gateway's throughput as a fraction of the direct one, for one caller).
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
				ctx := context.Background()
				args := map[string]int{"a": 1, "b": 2}
				var dDirect, dThrough time.Duration
				var perDirect, perThrough []time.Duration
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					t0 := time.Now()
					if res, err := direct.CallTool(ctx, "add", args); err != nil || res.IsError {
						b.Fatalf("direct add = %+v, %v", res, err)
					}
					t1 := time.Now()
					if res, err := through.CallTool(ctx, "demo__add", args); err != nil || res.IsError {
						b.Fatalf("gateway add = %+v, %v", res, err)
					}
					d, g := t1.Sub(t0), time.Since(t1)
					dDirect += d
					dThrough += g
					perDirect = append(perDirect, d)
					perThrough = append(perThrough, g)
				}
				n := float64(b.N)
				b.ReportMetric(float64(dDirect.Nanoseconds())/n/1e3, "direct-µs/call")
				b.ReportMetric(float64(dThrough.Nanoseconds())/n/1e3, "gateway-µs/call")
				b.ReportMetric(float64((dThrough-dDirect).Nanoseconds())/n/1e3, "added-µs/call")
				b.ReportMetric(float64(dDirect)/float64(dThrough), "ratio")
				p50 := func(ds []time.Duration) float64 {
					slices.Sort(ds)
					return float64(ds[len(ds)/2].Nanoseconds()) / 1e3
				}
				b.ReportMetric(p50(perThrough)-p50(perDirect), "added-p50-µs")
			})
		}
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
