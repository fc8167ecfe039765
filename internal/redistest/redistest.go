// Package redistest starts a private redis-server for a test: on a free 127.0.0.1 port, with a temporary
// directory, no persistence, stopped when the test ends. Tests that need Redis call Start; without
// redis-server on PATH they skip, except in CI (CI=true or 1), where a missing service is a failure.
package redistest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Server is a running redis-server.
type Server struct {
	// Addr is host:port of the server.
	Addr string
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer
}

// URL returns a redis:// URL for database db of the server.
func (s *Server) URL(db int) string { return "redis://" + s.Addr + "/" + strconv.Itoa(db) }

// inCI reports whether the CI environment variable says this is a CI run.
func inCI() bool {
	switch os.Getenv("CI") {
	case "true", "TRUE", "True", "1":
		return true
	}
	return false
}

// Start starts a redis-server for t and stops it (and waits for it) at t's end.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if inCI() {
			t.Fatalf("redis-server is not on PATH (CI=true: a missing service is a failure; .ci/run installs it with apt-get)")
		}
		t.Skip("redis-server is not on PATH (install it, e.g. apt-get install redis-server; CI=true turns this skip into a failure)")
	}
	dir := t.TempDir()
	// A port can be taken between choosing it and redis binding it: try a few.
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		s, err := start(bin, dir, port)
		if err == nil {
			t.Cleanup(s.stop)
			return s
		}
		if attempt == 4 {
			t.Fatal(err)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("redistest: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func start(bin, dir string, port int) (*Server, error) {
	log := new(bytes.Buffer)
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
	cmd.Stdout, cmd.Stderr = log, log
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("redistest: starting %s: %w", bin, err)
	}
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), bin: bin, dir: dir, port: port, cmd: cmd,
		done: make(chan struct{}), log: log}
	go func() { _ = cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ping(s.Addr) == nil {
			return s, nil
		}
		select {
		case <-s.done:
			b, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			return nil, fmt.Errorf("redistest: redis-server on port %d exited: %s%s", port, log.Bytes(), tail(b))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("redistest: redis-server on port %d did not answer PING within 10s", port)
		}
	}
}

func tail(b []byte) []byte {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return b
}

// ping sends PING in the inline protocol and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("redistest: PING answered %q", line)
	}
	return nil
}

// Stop kills the server now (tests of Redis going away); the cleanup then has nothing left to do.
func (s *Server) Stop() { s.stop() }

// Restart kills the server (if it still runs) and starts an empty one on the same address, as a Redis that
// crashed and came back.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.stop()
	n, err := start(s.bin, s.dir, s.port)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd, s.done, s.log = n.cmd, n.done, n.log
}

func (s *Server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}
