package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// stdioBridge is a running `mcpkit bridge --stdio "mcpkit serve --stdio"`.
type stdioBridge struct{ *listening }

func startStdioBridge(t *testing.T, extra ...string) *stdioBridge {
	t.Helper()
	return &stdioBridge{startListening(t, "the bridge", append([]string{"bridge", "--stdio", binary + " serve --stdio"}, extra...)...)}
}

// children counts the bridge's child processes (Linux /proc); the test is skipped elsewhere.
func (b *stdioBridge) children(t *testing.T) int {
	t.Helper()
	return len(b.childPIDs(t))
}

// childPIDs lists the pids of the bridge's child processes (Linux /proc); the test is skipped elsewhere.
func (b *stdioBridge) childPIDs(t *testing.T) []int {
	t.Helper()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("counting child processes needs /proc")
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var pids []int
	for _, st := range stats {
		raw, err := os.ReadFile(st)
		if err != nil {
			continue // exited meanwhile
		}
		s := string(raw)
		rest := s[strings.LastIndexByte(s, ')')+1:] // " S PPID …"
		f := strings.Fields(rest)
		if len(f) > 1 && f[0] != "Z" && f[1] == strconv.Itoa(b.cmd.Process.Pid) {
			pid, _ := strconv.Atoi(strings.TrimPrefix(strings.TrimSuffix(st, "/stat"), "/proc/"))
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitChildren waits (bounded) until the bridge has want children.
func (b *stdioBridge) waitChildren(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		n := b.children(t)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the bridge has %d child processes, want %d", n, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sseSession connects our client over HTTP+SSE to the bridge and checks one tool call.
func (b *stdioBridge) sseCall(ctx context.Context, i int) (*client.Session, error) {
	stream, err := sse.Dial(ctx, b.base+"/sse", nil)
	if err != nil {
		return nil, err
	}
	sess, err := client.Connect(ctx, stream, &client.Options{ProtocolVersion: mcp.Version20241105})
	if err != nil {
		stream.Close()
		return nil, err
	}
	res, err := sess.CallTool(ctx, "add", map[string]int{"a": i, "b": 1000})
	if err != nil || res.IsError || res.Content[0].Text != strconv.Itoa(i+1000) {
		sess.Close()
		return nil, fmt.Errorf("client %d: add = %+v, %v", i, res, err)
	}
	return sess, nil
}

// TestBridgeStdioSSEClients is the must-show against supergateway's shared child: 3 HTTP+SSE
// clients in a row, then 10 at once, against one stdio server command; each gets its own child, started
// with its session and stopped when it ends (one more child serves 2026-07-28 requests).
func TestBridgeStdioSSEClients(t *testing.T) {
	b := startStdioBridge(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b.waitChildren(t, 1)
	for i := range 3 {
		sess, err := b.sseCall(ctx, i)
		if err != nil {
			t.Fatalf("client %d in a row: %v", i, err)
		}
		if n := b.children(t); n != 2 {
			t.Fatalf("client %d in a row: %d children while it is connected, want 2 (its own + the shared one)", i, n)
		}
		sess.Close()
		b.waitChildren(t, 1)
	}

	const n = 10
	sessions := make([]*client.Session, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { sessions[i], errs[i] = b.sseCall(ctx, i) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("client %d of %d at once: %v", i, n, err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	b.waitChildren(t, n+1)
	for _, s := range sessions {
		s.Close()
	}
	b.waitChildren(t, 1)
}

// TestBridgeStdioStreamable: our client over Streamable HTTP in both eras through the bridge, with an
// elicitation round trip (a legacy session's server-to-client request; a 2026-07-28 input_required round
// served by the shared child), the Host check, and a graceful stop on SIGTERM that ends every child.
func TestBridgeStdioStreamable(t *testing.T) {
	b := startStdioBridge(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, version := range []string{mcp.Version20251125, mcp.Version20260728} {
		stream, err := streamable.NewClient(b.base+"/mcp", nil)
		if err != nil {
			t.Fatal(err)
		}
		sess, err := client.Connect(ctx, stream, &client.Options{
			ProtocolVersion: version,
			OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
				return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: jsontext.Value(`{"checkAlternative":true}`)}, nil
			},
		})
		if err != nil {
			t.Fatalf("%s: %v", version, err)
		}
		res, err := sess.CallTool(ctx, "book_trip", map[string]string{"date": demo.FullDate})
		if err != nil || res.Content[0].Text != "[SUCCESS] Booked for 2024-12-26" {
			t.Fatalf("%s: book_trip = %+v, %v", version, res, err)
		}
		want := 1
		if version == mcp.Version20251125 {
			want = 2 // the legacy session's own child
		}
		if n := b.children(t); n != want {
			t.Fatalf("%s: %d children, want %d", version, n, want)
		}
		sess.Close()
		b.waitChildren(t, 1)
	}
	if hostAnswered(t, b.base+"/mcp", "evil.example:80") {
		t.Fatal("a foreign Host header was answered")
	}
	for _, path := range []string{"/mcp", "/sse"} {
		method := http.MethodPost
		if path == "/sse" {
			method = http.MethodGet
		}
		req, err := http.NewRequestWithContext(ctx, method, b.base+path, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("%s %s with a foreign Origin: status %d, want 403", method, path, resp.StatusCode)
		}
	}
	// A legacy session left open, then SIGTERM: the bridge stops its children and exits 0.
	stream, err := sse.Dial(ctx, b.base+"/sse", nil)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := client.Connect(ctx, stream, &client.Options{ProtocolVersion: mcp.Version20241105})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	b.waitChildren(t, 2)
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.proc.Done():
	case <-ctx.Done():
		t.Fatal("the bridge did not stop on SIGTERM")
	}
	if code := b.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("the bridge exited %d on SIGTERM, want 0", code)
	}
}

func TestCommandWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "npx -y  server", want: []string{"npx", "-y", "server"}},
		{in: `node "my server.js" 'a b' c\ d "q\"x"`, want: []string{"node", "my server.js", "a b", "c d", `q"x`}},
		{in: `a ""`, want: []string{"a", ""}},
		{in: "", want: nil},
		{in: `a "b`, err: true},
		{in: `a 'b`, err: true},
		{in: `a \`, err: true},
	} {
		got, err := commandWords(tc.in)
		if (err != nil) != tc.err || !slices.Equal(got, tc.want) {
			t.Errorf("commandWords(%q) = %q, %v; want %q (error %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
}
