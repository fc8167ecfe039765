package interop

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
)

// The MCP book's Inspector CLI command lines (chapters 3 and 4), without their target: each runs through
// the real Inspector CLI and through `mcpkit inspect --cli`.
var bookLines = [][]string{
	{"--method", "tools/list"},
	{"--method", "tools/call", "--tool-name", "multiply", "--tool-arg", "first=7", "--tool-arg", "second=6"},
	{"--method", "tools/call", "--tool-name", "add", "--tool-arg", "a=5", "b=10"},
	{"--method", "resources/list"},
	{"--method", "resources/templates/list"},
	{"--method", "resources/read", "--uri", "greeting://chris"},
	{"--method", "prompts/list"},
	{"--method", "prompts/get", "--prompt-name", "review_code", "--prompt-args", "code=def add(a, b): return a + b"},
}

// Lines beyond the book's: the other methods, and failures whose exit codes and error codes must agree.
var moreDemoLines = [][]string{
	{"--method", "initialize"},
	{"--method", "logging/setLevel", "--log-level", "debug"},
	{"--method", "tools/call", "--tool-name", "echo", "--tool-arg", "message=hello"},
	{"--method", "tools/call", "--tool-name", "nope"},                                    // 5, tool_not_found
	{"--method", "tools/call", "--tool-name", "add", "--tool-arg", "a=x", "b=1"},         // 5, tool_is_error
	{"--method", "resources/read", "--uri", "nope://x"},                                  // 1, the server's error
	{"--method", "prompts/get", "--prompt-name", "review_code", "--prompt-args", "code"}, // 1, bad pair
	{"--method", "tools/list", "--metadata", "trace=t1", "--format", "text"},             // _meta sent
	{"--method", "tools/call", "--tool-name", "multiply", "--tool-args-json", `{"first":1.5,"second":2}`},
	{"--method", "skills/list"},
	{"--method", "skills/get", "--uri", "skill://long-jobs/SKILL.md"},
	{"--method", "resources/directory/read", "--uri", "skill://long-jobs/references"},
}

// server-everything's own tools and prompt with the book's shapes (arithmetic, echo, a prompt with
// arguments, a static resource).
var everythingLines = [][]string{
	{"--method", "initialize"},
	{"--method", "tools/call", "--tool-name", "get-sum", "--tool-arg", "a=5", "b=10"},
	{"--method", "tools/call", "--tool-name", "echo", "--tool-arg", "message=hello"},
	{"--method", "tools/call", "--tool-name", "get-structured-content", "--tool-arg", "location=Chicago"},
	{"--method", "tools/call", "--tool-name", "get-annotated-message", "--tool-arg", "messageType=error", "includeImage=true"},
	{"--method", "resources/read", "--uri", "demo://resource/static/document/architecture.md"},
	{"--method", "prompts/get", "--prompt-name", "args-prompt", "--prompt-args", "city=Paris", "state=Texas"},
	{"--method", "logging/setLevel", "--log-level", "info"},
	{"--method", "skills/list"}, // 1, skills_unsupported: it does not declare the skills extension
}

// inspectorRun is what one command line printed and how it ended.
type inspectorRun struct {
	stdout, stderr string
	code           int
}

// runInspectCLI runs the command line through the real Inspector CLI (inspector) or mcpkit inspect.
func runInspectCLI(t *testing.T, inspector bool, args []string) inspectorRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var cmd *exec.Cmd
	if inspector {
		launcher := filepath.Join(os.Getenv("MCPKIT_PEERS"), "node_modules", "@modelcontextprotocol", "inspector", "clients", "launcher", "build", "index.js")
		cmd = exec.CommandContext(ctx, os.Getenv("MCPKIT_NODE"), append([]string{launcher, "--cli"}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // it writes a catalog and state under HOME
	} else {
		cmd = exec.CommandContext(ctx, mcpkitBinary(t), append([]string{"inspect", "--cli"}, args...)...)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := inspectorRun{stdout: out.String(), stderr: errOut.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return r
}

// compareInspect runs args through both CLIs and compares exit codes, the JSON on stdout and the error
// envelope's code on stderr. Normalized, and only this: (1) member order, since the Inspector's SDK
// rebuilds each result in its schema's member order while mcpkit prints the server's order; (2) at
// 2026-07-28, resultType of resources/read, prompts/get and skills/get, which the Inspector's SDK drops
// from those results (it keeps it for tools/call); (3) the error message, whose wording comes from each
// runtime (Node's "fetch failed" against Go's dial error) — its code must agree. (4) For a tool whose
// arguments do not validate the result's text is the server's message about what it got: the Inspector
// sends null for "x" where mcpkit sends "x" (docs/CLI.md), so only isError and the exit code are
// compared there.
func compareInspect(t *testing.T, target []string, line []string, modern bool) {
	t.Helper()
	args := append(append([]string{}, target...), line...)
	if !has(line, "--format") {
		args = append(args, "--format", "json")
	}
	want := runInspectCLI(t, true, args)
	got := runInspectCLI(t, false, args)
	if got.code != want.code {
		t.Errorf("exit %d, the Inspector's %d\nInspector stderr: %s\nmcpkit stderr: %s", got.code, want.code, lastLine(want.stderr), got.stderr)
	}
	if want.code != 0 {
		if ew, eg := errorCode(want.stderr), errorCode(got.stderr); ew != eg || ew == "" {
			t.Errorf("error code %q, the Inspector's %q\nInspector: %s\nmcpkit: %s", eg, ew, lastLine(want.stderr), got.stderr)
		}
	}
	if want.stdout == "" && got.stdout == "" {
		return
	}
	var w, g any
	if err := json.Unmarshal([]byte(want.stdout), &w); err != nil {
		t.Fatalf("the Inspector printed %q: %v", want.stdout, err)
	}
	if err := json.Unmarshal([]byte(got.stdout), &g); err != nil {
		t.Fatalf("mcpkit printed %q: %v", got.stdout, err)
	}
	if modern && (has(line, "resources/read") || has(line, "prompts/get") || has(line, "skills/get")) {
		if res, ok := g.(map[string]any)["result"].(map[string]any); ok {
			delete(res, "resultType")
		}
	}
	if has(line, "a=x") { // (4)
		w, g = isErrorOf(w), isErrorOf(g)
	}
	if !reflect.DeepEqual(w, g) {
		t.Errorf("outputs differ\nInspector: %s\nmcpkit:    %s", want.stdout, got.stdout)
	}
}

func has(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func isErrorOf(v any) any {
	m, _ := v.(map[string]any)
	if r, ok := m["result"].(map[string]any); ok {
		return r["isError"]
	}
	return v
}

func errorCode(stderr string) string {
	var env struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal([]byte(lastLine(stderr)), &env)
	return env.Error.Code
}

// lastLine is the last non-empty line: the Inspector prints notices about its secret store first.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestInspectCLIDemo runs the book's command lines, and more, through the Inspector CLI 2.12.0 and
// `mcpkit inspect --cli` against the demo server over stdio, Streamable HTTP (2025-11-25, the
// Inspector's default, and 2026-07-28) and HTTP+SSE; both must print the same JSON and exit alike.
// A closed port (4) and a server answering 401 (3) end both the same way too.
func TestInspectCLIDemo(t *testing.T) {
	peers(t)
	base := demoURL(t)
	lines := append(append([][]string{}, bookLines...), moreDemoLines...)
	for _, tr := range []struct {
		name   string
		target []string
		modern bool
	}{
		{"stdio", []string{mcpkitBinary(t), "serve", "--stdio"}, false},
		{"http", []string{base + "/mcp"}, false},
		{"http-2026-07-28", []string{base + "/mcp", "--protocol-era", "modern"}, true},
		{"sse", []string{base + "/sse"}, false},
	} {
		t.Run(tr.name, func(t *testing.T) {
			for _, line := range lines {
				t.Run(strings.Join(line[1:], " "), func(t *testing.T) {
					compareInspect(t, tr.target, line, tr.modern)
				})
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := "http://" + ln.Addr().String()
		ln.Close()
		for _, path := range []string{"/mcp", "/sse"} {
			compareInspect(t, []string{closed + path}, []string{"--method", "tools/list"}, false)
		}
	})
	t.Run("auth", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
		})}
		go hs.Serve(ln)
		defer hs.Close()
		url := "http://" + ln.Addr().String()
		// --stored-auth-only keeps the Inspector from starting a browser login; inspect never does.
		for _, path := range []string{"/mcp", "/sse"} {
			compareInspect(t, []string{url + path, "--stored-auth-only"}, []string{"--method", "tools/list"}, false)
		}
	})
}

// TestInspectCLIEverything runs the book's command lines (whose tools, resource and prompt
// server-everything does not have: both CLIs must fail alike) and the same lines on server-everything's
// own tools, resources and prompts through the Inspector CLI 2.12.0 and `mcpkit inspect --cli`, over
// stdio, Streamable HTTP and HTTP+SSE (in a private network namespace: it listens on every interface).
func TestInspectCLIEverything(t *testing.T) {
	node := peers(t)
	if !inPrivateNetwork(t) {
		return
	}
	script := filepath.Join(os.Getenv("MCPKIT_PEERS"), "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
	httpBase := startEverything(t, node, "streamableHttp")
	sseBase := startEverything(t, node, "sse")
	lines := append(append([][]string{}, bookLines...), everythingLines...)
	for _, tr := range []struct {
		name   string
		target []string
	}{
		{"stdio", []string{node, script, "stdio"}},
		{"streamableHttp", []string{httpBase + "/mcp"}},
		{"sse", []string{sseBase + "/sse"}},
	} {
		t.Run(tr.name, func(t *testing.T) {
			for i, line := range lines {
				t.Run(strconv.Itoa(i)+" "+strings.Join(line[1:], " "), func(t *testing.T) {
					compareInspect(t, tr.target, line, false)
				})
			}
		})
	}
}
