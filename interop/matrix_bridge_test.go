package interop

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/servicetest"
)

// bridgeStdioFront starts `mcpkit bridge --stdio command` on a free loopback port for the test's lifetime:
// its /mcp (both eras) and /sse endpoints. When settled is not empty, it waits until the bridge has
// printed it (a line the shared child writes on stderr) before returning.
func bridgeStdioFront(t *testing.T, command, settled string) matrixFront {
	t.Helper()
	addr, proc := servicetest.Listening(t, "mcpkit bridge --stdio", mcpkitBinary(t), func(addr string) []string {
		return []string{"bridge", "--stdio", command, "--addr", addr}
	})
	if settled != "" {
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(proc.Output(), settled) {
			if time.Now().After(deadline) {
				t.Fatalf("the bridge did not print %q within 30s:\n%s", settled, proc.Output())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	base := "http://" + addr
	return matrixFront{Name: "bridge-stdio", Endpoints: []matrixEndpoint{
		{Kind: kindMCP, URL: base + "/mcp"},
		{Kind: kindSSE, URL: base + "/sse"},
	}}
}

// bridgeURLFront is `mcpkit bridge url` as the drivers' stdio server: each driver starts its own.
func bridgeURLFront(t *testing.T, url string) matrixFront {
	t.Helper()
	return matrixFront{Name: "bridge-url", Endpoints: []matrixEndpoint{
		{Kind: kindStdio, Command: []string{mcpkitBinary(t), "bridge", url}},
	}}
}

// quoteWord quotes s as one word of `bridge --stdio`'s command line (POSIX single quotes).
func quoteWord(s string) string {
	out := "'"
	for _, r := range s {
		if r == '\'' {
			out += `'\''`
		} else {
			out += string(r)
		}
	}
	return out + "'"
}

// everythingScript is server-everything's entry point in the installed peers.
func everythingScript() string {
	return filepath.Join(os.Getenv("MCPKIT_PEERS"), "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
}

// Known failures through the bridge (docs/BRIDGE.md, "Tested against").
const (
	// The bridge's proxy negotiates 2026-07-28 with go-sdk v1.8.0's stdio server (which answers
	// server/discover), also for a legacy session's own child, and `bridge --stdio` refuses --protocol-era.
	// go-sdk's example tools ask with server-to-client requests, which go-sdk refuses while serving a
	// 2026-07-28 request ("return an InputRequests map instead"). Directly, a legacy client gets them.
	goSDKModernAsks = "bridge --stdio negotiates 2026-07-28 with go-sdk's stdio child, whose tools then cannot ask"
	// go-sdk's sample tool sends sampling/createMessage with "messages": null and "maxTokens": 0. The
	// TypeScript clients answer it when connected directly; the proxy relays it through server.Sample,
	// which refuses it ("mcp: Sample needs at least one message") before asking the host.
	goSDKEmptySample = "the proxy refuses to relay go-sdk's sampling request without messages"
)

// TestPeerMatrixBridge runs the peer matrix through the bridge in front of the upstreams that listen on
// loopback only or speak stdio: server-everything over stdio and go-sdk's everything-server over stdio
// (behind `bridge --stdio`, reached on /mcp and /sse), go-sdk's everything-server over Streamable HTTP
// and our demo as `mcpkit serve` serves it (behind `bridge URL`, a stdio server), and the demo over stdio
// (`bridge --stdio "mcpkit serve --stdio"`). server-everything's own HTTP modes are in
// TestPeerMatrixBridgeEverythingHTTP.
func TestPeerMatrixBridge(t *testing.T) {
	node := peers(t)
	drivers := matrixDrivers(t)
	bin := mcpkitBinary(t)
	gosdk := goSDKEverything(t)
	t.Run("server-everything-stdio", func(t *testing.T) {
		t.Parallel()
		// server-everything asks its client for roots 350 ms after initialized (server/index.js,
		// syncRoots). The bridge puts that question, which belongs to no call, to the 2026-07-28 request in
		// flight on the shared child, and that request then fails with -32021 (docs/BRIDGE.md, "Tested
		// against"); wait until the shared child has asked (and been refused: no call in flight) first.
		front := bridgeStdioFront(t, quoteWord(node)+" "+quoteWord(everythingScript())+" stdio", "Failed to request roots from client")
		runPeerMatrix(t, front, everythingPeer, drivers, nil)
	})
	t.Run("go-sdk-stdio", func(t *testing.T) {
		t.Parallel()
		runPeerMatrix(t, bridgeStdioFront(t, quoteWord(gosdk), ""), goSDKPeer, drivers, map[string]string{
			"*/*/elicitText": goSDKModernAsks,
			"*/*/sampleText": goSDKModernAsks,
		})
	})
	t.Run("go-sdk-http", func(t *testing.T) {
		t.Parallel()
		addr, _ := servicetest.Listening(t, "go-sdk everything -http", gosdk, func(addr string) []string {
			return []string{"-http", addr}
		})
		runPeerMatrix(t, bridgeURLFront(t, "http://"+addr+"/mcp"), goSDKPeer, drivers, map[string]string{
			"*/*/sampleText": goSDKEmptySample,
		})
	})
	t.Run("demo-http", func(t *testing.T) {
		t.Parallel()
		runPeerMatrix(t, bridgeURLFront(t, demoURL(t)+"/mcp"), demoPeer, drivers, nil)
	})
	t.Run("demo-stdio", func(t *testing.T) {
		t.Parallel()
		runPeerMatrix(t, bridgeStdioFront(t, quoteWord(bin)+" serve --stdio", ""), demoPeer, drivers, nil)
	})
}

// TestPeerMatrixBridgeEverythingHTTP runs the peer matrix through `bridge URL` in front of
// server-everything's own Streamable HTTP and HTTP+SSE modes. server-everything listens on every
// interface, so the test runs in a private network namespace (inPrivateNetwork).
func TestPeerMatrixBridgeEverythingHTTP(t *testing.T) {
	node := peers(t)
	if !inPrivateNetwork(t) {
		return
	}
	drivers := matrixDrivers(t)
	for _, mode := range []struct{ name, path string }{{"streamableHttp", "/mcp"}, {"sse", "/sse"}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			base := startEverything(t, node, mode.name)
			runPeerMatrix(t, bridgeURLFront(t, base+mode.path), everythingPeer, drivers, nil)
		})
	}
}
