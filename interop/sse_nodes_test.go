package interop

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/internal/servicetest"
)

// serveNode runs bin (`mcpkit`) serve with flags on a free loopback port until the test ends and returns its base
// URL once it accepts connections.
func serveNode(t *testing.T, bin string, flags ...string) *url.URL {
	t.Helper()
	addr, _ := servicetest.Listening(t, "mcpkit serve", bin, func(addr string) []string {
		return append([]string{"serve", "--addr", addr}, flags...)
	})
	return &url.URL{Scheme: "http", Host: addr}
}

// alternatingProxy forwards each HTTP request to the next node (no stickiness) and counts the /messages
// POSTs each node got.
func alternatingProxy(t *testing.T, nodes ...*url.URL) (string, []*atomic.Int64) {
	var n atomic.Int64
	posts := make([]*atomic.Int64, len(nodes))
	for i := range posts {
		posts[i] = new(atomic.Int64)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			i := int(n.Add(1)) % len(nodes)
			if pr.In.Method == http.MethodPost {
				posts[i].Add(1)
			}
			pr.SetURL(nodes[i])
		},
		FlushInterval: -1, // SSE: every event at once
	}
	ts := httptest.NewServer(rp)
	t.Cleanup(func() { ts.CloseClientConnections(); ts.Close() })
	return ts.URL, posts
}

// TestTypeScriptSSEClientAcrossNodes: the TypeScript SDK v1 HTTP+SSE client (@modelcontextprotocol/sdk
// 1.32.2, SSEClientTransport) against two `mcpkit serve --redis` processes behind a proxy alternating on
// every request: its /sse stream is held by one node, half its /messages POSTs land on the other and reach
// the holder through Redis, including its answers to the server's elicitation and sampling requests.
func TestTypeScriptSSEClientAcrossNodes(t *testing.T) {
	node := peers(t)
	rs := redistest.Start(t)
	bin := mcpkitBinary(t) // built once per test binary, shared with TestCluster
	base, posts := alternatingProxy(t, serveNode(t, bin, "--redis", rs.URL(0)), serveNode(t, bin, "--redis", rs.URL(0)))
	script, _ := filepath.Abs(filepath.Join("node", "tsclient.mjs"))
	run := func(t *testing.T, args ...string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, node, append([]string{script, base + "/sse", "v1-sse"}, args...)...)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("node: %v\n%s", err, out)
		}
		return out
	}
	t.Run("calls", func(t *testing.T) {
		var r tsResult
		if out := run(t); json.Unmarshal(out, &r) != nil || !r.OK {
			t.Fatalf("the TypeScript client failed: %s", out)
		}
		// mcpkit serve has the demo's five tools and more (demo.AddNodeTools).
		for _, name := range []string{"add", "multiply", "echo", "create_product", "book_trip"} {
			if !slices.Contains(r.Tools, name) {
				t.Errorf("tools %v lack %s", r.Tools, name)
			}
		}
		if r.Add != "15" || r.Echo != "Here's the file content: hi" || r.Greeting != "Hello, Alice!" ||
			r.Prompt != "Please review this code:\n\nx := 1" || !r.BadIsError {
			t.Errorf("unexpected results: %+v", r)
		}
	})
	t.Run("interact", func(t *testing.T) {
		out := run(t, "interact")
		var r struct {
			OK       bool           `json:"ok"`
			Trip     string         `json:"trip"`
			FreeTrip string         `json:"freeTrip"`
			Product  map[string]any `json:"product"`
		}
		if json.Unmarshal(out, &r) != nil || !r.OK {
			t.Fatalf("the TypeScript client failed: %s", out)
		}
		if r.Trip != "[SUCCESS] Booked for 2024-12-26" || r.FreeTrip != "[SUCCESS] Booked for 2025-03-01" ||
			r.Product["description"] != "Sampled description." {
			t.Fatalf("unexpected outcome: %s", out)
		}
	})
	if posts[0].Load() == 0 || posts[1].Load() == 0 {
		t.Errorf("POSTs per node %d and %d: the proxy did not spread them", posts[0].Load(), posts[1].Load())
	}
	t.Logf("POSTs per node: %d and %d", posts[0].Load(), posts[1].Load())
}
