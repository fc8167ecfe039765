package main

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/benchchild"
)

// BenchmarkToolsCallServer is BenchmarkToolsCall with the server in a child process (this test binary run
// again as TestBenchServerChild), so that the server's CPU is measured apart from the client's:
// server-cpu-ns/op is the child's CPU time (user + system) per call, client-cpu-ns/op this process's. The
// issue's target ("≤ 10 % throughput cost") is about the server, whose throughput is bounded by its CPU per
// call; the same cases as BenchmarkToolsCall, each with a child of its own, and one more: none-header, the
// server without authentication sent the same Authorization header as jwt-cached (a JWT of the same
// length), which it reads but does not verify — what the header alone costs net/http, apart from what
// verifying it costs. MCPKIT_BENCH_CHILD_CPUPROFILE=f writes each child's CPU profile to f.<case>.
func BenchmarkToolsCallServer(b *testing.B) {
	sg := newSigner(b, "https://issuer.example.com")
	for _, name := range []string{"none", "none-header", "static", "jwt-cached", "jwt-full"} {
		b.Run(name, func(b *testing.B) {
			c := startServerChild(b, sg, name)
			defer c.stop()
			runCalls(b, c.base, c.authz, c.cpu)
		})
	}
}

// BenchmarkToolsCallServerInterleaved runs none, none-header and jwt-cached of BenchmarkToolsCallServer
// side by side: a server child each, all started at once, and the calls in turns of 500 per case (4
// callers per CPU), so that whatever else the machine does in a run weighs on the three cases alike. It
// reports each case's server CPU per call (<case>-server-ns/op) and the ratios to none: on a shared
// machine the ratio of one run is steadier than the same numbers from BenchmarkToolsCallServer, whose
// cases run one after another.
func BenchmarkToolsCallServerInterleaved(b *testing.B) {
	sg := newSigner(b, "https://issuer.example.com")
	names := []string{"none", "none-header", "jwt-cached"}
	children := make([]*serverChild, len(names))
	for i, name := range names {
		children[i] = startServerChild(b, sg, name)
		defer children[i].stop()
	}
	calls := make([]func() error, len(names))
	for i, c := range children {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
		defer client.CloseIdleConnections()
		calls[i] = toolsCall(client, c.base, c.authz)
		if err := calls[i](); err != nil { // warm
			b.Fatal(err)
		}
	}
	const turn = 500
	workers := 4 * runtime.GOMAXPROCS(0)
	spent := make([]int64, len(names))
	b.ResetTimer()
	for done := 0; done < b.N; done += turn {
		n := min(turn, b.N-done)
		for i, c := range children {
			cpu0 := c.cpu()
			var next atomic.Int64
			var wg sync.WaitGroup
			for range workers {
				wg.Go(func() {
					for next.Add(1) <= int64(n) {
						if err := calls[i](); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			spent[i] += c.cpu() - cpu0
		}
	}
	for i, name := range names {
		b.ReportMetric(float64(spent[i])/float64(b.N), name+"-server-ns/op")
		if i > 0 {
			b.ReportMetric(float64(spent[i])/float64(spent[0]), name+"/none")
		}
	}
}

// serverChild is a server of BenchmarkToolsCallServer's case in a child process and what a call to it
// sends.
type serverChild struct {
	c     *benchchild.Child
	base  string // the server's base URL
	authz string // the Authorization header of the case, "" for none
	cpu   func() int64
}

func (c *serverChild) stop() { c.c.Stop() }

// startServerChild starts the server of case name in a child process (TestBenchServerChild).
func startServerChild(b *testing.B, sg *signer, name string) *serverChild {
	c := benchchild.Start(b, "TestBenchServerChild", name, "MCPKIT_BENCH_CHILD="+name, "MCPKIT_BENCH_ISSUER="+sg.issuer, "MCPKIT_BENCH_JWKS="+sg.jwks)
	base, resource, _ := strings.Cut(c.Line(), " ")
	sc := &serverChild{c: c, base: base}
	sc.cpu = func() int64 { // the child's CPU time, asked over its stdin
		n, err := strconv.ParseInt(c.Ask("cpu"), 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	switch name {
	case "static":
		sc.authz = "Bearer static-token"
	case "jwt-cached", "jwt-full":
		sc.authz = "Bearer " + sg.token(b, "alice", resource, scopeUserRead)
	case "none-header": // the token jwt-cached would send this server: same length, not verified
		sc.authz = "Bearer " + sg.token(b, "alice", base+"/mcp", scopeUserRead)
	}
	return sc
}

// TestBenchServerChild is BenchmarkToolsCallServer's server: it runs only in the child that benchmark
// starts (MCPKIT_BENCH_CHILD names the case), prints "<base URL> <resource>", answers each line of its stdin
// with its CPU time in nanoseconds and stops at the end of its stdin.
func TestBenchServerChild(t *testing.T) {
	name := os.Getenv("MCPKIT_BENCH_CHILD")
	if name == "" {
		t.Skip("only in BenchmarkToolsCallServer's child process")
	}
	var base, resource string
	switch name {
	case "none", "none-header":
		base, _ = startExample(t, config{none: true})
	case "static":
		base = serveExample(t, &example{srv: newServer(true), wrap: staticBearer})
	case "jwt-cached", "jwt-full":
		cfg := config{mode: "jwt", issuer: os.Getenv("MCPKIT_BENCH_ISSUER"), jwks: os.Getenv("MCPKIT_BENCH_JWKS")}
		if name == "jwt-full" {
			cfg.jwtCacheTTL = -1
		}
		var ex *example
		base, ex = startExample(t, cfg)
		resource = ex.resource
	default:
		t.Fatalf("unknown case %q", name)
	}
	benchchild.Serve(base+" "+resource, func() string { return fmt.Sprint(processCPU()) })
}
