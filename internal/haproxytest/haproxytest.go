// Package haproxytest starts a private HAProxy for a test: a round-robin HTTP balancer without stickiness
// on a free 127.0.0.1 port, in front of the backends the test names, with timeouts long enough for SSE
// streams, stopped when the test ends. Every response carries the name of the backend that served it in
// the ServedByHeader header ("n0", "n1", … in the order of the backends), so a test can see where each
// request went. Without haproxy on PATH (or at /usr/sbin/haproxy) Start skips, except in CI (CI=true or
// 1), where a missing balancer is a failure.
package haproxytest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ServedByHeader is the response header naming the backend that served a request: "n" + its index in
// the backends given to Start.
const ServedByHeader = "X-Served-By"

// Proxy is a running haproxy.
type Proxy struct {
	// Addr is host:port of the balancer's frontend.
	Addr string
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	out  *bytes.Buffer
}

// URL returns the http:// URL of path on the balancer.
func (p *Proxy) URL(path string) string { return "http://" + p.Addr + path }

// Output returns what haproxy printed (warnings, alerts).
func (p *Proxy) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// inCI reports whether the CI environment variable says this is a CI run.
func inCI() bool {
	switch os.Getenv("CI") {
	case "true", "TRUE", "True", "1":
		return true
	}
	return false
}

// lookPath finds haproxy on PATH or where Debian installs it (/usr/sbin is not on every user's PATH).
func lookPath() (string, error) {
	if bin, err := exec.LookPath("haproxy"); err == nil {
		return bin, nil
	}
	if _, err := os.Stat("/usr/sbin/haproxy"); err == nil {
		return "/usr/sbin/haproxy", nil
	}
	return "", exec.ErrNotFound
}

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
	bin, err := lookPath()
	if err != nil {
		if inCI() {
			t.Fatalf("haproxy is not installed (CI=true: a missing balancer is a failure; .ci/run installs it with apt-get)")
		}
		t.Skip("haproxy is not installed (apt-get install haproxy; CI=true turns this skip into a failure)")
	}
	dir := t.TempDir()
	// A port can be taken between choosing it and haproxy binding it: try a few.
	for attempt := 0; ; attempt++ {
		p, err := start(bin, dir, backends)
		if err == nil {
			t.Cleanup(p.stop)
			return p
		}
		if attempt == 4 {
			t.Fatal(err)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("haproxytest: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func start(bin, dir string, backends []string) (*Proxy, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cfg := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(Config(addr, backends)), 0o600); err != nil {
		return nil, err
	}
	p := &Proxy{Addr: addr, done: make(chan struct{}), out: new(bytes.Buffer)}
	// -db: foreground, no daemon; -f: the config. haproxy started as root without a "user" line warns
	// and runs on: fine for a test on loopback.
	p.cmd = exec.Command(bin, "-db", "-f", cfg)
	w := &lockedWriter{p: p}
	p.cmd.Stdout, p.cmd.Stderr = w, w
	dieWithParent(p.cmd)
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("haproxytest: starting %s: %w", bin, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("haproxytest: haproxy on %s exited: %s", addr, p.Output())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("haproxytest: haproxy did not listen on %s within 10s: %s", addr, p.Output())
		}
	}
}

// lockedWriter collects haproxy's output.
type lockedWriter struct{ p *Proxy }

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.out.Write(b)
}

// Stop kills haproxy now; the cleanup then has nothing left to do.
func (p *Proxy) Stop() { p.stop() }

func (p *Proxy) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}
