package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

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
			c := benchchild.Start(b, "TestBenchServerChild", name, "MCPKIT_BENCH_CHILD="+name, "MCPKIT_BENCH_ISSUER="+sg.issuer, "MCPKIT_BENCH_JWKS="+sg.jwks)
			defer c.Stop()
			base, resource, _ := strings.Cut(c.Line(), " ")
			serverCPU := func() int64 { // the child's CPU time, asked over its stdin
				n, err := strconv.ParseInt(c.Ask("cpu"), 10, 64)
				if err != nil {
					b.Fatal(err)
				}
				return n
			}
			authz := ""
			switch name {
			case "static":
				authz = "Bearer static-token"
			case "jwt-cached", "jwt-full":
				authz = "Bearer " + sg.token(b, "alice", resource, scopeUserRead)
			case "none-header": // the token jwt-cached would send this server: same length, not verified
				authz = "Bearer " + sg.token(b, "alice", base+"/mcp", scopeUserRead)
			}
			runCalls(b, base, authz, serverCPU)
		})
	}
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
