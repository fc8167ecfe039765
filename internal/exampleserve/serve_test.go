package exampleserve_test

import (
	"context"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/exampleserve"
	"github.com/mcpkit/mcpkit/internal/exampletest"
	"github.com/mcpkit/mcpkit/internal/servicetest"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/stdio"
)

func TestMain(m *testing.M) {
	exampletest.RunAsMain(func() { exampleserve.Main("hello", exampleserve.Runner(hello)) }) // the tests' children
	goleak.VerifyTestMain(m)
}

// hello is a server with one tool.
func hello() *server.Server {
	s := server.New("hello", "0", nil)
	server.Tool(s, "hello", "Say hello", func(ctx context.Context, in struct {
		Name string `json:"name"`
	}) (string, error) {
		return "Hello, " + in.Name, nil
	})
	return s
}

// TestStdio: --stdio serves over stdin/stdout in both eras, and the process exits when stdin closes.
func TestStdio(t *testing.T) {
	for _, version := range exampletest.Eras {
		stream, err := stdio.Command(exampletest.Child(t, "--stdio"), stdio.CommandOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sess := exampletest.ConnectStream(t, stream, version, client.Options{})
		if text, isErr := exampletest.Call(t, sess, "hello", map[string]string{"name": "stdio"}); isErr || text != "Hello, stdio" {
			t.Fatalf("%s: %q (isError %v)", version, text, isErr)
		}
		if err := sess.Close(); err != nil {
			t.Errorf("%s: close: %v", version, err)
		}
	}
}

// TestHTTPUntilSIGTERM: --addr serves Streamable HTTP; SIGTERM shuts the process down and it exits 0.
func TestHTTPUntilSIGTERM(t *testing.T) {
	port, err := servicetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exampletest.Child(t, "--addr "+addr)
	var out strings.Builder
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		<-exited
	}()
	if err := exampletest.WaitListening(addr, exited); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	sess := exampletest.ConnectHTTP(t, "http://"+addr, mcp.Version20260728, client.Options{})
	if text, isErr := exampletest.Call(t, sess, "hello", map[string]string{"name": "http"}); isErr || text != "Hello, http" {
		t.Fatalf("%q (isError %v)", text, isErr)
	}
	sess.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Fatalf("after SIGTERM: %v\n%s", err, out.String())
		}
	case <-time.After(exampletest.Timeout):
		t.Fatalf("still running after SIGTERM\n%s", out.String())
	}
}
