package main

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"strconv"
	"testing"
)

// BenchmarkToolsCallHandler is the server's side of BenchmarkToolsCall without a network or a client: each
// call is the bytes a Go client sends (request line, the same headers, the body) read by http.ReadRequest —
// where net/http parses the Authorization header — and served by the example's handler into a
// ResponseWriter that keeps only the status. One goroutine, no other process in the measurement: steadier
// than the end-to-end benchmarks on a shared machine, for comparing changes (cpu-ns/op: this process's CPU
// time per call, GC included); the number is BenchmarkToolsCallServer's. Cases as there: none, none-header (the JWT sent but not verified), static,
// jwt-cached and jwt-full.
func BenchmarkToolsCallHandler(b *testing.B) {
	sg := newSigner(b, "https://issuer.example.com")
	const addr = "127.0.0.1:8080"
	resource := "http://" + addr + "/mcp"
	jwtCfg := config{addr: addr, mode: "jwt", issuer: sg.issuer, jwks: sg.jwks}
	cases := []struct {
		name  string
		ex    func() (*example, error)
		authz string
	}{
		{"none", func() (*example, error) { return setup(context.Background(), config{none: true}) }, ""},
		{"none-header", func() (*example, error) { return setup(context.Background(), config{none: true}) }, "Bearer " + sg.token(b, "alice", resource, scopeUserRead)},
		{"static", func() (*example, error) { return &example{srv: newServer(true), wrap: staticBearer}, nil }, "Bearer static-token"},
		{"jwt-cached", func() (*example, error) { return setup(context.Background(), jwtCfg) }, "Bearer " + sg.token(b, "alice", resource, scopeUserRead)},
		{"jwt-full", func() (*example, error) {
			c := jwtCfg
			c.jwtCacheTTL = -1
			return setup(context.Background(), c)
		}, "Bearer " + sg.token(b, "alice", resource, scopeUserRead)},
	}
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_user","arguments":{"id":"1"},` +
		`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ex, err := c.ex()
			if err != nil {
				b.Fatal(err)
			}
			defer ex.close()
			h, closeH := ex.handler()
			defer closeH()
			var raw bytes.Buffer // what net/http's client writes, in its order
			raw.WriteString("POST /mcp HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: " +
				strconv.Itoa(len(body)) + "\r\nAccept: application/json, text/event-stream\r\n")
			if c.authz != "" {
				raw.WriteString("Authorization: " + c.authz + "\r\n")
			}
			raw.WriteString("Content-Type: application/json\r\nMcp-Method: tools/call\r\nMcp-Name: get_user\r\n" +
				"Mcp-Protocol-Version: 2026-07-28\r\nAccept-Encoding: gzip\r\n\r\n" + body)
			br := bufio.NewReaderSize(nil, 4096)
			src := bytes.NewReader(nil)
			w := &statusWriter{h: http.Header{}}
			call := func() {
				src.Reset(raw.Bytes())
				br.Reset(src)
				r, err := http.ReadRequest(br)
				if err != nil {
					b.Fatal(err)
				}
				r.RemoteAddr = "127.0.0.1:40000"
				clear(w.h)
				w.status = 0
				h.ServeHTTP(w, r)
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
			}
			call() // warm: the key set read, the token verified once
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				call()
			}
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// statusWriter is a ResponseWriter that keeps the status and drops the body.
type statusWriter struct {
	h      http.Header
	status int
}

func (w *statusWriter) Header() http.Header { return w.h }

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}

func (w *statusWriter) Flush() {}
