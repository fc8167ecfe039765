// Package haproxytest starts a private HAProxy for a test: a round-robin HTTP balancer without stickiness
// on a free 127.0.0.1 port, in front of the backends the test names, with timeouts long enough for SSE
// streams, stopped when the test ends. Every response carries the name of the backend that served it in
// the ServedByHeader header ("n0", "n1", … in the order of the backends), so a test can see where each
// request went. Without haproxy on PATH (or at /usr/sbin/haproxy) Start skips, except in CI (CI=true or
// 1), where a missing balancer is a failure.
package haproxytest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/servicetest"
)

// ServedByHeader is the response header naming the backend that served a request: "n" + its index in
// the backends given to Start.
const ServedByHeader = "X-Served-By"

// Proxy is a running haproxy.
type Proxy struct {
	// Addr is host:port of the balancer's frontend.
	Addr string
	proc *servicetest.Proc
}

// URL returns the http:// URL of path on the balancer.
func (p *Proxy) URL(path string) string { return "http://" + p.Addr + path }

// Output returns what haproxy printed (warnings, alerts).
func (p *Proxy) Output() string { return p.proc.Output() }

// Config returns the configuration Start runs: one HTTP frontend on listen, round robin over backends
// (host:port each) with no stickiness of any kind (no cookie, no prefer-last-server: every request is
// balanced on its own, even on a kept-alive connection), timeouts of 10 minutes for clients, servers and
// tunnels (SSE streams stay open), and the ServedByHeader on every response.
func Config(listen string, backends []string) string {
	var b strings.Builder
	b.WriteString(`global
	maxconn 2000

defaults
	mode http
	timeout connect 2s
	timeout client 10m
	timeout server 10m
	timeout tunnel 10m
	timeout http-request 30s
	timeout http-keep-alive 30s

frontend fe
	bind ` + listen + `
	default_backend nodes

backend nodes
	balance roundrobin
	http-response set-header ` + ServedByHeader + ` %[srv_name]
`)
	for i, be := range backends {
		fmt.Fprintf(&b, "\tserver n%d %s\n", i, be)
	}
	return b.String()
}

// Start starts haproxy in front of backends (host:port each) for t and stops it at t's end.
func Start(t testing.TB, backends []string) *Proxy {
	t.Helper()
	bin := servicetest.Find(t, "haproxy", "apt-get install haproxy", "/usr/sbin")
	dir := t.TempDir()
	p := servicetest.Retry(t, func() (*Proxy, error) { return start(bin, dir, backends) })
	t.Cleanup(p.Stop)
	return p
}

func start(bin, dir string, backends []string) (*Proxy, error) {
	port, err := servicetest.FreePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cfg := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(Config(addr, backends)), 0o600); err != nil {
		return nil, err
	}
	// -db: foreground, no daemon; -f: the config. haproxy started as root without a "user" line warns
	// and runs on: fine for a test on loopback.
	proc, err := servicetest.Start(bin, "-db", "-f", cfg)
	if err != nil {
		return nil, err
	}
	if err := proc.WaitReady("haproxytest: haproxy on "+addr, func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err
	}); err != nil {
		return nil, err
	}
	return &Proxy{Addr: addr, proc: proc}, nil
}

// Stop kills haproxy now; the cleanup then has nothing left to do.
func (p *Proxy) Stop() { p.proc.Kill() }
