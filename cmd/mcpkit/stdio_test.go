package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/jsonrpc"
)

const modernMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}`

// TestServeStdioAnswersPipedRequests: `printf <1,000 requests> | mcpkit serve --stdio` prints 1,000 replies
// and exits 0: the end of stdin stops the reading, not the requests already read.
func TestServeStdioAnswersPipedRequests(t *testing.T) {
	const n, runs = 1000, 3
	var input bytes.Buffer
	for i := range n {
		fmt.Fprintf(&input, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"add","arguments":{"a":%d,"b":1},%s}}`+"\n", i, i, modernMeta)
	}
	for run := range runs {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, binary, "serve", "--stdio")
		cmd.Stdin = bytes.NewReader(input.Bytes()) // copied, then closed: stdin ends right after the last request
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		if err != nil {
			t.Fatalf("run %d: %v; stderr:\n%s", run, err, stderr.String())
		}
		seen := map[string]bool{}
		sc := bufio.NewScanner(&stdout)
		for sc.Scan() {
			m, err := jsonrpc.DecodeMessage(sc.Bytes())
			if err != nil || m.Error != nil || strings.Contains(string(m.Result), `"isError":true`) {
				t.Fatalf("run %d: reply %s (%v)", run, sc.Bytes(), err)
			}
			seen[m.ID.Raw()] = true
		}
		if len(seen) != n {
			t.Fatalf("run %d: %d distinct replies to %d requests", run, len(seen), n)
		}
	}
}

// TestServeStdioStopsOnSignal: SIGTERM or SIGINT stops `mcpkit serve --stdio` while its stdin stays open
// (the specification's shutdown sequence ends at SIGTERM at the latest; Ctrl-C in a terminal is SIGINT).
func TestServeStdioStopsOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(binary, "serve", "--stdio")
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// One round trip: the server is up, and its reader is now blocked on the open stdin.
			fmt.Fprintf(stdin, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},%s}}`+"\n", modernMeta)
			if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || !strings.Contains(line, `"id":1`) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("first reply %q, %v", line, err)
			}
			exited := make(chan error, 1)
			start := time.Now()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				t.Logf("%v with stdin open: exited after %v (%v)", sig, time.Since(start), err)
				if err != nil {
					t.Errorf("exit: %v, want status 0", err)
				}
			case <-time.After(5 * time.Second): // the test's own safety bound, far above the goal
				cmd.Process.Kill()
				<-exited
				t.Fatalf("%v did not stop the server while its stdin was open", sig)
			}
		})
	}
}
