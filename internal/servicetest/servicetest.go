// Package servicetest holds what the packages that start a real service for a test share (redistest,
// haproxytest): the CI rule for a missing program (skip locally, fail with CI=true), a free loopback port,
// and a child process that dies with the test binary, collects its output and is waited for.
package servicetest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// InCI reports whether the CI environment variable says this is a CI run.
func InCI() bool {
	switch os.Getenv("CI") {
	case "true", "TRUE", "True", "1":
		return true
	}
	return false
}

// Find returns the path of program, looked up on PATH and then in dirs (Debian installs some services in
// /usr/sbin, which is not on every user's PATH). When it is missing, t is skipped with install as the
// hint, or failed in CI, where a missing service is a failure.
func Find(t testing.TB, program, install string, dirs ...string) string {
	t.Helper()
	if bin, err := exec.LookPath(program); err == nil {
		return bin
	}
	for _, d := range dirs {
		if p := filepath.Join(d, program); isExecutable(p) {
			return p
		}
	}
	if InCI() {
		t.Fatalf("%s is not installed (CI=true: a missing service is a failure; .ci/run installs it: %s)", program, install)
	}
	t.Skipf("%s is not installed (%s; CI=true turns this skip into a failure)", program, install)
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// FreePort returns a TCP port free on 127.0.0.1 at the moment of the call.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("servicetest: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Retry calls start until it succeeds, five times at most (a port chosen free can be taken before the
// service binds it), and fails t with the last error.
func Retry[T any](t testing.TB, start func() (T, error)) T {
	t.Helper()
	for attempt := 0; ; attempt++ {
		v, err := start()
		if err == nil {
			return v
		}
		if attempt == 4 {
			t.Fatal(err)
		}
	}
}

// Proc is a child process started by Start.
type Proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	out  bytes.Buffer
}

// Start starts bin with args. The kernel kills it when the test binary dies, even without cleanups (on
// Linux: a test binary ended by -timeout leaves nothing behind); its output is collected for Output.
func Start(bin string, args ...string) (*Proc, error) {
	return StartCmd(exec.Command(bin, args...))
}

// StartCmd is Start for a command prepared by the caller (another user, directory or environment); its
// Stdout and Stderr are replaced by the collector.
func StartCmd(cmd *exec.Cmd) (*Proc, error) {
	p := &Proc{cmd: cmd, done: make(chan struct{})}
	w := lockedWriter{p}
	p.cmd.Stdout, p.cmd.Stderr = w, w
	if p.cmd.WaitDelay == 0 {
		// A grandchild that outlives the process (a shell's child, a server's worker) keeps the output
		// pipe open: without a bound, Wait, and so Kill, would wait for it.
		p.cmd.WaitDelay = 2 * time.Second
	}
	dieWithParent(p.cmd)
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("servicetest: starting %s: %w", cmd.Path, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	return p, nil
}

// WaitReady calls ready every 20 ms until it returns nil. It fails when the process exits first (the
// error carries its output) or after 10 seconds (the process is then killed); what names the service in
// the errors.
func (p *Proc) WaitReady(what string, ready func() error) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited: %s", what, p.Output())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.Kill()
			return fmt.Errorf("%s was not ready within 10s (%v): %s", what, err, p.Output())
		}
	}
}

// Output returns what the process printed so far.
func (p *Proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Kill kills the process, if it still runs, and waits for it. It is idempotent.
func (p *Proc) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// lockedWriter collects the process's output.
type lockedWriter struct{ p *Proc }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.out.Write(b)
}

// Listening starts bin with the arguments args returns for a free 127.0.0.1 address (host:port) and
// returns that address once something accepts TCP connections on it. The process is killed when t ends,
// and what it printed is logged when t failed; what names it in errors and logs.
func Listening(t testing.TB, what, bin string, args func(addr string) []string) (string, *Proc) {
	t.Helper()
	type started struct {
		addr string
		proc *Proc
	}
	s := Retry(t, func() (started, error) {
		port, err := FreePort()
		if err != nil {
			return started{}, err
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		p, err := Start(bin, args(addr)...)
		if err != nil {
			return started{}, err
		}
		if err := p.WaitReady(what+" on "+addr, func() error { return dial(addr) }); err != nil {
			p.Kill()
			return started{}, err
		}
		return started{addr, p}, nil
	})
	t.Cleanup(func() {
		s.proc.Kill()
		if t.Failed() {
			t.Logf("%s on %s said:\n%s", what, s.addr, s.proc.Output())
		}
	})
	return s.addr, s.proc
}

// dial reports whether something accepts TCP connections on addr.
func dial(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
	}
	return err
}
