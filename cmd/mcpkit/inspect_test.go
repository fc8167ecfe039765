package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/servicetest"
)

// inspectCase is one method call of the golden tests; its golden file is testdata/inspect/NAME.ERA.json.
type inspectCase struct {
	name string
	args []string
}

var inspectCases = []inspectCase{
	{"initialize", []string{"--method", "initialize"}},
	{"tools-list", []string{"--method", "tools/list"}},
	{"tools-call-multiply", []string{"--method", "tools/call", "--tool-name", "multiply", "--tool-arg", "first=2.5", "second=4"}},
	{"tools-call-add", []string{"--method", "tools/call", "--tool-name", "add", "--tool-arg", "a=5", "--tool-arg", "b=10"}},
	{"resources-list", []string{"--method", "resources/list"}},
	{"resources-templates-list", []string{"--method", "resources/templates/list"}},
	{"resources-read", []string{"--method", "resources/read", "--uri", "greeting://chris"}},
	{"prompts-list", []string{"--method", "prompts/list"}},
	{"prompts-get", []string{"--method", "prompts/get", "--prompt-name", "review_code", "--prompt-args", "code=x := 1"}},
	{"logging-setLevel", []string{"--method", "logging/setLevel", "--log-level", "debug"}},
	{"skills-list", []string{"--method", "skills/list"}},
	{"skills-get", []string{"--method", "skills/get", "--uri", "skill://long-jobs/SKILL.md"}},
	{"resources-directory-read", []string{"--method", "resources/directory/read", "--uri", "skill://long-jobs/references"}},
}

// TestInspectGolden runs every inspect method against the demo server (`mcpkit serve`) over stdio,
// Streamable HTTP in the 2025-11-25 era (the default, as the Inspector's), Streamable HTTP pinned to
// 2026-07-28 and HTTP+SSE, in both formats. The JSON must equal the era's golden file (the same file for
// the three legacy transports); the text format must be that result, indented by two spaces. Run with
// -update to rewrite the golden files.
func TestInspectGolden(t *testing.T) {
	url := serveHTTP(t)
	base := strings.TrimSuffix(url, "/mcp")
	for _, tr := range []struct {
		name, era string
		target    []string
	}{
		{"stdio", "legacy", []string{binary, "serve", "--stdio"}},
		{"http-legacy", "legacy", []string{url}},
		{"http-2026-07-28", "modern", []string{url, "--protocol-era", "modern"}},
		{"sse", "legacy", []string{base + "/sse"}},
	} {
		t.Run(tr.name, func(t *testing.T) {
			if !*update { // -update writes the files the other transports read
				t.Parallel()
			}
			for _, c := range inspectCases {
				if tr.era == "modern" && c.name == "logging-setLevel" {
					continue // no such method at 2026-07-28: TestInspectExitCodes
				}
				t.Run(c.name, func(t *testing.T) {
					args := append(append([]string{"inspect", "--cli"}, tr.target...), c.args...)
					stdout, stderr, code := mcpkit(t, append(args, "--format", "json")...)
					if code != 0 || stderr != "" {
						t.Fatalf("exit %d, stderr %q", code, stderr)
					}
					golden := filepath.Join("testdata", "inspect", c.name+"."+tr.era+".json")
					if *update && tr.name != "stdio" && tr.name != "sse" {
						if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
							t.Fatal(err)
						}
					}
					want, err := os.ReadFile(golden)
					if err != nil {
						t.Fatalf("%v (run with -update to create it)", err)
					}
					if stdout != string(want) {
						t.Errorf("--format json printed\n%s\nwant (%s)\n%s", stdout, golden, want)
					}
					var env struct {
						Result jsontext.Value `json:"result"`
					}
					if err := json.Unmarshal([]byte(stdout), &env, json.RejectUnknownMembers(true)); err != nil {
						t.Fatalf("not {\"result\":…}: %v", err)
					}
					text, stderr, code := mcpkit(t, args...)
					if code != 0 || stderr != "" {
						t.Fatalf("text: exit %d, stderr %q", code, stderr)
					}
					indented := env.Result.Clone()
					if err := indented.Indent(jsontext.WithIndent("  ")); err != nil {
						t.Fatal(err)
					}
					if text != string(indented)+"\n" {
						t.Errorf("--format text printed\n%s\nwant\n%s", text, indented)
					}
				})
			}
		})
	}
}

// TestInspectExitCodes: usage errors exit 1, an unreachable server 4, a server that wants a token 3 (401
// without one, 403 with one lacking the scope), a tool error 5; each failure prints one JSON error line
// with the Inspector's code names on stderr, whatever the format, and nothing on stdout.
func TestInspectExitCodes(t *testing.T) {
	url := serveHTTP(t)
	is := newTestIssuer(t)
	authAddr, _ := servicetest.Listening(t, "mcpkit serve --auth-issuer", binary, func(addr string) []string {
		return []string{"serve", "--addr", addr, "--auth-issuer", is.ts.URL, "--auth-audience", "http://" + addr + "/mcp", "--auth-scope", "mcp:tools"}
	})
	authURL := "http://" + authAddr + "/mcp"
	port, err := servicetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://127.0.0.1:" + strconv.Itoa(port) + "/mcp"
	// A server that accepts connections and never answers: --connect-timeout runs out.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		errCode  string
		inStderr string
	}{
		{"no --cli", []string{url, "--method", "tools/list"}, 1, "error", "--cli"},
		{"no method", []string{"--cli", url}, 1, "error", "Method is required"},
		{"unknown method", []string{"--cli", url, "--method", "tools/lost"}, 1, "error", "Unsupported method: tools/lost"},
		{"no target", []string{"--cli", "--method", "tools/list"}, 1, "error", "Target is required"},
		{"bad format", []string{"--cli", url, "--method", "tools/list", "--format", "xml"}, 1, "error", "--format must be"},
		{"bad log level", []string{"--cli", url, "--method", "logging/setLevel", "--log-level", "loud"}, 1, "error", "Invalid log level: loud"},
		{"bad pair", []string{"--cli", url, "--method", "tools/call", "--tool-name", "add", "--tool-arg", "a"}, 1, "error", "Invalid parameter format: a."},
		{"bad header", []string{"--cli", url, "--method", "tools/list", "--header", "X-Nothing"}, 1, "error", "Invalid header format"},
		{"url with arguments", []string{"--cli", url, "extra", "--method", "tools/list"}, 1, "error", "Arguments cannot be passed"},
		{"stdio with a url", []string{"--cli", url, "--transport", "stdio", "--method", "tools/list"}, 1, "error", "stdio transport cannot be used with a URL"},
		{"unsupported flag", []string{"--cli", url, "--method", "tools/list", "--app-info"}, 1, "error", "does not support the Inspector's --app-info"},
		{"no such command", []string{"--cli", filepath.Join(t.TempDir(), "absent"), "--method", "tools/list"}, 1, "error", "absent"},
		{"setLevel at 2026-07-28", []string{"--cli", url, "--protocol-era", "modern", "--method", "logging/setLevel", "--log-level", "info"}, 1, "error", "Method 'logging/setLevel' is not supported"},
		{"skills/get without --uri", []string{"--cli", url, "--method", "skills/get"}, 1, "error", "URI is required for skills/get"},
		{"no tool name", []string{"--cli", url, "--method", "tools/call"}, 1, "error", "Tool name is required"},
		{"unknown resource", []string{"--cli", url, "--method", "resources/read", "--uri", "nope://x"}, 1, "error", `"message":"Resource not found: nope://x"`},
		{"unreachable", []string{"--cli", closed, "--method", "tools/list"}, 4, "unreachable", "connection refused"},
		{"unreachable sse", []string{"--cli", strings.TrimSuffix(closed, "/mcp") + "/sse", "--method", "tools/list"}, 4, "unreachable", "connection refused"},
		{"connect timeout", []string{"--cli", "http://" + silent.Addr().String() + "/mcp", "--method", "tools/list", "--connect-timeout", "300"}, 4, "unreachable", "timed out"},
		{"no token", []string{"--cli", authURL, "--method", "tools/list"}, 3, "auth_required", "401"},
		{"token without scope", []string{"--cli", authURL, "--method", "tools/list", "--header", "Authorization: Bearer " + is.token(t, "u", authURL, "other")}, 3, "auth_required", "403"},
		{"tool not found", []string{"--cli", url, "--method", "tools/call", "--tool-name", "nope"}, 5, "tool_not_found", "Tool 'nope' not found on server."},
		{"tool error", []string{"--cli", url, "--method", "tools/call", "--tool-name", "add", "--tool-arg", "a=x", "b=1"}, 5, "tool_is_error", "Tool 'add' returned isError:true."},
	} {
		for _, format := range []string{"text", "json"} {
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				stdout, stderr, code := mcpkit(t, append(append([]string{"inspect"}, tc.args...), "--format", format)...)
				if tc.name == "bad format" {
					stdout, stderr, code = mcpkit(t, append([]string{"inspect"}, tc.args...)...)
				}
				if code != tc.code {
					t.Errorf("exit %d, want %d; stderr %s", code, tc.code, stderr)
				}
				var env struct {
					Error struct {
						Code    string `json:"code"`
						Message string `json:"message"`
					} `json:"error"`
				}
				if err := json.Unmarshal([]byte(stderr), &env); err != nil || strings.Count(stderr, "\n") != 1 {
					t.Fatalf("stderr is not one JSON error line: %q (%v)", stderr, err)
				}
				if env.Error.Code != tc.errCode || !strings.Contains(stderr, tc.inStderr) {
					t.Errorf("stderr %s: want code %q and %q", stderr, tc.errCode, tc.inStderr)
				}
				// A tool error prints the result first, as the Inspector does; other failures print nothing.
				if (tc.errCode == "tool_is_error") != (stdout != "") {
					t.Errorf("stdout %q", stdout)
				}
			})
		}
	}
	t.Run("token", func(t *testing.T) {
		stdout, stderr, code := mcpkit(t, "inspect", "--cli", authURL, "--method", "tools/call", "--tool-name", "add",
			"--tool-arg", "a=1", "b=2", "--header", "Authorization: Bearer "+is.token(t, "u", authURL, "mcp:tools"), "--format", "json")
		if code != 0 || !strings.Contains(stdout, `"structuredContent":{"result":3}`) {
			t.Fatalf("exit %d, stdout %s, stderr %s", code, stdout, stderr)
		}
	})
}

// TestInspectCommandLine: the Inspector's word rules — the list flags take the following words, `--`
// puts the target after the flags or the flags after the target, -e and --cwd reach the command.
func TestInspectCommandLine(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--cli", "--format", "json", "--method", "tools/call", "--tool-name", "add", "--tool-arg", "a=20", "b=22", "--", binary, "serve", "--stdio"},
		{"--cli", binary, "serve", "--stdio", "--", "--method", "tools/call", "--tool-name", "add", "--format=json", "--tool-arg", "a=20", "b=22"},
		{"--cli", binary, "serve", "--stdio", "--format", "json", "--method", "tools/call", "--tool-name=add", "--tool-args-json", `{"a":20,"b":22}`},
		// The command runs the server only when it got the environment and the working directory.
		{"--cli", "sh", "-c", `[ "$(pwd -P)" = "$(cd "$D" && pwd -P)" ] && exec "$BIN" serve --stdio`, "-e", "BIN=" + binary, "-eD=" + dir,
			"--cwd", dir, "-q", "--method", "tools/call", "--tool-name", "add", "--tool-arg", "a=20", "b=22", "--format", "json"},
	} {
		stdout, stderr, code := mcpkit(t, append([]string{"inspect"}, args...)...)
		if code != 0 || !strings.Contains(stdout, `"structuredContent":{"result":42}`) {
			t.Errorf("%q: exit %d, stdout %s, stderr %s", args, code, stdout, stderr)
		}
	}
	// A list flag swallows the words after it up to the next flag, a URL too (as the header "http"): the
	// Inspector then has no target, and so has inspect.
	_, stderr, code := mcpkit(t, "inspect", "--cli", "--header", "X-A: b", "http://127.0.0.1:1/mcp", "--method", "tools/list")
	if code != 1 || !strings.Contains(stderr, "Target is required") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	stdout, _, code := mcpkit(t, "inspect", "--help")
	if code != 0 || !bytes.Contains([]byte(stdout), []byte("--tool-arg")) {
		t.Errorf("--help: exit %d, %s", code, stdout)
	}
}
