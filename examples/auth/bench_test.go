package main

import (
	"bytes"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/auth"
)

// BenchmarkToolsCall measures what authentication costs a tools/call (get_user, 2026-07-28 era, over
// Streamable HTTP on 127.0.0.1 with keep-alive, client and server in this process, 4 callers per CPU):
//
//   - none: the example without authentication (the baseline);
//   - static: auth.Middleware with a static bearer token (the principal and the scope check, no JWT);
//   - jwt-cached: auth.Middleware with the JWT verifier, key set warm and its result cache on (the default:
//     a token seen before is found again by a seeded hash of the whole token, no JOSE code runs);
//   - jwt-full: the same with the result cache off (CacheTTL < 0): signature and claims checked every call.
//
// cpu-ns/op is the process's CPU time per call (client and server), steadier than ns/op on a shared machine.
// Every call must answer 200; the scope check (User.Read) runs in both JWT cases.
func BenchmarkToolsCall(b *testing.B) {
	sg := newSigner(b, "https://issuer.example.com")
	cases := []struct {
		name string
		cfg  config
	}{
		{"none", config{none: true}},
		{"static", config{none: true}},
		{"jwt-cached", config{mode: "jwt", issuer: sg.issuer, jwks: sg.jwks}},
		{"jwt-full", config{mode: "jwt", issuer: sg.issuer, jwks: sg.jwks, jwtCacheTTL: -1}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			base, ex := startExample(b, c.cfg)
			authz := ""
			if ex.resource != "" {
				authz = "Bearer " + sg.token(b, "alice", ex.resource, scopeUserRead)
			}
			if c.name == "static" {
				base = serveExample(b, &example{srv: newServer(true), wrap: staticBearer})
				authz = "Bearer static-token"
			}
			runCalls(b, base, authz, nil)
		})
	}
}

// runCalls runs b.N tools/call requests against base with Authorization authz ("" for none), 4 callers per
// CPU, each answer 200, and reports cpu-ns/op: this process's CPU per call, or, when serverCPU (the server's
// CPU time in a process of its own) is not nil, server-cpu-ns/op and client-cpu-ns/op.
func runCalls(b *testing.B, base, authz string, serverCPU func() int64) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	call := toolsCall(client, base, authz)
	if err := call(); err != nil { // warm: the key set is read, the token verified once
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	var srv0 int64
	if serverCPU != nil {
		srv0 = serverCPU()
	}
	cpu0 := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := call(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	cpu := processCPU() - cpu0
	if serverCPU == nil {
		b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		return
	}
	b.ReportMetric(float64(serverCPU()-srv0)/float64(b.N), "server-cpu-ns/op")
	b.ReportMetric(float64(cpu)/float64(b.N), "client-cpu-ns/op")
}

// staticBearer is auth.Middleware with a static token: everything the JWT cases do but the JWT.
func staticBearer(next http.Handler) http.Handler {
	tokens := auth.NewStaticTokens(map[string]auth.Principal{"static-token": {Subject: "alice", Scopes: []string{scopeUserRead}}})
	return auth.Middleware(next, auth.MiddlewareOptions{Verifier: tokens, ResourceMetadataURL: "http://127.0.0.1/.well-known/oauth-protected-resource/mcp"})
}

// processCPU is the CPU time (user and system) this process has used, in nanoseconds: unlike ns/op, it
// does not grow when other processes take the machine's cores.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// statusError is an answer other than 200.
type statusError struct{ status int }

func (e *statusError) Error() string { return "status " + http.StatusText(e.status) }

// toolsCall returns a function that posts one tools/call of get_user (2026-07-28 era) to base's /mcp with
// Authorization authz ("" for none) and fails unless the answer is 200.
func toolsCall(client *http.Client, base, authz string) func() error {
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_user","arguments":{"id":"1"},` +
		`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`)
	return func() error {
		req, _ := http.NewRequest(http.MethodPost, base+"/mcp", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", "2026-07-28")
		req.Header.Set("Mcp-Method", "tools/call")
		req.Header.Set("Mcp-Name", "get_user")
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		resp, err := client.Do(req)
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
}
