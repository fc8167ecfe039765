package interop

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/servicetest"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// TestInspectorThroughBridge runs the book's Inspector CLI command lines through `mcpkit bridge URL`
// started by the Inspector CLI 2.12.0 as its stdio server (the Inspector speaks 2025-11-25 to it), with
// the bridge reaching the demo over Streamable HTTP (negotiated, so 2026-07-28; and pinned to 2025-11-25)
// and over HTTP+SSE (pinned legacy): each must print the same JSON, and exit alike, as the Inspector
// talking to the demo directly over Streamable HTTP.
func TestInspectorThroughBridge(t *testing.T) {
	peers(t)
	base := demoURL(t)
	bin := mcpkitBinary(t)
	for _, up := range []struct {
		name string
		args []string
	}{
		{"http-negotiated", []string{base + "/mcp"}},
		{"http-legacy", []string{base + "/mcp", "--protocol-era", "legacy"}},
		{"sse-legacy", []string{base + "/sse", "--protocol-era", "legacy"}},
	} {
		t.Run(up.name, func(t *testing.T) {
			for _, line := range bookLines {
				t.Run(strings.Join(line[1:], " "), func(t *testing.T) {
					direct := runInspectCLI(t, true, append(append([]string{base + "/mcp"}, line...), "--format", "json"))
					bridged := runInspectCLI(t, true, append(append(append([]string{bin, "bridge"}, up.args...), line...), "--format", "json"))
					if direct.code != 0 || bridged.code != 0 {
						t.Fatalf("exit %d through the bridge, %d direct\nbridged stderr: %s\ndirect stderr: %s",
							bridged.code, direct.code, bridged.stderr, direct.stderr)
					}
					var d, b any
					if err := json.Unmarshal([]byte(direct.stdout), &d); err != nil {
						t.Fatalf("direct: %q: %v", direct.stdout, err)
					}
					if err := json.Unmarshal([]byte(bridged.stdout), &b); err != nil {
						t.Fatalf("bridged: %q: %v", bridged.stdout, err)
					}
					if !reflect.DeepEqual(d, b) {
						t.Errorf("through the bridge:\n%s\ndirect:\n%s", bridged.stdout, direct.stdout)
					}
				})
			}
		})
	}
}

// TestBridgeStdioEverything is the must-show against the real server-everything: supergateway
// shares one child among its SSE clients, so its second client fails; `mcpkit bridge --stdio` gives each
// legacy session its own child. The Inspector CLI connects over HTTP+SSE three times in a row and once
// over Streamable HTTP, then our client opens 10 HTTP+SSE sessions at once, and a 2026-07-28 client calls
// through the shared child.
func TestBridgeStdioEverything(t *testing.T) {
	node := peers(t)
	script := filepath.Join(os.Getenv("MCPKIT_PEERS"), "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
	command := "'" + node + "' '" + script + "' stdio"
	addr, _ := servicetest.Listening(t, "mcpkit bridge --stdio", mcpkitBinary(t), func(addr string) []string {
		return []string{"bridge", "--stdio", command, "--addr", addr}
	})
	base := "http://" + addr
	sum := []string{"--method", "tools/call", "--tool-name", "get-sum", "--tool-arg", "a=5", "b=10", "--format", "json"}
	for i, target := range []string{base + "/sse", base + "/sse", base + "/sse", base + "/mcp"} {
		r := runInspectCLI(t, true, append([]string{target}, sum...))
		if r.code != 0 || !strings.Contains(r.stdout, "15") {
			t.Fatalf("Inspector run %d on %s: exit %d\nstdout: %s\nstderr: %s", i+1, target, r.code, r.stdout, r.stderr)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const n = 10
	sessions := make([]*client.Session, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			stream, err := sse.Dial(ctx, base+"/sse", nil)
			if err != nil {
				errs[i] = err
				return
			}
			s, err := client.Connect(ctx, stream, &client.Options{ProtocolVersion: mcp.Version20241105})
			if err != nil {
				stream.Close()
				errs[i] = err
				return
			}
			sessions[i] = s
			// The sum's digits are in neither argument.
			res, err := s.CallTool(ctx, "get-sum", map[string]int{"a": i + 1, "b": 1000})
			if err != nil || res.IsError || !strings.Contains(res.Content[0].Text, strconv.Itoa(i+1001)) {
				errs[i] = fmt.Errorf("get-sum = %+v, %v", res, err)
			}
		})
	}
	wg.Wait()
	for i, s := range sessions {
		if s != nil {
			s.Close()
		}
		if errs[i] != nil {
			t.Errorf("client %d of %d at once: %v", i, n, errs[i])
		}
	}

	stream, err := streamable.NewClient(base+"/mcp", nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.Connect(ctx, stream, &client.Options{ProtocolVersion: mcp.Version20260728})
	if err != nil {
		t.Fatalf("2026-07-28 client: %v", err)
	}
	defer s.Close()
	res, err := s.CallTool(ctx, "get-sum", map[string]int{"a": 1, "b": 2})
	if err != nil || res.IsError || !strings.Contains(res.Content[0].Text, "3") {
		t.Fatalf("2026-07-28 get-sum through the shared child = %+v, %v", res, err)
	}
}

// TestTypeScriptClientsThroughBridgeStdio: @modelcontextprotocol/client 2.4.0 (legacy and pinned
// 2026-07-28) and @modelcontextprotocol/sdk 1.32.2 (Streamable HTTP and HTTP+SSE), with elicitation and
// sampling handlers, call the demo's book_trip and create_product through `mcpkit bridge --stdio
// "mcpkit serve --stdio"`: a legacy session through its own child (server-to-client requests relayed), a
// 2026-07-28 client through the shared child (input_required rounds); the same outcomes as direct
// (TestTypeScriptClientsInteract).
func TestTypeScriptClientsThroughBridgeStdio(t *testing.T) {
	node := peers(t)
	bin := mcpkitBinary(t)
	addr, _ := servicetest.Listening(t, "mcpkit bridge --stdio", bin, func(addr string) []string {
		return []string{"bridge", "--stdio", "'" + bin + "' serve --stdio", "--addr", addr}
	})
	base := "http://" + addr
	for _, mode := range []string{"v2-legacy", "v2-modern", "v1", "v1-sse"} {
		t.Run(mode, func(t *testing.T) { tsInteract(t, node, base, mode) })
	}
}
