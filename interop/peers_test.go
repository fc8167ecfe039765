package interop

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// peers returns the Node 22 binary, or skips the test (fails it in CI) when the peers are not installed.
func peers(t *testing.T) (node string) {
	t.Helper()
	dir, node := os.Getenv("MCPKIT_PEERS"), os.Getenv("MCPKIT_NODE")
	if dir == "" || node == "" {
		missingPeer(t, "MCP peers not installed: run `. scripts/peers.sh` first (scripts/test.sh does)")
	}
	return node
}

// demoURL serves the demo server on 127.0.0.1 for the test's lifetime, as `mcpkit serve` does: Streamable
// HTTP at /mcp and HTTP+SSE at /sse. It returns the base URL.
func demoURL(t *testing.T) string {
	t.Helper()
	return serveBoth(t, demo.New())
}

// serveBoth serves s on 127.0.0.1 for the test's lifetime: Streamable HTTP at /mcp and HTTP+SSE at /sse
// and /messages. It returns the base URL.
func serveBoth(t *testing.T, s *server.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := streamable.NewHandler(s, nil)
	legacy := sse.NewHandler(s, nil)
	mux := http.NewServeMux()
	mux.Handle("/mcp", h)
	mux.Handle("/sse", legacy.SSE())
	mux.Handle("/messages", legacy.Messages())
	hs := &http.Server{Handler: mux}
	go hs.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		_ = legacy.Close(ctx)
		_ = hs.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String()
}

type tsResult struct {
	Mode            string         `json:"mode"`
	OK              bool           `json:"ok"`
	Error           string         `json:"error"`
	ProtocolVersion *string        `json:"protocolVersion"`
	SessionID       *string        `json:"sessionId"`
	Tools           []string       `json:"tools"`
	Add             string         `json:"add"`
	AddStructured   map[string]any `json:"addStructured"`
	BadIsError      bool           `json:"badIsError"`
	BadText         string         `json:"badText"`
	Echo            string         `json:"echo"`
	Greeting        string         `json:"greeting"`
	Prompt          string         `json:"prompt"`
}

// TestTypeScriptClients drives the demo server with @modelcontextprotocol/client 2.4.0 in legacy, auto and
// pinned-2026-07-28 modes and with @modelcontextprotocol/sdk 1.32.2 over Streamable HTTP and over HTTP+SSE
// (SSEClientTransport).
func TestTypeScriptClients(t *testing.T) {
	node := peers(t)
	base := demoURL(t)
	script, _ := filepath.Abs(filepath.Join("node", "tsclient.mjs"))
	for _, tt := range []struct {
		mode       string
		wantLegacy bool
	}{
		{"v1-sse", true},
		{"v1", true},
		{"v2-legacy", true},
		{"v2-auto", false},
		{"v2-modern", false},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			url := base + "/mcp"
			if tt.mode == "v1-sse" {
				url = base + "/sse"
			}
			cmd := exec.CommandContext(ctx, node, script, url, tt.mode)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("node: %v\n%s", err, out)
			}
			var r tsResult
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			if !r.OK {
				t.Fatalf("the TypeScript client failed: %s", r.Error)
			}
			t.Logf("%s: protocolVersion=%v session=%v", tt.mode, deref(r.ProtocolVersion), deref(r.SessionID) != "")
			if got := deref(r.SessionID) != ""; got != tt.wantLegacy {
				t.Errorf("legacy session = %v, want %v", got, tt.wantLegacy)
			}
			if len(r.Tools) != 5 || r.Add != "15" || r.Echo != "Here's the file content: hi" || r.Greeting != "Hello, Alice!" ||
				r.Prompt != "Please review this code:\n\nx := 1" {
				t.Errorf("unexpected results: %+v", r)
			}
			if !r.BadIsError || r.BadText == "" {
				t.Errorf("wrong argument type: isError=%v text=%q", r.BadIsError, r.BadText)
			}
		})
	}
}

// TestTypeScriptClientsInteract: @modelcontextprotocol/client 2.4.0 (legacy and pinned 2026-07-28) and
// @modelcontextprotocol/sdk 1.32.2 (Streamable HTTP and HTTP+SSE) with elicitation and sampling handlers
// get identical outcomes from the demo's book_trip and create_product: server-to-client requests in the
// legacy era, input_required rounds in the modern one, one handler body on the server.
func TestTypeScriptClientsInteract(t *testing.T) {
	node := peers(t)
	base := demoURL(t)
	var outcomes []string
	for _, mode := range []string{"v2-legacy", "v2-modern", "v1", "v1-sse"} {
		t.Run(mode, func(t *testing.T) {
			outcomes = append(outcomes, tsInteract(t, node, base, mode))
		})
	}
	for _, o := range outcomes[1:] {
		if o != outcomes[0] {
			t.Fatalf("outcomes differ between eras: %q", outcomes)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestInspectorCLI runs @modelcontextprotocol/inspector 2.12.0 --cli against both endpoints: a URL ending
// in /sse selects the HTTP+SSE transport.
func TestInspectorCLI(t *testing.T) {
	peers(t)
	bin := filepath.Join(os.Getenv("MCPKIT_PEERS"), "node_modules", ".bin", "mcp-inspector")
	base := demoURL(t)
	for _, path := range []string{"/sse", "/mcp"} {
		t.Run(path, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "--cli", base+path, "--method", "tools/call", "--tool-name", "add",
				"--tool-arg", "a=5", "b=10")
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // it writes state under HOME
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("inspector: %v\n%s", err, out)
			}
			var res struct {
				Content []struct {
					Text string `json:"text"`
				} `json:"content"`
			}
			if err := json.Unmarshal(out[strings.IndexByte(string(out), '{'):], &res); err != nil || len(res.Content) == 0 || res.Content[0].Text != "15" {
				t.Fatalf("inspector printed %s (%v)", out, err)
			}
		})
	}
}

// tsInteract runs node/tsclient.mjs in mode against the server at base (/mcp, or /sse for v1-sse) for its
// "interact" script — book_trip (elicitation) and create_product (sampling) — checks the outcomes every
// server must give, and returns them in one line for comparisons across modes.
func tsInteract(t *testing.T, node, base, mode string) string {
	t.Helper()
	script, _ := filepath.Abs(filepath.Join("node", "tsclient.mjs"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url := base + "/mcp"
	if mode == "v1-sse" {
		url = base + "/sse"
	}
	cmd := exec.CommandContext(ctx, node, script, url, mode, "interact")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var r struct {
		OK       bool           `json:"ok"`
		Error    string         `json:"error"`
		Trip     string         `json:"trip"`
		FreeTrip string         `json:"freeTrip"`
		Product  map[string]any `json:"product"`
		Seen     struct {
			Elicitations []string `json:"elicitations"`
			Samplings    []string `json:"samplings"`
		} `json:"seen"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if !r.OK {
		t.Fatalf("the TypeScript client failed: %s", r.Error)
	}
	if r.Trip != "[SUCCESS] Booked for 2024-12-26" || r.FreeTrip != "[SUCCESS] Booked for 2025-03-01" ||
		r.Product["description"] != "Sampled description." || len(r.Seen.Elicitations) != 1 || len(r.Seen.Samplings) != 1 ||
		!strings.Contains(r.Seen.Samplings[0], "ceramic, coffee") {
		t.Fatalf("unexpected outcome: %s", out)
	}
	return r.Trip + "|" + r.FreeTrip + "|" + fmt.Sprint(r.Product)
}
