package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/stdio"
)

// binary is the mcpkit command built once for the process tests.
var binary string

func TestMain(m *testing.M) {
	if os.Getenv(notifyingEnv) != "" {
		os.Exit(serveNotifying())
	}
	dir, err := os.MkdirTemp("", "mcpkit-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "mcpkit")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestServeStdio drives `mcpkit serve --stdio` as a subprocess in each era, and checks that it exits by
// itself when its stdin closes.
func TestServeStdio(t *testing.T) {
	for _, version := range []string{"", mcp.Version20251125, mcp.Version20241105} {
		t.Run("version="+version, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			stream, err := stdio.Command(exec.Command(binary, "serve", "--stdio"), stdio.CommandOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var logs []string
			sess, err := client.Connect(ctx, stream, &client.Options{
				ProtocolVersion: version,
				LogLevel:        mcp.LevelInfo,
				OnLog:           func(_ context.Context, p *mcp.LoggingMessageParams) { logs = append(logs, string(p.Data)) },
			})
			if err != nil {
				t.Fatal(err)
			}
			wantEra := mcp.EraLegacy
			if version == "" {
				wantEra = mcp.EraModern
			}
			if sess.Era() != wantEra {
				t.Errorf("era = %v, want %v", sess.Era(), wantEra)
			}
			res, err := sess.CallTool(ctx, "add", map[string]int{"a": 5, "b": 10})
			if err != nil || res.Content[0].Text != "15" {
				t.Fatalf("add: %+v, %v", res, err)
			}
			res, err = sess.CallTool(ctx, "echo", map[string]string{"message": "hello"})
			if err != nil || res.Content[0].Text != "Here's the file content: hello" {
				t.Fatalf("echo: %+v, %v", res, err)
			}
			if len(logs) != 3 || logs[2] != `"Processing file 3/3"` {
				t.Errorf("logs = %v", logs)
			}
			// Close closes stdin first; a nil error means the server exited on EOF, without signals.
			if err := sess.Close(); err != nil {
				t.Errorf("server did not exit on stdin EOF: %v", err)
			}
		})
	}
}
