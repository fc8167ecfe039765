package main

import (
	"bufio"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sseLines reads an SSE body and sends each non-empty line (id:, data:, retry: …) to lines; the channel
// closes at the end of the body.
func sseLines(resp *http.Response) <-chan string {
	lines := make(chan string, 256)
	go func() {
		defer close(lines)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if sc.Text() != "" {
				lines <- sc.Text()
			}
		}
	}()
	return lines
}

// openSSE sends a request in session sid and returns its SSE lines.
func openSSE(t *testing.T, method, url, sid, body string) <-chan string {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json, text/event-stream")
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Mcp-Session-Id", sid)
	req.Header.Set("MCP-Protocol-Version", "2025-11-25")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		t.Fatalf("%s: %d %s, want an SSE stream", method, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return sseLines(resp)
}

// exitCode waits (bounded) for the process to exit and returns its exit code.
func exitCode(t *testing.T, cmd *exec.Cmd, within time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(within):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("mcpkit serve did not exit within %v of SIGTERM", within)
		return -1
	}
}

// TestServeDrainsOnSIGTERM: SIGTERM while count_slowly runs. The node refuses new requests with 503 and
// Retry-After, ends the session's GET stream with a retry hint, lets the call finish (all ten
// notifications and the result reach the client), then exits 0. With a drain deadline shorter than the
// call, the node stops at the deadline (exit 1: a call was cut) instead of waiting.
func TestServeDrainsOnSIGTERM(t *testing.T) {
	for _, tc := range []struct {
		name     string
		deadline string
		finishes bool
	}{
		{"call finishes", "10s", true},
		{"deadline cuts the call", "300ms", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := startNode(t, "--drain-timeout", tc.deadline, "--sse-retry", "250ms")
			url := n.target.String() + "/mcp"
			status, sid, body := post(t, url, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
			if status != http.StatusOK || sid == "" {
				t.Fatalf("initialize: %d %s", status, body)
			}
			post(t, url, sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
			get := openSSE(t, http.MethodGet, url, sid, "")
			call := openSSE(t, http.MethodPost, url, sid, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"count_slowly","arguments":{},"_meta":{"progressToken":"t"}}}`)

			timeout := time.After(15 * time.Second)
			progress, result := 0, false
			next := func() (string, bool) {
				select {
				case l, ok := <-call:
					return l, ok
				case <-timeout:
					t.Fatalf("the call's stream neither ended nor answered within 15 s (%d notifications)", progress)
					return "", false
				}
			}
			count := func(l string) {
				if strings.Contains(l, "notifications/progress") {
					progress++
				}
				if strings.Contains(l, "counted to 10") {
					result = true
				}
			}
			for progress == 0 {
				l, ok := next()
				if !ok {
					t.Fatal("the call's stream ended before its first notification")
				}
				count(l)
			}
			if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}

			// New requests are refused while the call runs (bounded: the drain starts as the signal lands).
			fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} // no idle connection the drain closed
			refused := false
			for i := 0; i < 100 && !refused; i++ {
				req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				req.Header.Set("Mcp-Session-Id", sid)
				req.Header.Set("MCP-Protocol-Version", "2025-11-25")
				resp, err := fresh.Do(req)
				if err != nil {
					t.Fatalf("a request during the drain: %v (the node must still answer, with 503)", err)
				}
				resp.Body.Close()
				switch {
				case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "1":
					refused = true
				case resp.StatusCode == http.StatusOK:
					time.Sleep(10 * time.Millisecond) // the signal has not landed yet
				default:
					t.Fatalf("a request during the drain: %d, Retry-After %q; want 503 with Retry-After: 1", resp.StatusCode, resp.Header.Get("Retry-After"))
				}
			}
			if !refused {
				t.Fatal("the node kept accepting new requests after SIGTERM")
			}

			// The GET stream ends with a retry hint.
			retry := false
			getDone := time.After(10 * time.Second)
		getLoop:
			for {
				select {
				case l, ok := <-get:
					if !ok {
						break getLoop
					}
					if l == "retry: 250" {
						retry = true
					}
				case <-getDone:
					t.Fatal("the GET stream did not end within 10 s of SIGTERM")
				}
			}
			if !retry {
				t.Error("the GET stream ended without a retry hint")
			}

			for {
				l, ok := next()
				if !ok {
					break
				}
				count(l)
			}
			code := exitCode(t, n.cmd, 15*time.Second)
			if tc.finishes {
				if progress != 10 || !result || code != 0 {
					t.Fatalf("drained call: %d notifications, result %v, exit %d; want 10, true, 0", progress, result, code)
				}
				return
			}
			if result || code != exitError {
				t.Fatalf("call cut at the drain deadline: result %v, exit %d; want no result, exit %d", result, code, exitError)
			}
			t.Logf("cut at the deadline after %d notifications", progress)
		})
	}
}
