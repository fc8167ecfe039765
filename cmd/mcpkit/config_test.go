package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mcpkitIn runs the built binary in dir (empty: here) with env added, stdin fed, and returns its
// stdout, stderr and exit code.
func mcpkitIn(t *testing.T, dir string, env []string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, binary, args...)
	// No browser is opened and no LLM key leaks in from the environment; env may set them again.
	cmd.Dir, cmd.Env = dir, append(append(os.Environ(), "BROWSER=false", "MCPKIT_LLM_API_KEY=", "OPENAI_API_KEY="), env...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("mcpkit %v: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

// TestConfigLsGolden: `mcpkit config ls FILE` for the three formats, against golden files; no secret
// value is printed.
func TestConfigLsGolden(t *testing.T) {
	for _, name := range []string{"claude_desktop", "vscode_mcp", "vscode_settings"} {
		t.Run(name, func(t *testing.T) {
			stdout, stderr, code := mcpkit(t, "config", "ls", filepath.Join("testdata", "config", name+".json"))
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %s", code, stderr)
			}
			golden := filepath.Join("testdata", "config", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if stdout != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", stdout, want)
			}
			if strings.Contains(stdout, "do-not-print-me") {
				t.Errorf("a secret value was printed:\n%s", stdout)
			}
		})
	}
}

// TestConfigLsSearch: without FILE, config ls shows every usual file that lists servers (project files
// first), says which could not be read, and exits 1 for those.
func TestConfigLsSearch(t *testing.T) {
	home, proj := t.TempDir(), t.TempDir()
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config")}
	stdout, _, code := mcpkitIn(t, proj, env, "", "config", "ls")
	if code != 0 || !strings.HasPrefix(stdout, "No host config file with MCP servers found; searched:\n  "+filepath.Join(proj, ".mcp.json")+"\n") {
		t.Errorf("empty: exit %d\n%s", code, stdout)
	}
	put := func(dir, rel, content string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	put(proj, ".vscode/mcp.json", `{"servers": {"v": {"type": "http", "url": "http://127.0.0.1:9/mcp"}}}`)
	put(home, ".config/Claude/claude_desktop_config.json", `{"mcpServers": {"d": {"command": "desk"}}}`)
	put(home, ".claude.json", `{"projects": {}}`) // no servers: not shown
	put(home, ".cursor/mcp.json", `{"mcpServers": {"broken": {"url": 7}}}`)
	stdout, stderr, code := mcpkitIn(t, proj, env, "", "config", "ls")
	want := "# " + filepath.Join(proj, ".vscode/mcp.json") + " (VS Code, project)\nv  http  http://127.0.0.1:9/mcp\n\n" +
		"# " + filepath.Join(home, ".config/Claude/claude_desktop_config.json") + " (Claude Desktop, user)\nd  stdio  desk\n\n" +
		"# " + filepath.Join(home, ".cursor/mcp.json") + " (Cursor, user): unreadable, see below\n"
	if stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	if code != exitError || !strings.Contains(stderr, `mcp.json: server "broken": "url": want a string, got 7`) {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	if _, stderr, code := mcpkit(t, "config", "ls", "a", "b"); code != exitUsage || !strings.Contains(stderr, "takes at most one FILE") {
		t.Errorf("two files: exit %d, %s", code, stderr)
	}
}

// TestInspectConfig: `mcpkit inspect --cli --config FILE [--server NAME]` connects to the server the file
// names — a Claude Desktop file's only server without --server, a VS Code file's server whose argument
// is an input answered on stdin, and a server found in the usual files with --server alone — and
// refuses a file with several servers and no --server, or --config beside a target.
func TestInspectConfig(t *testing.T) {
	dir := t.TempDir()
	put := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bin := strings.ReplaceAll(binary, `\`, `\\`)
	one := put("one.json", `{"mcpServers": {"demo": {"command": "`+bin+`", "args": ["serve", "${MODE:-}"], "env": {"X": "1"}}}}`)
	stdout, stderr, code := mcpkitIn(t, "", []string{"MODE=--stdio"}, "", "inspect", "--cli", "--config", one, "--method", "tools/list", "--format", "json")
	if code != 0 || !strings.HasPrefix(stdout, `{"result":{"tools":[`) {
		t.Fatalf("one server: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	vs := put("mcp.json", `{
  "inputs": [{"type": "pickString", "id": "mode", "description": "Mode", "options": ["--stdio", "--bogus"]}],
  "servers": {
    "a": {"type": "stdio", "command": "`+bin+`", "args": ["serve", "${input:mode}"]}, // comment
    "b": {"type": "http", "url": "http://127.0.0.1:1/mcp"},
  },
}`)
	stdout, stderr, code = mcpkitIn(t, "", nil, "1\n", "inspect", "--cli", "--config", vs, "--server", "a", "--method", "initialize", "--format", "json")
	if code != 0 || !strings.Contains(stdout, `"serverInfo":{"name":"mcpkit-demo"`) || !strings.Contains(stderr, "Mode:\n  1) --stdio\n  2) --bogus\nchoice: ") {
		t.Errorf("input: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	_, stderr, code = mcpkitIn(t, "", nil, "", "inspect", "--cli", "--config", vs, "--method", "tools/list")
	if code != 1 || !strings.Contains(stderr, "several servers; choose one with --server: a, b") {
		t.Errorf("several: exit %d, stderr %s", code, stderr)
	}
	_, stderr, code = mcpkitIn(t, "", nil, "", "inspect", "--cli", "--config", vs, "--server", "a", "--method", "tools/list")
	if code != 1 || !strings.Contains(stderr, `server \"a\": args[1]: ${input:mode}: no answer: input ended`) {
		t.Errorf("no answer: exit %d, stderr %s", code, stderr)
	}
	_, stderr, code = mcpkitIn(t, "", nil, "", "inspect", "--cli", "--config", one, "--method", "tools/list", "http://127.0.0.1:1/mcp")
	if code != 1 || !strings.Contains(stderr, "cannot be combined with a server URL") {
		t.Errorf("config and target: exit %d, stderr %s", code, stderr)
	}
	// --server alone: the usual files of the working directory and home.
	proj, home := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(proj, ".mcp.json"), []byte(`{"mcpServers": {"here": {"command": "`+bin+`", "args": ["serve", "--stdio"]}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + home}
	stdout, stderr, code = mcpkitIn(t, proj, env, "", "inspect", "--cli", "--server", "here", "--method", "prompts/list", "--format", "json")
	if code != 0 || !strings.HasPrefix(stdout, `{"result":{"prompts":[`) {
		t.Errorf("--server alone: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	_, stderr, code = mcpkitIn(t, proj, env, "", "inspect", "--cli", "--server", "nowhere", "--method", "tools/list")
	if code != 1 || !strings.Contains(stderr, `no server \"nowhere\" in the usual config files (searched `+filepath.Join(proj, ".mcp.json")+")") {
		t.Errorf("unknown server: exit %d, stderr %s", code, stderr)
	}
}

// TestVerbsConfig: the short verbs take their server from a host config file like inspect does — a
// Claude Desktop file's stdio server with -e on top of its env, a VS Code file's http and sse servers by
// --server — and refuse a URL or a command beside --config.
func TestVerbsConfig(t *testing.T) {
	base := serveHTTP(t)
	sse := strings.TrimSuffix(base, "/mcp") + "/sse"
	dir := t.TempDir()
	bin := strings.ReplaceAll(binary, `\`, `\\`)
	claude := filepath.Join(dir, "claude_desktop_config.json")
	if err := os.WriteFile(claude, []byte(`{"mcpServers": {"demo": {"command": "`+bin+`", "args": ["serve", "--stdio"], "env": {"X": "1"}}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	vscode := filepath.Join(dir, "mcp.json")
	if err := os.WriteFile(vscode, []byte(`{"servers": {
  "web": {"type": "http", "url": "`+base+`"}, // Streamable HTTP
  "old": {"type": "sse", "url": "`+sse+`"},
}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		out  string
	}{
		{"claude-call", []string{"call", "--config", claude, "add", "a=2", "b=3", "-e", "Y=2"}, "5\n"},
		{"vscode-http-call", []string{"call", "--config", vscode, "--server", "web", "add", "a=40", "b=2"}, "42\n"},
		{"vscode-sse-read", []string{"read", "--config", vscode, "--server", "old", "greeting://chris"}, "Hello, chris!\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := mcpkitIn(t, "", nil, "", tc.args...)
			if code != 0 || stdout != tc.out {
				t.Errorf("mcpkit %v: exit %d\nstdout %q, want %q\nstderr %s", tc.args, code, stdout, tc.out, stderr)
			}
		})
	}
	stdout, stderr, code := mcpkitIn(t, "", nil, "", "ls", "--config", vscode, "--server", "web")
	if code != 0 || !strings.Contains(stdout, "add") || !strings.Contains(stdout, "greeting://{name}") {
		t.Errorf("ls --config: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	for _, args := range [][]string{
		{"ls", "--config", claude, base},
		{"call", "--config", claude, "add", "a=1", "b=2", "--", binary, "serve", "--stdio"},
	} {
		if _, stderr, code := mcpkitIn(t, "", nil, "", args...); code != exitUsage || !strings.Contains(stderr, "give no server URL or command beside them") {
			t.Errorf("mcpkit %v: exit %d, want %d; stderr %s", args, code, exitUsage, stderr)
		}
	}
}
