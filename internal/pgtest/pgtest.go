// Package pgtest starts a private PostgreSQL server for a test: initdb into a fresh temporary directory,
// postgres on a free 127.0.0.1 port (its socket in that directory), trust authentication for the user
// "mcp", durability off (fsync, synchronous_commit, full_page_writes: the data dies with the test), stopped
// with pg_ctl when the test ends and killed with the test binary if it dies first. PostgreSQL refuses to
// run as root, so a root test runs initdb and postgres as the "postgres" user (the Debian package creates
// it). The binaries are found on PATH or in /usr/lib/postgresql/*/bin, where Debian puts them; without them
// tests skip, except in CI (CI=true or 1), where a missing service is a failure.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcpkit/mcpkit/internal/servicetest"
)

// User is the superuser initdb creates; it connects without a password.
const User = "mcp"

// Server is a running PostgreSQL server.
type Server struct {
	// Addr is host:port of the server.
	Addr string
	dir  string // the temporary directory: data/, the socket, the log
	bin  string // the directory of initdb, postgres and pg_ctl
	as   *account
	proc *servicetest.Proc
	dbs  atomic.Int64
}

// URL returns a postgres:// URL for the database db of the server.
func (s *Server) URL(db string) string {
	return "postgres://" + User + "@" + s.Addr + "/" + db + "?sslmode=disable"
}

// binDirs are where Debian installs the server's programs, newest major version first.
func binDirs() []string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va
	})
	return dirs
}

// Start starts a PostgreSQL server for t and stops it (and waits for it) at t's end.
func Start(t testing.TB) *Server {
	t.Helper()
	initdb := servicetest.Find(t, "initdb", "apt-get install postgresql", binDirs()...)
	bin := filepath.Dir(initdb)
	as, err := runAs()
	if err != nil {
		if servicetest.InCI() {
			t.Fatalf("pgtest: %v (CI=true: a missing service is a failure)", err)
		}
		t.Skipf("pgtest: %v", err)
	}
	// Not t.TempDir: its parents are private to the test's user, and postgres may run as another.
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := as.own(dir); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	cmd := as.command(initdb, "-D", data, "-A", "trust", "-U", User, "-E", "UTF8", "--no-sync", "--no-instructions")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}
	s := servicetest.Retry(t, func() (*Server, error) {
		port, err := servicetest.FreePort()
		if err != nil {
			return nil, err
		}
		return start(bin, dir, as, port)
	})
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Logf("postgres said:\n%s%s", s.proc.Output(), b)
		}
	})
	return s
}

func start(bin, dir string, as *account, port int) (*Server, error) {
	cmd := as.command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"),
		"-p", strconv.Itoa(port), "-k", dir, "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200")
	proc, err := servicetest.StartCmd(cmd)
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), dir: dir, bin: bin, as: as, proc: proc}
	if err := proc.WaitReady(fmt.Sprintf("pgtest: postgres on port %d", port), s.ping); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	return c.Ping(ctx)
}

// NewDatabase creates an empty database on the server and returns its URL: each test, or each subtest,
// gets its own.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := "t" + strconv.FormatInt(s.dbs.Add(1), 10)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	return s.URL(name)
}

// Stop stops the server now (fast shutdown: sessions are ended), and waits for it; the cleanup then has
// nothing left to do.
func (s *Server) Stop() { s.stop() }

func (s *Server) stop() {
	select {
	case <-s.proc.Done():
		return
	default:
	}
	cmd := s.as.command(filepath.Join(s.bin, "pg_ctl"), "-D", filepath.Join(s.dir, "data"), "-m", "fast", "-w", "-t", "20", "stop")
	_ = cmd.Run()
	s.proc.Kill() // already gone after a successful stop; otherwise this ends it
}
