package cli

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mcpkit/mcpkit/internal/hostconfig"
)

// TestConfigTarget: a command entry becomes a stdio Target with its environment and directory, a URL
// entry a Target with headers and the entry's transport (none: detected later), and the command line's
// -e, --cwd and --header apply on top.
func TestConfigTarget(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.json")
	err := os.WriteFile(p, []byte(`{"mcpServers": {
  "cmd": {"command": "srv", "args": ["-v"], "env": {"B": "2", "A": "1"}, "cwd": "/w"},
  "url": {"url": "http://127.0.0.1:1/mcp", "headers": {"X-Key": "k"}},
  "sse": {"type": "sse", "url": "http://127.0.0.1:1/events"}}}`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := ConfigTarget(ctx, p, "cmd", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &Target{Args: []string{"srv", "-v"}, Transport: "stdio", Env: []string{"A=1", "B=2"}, Dir: "/w", Header: http.Header{}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("cmd: %+v", c)
	}
	c.Override([]string{"A=9"}, "/other", http.Header{"X-A": {"b"}})
	if !reflect.DeepEqual(c.Env, []string{"A=1", "B=2", "A=9"}) || c.Dir != "/other" || c.Header.Get("X-A") != "b" {
		t.Errorf("override: %+v", c)
	}
	u, err := ConfigTarget(ctx, p, "url", nil)
	if err != nil || u.Transport != "" || !reflect.DeepEqual(u.Args, []string{"http://127.0.0.1:1/mcp"}) || u.Header.Get("X-Key") != "k" {
		t.Errorf("url: %+v %v", u, err)
	}
	if tr, _ := u.TransportOf(); tr != "http" {
		t.Errorf("url transport %q", tr)
	}
	if s, err := ConfigTarget(ctx, p, "sse", nil); err != nil || s.Transport != "sse" {
		t.Errorf("sse: %+v %v", s, err)
	}
	for name, want := range map[string]string{"": "several servers; choose one with --server: cmd, url, sse", "nope": `no server "nope"`} {
		_, err := ConfigTarget(ctx, p, name, nil)
		e, ok := err.(*Error)
		if !ok || e.Exit != ExitUsage || !strings.Contains(e.Error(), want) {
			t.Errorf("%q: %v", name, err)
		}
	}
	if _, err := ConfigTarget(ctx, "", "", nil); err == nil || !strings.Contains(err.Error(), "--server NAME is needed") {
		t.Errorf("neither: %v", err)
	}
}

// TestTermPrompter: a promptString line (empty keeps the default for the caller), a pickString by
// number or by value, and input that ends before an answer.
func TestTermPrompter(t *testing.T) {
	var out strings.Builder
	p := NewTermPrompter(strings.NewReader("typed\n\n2\nus\n"), &out)
	ctx := context.Background()
	ask := func(in hostconfig.Input) string {
		v, err := p.Prompt(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	pick := hostconfig.Input{Type: "pickString", ID: "r", Options: []string{"eu", "us"}, Default: "eu"}
	got := []string{
		ask(hostconfig.Input{Type: "promptString", ID: "k", Description: "Key", Password: true}),
		ask(hostconfig.Input{Type: "promptString", ID: "n", Default: "d"}),
		ask(pick), ask(pick),
	}
	if !reflect.DeepEqual(got, []string{"typed", "", "us", "us"}) {
		t.Errorf("answers %q", got)
	}
	if want := "Key: n [d]: r:\n  1) eu (default)\n  2) us\nchoice: r:\n  1) eu (default)\n  2) us\nchoice: "; out.String() != want {
		t.Errorf("questions %q, want %q", out.String(), want)
	}
	if _, err := p.Prompt(ctx, pick); err == nil || !strings.Contains(err.Error(), "input ended") {
		t.Errorf("after the end: %v", err)
	}
}
