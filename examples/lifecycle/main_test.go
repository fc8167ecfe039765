package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/exampleserve"
	"github.com/mcpkit/mcpkit/internal/exampletest"
	"github.com/mcpkit/mcpkit/mcp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start runs the example over HTTP on the database at path and returns its URL, a stop that shuts it
// down and returns run's error, and the database run opened.
func start(t *testing.T, path string, prepare func(*Notes)) (string, func() error, *Notes) {
	t.Helper()
	opened := make(chan *Notes, 1)
	base, stop := exampletest.StartHTTPStoppable(t, func(ctx context.Context, f exampleserve.Flags) error {
		return run(ctx, f, path, func(n *Notes) {
			if prepare != nil {
				prepare(n)
			}
			opened <- n
		})
	})
	return base, stop, <-opened
}

// TestDatabaseLifecycle: the tools read and write the database while the server serves (both eras over
// HTTP); after shutdown run returns nil and the database is closed; a file database keeps what was
// written for the next start.
func TestDatabaseLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.db")
	base, stop, notes := start(t, path, nil)
	for _, version := range exampletest.Eras {
		sess := exampletest.ConnectHTTP(t, base, version, client.Options{})
		if text, isErr := exampletest.Call(t, sess, "add_note", NoteArgs{Text: "from " + version}); isErr || !strings.Contains(text, `"text":"from `+version) {
			t.Fatalf("%s add_note: %q (isError %v)", version, text, isErr)
		}
		text, isErr := exampletest.Call(t, sess, "list_notes", struct{}{})
		if isErr || !strings.Contains(text, "opened at start") || !strings.Contains(text, "from "+version) {
			t.Fatalf("%s list_notes: %q (isError %v)", version, text, isErr)
		}
		sess.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), exampletest.Timeout)
	defer cancel()
	if err := notes.Ping(ctx); err != nil {
		t.Fatalf("the database does not answer while serving: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if err := notes.Ping(ctx); err == nil || !strings.Contains(err.Error(), "database is closed") {
		t.Fatalf("after shutdown, ping: %v; want the database closed", err)
	}

	// The file outlives the process: a second start lists what the first wrote.
	base, stop, _ = start(t, path, nil)
	sess := exampletest.ConnectHTTP(t, base, mcp.Version20260728, client.Options{})
	if text, _ := exampletest.Call(t, sess, "list_notes", struct{}{}); !strings.Contains(text, "from "+mcp.Version20251125) || strings.Count(text, "opened at start") != 1 {
		t.Fatalf("second start: %q", text)
	}
	sess.Close()
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
}

// TestShutdownOrder: a call running when the shutdown starts still reads the database and answers; the
// database closes only after it, when run returns.
func TestShutdownOrder(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	base, stop, notes := start(t, ":memory:", func(n *Notes) {
		n.beforeList = func() {
			close(entered)
			<-release
		}
	})
	sess := exampletest.ConnectHTTP(t, base, mcp.Version20260728, client.Options{})
	type answer struct {
		text  string
		isErr bool
		err   error
	}
	answered := make(chan answer, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), exampletest.Timeout)
		defer cancel()
		res, err := sess.CallTool(ctx, "list_notes", struct{}{})
		if err != nil {
			answered <- answer{err: err}
			return
		}
		answered <- answer{text: res.Content[0].Text, isErr: res.IsError}
	}()
	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()

	select {
	case err := <-stopped:
		t.Fatalf("run returned (%v) while a call was running", err)
	case <-time.After(200 * time.Millisecond): // the shutdown has begun and waits for the call
	}
	ctx, cancel := context.WithTimeout(context.Background(), exampletest.Timeout)
	defer cancel()
	if err := notes.Ping(ctx); err != nil {
		t.Fatalf("the database closed while a call was running: %v", err)
	}
	close(release)
	a := <-answered
	if a.err != nil || a.isErr || !strings.Contains(a.text, "opened at start") {
		t.Fatalf("the call running at shutdown: %q (isError %v, err %v)", a.text, a.isErr, a.err)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("run: %v", err)
	}
	if err := notes.Ping(ctx); err == nil {
		t.Fatal("the database is still open after shutdown")
	}
	sess.Close()
}

// TestBadDatabase: a database that cannot be opened stops the example before it serves.
func TestBadDatabase(t *testing.T) {
	err := run(context.Background(), exampleserve.Flags{Addr: "127.0.0.1:0"}, filepath.Join(t.TempDir(), "missing", "dir", "notes.db"), nil)
	if err == nil || !strings.Contains(err.Error(), "notes:") {
		t.Fatalf("run on a missing directory: %v", err)
	}
}
