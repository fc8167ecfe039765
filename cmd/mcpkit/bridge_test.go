package main

import (
	"bytes"
	"context"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/stdio"
)

// TestBridgeURL drives `mcpkit bridge URL` over its stdio with our client, against `mcpkit serve` over
// Streamable HTTP (the bridge's upstream pinned to each era, and negotiated) and HTTP+SSE, with the host
// side in each era: tools, a resource template, a prompt, progress, logs, elicitation and sampling round
// trips, skills/list and a task-augmented call through the bridge; then the bridge exits by itself when its
// stdin closes.
func TestBridgeURL(t *testing.T) {
	base := strings.TrimSuffix(serveHTTP(t), "/mcp")
	upstreams := []struct{ name, url, era string }{
		{"http-legacy", base + "/mcp", "legacy"},
		{"http-modern", base + "/mcp", "modern"},
		{"http-auto", base + "/mcp", "auto"},
		{"sse", base + "/sse", "auto"},
	}
	for _, up := range upstreams {
		for _, down := range []string{mcp.Version20251125, mcp.Version20260728} {
			t.Run(up.name+"/host="+down, func(t *testing.T) {
				trace := bridgeRoundTrips(t, []string{"bridge", up.url, "--protocol-era", up.era, "--verbose"}, down)
				// The upstream side speaks the era it was told to, whatever the host's.
				initialized := strings.Contains(trace, `"method":"initialize"`)
				switch up.era {
				case "legacy":
					if !initialized {
						t.Errorf("--protocol-era legacy: the bridge sent no initialize upstream; trace:\n%s", trace)
					}
				case "modern":
					if initialized {
						t.Errorf("--protocol-era modern: the bridge sent initialize upstream; trace:\n%s", trace)
					}
				}
			})
		}
	}
}

// TestBridgeToStdio: `mcpkit bridge --to-stdio URL` is the first form under another name (remote →
// stdio is the same job): the same round trips through it, for a 2026-07-28 host.
func TestBridgeToStdio(t *testing.T) {
	url := serveHTTP(t)
	bridgeRoundTrips(t, []string{"bridge", "--to-stdio", url}, mcp.Version20260728)
}

// bridgeRoundTrips runs the bridge with args, drives it as a host in version down, and returns its stderr.
func bridgeRoundTrips(t *testing.T, args []string, down string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	lw := &lockedWriter{w: &stderr}
	stream, err := stdio.Command(exec.Command(binary, args...), stdio.CommandOptions{Stderr: lw, ExitTimeout: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var logs []string
	sess, err := client.Connect(ctx, stream, &client.Options{
		ProtocolVersion: down,
		LogLevel:        mcp.LevelInfo,
		OnLog: func(_ context.Context, p *mcp.LoggingMessageParams) {
			var s string
			_ = json.Unmarshal(p.Data, &s)
			mu.Lock()
			logs = append(logs, s)
			mu.Unlock()
		},
		OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: mcp.ElicitActionAccept,
				Content: jsontext.Value(`{"checkAlternative":true,"alternativeDate":"2024-12-29"}`)}, nil
		},
		OnSample: func(ctx context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
			return &mcp.CreateMessageResult{Role: mcp.RoleAssistant, Model: "test",
				Content: mcp.SamplingBlock(mcp.TextContent("Bridged description."))}, nil
		},
	})
	if err != nil {
		stream.Close()
		lw.mu.Lock()
		defer lw.mu.Unlock()
		t.Fatalf("connect through the bridge: %v; stderr:\n%s", err, stderr.String())
	}
	closed := false
	closeBridge := func() {
		if closed {
			return
		}
		closed = true
		sess.Close()
		if err := stream.Close(); err != nil {
			t.Errorf("the bridge did not exit on stdin EOF: %v", err)
		}
	}
	defer closeBridge()
	if sess.ProtocolVersion() != down {
		t.Fatalf("host side negotiated %s, want %s", sess.ProtocolVersion(), down)
	}
	var tools []string
	for tool, err := range sess.Tools(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		tools = append(tools, tool.Name)
	}
	for _, want := range []string{"add", "book_trip", "create_product", "echo"} {
		if !slices.Contains(tools, want) {
			t.Fatalf("tools/list through the bridge = %v, missing %s", tools, want)
		}
	}
	res, err := sess.CallTool(ctx, "add", map[string]int{"a": 20, "b": 22})
	if err != nil || res.Content[0].Text != "42" {
		t.Fatalf("add = %+v, %v", res, err)
	}
	var progress int
	res, err = sess.CallTool(client.WithProgress(ctx, func(*mcp.ProgressParams) { progress++ }), "echo", map[string]string{"message": "x"})
	if err != nil || res.Content[0].Text != "Here's the file content: x" || progress != 3 {
		t.Fatalf("echo = %+v, %v with %d progress notifications (want 3)", res, err, progress)
	}
	mu.Lock()
	gotLogs := slices.Clone(logs)
	mu.Unlock()
	if !slices.Contains(gotLogs, "Processing file 3/3") {
		t.Fatalf("logs through the bridge = %q", gotLogs)
	}
	res, err = sess.CallTool(ctx, "book_trip", map[string]string{"date": demo.FullDate})
	if err != nil || res.Content[0].Text != "[SUCCESS] Booked for 2024-12-29" {
		t.Fatalf("book_trip (elicitation) = %+v, %v", res, err)
	}
	res, err = sess.CallTool(ctx, "create_product", map[string]string{"product_name": "Cup", "keywords": "blue"})
	if err != nil || res.IsError || !strings.Contains(string(res.StructuredContent), "Bridged description.") {
		t.Fatalf("create_product (sampling) = %+v, %v", res, err)
	}
	read, err := sess.ReadResource(ctx, "greeting://Bo")
	if err != nil || read.Contents[0].Text != "Hello, Bo!" {
		t.Fatalf("read = %+v, %v", read, err)
	}
	pr, err := sess.GetPrompt(ctx, "review_code", map[string]string{"code": "y"})
	if err != nil || !strings.Contains(pr.Messages[0].Content.Text, "y") {
		t.Fatalf("prompt = %+v, %v", pr, err)
	}
	// Skills and tasks of `mcpkit serve` through the bridge (docs/BRIDGE.md: a task at the bridge for a
	// legacy upstream's task tool, inline for a 2026-07-28 upstream's; the same result either way).
	caps := sess.ServerCapabilities()
	if _, ok := caps.Skills(); !ok {
		t.Fatalf("the skills extension is not declared through the bridge: %+v", caps.Extensions)
	}
	skills, err := sess.ListSkills(ctx, "")
	if err != nil || len(skills.Skills) == 0 {
		t.Fatalf("skills/list through the bridge = %+v, %v", skills, err)
	}
	h, err := sess.CallToolAsTask(ctx, "process_files", map[string]any{"files": 2, "label": "b"}, nil)
	if err != nil {
		t.Fatalf("process_files as a task through the bridge: %v", err)
	}
	if res, err := h.Result(ctx); err != nil || res.Content[0].Text != "processed 2 files (b)" {
		t.Fatalf("process_files through the bridge (task %q) = %+v, %v", h.ID(), res, err)
	}
	closeBridge()
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return stderr.String()
}

// TestBridgeUsage: a missing or non-URL target or a bad flag is a usage error (exit 2), and an unreachable server fails
// with exit 1 before anything is served.
func TestBridgeUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"bridge"}, exitUsage, "bridge takes one server URL"},
		{[]string{"bridge", "./server"}, exitUsage, "wants an http:// or https:// URL"},
		{[]string{"bridge", "http://127.0.0.1:1/mcp", "--transport", "stdio"}, exitUsage, "wants an http:// or https:// URL"},
		{[]string{"bridge", "http://127.0.0.1:1/mcp", "--protocol-era", "old"}, exitUsage, "--protocol-era must be"},
		{[]string{"bridge", "http://127.0.0.1:1/mcp", "--protocol-era", "legacy"}, exitError, "connecting to http://127.0.0.1:1/mcp"},
		{[]string{"bridge", "http://127.0.0.1:1/mcp", "--addr", "127.0.0.1:0"}, exitUsage, "--addr goes with --stdio"},
		{[]string{"bridge", "--stdio", "x", "http://127.0.0.1:1/mcp"}, exitUsage, "give no URL beside it"},
		{[]string{"bridge", "--stdio", "x", "--header", "A: b"}, exitUsage, "concerns a URL"},
		{[]string{"bridge", "--stdio", "x", "--no-browser"}, exitUsage, "--no-browser concerns a URL"},
		{[]string{"bridge", "--to-stdio", "http://127.0.0.1:1/mcp", "http://127.0.0.1:2/mcp"}, exitUsage, "--to-stdio names the URL"},
		{[]string{"bridge", "--to-stdio", "http://127.0.0.1:1/mcp", "--stdio", "x"}, exitUsage, "--to-stdio names the URL"},
		{[]string{"bridge", "--to-stdio", "./server"}, exitUsage, "wants an http:// or https:// URL"},
		{[]string{"bridge", "--stdio", "x", "--protocol-era", "old"}, exitUsage, "--protocol-era must be"},
		{[]string{"bridge", "--stdio", "x", "--pool", "0"}, exitUsage, "--pool wants 1 to 64 children, got 0"},
		{[]string{"bridge", "--stdio", "x", "--restart-delay", "0s"}, exitUsage, "--restart-delay wants a positive duration"},
		{[]string{"bridge", "--stdio", "x", "--dev-auth", "--auth-issuer", "http://127.0.0.1:1"}, exitUsage, "--dev-auth starts its own"},
		{[]string{"bridge", "--stdio", "x", "--auth-scope", "a"}, exitUsage, "need --auth-issuer"},
		{[]string{"bridge", "http://127.0.0.1:1/mcp", "--pool", "2"}, exitUsage, "--pool goes with --stdio"},
		{[]string{"bridge", "http://127.0.0.1:1/mcp", "--dev-auth"}, exitUsage, "--dev-auth goes with --stdio"},
		{[]string{"bridge", "--stdio", ""}, exitUsage, "--stdio wants the server's command"},
		{[]string{"bridge", "--stdio", "srv 'unterminated"}, exitUsage, "unterminated single quote"},
		{[]string{"bridge", "--stdio", "srv", "--addr", "0.0.0.0:0"}, exitUsage, "is not loopback"},
		{[]string{"bridge", "--stdio", "/nonexistent/mcp-server --flag", "--addr", "127.0.0.1:0"}, exitError, "bridge: starting"},
	} {
		var stdout, stderr bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		code := run(ctx, tc.args, &stdout, &stderr)
		cancel()
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
}
