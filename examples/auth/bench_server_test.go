package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkToolsCallServer is BenchmarkToolsCall with the server in a child process (this test binary run
// again as TestBenchServerChild), so that the server's CPU is measured apart from the client's:
// server-cpu-ns/op is the child's CPU time (user + system) per call, client-cpu-ns/op this process's. The
// issue's target ("≤ 10 % throughput cost") is about the server, whose throughput is bounded by its CPU per
// call; the same cases as BenchmarkToolsCall, each with a child of its own. MCPKIT_BENCH_CHILD_CPUPROFILE=f
// writes each child's CPU profile to f.<case>.
func BenchmarkToolsCallServer(b *testing.B) {
	sg := newSigner(b, "https://issuer.example.com")
	for _, name := range []string{"none", "static", "jwt-cached", "jwt-full"} {
		b.Run(name, func(b *testing.B) {
			args := []string{"-test.run=^TestBenchServerChild$", "-test.count=1"}
			if prof := os.Getenv("MCPKIT_BENCH_CHILD_CPUPROFILE"); prof != "" { // the server's CPU profile
				args = append(args, "-test.cpuprofile="+prof+"."+name)
			}
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(os.Environ(), "MCPKIT_BENCH_CHILD="+name, "MCPKIT_BENCH_ISSUER="+sg.issuer, "MCPKIT_BENCH_JWKS="+sg.jwks)
			cmd.Stderr = os.Stderr
			in, err := cmd.StdinPipe()
			if err != nil {
				b.Fatal(err)
			}
			outPipe, err := cmd.StdoutPipe()
			if err != nil {
				b.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			out := bufio.NewScanner(outPipe)
			defer func() {
				in.Close() // the child stops at the end of its stdin
				done := make(chan error, 1)
				go func() {
					for out.Scan() { // the test framework's last words
					}
					done <- cmd.Wait()
				}()
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					_ = cmd.Process.Kill()
					<-done
				}
			}()
			line := func() string {
				if !out.Scan() {
					b.Fatalf("child: no answer (%v)", out.Err())
				}
				return out.Text()
			}
			base, resource, _ := strings.Cut(line(), " ")
			serverCPU := func() int64 { // the child's CPU time, asked over its stdin
				fmt.Fprintln(in, "cpu")
				n, err := strconv.ParseInt(line(), 10, 64)
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
	case "none":
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
	fmt.Printf("%s %s\n", base, resource)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Println(processCPU())
	}
}
