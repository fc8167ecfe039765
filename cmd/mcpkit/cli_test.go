package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mcpkit/mcpkit/internal/servicetest"
)

// mcpkit runs the built binary with args and returns its stdout, stderr and exit code.
func mcpkit(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return mcpkitIn(t, "", nil, "", args...)
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		stdout, stderr, code := mcpkit(t, args...)
		if code != exitOK || stderr != "" {
			t.Errorf("mcpkit %v: exit %d, stderr %q", args, code, stderr)
		}
		if !strings.HasPrefix(stdout, "mcpkit ") || !strings.Contains(stdout, "go1.") {
			t.Errorf("mcpkit %v printed %q, want \"mcpkit <version> (… go1.…)\"", args, stdout)
		}
	}
}

// TestUsageErrors: a wrong command line prints what is wrong and the usage of the command concerned to
// stderr, nothing to stdout, and exits 2.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		want      string // in stderr
		wantUsage string // the usage line of the command concerned
	}{
		{[]string{"bogus"}, `unknown command "bogus" for "mcpkit"`, "mcpkit [flags]\n  mcpkit [command]"},
		{[]string{"--bogus"}, "unknown flag: --bogus", "mcpkit [flags]\n  mcpkit [command]"},
		{[]string{"serve", "--bogus"}, "unknown flag: --bogus", "mcpkit serve [flags]"},
		{[]string{"serve", "--addr"}, "flag needs an argument: --addr", "mcpkit serve [flags]"},
		{[]string{"serve", "extra"}, `"mcpkit serve" takes no arguments, got "extra"`, "mcpkit serve [flags]"},
		{[]string{"version", "--bogus"}, "unknown flag: --bogus", "mcpkit version [flags]"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			stdout, stderr, code := mcpkit(t, tc.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.HasPrefix(stderr, "mcpkit: "+tc.want+"\n") {
				t.Errorf("stderr does not start with %q:\n%s", "mcpkit: "+tc.want, stderr)
			}
			if !strings.Contains(stderr, "Usage:\n  "+tc.wantUsage) {
				t.Errorf("stderr has no usage %q:\n%s", tc.wantUsage, stderr)
			}
		})
	}
}

// TestNonLoopbackRefusalNamesFlags: serving on a non-loopback address without a Host policy is refused
// with the CLI's flags named, not the Go options.
func TestNonLoopbackRefusalNamesFlags(t *testing.T) {
	_, stderr, code := mcpkit(t, "serve", "--addr", "0.0.0.0:0")
	if code != exitError {
		t.Errorf("exit %d, want %d", code, exitError)
	}
	for _, want := range []string{"0.0.0.0:0 is not a loopback address", "--allowed-host", "--any-host"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not name %q: %s", want, stderr)
		}
	}
	if strings.Contains(stderr, "HTTPOptions") {
		t.Errorf("stderr names Go options instead of flags: %s", stderr)
	}
	_, stderr, code = mcpkit(t, "serve", "--any-host", "--allowed-host", "a.test")
	if code != exitError || !strings.Contains(stderr, "exclude each other") {
		t.Errorf("--any-host with --allowed-host: exit %d, stderr %s", code, stderr)
	}
}

// TestHostFlags serves on loopback with each Host flag and checks which Host headers are answered.
func TestHostFlags(t *testing.T) {
	for _, tc := range []struct {
		flags  []string
		accept map[string]bool // Host → answered
	}{
		{nil, map[string]bool{"127.0.0.1": true, "mcp.example.test": false}},
		{[]string{"--allowed-host", "mcp.example.test", "--allowed-host", "b.example.test"},
			map[string]bool{"mcp.example.test": true, "b.example.test": true, "evil.example.test": false}},
		{[]string{"--any-host"}, map[string]bool{"mcp.example.test": true, "evil.example.test": true}},
	} {
		t.Run(strings.Join(tc.flags, " "), func(t *testing.T) {
			base := serveHTTP(t, tc.flags...)
			for host, want := range tc.accept {
				if got := hostAnswered(t, base, host); got != want {
					t.Errorf("Host %s answered = %v, want %v", host, got, want)
				}
			}
		})
	}
}

// serveHTTP runs `mcpkit serve` with flags on a free loopback port until the test ends and returns the
// endpoint's URL once it accepts connections.
func serveHTTP(t *testing.T, flags ...string) string {
	t.Helper()
	addr, _ := servicetest.Listening(t, "mcpkit serve", binary, func(addr string) []string {
		return append([]string{"serve", "--addr", addr}, flags...)
	})
	return "http://" + addr + "/mcp"
}

// hostAnswered sends an initialize with the given Host header and reports whether it was answered (200)
// rather than refused by the Host check (403).
func hostAnswered(t *testing.T, url, host string) bool {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true
	case http.StatusForbidden:
		return false
	}
	t.Fatalf("Host %s: status %d, want 200 or 403", host, resp.StatusCode)
	return false
}
