package hostconfig

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// write puts content at dir/rel and returns its path.
func write(t *testing.T, dir, rel, content string) string {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// env is a LookupEnv over a map.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// TestClaudeDesktopCursorFormat: the mcpServers form (Claude Desktop, Claude Code, Cursor) with a command
// server, URL servers with and without a type, and Claude Code's and Cursor's variables.
func TestMCPServersFormat(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, ".cursor/mcp.json", `{
  "mcpServers": {
    "demo": {"command": "mcpkit", "args": ["serve", "--stdio", "--root", "${workspaceFolder}/data"],
             "env": {"TOKEN": "${API_TOKEN}", "LEVEL": "${LEVEL:-info}", "PORT": 8080, "HOME2": "${env:HOME}"},
             "cwd": "${userHome}/srv"},
    "remote": {"url": "https://example.test/mcp", "headers": {"Authorization": "Bearer ${API_TOKEN}"}},
    "legacy": {"url": "https://example.test/sse"},
    "typed": {"type": "sse", "url": "https://example.test/events"},
    "cc": {"type": "http", "url": "https://example.test/mcp"},
    "alias": {"transport": "streamable-http", "url": "https://example.test/x"}
  }
}`)
	f, err := Load(p, LoadOptions{Dir: "/elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != FormatMCPServers || f.WorkspaceFolder != dir {
		t.Errorf("format %q workspace %q", f.Format, f.WorkspaceFolder)
	}
	if got := strings.Join(f.Names(), ","); got != "demo,remote,legacy,typed,cc,alias" {
		t.Errorf("names (file order) = %s", got)
	}
	transports := map[string]string{"demo": "stdio", "remote": "http", "legacy": "sse", "typed": "sse", "cc": "http", "alias": "http"}
	for name, want := range transports {
		if s, _ := f.Server(name); s.Transport() != want {
			t.Errorf("%s: transport %q, want %q", name, s.Transport(), want)
		}
	}
	opts := ResolveOptions{LookupEnv: env(map[string]string{"API_TOKEN": "sekrit", "HOME": "/h"}), Home: "/home/u"}
	s, err := f.Resolve(context.Background(), "demo", opts)
	if err != nil {
		t.Fatal(err)
	}
	want := &Server{Name: "demo", Command: "mcpkit", Args: []string{"serve", "--stdio", "--root", dir + "/data"},
		Env: map[string]string{"TOKEN": "sekrit", "LEVEL": "info", "PORT": "8080", "HOME2": "/h"}, Cwd: "/home/u/srv"}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("resolved\n%+v\nwant\n%+v", s, want)
	}
	if orig, _ := f.Server("demo"); orig.Env["TOKEN"] != "${API_TOKEN}" {
		t.Errorf("Resolve changed the file's server: %q", orig.Env["TOKEN"])
	}
	r, err := f.Resolve(context.Background(), "remote", opts)
	if err != nil || r.Headers["Authorization"] != "Bearer sekrit" {
		t.Errorf("remote: %+v %v", r, err)
	}
	// ${VAR} unset, without a default, names file, server and field.
	_, err = f.Resolve(context.Background(), "demo", ResolveOptions{LookupEnv: env(nil)})
	if err == nil || !strings.Contains(err.Error(), p+`: server "demo": env.TOKEN: ${API_TOKEN}: environment variable API_TOKEN is not set`) {
		t.Errorf("err = %v", err)
	}
	if _, err := f.Resolve(context.Background(), "nope", opts); err == nil || !strings.Contains(err.Error(), `no server "nope"; it has: demo, remote`) {
		t.Errorf("err = %v", err)
	}
}

// TestClaudeCodeProjects: ~/.claude.json's user servers plus the local ones of the project directory,
// which win on a name clash.
func TestClaudeCodeProjects(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, ".claude.json", `{"numStartups": 3,
  "mcpServers": {"a": {"command": "user-a"}, "b": {"command": "user-b"}},
  "projects": {"/work/p": {"mcpServers": {"b": {"command": "local-b"}, "c": {"type": "http", "url": "http://127.0.0.1:1/mcp"}}},
               "/other": {"mcpServers": {"d": {"command": "d"}}}}}`)
	f, err := Load(p, LoadOptions{Dir: "/work/p"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range f.Servers {
		got = append(got, s.Name+"="+s.Command+s.URL)
	}
	if strings.Join(got, " ") != "a=user-a b=local-b c=http://127.0.0.1:1/mcp" {
		t.Errorf("servers %v", got)
	}
	// Only projects, none for this directory: no servers.
	p2 := write(t, dir, "only.json", `{"projects": {"/other": {"mcpServers": {"d": {"command": "d"}}}}}`)
	if _, err := Load(p2, LoadOptions{Dir: "/work/p"}); !errors.Is(err, ErrNoServers) {
		t.Errorf("err = %v", err)
	}
}

// TestVSCodeFormat: servers with types, inputs (promptString with password, pickString) asked once
// each through the Prompter, ${env:}, ${workspaceFolder}, envFile, JSONC comments and trailing commas.
func TestVSCodeFormat(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".vscode/dev.env", "# comment\nexport FROM_FILE=\"f\"\nTOKEN=overridden\n")
	p := write(t, dir, ".vscode/mcp.json", `{
  // Inputs are asked when a server that uses them starts.
  "inputs": [
    {"type": "promptString", "id": "api-key", "description": "API key", "password": true},
    {"type": "pickString", "id": "region", "description": "Region", "options": ["eu", {"label": "US", "value": "us"}], "default": "eu"},
  ],
  "servers": {
    "github": {
      "type": "http",
      "url": "https://api.example.test/${input:region}/mcp",
      "headers": {"Authorization": "Bearer ${input:api-key}", "X-Key-Again": "${input:api-key}"},
    },
    "local": {
      "type": "stdio", "command": "${workspaceFolder}/bin/server",
      "args": ["--user", "${env:USER}"], "envFile": "${workspaceFolder}/.vscode/dev.env",
      "env": {"TOKEN": "${input:api-key}"}, /* trailing comma next */
    },
  },
}`)
	f, err := Load(p, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != FormatVSCode || len(f.Inputs) != 2 || f.WorkspaceFolder != dir {
		t.Fatalf("format %q inputs %+v workspace %q", f.Format, f.Inputs, f.WorkspaceFolder)
	}
	if in := f.Inputs[1]; !reflect.DeepEqual(in.Options, []string{"eu", "us"}) || in.Default != "eu" {
		t.Errorf("pickString %+v", in)
	}
	pr := &scripted{answers: map[string]string{"api-key": "k3y", "region": ""}}
	opts := ResolveOptions{Prompter: pr, LookupEnv: env(map[string]string{"USER": "ann"})}
	s, err := f.Resolve(context.Background(), "github", opts)
	if err != nil {
		t.Fatal(err)
	}
	if s.URL != "https://api.example.test/eu/mcp" || s.Headers["Authorization"] != "Bearer k3y" || s.Headers["X-Key-Again"] != "k3y" {
		t.Errorf("github %+v", s)
	}
	if got := strings.Join(pr.asked, ","); got != "region,api-key" { // url before headers
		t.Errorf("asked %s (each input once)", got)
	}
	if !pr.password["api-key"] || pr.password["region"] {
		t.Errorf("password flags %v", pr.password)
	}
	l, err := f.Resolve(context.Background(), "local", opts)
	if err != nil {
		t.Fatal(err)
	}
	want := &Server{Name: "local", Type: "stdio", Command: dir + "/bin/server", Args: []string{"--user", "ann"},
		EnvFile: dir + "/.vscode/dev.env", Env: map[string]string{"FROM_FILE": "f", "TOKEN": "k3y"}}
	if !reflect.DeepEqual(l, want) {
		t.Errorf("local\n%+v\nwant\n%+v", l, want)
	}
	// Without a Prompter, an input is a clear error.
	_, err = f.Resolve(context.Background(), "github", ResolveOptions{})
	if err == nil || !strings.Contains(err.Error(), `server "github": url: ${input:region}: the value must be typed in`) {
		t.Errorf("err = %v", err)
	}
	// A pickString answer outside its options is refused.
	_, err = f.Resolve(context.Background(), "github", ResolveOptions{Prompter: &scripted{answers: map[string]string{"region": "mars"}}})
	if err == nil || !strings.Contains(err.Error(), `"mars" is not one of eu, us`) {
		t.Errorf("err = %v", err)
	}
}

// TestVSCodeSettings: the nested {"mcp": {"servers", "inputs"}} form of settings.json.
func TestVSCodeSettings(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "settings.json", `{
  "editor.fontSize": 14, // other settings
  "mcp": {
    "inputs": [{"type": "promptString", "id": "tok", "description": "Token"}],
    "servers": {"s": {"command": "srv", "args": ["${input:tok}"]}},
  },
}`)
	f, err := Load(p, LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != FormatVSCodeSettings {
		t.Errorf("format %q", f.Format)
	}
	s, err := f.Resolve(context.Background(), "s", ResolveOptions{Prompter: &scripted{answers: map[string]string{"tok": "T"}}})
	if err != nil || !reflect.DeepEqual(s.Args, []string{"T"}) {
		t.Errorf("%+v %v", s, err)
	}
	p2 := write(t, dir, "plain-settings.json", `{"editor.fontSize": 14}`)
	if _, err := Load(p2, LoadOptions{}); !errors.Is(err, ErrNoServers) {
		t.Errorf("err = %v", err)
	}
}

// TestLoadErrors: each malformed entry is reported with the file, the server and the field.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	for content, want := range map[string]string{
		`{"mcpServers": {"a": {"command": 3}}}`:                                               `server "a": "command": want a string, got 3`,
		`{"mcpServers": {"a": {"command": "x", "args": "--flag"}}}`:                           `server "a": "args": want an array of strings`,
		`{"mcpServers": {"a": {"command": "x", "env": {"K": [1]}}}}`:                          `server "a": "env": "K": want a string, got [1]`,
		`{"mcpServers": {"a": {"command": "x", "env": []}}}`:                                  `server "a": "env": want an object`,
		`{"mcpServers": {"a": {"args": ["x"]}}}`:                                              `server "a": neither "command" nor "url" is set`,
		`{"mcpServers": {"a": {"command": "x", "url": "http://h/"}}}`:                         `server "a": both "command" and "url" are set`,
		`{"servers": {"a": {"type": "websocket", "url": "ws://h/"}}}`:                         `server "a": "type": unknown transport "websocket"`,
		`{"servers": {"a": {"type": "http", "command": "x"}}}`:                                `server "a": "type" is http but "url" is not set`,
		`{"servers": {"a": "x"}}`:                                                             `server "a": not an object`,
		`{"servers": {}, "inputs": [{"type": "promptString"}]}`:                               `inputs[0]: no "id"`,
		`{"servers": {}, "inputs": [{"type": "pickString", "id": "p"}]}`:                      `input "p": pickString needs "options"`,
		`{"servers": {}, "inputs": [{"type": "x", "id": "p"}]}`:                               `input "p": unknown "type" "x"`,
		`{"servers": {}, "inputs": [{"id": "p", "type": "promptString", "password": "yes"}]}`: `inputs[0]: "password": want true or false`,
		`{"mcpServers": {"a": {"command": "x"}}`:                                              `not a JSON object`,
		`[1]`:                                                                                 `not a JSON object`,
		`{"mcpServers": {"a": {"command": "x"}} /* open`:                                      `line 1: unterminated /* comment`,
	} {
		p := write(t, dir, "c.json", content)
		_, err := Load(p, LoadOptions{})
		if err == nil || !strings.HasPrefix(err.Error(), p+": ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n  err  %v\n  want %s: …%s…", content, err, p, want)
		}
	}
	// Variables: an unknown one, and an input the file does not define.
	p := write(t, dir, "v.json", `{"servers": {"a": {"command": "x", "args": ["${command:pick}"]}, "b": {"command": "${input:nope}"}}}`)
	f, err := Load(p, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Resolve(context.Background(), "a", ResolveOptions{}); err == nil || !strings.Contains(err.Error(), `server "a": args[0]: unsupported variable ${command:pick}`) {
		t.Errorf("err = %v", err)
	}
	if _, err := f.Resolve(context.Background(), "b", ResolveOptions{Prompter: &scripted{}}); err == nil || !strings.Contains(err.Error(), `server "b": command: ${input:nope}: the file defines no input "nope"`) {
		t.Errorf("err = %v", err)
	}
}

// scripted is a Prompter with canned answers that records what it was asked.
type scripted struct {
	answers  map[string]string
	asked    []string
	password map[string]bool
}

func (s *scripted) Prompt(_ context.Context, in Input) (string, error) {
	s.asked = append(s.asked, in.ID)
	if s.password == nil {
		s.password = map[string]bool{}
	}
	s.password[in.ID] = in.Password
	v, ok := s.answers[in.ID]
	if !ok {
		return "", errors.New("no answer")
	}
	return v, nil
}
