package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// legacyMCP opens a 2025-11-25 session on the bridge's /mcp (a session with its own child).
func (b *stdioBridge) legacyMCP(ctx context.Context) (*client.Session, error) {
	stream, err := streamable.NewClient(b.base+"/mcp", nil)
	if err != nil {
		return nil, err
	}
	sess, err := client.Connect(ctx, stream, &client.Options{ProtocolVersion: mcp.Version20251125})
	if err != nil {
		_ = stream.Close()
		return nil, err
	}
	return sess, nil
}

// TestBridgeStdioMaxSessions: each legacy session costs a child process, so --max-sessions bounds them
// across /mcp and /sse together: past it a new session is refused (-32000 naming the flag, or the
// transport's own 503) and no process is started; ending a session frees its place.
func TestBridgeStdioMaxSessions(t *testing.T) {
	b := startStdioBridge(t, "--max-sessions", "2")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b.waitChildren(t, 1)
	s1, err := b.sseCall(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := b.legacyMCP(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	b.waitChildren(t, 3)

	// One more on either endpoint: refused by the bridge's count (each handler holds only one).
	if s, err := b.legacyMCP(ctx); err == nil {
		s.Close()
		t.Fatal("a third session on /mcp was served past --max-sessions 2")
	} else if !strings.Contains(err.Error(), "--max-sessions") || !strings.Contains(err.Error(), "-32000") {
		t.Errorf("a third session on /mcp: %v, want -32000 naming --max-sessions", err)
	}
	if s, err := b.sseCall(ctx, 3); err == nil {
		s.Close()
		t.Fatal("a third session on /sse was served past --max-sessions 2")
	} else if !strings.Contains(err.Error(), "--max-sessions") {
		t.Errorf("a third session on /sse: %v, want the refusal naming --max-sessions", err)
	}
	if n := b.children(t); n != 3 {
		t.Fatalf("%d child processes after the refusals, want 3", n)
	}

	// Ending one frees its place; two on /mcp, then the transport's own refusal for a third there.
	s1.Close()
	b.waitChildren(t, 2)
	s3, err := b.legacyMCP(ctx)
	if err != nil {
		t.Fatalf("a session after one ended: %v", err)
	}
	defer s3.Close()
	b.waitChildren(t, 3)
	req, err := http.NewRequest(http.MethodPost, b.base+"/mcp", strings.NewReader(
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a third initialize on /mcp answered %d, want 503", resp.StatusCode)
	}
	if n := b.children(t); n != 3 {
		t.Fatalf("%d child processes after the refusals, want 3", n)
	}
}

// TestBridgeStdioCrashLoopBackoff: a shared child that starts and answers but dies soon after each start
// (here: killed by timeout(1) 3 s after it starts) is a crash loop, not a one-off death: the supervisor's
// wait before each restart doubles (100ms, 200ms, 400ms…) instead of going back to --restart-delay each
// time, which restarted the process every 100 ms + its lifetime forever.
func TestBridgeStdioCrashLoopBackoff(t *testing.T) {
	if _, err := exec.LookPath("timeout"); err != nil {
		t.Skip("needs timeout(1)")
	}
	b := startStdioBridge(t, "--stdio", "timeout 3 "+binary+" serve --stdio", "--restart-delay", "100ms")
	var waits []string
	deadline := time.Now().Add(40 * time.Second)
	for len(waits) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d restarts logged in 40s, want 3", len(waits))
		}
		time.Sleep(100 * time.Millisecond)
		waits = waits[:0]
		for line := range strings.Lines(b.proc.Output()) {
			if strings.Contains(line, "a shared server process exited") {
				_, after, _ := strings.Cut(line, " in=")
				waits = append(waits, strings.Fields(after + " ")[0])
			}
		}
	}
	if want := []string{"100ms", "200ms", "400ms"}; !slices.Equal(waits[:3], want) {
		t.Fatalf("waits before the restarts of a child dying 3s after each start: %q, want %q", waits[:3], want)
	}
}

// TestBridgeStdioReadyWithWedgedChild: with --pool 2, one shared child that stops answering (SIGSTOP:
// alive, its pipes open, silent) leaves the other serving, so the bridge is still ready: /readyz pings the
// children at once, not one after the other within one 2 s budget that the silent one used up.
func TestBridgeStdioReadyWithWedgedChild(t *testing.T) {
	b := startStdioBridge(t, "--pool", "2")
	b.waitChildren(t, 2)
	b.waitProbe(t, "/readyz", http.StatusOK)
	for _, pid := range b.childPIDs(t) {
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		got := b.probe(t, "/readyz")
		if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		if got != http.StatusOK {
			t.Errorf("/readyz with child %d stopped and the other up: %d, want 200", pid, got)
		}
		b.waitProbe(t, "/readyz", http.StatusOK)
	}
}

// TestBridgeStdioStopDuringChildStart: SIGTERM while a legacy session's child is starting (here a child
// that never answers initialize) stops that child too: the start is abandoned with the bridge, which exits
// without waiting out the start and leaves no process behind. It used to wait for the endpoints' close
// bound (10 s), exit, and leave the child running, orphaned.
func TestBridgeStdioStopDuringChildStart(t *testing.T) {
	dir := t.TempDir()
	mark := filepath.Join(dir, "started")
	// The first start (the shared child) serves; every later one never answers.
	script := "if [ -e " + mark + " ]; then exec sleep 120; fi; touch " + mark + "; exec " + binary + " serve --stdio"
	b := startStdioBridge(t, "--stdio", "sh -c '"+script+"'")
	b.waitChildren(t, 1)
	shared := b.childPIDs(t)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	go func() {
		// The session's GET waits in the bridge while its child starts; it fails when the bridge stops.
		if s, err := b.sseCall(ctx, 1); err == nil {
			s.Close()
		}
	}()
	b.waitChildren(t, 2)
	var starting int
	for _, pid := range b.childPIDs(t) {
		if pid != shared {
			starting = pid
		}
	}
	t.Cleanup(func() { _ = syscall.Kill(starting, syscall.SIGKILL) })
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.proc.Done():
	case <-ctx.Done():
		t.Fatal("the bridge did not stop on SIGTERM")
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", starting))
	if err == nil {
		s := string(raw)
		if f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]); len(f) > 0 && f[0] != "Z" {
			t.Fatalf("the child that was starting (pid %d) still runs after the bridge exited", starting)
		}
	}
}

// TestBridgeStdioPoolRotates: with --pool 2, 2026-07-28 calls made one after the other (each child idle
// when the next comes: equals) go to both children in turn, as the round robin among equals says. The
// bytes each child read (/proc/PID/io rchar) tell which served: before the fix, the transport's
// Authorize step advanced the rotation too, so with an even pool every call went to the same child.
func TestBridgeStdioPoolRotates(t *testing.T) {
	b := startStdioBridge(t, "--pool", "2")
	b.waitChildren(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sess := b.connect(ctx, t, mcp.Version20260728, nil)
	pids := b.childPIDs(t)
	read := func(pid int) int {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
		if err != nil {
			t.Skipf("reading a child's I/O counters: %v", err)
		}
		for line := range strings.Lines(string(raw)) {
			if v, ok := strings.CutPrefix(line, "rchar: "); ok {
				n, _ := strconv.Atoi(strings.TrimSpace(v))
				return n
			}
		}
		t.Skip("no rchar in /proc/PID/io")
		return 0
	}
	before := []int{read(pids[0]), read(pids[1])}
	const calls = 20
	for i := range calls {
		if err := add(ctx, sess, i); err != nil {
			t.Fatal(err)
		}
	}
	got := []int{read(pids[0]) - before[0], read(pids[1]) - before[1]}
	// An add call is a few hundred bytes; each child must have read a good share of the 20.
	lo, hi := min(got[0], got[1]), max(got[0], got[1])
	if lo*4 < hi {
		t.Fatalf("bytes read by the two children during %d calls one after the other: %v; want both served", calls, got)
	}
}
