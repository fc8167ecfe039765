package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/stdio"
)

// TestMain lets the test binary act as the server process for TestServesStdio.
func TestMain(m *testing.M) {
	if os.Getenv("MCPKIT_CONFORMANCE_SERVER_MAIN") == "1" {
		os.Args = os.Args[:1] // drop -test.run: main parses the command's own flags
		main()
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

func TestAddrMustBeLoopbackWithoutAllowedHosts(t *testing.T) {
	err := run(context.Background(), []string{"--addr", "0.0.0.0:0"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "AllowedHosts") {
		t.Fatalf("run --addr 0.0.0.0:0 = %v, want the allowed-hosts startup error", err)
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{{"--nope"}, {"extra"}} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("run %q succeeded", args)
		}
	}
}

// TestServesStdio runs the command as a child process and talks to it over stdin/stdout in both eras.
func TestServesStdio(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, version := range []string{mcp.Version20251125, mcp.Version20260728} {
		t.Run(version, func(t *testing.T) {
			cmd := exec.Command(exe, "-test.run=^$")
			cmd.Env = append(os.Environ(), "MCPKIT_CONFORMANCE_SERVER_MAIN=1")
			stream, err := stdio.Command(cmd, stdio.CommandOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			sess, err := client.Connect(ctx, stream, &client.Options{ProtocolVersion: version})
			if err != nil {
				stream.Close()
				t.Fatal(err)
			}
			res, err := sess.CallTool(ctx, "test_simple_text", nil)
			if err != nil || res.IsError || len(res.Content) != 1 || res.Content[0].Text == "" {
				t.Errorf("test_simple_text = %+v, %v", res, err)
			}
			if err := sess.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
			if err := stream.Close(); err != nil {
				t.Errorf("server exit: %v", err)
			}
		})
	}
}
