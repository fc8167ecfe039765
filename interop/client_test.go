package interop

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// netnsMarker tells a re-executed test binary that it runs inside its private network namespace.
const netnsMarker = "MCPKIT_INTEROP_NETNS"

// inPrivateNetwork re-runs the calling test in a private network namespace with only loopback up
// (unshare -n, as root), because server-everything listens on every interface. It returns true inside
// the namespace, where the test goes on; outside it reports the inner run's result and returns false.
func inPrivateNetwork(t *testing.T) bool {
	t.Helper()
	if os.Getenv(netnsMarker) == "1" {
		return true
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		missingPeer(t, "unshare is not installed: cannot isolate server-everything in a private network namespace")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "-n", "bash", "-c", `ip link set lo up && exec "$0" "$@"`,
		os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), netnsMarker+"=1")
	out, err := cmd.CombinedOutput()
	t.Logf("run in a private network namespace:\n%s", out)
	switch {
	case err != nil && strings.Contains(string(out), "unshare failed"):
		missingPeer(t, "no private network namespace (needs root): %v", err)
	case err != nil:
		t.Fatalf("the test failed in its network namespace: %v", err)
	case !strings.Contains(string(out), "--- PASS: "+t.Name()):
		t.Fatal("the test did not pass in its network namespace")
	}
	return false
}

// startEverything runs @modelcontextprotocol/server-everything in mode (streamableHttp or sse) on a free
// port and returns its base URL once it accepts connections. It is stopped when the test ends.
func startEverything(t *testing.T, node, mode string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	script := filepath.Join(os.Getenv("MCPKIT_PEERS"), "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
	cmd := exec.Command(node, script, mode)
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
	var output bytes.Buffer // shown when the test fails
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("server-everything %s said:\n%s", mode, output.String())
		}
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("server-everything (%s) did not listen on %s: %v", mode, addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestClientAgainstServerEverything drives @modelcontextprotocol/server-everything 2026.8.31 with
// mcpkit's HTTP clients: Streamable HTTP negotiated (the server/discover probe falls back to initialize)
// and pinned, the standalone GET stream, DELETE at Close; HTTP+SSE dialled directly and reached through
// the Streamable HTTP client's fallback.
func TestClientAgainstServerEverything(t *testing.T) {
	node := peers(t)
	if !inPrivateNetwork(t) {
		return
	}
	t.Run("streamableHttp", func(t *testing.T) {
		base := startEverything(t, node, "streamableHttp")
		for _, pin := range []string{"", mcp.Version20250326} {
			t.Run("pin="+pin, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				c, err := streamable.NewClient(base+"/mcp", &streamable.ClientOptions{EraCache: &streamable.EraCache{}})
				if err != nil {
					t.Fatal(err)
				}
				logs := make(chan string, 16)
				s, err := client.Connect(ctx, c, &client.Options{ProtocolVersion: pin, LogLevel: mcp.LevelDebug,
					OnLog: func(_ context.Context, p *mcp.LoggingMessageParams) {
						select {
						case logs <- string(p.Data):
						default:
						}
					}})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if s.Era() != mcp.EraLegacy || c.SessionID() == "" || c.Kind() != streamable.KindLegacy {
					t.Fatalf("era %v session %q kind %v", s.Era(), c.SessionID(), c.Kind())
				}
				if pin != "" && s.ProtocolVersion() != pin {
					t.Errorf("protocol %s, want %s", s.ProtocolVersion(), pin)
				}
				exercise(t, ctx, s)
				// Logs the server sends outside any request travel on the standalone GET stream.
				if _, err := s.CallTool(ctx, "toggle-simulated-logging", nil); err != nil {
					t.Fatal(err)
				}
				select {
				case l := <-logs:
					t.Logf("log on the GET stream: %s", l)
				case <-time.After(15 * time.Second):
					t.Error("no log notification arrived on the GET stream")
				}
				sid := c.SessionID()
				if got := postStatus(t, base+"/mcp", sid); got != http.StatusOK {
					t.Fatalf("a raw POST in the live session: HTTP %d", got)
				}
				s.Close()
				// Close sent DELETE: the server no longer knows the session (it answers 400, not 404).
				if got := postStatus(t, base+"/mcp", sid); got != http.StatusBadRequest && got != http.StatusNotFound {
					t.Errorf("a POST in the closed session: HTTP %d", got)
				}
			})
		}
	})
	t.Run("sse", func(t *testing.T) {
		base := startEverything(t, node, "sse")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		d, err := sse.Dial(ctx, base+"/sse", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(d.MessageURL(), base+"/message?sessionId=") {
			t.Errorf("message URL %q", d.MessageURL())
		}
		s, err := client.Connect(ctx, d, &client.Options{ProtocolVersion: mcp.Version20241105})
		if err != nil {
			t.Fatal(err)
		}
		exercise(t, ctx, s)
		s.Close()

		c, err := streamable.NewClient(base+"/sse", &streamable.ClientOptions{EraCache: &streamable.EraCache{}})
		if err != nil {
			t.Fatal(err)
		}
		s, err = client.Connect(ctx, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if c.Kind() != streamable.KindSSE || s.Era() != mcp.EraLegacy {
			t.Errorf("fallback: kind %v era %v", c.Kind(), s.Era())
		}
		exercise(t, ctx, s)
	})
}

// exercise lists tools and calls three of them, one with progress.
func exercise(t *testing.T, ctx context.Context, s *client.Session) {
	t.Helper()
	var names []string
	for tool, err := range s.Tools(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
	}
	for _, want := range []string{"echo", "get-sum", "trigger-long-running-operation"} {
		if !slices.Contains(names, want) {
			t.Errorf("tools %v lack %s", names, want)
		}
	}
	res, err := s.CallTool(ctx, "get-sum", map[string]int{"a": 2, "b": 3})
	if err != nil || res.IsError || len(res.Content) == 0 || res.Content[0].Text != "The sum of 2 and 3 is 5." {
		t.Errorf("get-sum: %+v %v", res, err)
	}
	res, err = s.CallTool(ctx, "echo", map[string]string{"message": "héllo"})
	if err != nil || len(res.Content) == 0 || res.Content[0].Text != "Echo: héllo" {
		t.Errorf("echo: %+v %v", res, err)
	}
	var mu sync.Mutex
	var progress []float64
	pctx := client.WithProgress(ctx, func(p *mcp.ProgressParams) {
		mu.Lock()
		progress = append(progress, p.Progress)
		mu.Unlock()
	})
	res, err = s.CallTool(pctx, "trigger-long-running-operation", map[string]float64{"duration": 0.3, "steps": 3})
	if err != nil || res.IsError {
		t.Errorf("trigger-long-running-operation: %+v %v", res, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(progress) != "[1 2 3]" {
		t.Errorf("progress %v", progress)
	}
}

// postStatus POSTs a tools/list in session sid and returns the status.
func postStatus(t *testing.T, endpoint, sid string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(`{"jsonrpc":"2.0","id":"raw","method":"tools/list"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Session-Id", sid)
	req.Header.Set("MCP-Protocol-Version", mcp.Version20250326)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
