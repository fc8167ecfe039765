package interop

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/servicetest"
)

// matrixBinEnv hands the mcpkit binary built by the test process to its re-run in a private network
// namespace (inPrivateNetwork), which would otherwise build it again.
const matrixBinEnv = "MCPKIT_INTEROP_MATRIX_BIN"

var exportBinOnce sync.Once

// matrixBinary returns the mcpkit binary: the one named by matrixBinEnv when this process is such a
// re-run, else mcpkitBinary's, which it then exports for a later re-run.
func matrixBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv(matrixBinEnv); bin != "" {
		if _, err := os.Stat(bin); err == nil {
			return bin
		}
	}
	bin := mcpkitBinary(t)
	// Set once, before any re-run starts, and never changed: the environment is read by inPrivateNetwork.
	exportBinOnce.Do(func() { os.Setenv(matrixBinEnv, bin) })
	return bin
}

// bridgeStdioFront starts `mcpkit bridge --stdio command` (with flags, if any) on a free loopback port for
// the test's lifetime: its /mcp (both eras) and /sse endpoints. When settled is not empty, it waits until
// the bridge has printed it (a line the shared child writes on stderr) before returning.
func bridgeStdioFront(t *testing.T, command, settled string, flags ...string) matrixFront {
	t.Helper()
	addr, proc := servicetest.Listening(t, "mcpkit bridge --stdio", matrixBinary(t), func(addr string) []string {
		return append([]string{"bridge", "--stdio", command, "--addr", addr}, flags...)
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
		{Kind: kindStdio, Command: []string{matrixBinary(t), "bridge", url}},
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

// TestPeerMatrixBridge runs the peer matrix through the bridge in front of the upstreams that listen on
// loopback only or speak stdio: server-everything over stdio and go-sdk's everything-server over stdio
// (behind `bridge --stdio`, reached on /mcp and /sse), go-sdk's everything-server over Streamable HTTP
// and our demo as `mcpkit serve` serves it (behind `bridge URL`, a stdio server), and the demo over stdio
// (`bridge --stdio "mcpkit serve --stdio"`). server-everything's own HTTP modes are in
// TestPeerMatrixBridgeEverythingHTTP.
func TestPeerMatrixBridge(t *testing.T) {
	t.Parallel()
	node := peers(t)
	drivers := matrixDrivers(t)
	bin := matrixBinary(t)
	gosdk := goSDKEverything(t)
	// Every front is up and every run started before the first is reported, so that the runs overlap.
	// server-everything asks its client for roots 350 ms after initialized (server/index.js, syncRoots),
	// a question that belongs to no call: the runs start at once, so it may meet a driver's call in
	// flight (the bridge then answers it without failing the call, docs/BRIDGE.md).
	everything := startPeerMatrix(t, bridgeStdioFront(t, quoteWord(node)+" "+quoteWord(everythingScript())+" stdio", ""),
		everythingPeer, drivers)
	// go-sdk's example tools ask with server-to-client requests, which go-sdk refuses while serving a
	// 2026-07-28 request ("return an InputRequests map instead"); negotiated, the bridge's children speak
	// 2026-07-28 with it (it answers server/discover), so the children are pinned legacy.
	gosdkStdio := startPeerMatrix(t, bridgeStdioFront(t, quoteWord(gosdk), "", "--protocol-era", "legacy"), goSDKPeer, drivers)
	addr, _ := servicetest.Listening(t, "go-sdk everything -http", gosdk, func(addr string) []string {
		return []string{"-http", addr}
	})
	gosdkHTTP := startPeerMatrix(t, bridgeURLFront(t, "http://"+addr+"/mcp"), goSDKPeer, drivers)
	demoHTTP := startPeerMatrix(t, bridgeURLFront(t, demoURL(t)+"/mcp"), demoPeer, drivers)
	demoStdio := startPeerMatrix(t, bridgeStdioFront(t, quoteWord(bin)+" serve --stdio", ""), demoPeer, drivers)

	t.Run("server-everything-stdio", func(t *testing.T) { everything.report(t, nil) })
	t.Run("go-sdk-stdio", func(t *testing.T) { gosdkStdio.report(t, nil) })
	t.Run("go-sdk-http", func(t *testing.T) { gosdkHTTP.report(t, nil) })
	t.Run("demo-http", func(t *testing.T) { demoHTTP.report(t, nil) })
	t.Run("demo-stdio", func(t *testing.T) { demoStdio.report(t, nil) })
}

// TestPeerMatrixBridgeEverythingHTTP runs the peer matrix through `bridge URL` in front of
// server-everything's own Streamable HTTP and HTTP+SSE modes. server-everything listens on every
// interface, so the test runs in a private network namespace (inPrivateNetwork).
func TestPeerMatrixBridgeEverythingHTTP(t *testing.T) {
	t.Parallel()
	node := peers(t)
	matrixBinary(t) // built here, once, for the re-run in the namespace too
	if !inPrivateNetwork(t) {
		return
	}
	drivers := matrixDrivers(t)
	matrices := map[string]*peerMatrix{}
	for _, mode := range []struct{ name, path string }{{"streamableHttp", "/mcp"}, {"sse", "/sse"}} {
		// server-everything asks for roots 350 ms after initialized, a question that belongs to no call:
		// the drivers start at once, so it may meet their first call in flight.
		front := bridgeURLFront(t, startEverything(t, node, mode.name)+mode.path)
		matrices[mode.name] = startPeerMatrix(t, front, everythingPeer, drivers)
	}
	for _, name := range []string{"streamableHttp", "sse"} {
		t.Run(name, func(t *testing.T) { matrices[name].report(t, nil) })
	}
}
