// Package redistest starts a private redis-server for a test: on a free 127.0.0.1 port, with a temporary
// directory, no persistence, stopped when the test ends. Tests that need Redis call Start; without
// redis-server on PATH they skip, except in CI (CI=true or 1), where a missing service is a failure.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/servicetest"
)

// Server is a running redis-server.
type Server struct {
	// Addr is host:port of the server.
	Addr string
	bin  string
	dir  string
	port int
	proc *servicetest.Proc
}

// URL returns a redis:// URL for database db of the server.
func (s *Server) URL(db int) string { return "redis://" + s.Addr + "/" + strconv.Itoa(db) }

// Start starts a redis-server for t and stops it (and waits for it) at t's end.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := servicetest.Find(t, "redis-server", "apt-get install redis-server")
	dir := t.TempDir()
	s := servicetest.Retry(t, func() (*Server, error) {
		port, err := servicetest.FreePort()
		if err != nil {
			return nil, err
		}
		return start(bin, dir, port)
	})
	t.Cleanup(s.stop)
	return s
}

func start(bin, dir string, port int) (*Server, error) {
	proc, err := servicetest.Start(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), bin: bin, dir: dir, port: port, proc: proc}
	if err := proc.WaitReady(fmt.Sprintf("redistest: redis-server on port %d", port), func() error { return ping(s.Addr) }); err != nil {
		b, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
		return nil, fmt.Errorf("%w%s", err, tail(b))
	}
	return s, nil
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
	s.proc = n.proc
}

func (s *Server) stop() { s.proc.Kill() }
