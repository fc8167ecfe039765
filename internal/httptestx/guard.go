// Package httptestx holds test support shared by the HTTP transports' tests: a handler wrapper that catches
// writes to a ResponseWriter after its handler returned, and a bounded wait. It is imported only by tests.
package httptestx

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Guard wraps a handler and counts every use of a ResponseWriter after the handler returned: net/http
// recycles the response's buffers then, and such a write crashes the process (nil dereference in
// bufio.(*Writer).Flush). Late uses are counted and not forwarded.
type Guard struct {
	next     http.Handler
	late     atomic.Int64
	finished atomic.Int64
	what     sync.Map      // description of each late use → true
	returned chan struct{} // one pending signal per handler return (see Returned)
}

// NewGuard returns a guard in front of next.
func NewGuard(next http.Handler) *Guard {
	return &Guard{next: next, returned: make(chan struct{}, 1)}
}

// ServeHTTP implements http.Handler.
func (g *Guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	gw := &guardWriter{g: g, w: w, rc: http.NewResponseController(w)}
	g.next.ServeHTTP(gw, r)
	gw.mu.Lock()
	gw.done = true
	gw.mu.Unlock()
	g.finished.Add(1)
	select {
	case g.returned <- struct{}{}:
	default:
	}
}

// Late returns how many times a ResponseWriter was used after its handler returned.
func (g *Guard) Late() int64 { return g.late.Load() }

// Finished returns how many handler calls have returned.
func (g *Guard) Finished() int64 { return g.finished.Load() }

// Returned receives after a handler returned (one signal is kept; Reset drops it).
func (g *Guard) Returned() <-chan struct{} { return g.returned }

// Reset forgets earlier handler returns, so that the next receive from Returned is the next request's.
func (g *Guard) Reset() {
	select {
	case <-g.returned:
	default:
	}
}

// Check fails t if any ResponseWriter was used late, naming the uses.
func (g *Guard) Check(t testing.TB) {
	t.Helper()
	if n := g.late.Load(); n > 0 {
		var what []string
		g.what.Range(func(k, _ any) bool { what = append(what, k.(string)); return true })
		sort.Strings(what)
		t.Fatalf("%d uses of a ResponseWriter after its handler returned (%v): this crashes a real server", n, what)
	}
}

type guardWriter struct {
	g    *Guard
	w    http.ResponseWriter
	rc   *http.ResponseController
	mu   sync.Mutex
	done bool
}

func (gw *guardWriter) lateUse(what string) bool {
	gw.mu.Lock()
	defer gw.mu.Unlock()
	if gw.done {
		gw.g.late.Add(1)
		gw.g.what.Store(what, true)
	}
	return gw.done
}

func (gw *guardWriter) Header() http.Header { return gw.w.Header() }

func (gw *guardWriter) Write(p []byte) (int, error) {
	if gw.lateUse("Write " + strings.TrimSpace(string(p[:min(len(p), 20)]))) {
		return 0, io.ErrClosedPipe
	}
	return gw.w.Write(p)
}

func (gw *guardWriter) WriteHeader(status int) {
	if !gw.lateUse(fmt.Sprint("WriteHeader ", status)) {
		gw.w.WriteHeader(status)
	}
}

// FlushError, SetWriteDeadline and SetReadDeadline are what http.ResponseController looks for.
func (gw *guardWriter) FlushError() error {
	if gw.lateUse("Flush") {
		return io.ErrClosedPipe
	}
	return gw.rc.Flush()
}

func (gw *guardWriter) SetWriteDeadline(t time.Time) error {
	if gw.lateUse("SetWriteDeadline") {
		return io.ErrClosedPipe
	}
	return gw.rc.SetWriteDeadline(t)
}

func (gw *guardWriter) SetReadDeadline(t time.Time) error {
	if gw.lateUse("SetReadDeadline") {
		return io.ErrClosedPipe
	}
	return gw.rc.SetReadDeadline(t)
}

// WaitFor polls cond until it holds, failing t after 10 s (a hang guard, not a speed goal).
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
