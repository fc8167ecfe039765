package streamable_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// slowCreate is a session store whose Create waits for release: a Close can start meanwhile.
type slowCreate struct {
	*store.MemorySessionStore
	creating chan struct{}
	release  chan struct{}
}

func (s *slowCreate) Create(ctx context.Context, st *store.SessionState) error {
	close(s.creating)
	<-s.release
	return s.MemorySessionStore.Create(ctx, st)
}

// TestInitializeDuringCloseLeavesNoSession (found in review, issue 12): an initialize whose session the
// store was still creating when Close started kept it on the closed handler, never closed.
func TestInitializeDuringCloseLeavesNoSession(t *testing.T) {
	mem := store.NewMemorySessionStore(store.MemorySessionOptions{})
	slow := &slowCreate{MemorySessionStore: mem, creating: make(chan struct{}), release: make(chan struct{})}
	e := newEnv(t, server.New("t", "1", nil), &streamable.Options{Sessions: slow})
	status := make(chan int, 1)
	go func() {
		resp, err := e.doErr(context.Background(), `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
		if err != nil {
			status <- -1
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	select {
	case <-slow.creating:
	case <-time.After(10 * time.Second):
		close(slow.release)
		t.Fatal("initialize never reached the session store")
	}
	closed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		closed <- e.h.Close(ctx)
	}()
	time.Sleep(100 * time.Millisecond) // Close has marked the handler closed (it may wait for the POST)
	close(slow.release)
	select {
	case got := <-status:
		if got != http.StatusServiceUnavailable {
			t.Errorf("initialize during Close answered %d, want 503", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("initialize got no answer")
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if n := streamable.LiveSessions(e.h); n != 0 {
		t.Errorf("the closed handler holds %d sessions, want 0", n)
	}
}
