package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/mcpkit/mcpkit/internal/hostconfig"
)

// ConfigTarget returns the Target of server name in the host config file path (Claude Desktop, Claude
// Code, Cursor or VS Code; see package hostconfig), with its variables substituted and its inputs asked
// through p. With an empty path, the usual locations are searched for name (hostconfig.Locations). With
// an empty name, the file's only server is used, as the Inspector CLI does; a file with several is an
// error listing them. Failures are usage errors (*Error, ExitUsage).
func ConfigTarget(ctx context.Context, path, name string, p hostconfig.Prompter) (*Target, error) {
	var f *hostconfig.File
	var err error
	switch {
	case path == "" && name == "":
		return nil, Usage("--server NAME is needed without --config FILE")
	case path == "":
		f, err = hostconfig.Find(hostconfig.Place{}, name)
	default:
		f, err = hostconfig.Load(path, hostconfig.LoadOptions{})
	}
	if err != nil {
		return nil, &Error{Exit: ExitUsage, Code: "error", Err: fmt.Errorf("config: %w", err)}
	}
	if name == "" {
		switch len(f.Servers) {
		case 0:
			return nil, Usage("%s: no servers in the config file", f.Path)
		case 1:
			name = f.Servers[0].Name
		default:
			return nil, Usage("%s: several servers; choose one with --server: %s", f.Path, strings.Join(f.Names(), ", "))
		}
	}
	s, err := f.Resolve(ctx, name, hostconfig.ResolveOptions{Prompter: p})
	if err != nil {
		return nil, &Error{Exit: ExitUsage, Code: "error", Err: err}
	}
	return ServerTarget(s), nil
}

// ServerTarget turns a resolved server entry into a Target: a command with its environment and
// directory, or a URL with its headers. A URL entry without a type gets the transport detected from
// the URL (Streamable HTTP falling back to HTTP+SSE, or HTTP+SSE for a path ending in /sse).
func ServerTarget(s *hostconfig.Server) *Target {
	t := &Target{Header: http.Header{}, Transport: s.Type}
	if s.URL != "" {
		t.Args = []string{s.URL}
		for _, k := range slices.Sorted(maps.Keys(s.Headers)) {
			t.Header.Add(k, s.Headers[k])
		}
		return t
	}
	t.Transport = "stdio"
	t.Args = append([]string{s.Command}, s.Args...)
	t.Dir = s.Cwd
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		t.Env = append(t.Env, k+"="+s.Env[k])
	}
	return t
}

// Override applies the command line's -e, --cwd and --header to a Target read from a config file:
// its environment variables are added after the file's (so they win), --cwd replaces the directory,
// headers are added.
func (t *Target) Override(env []string, dir string, header http.Header) {
	t.Env = append(t.Env, env...)
	if dir != "" {
		t.Dir = dir
	}
	for k, vs := range header {
		for _, v := range vs {
			t.Header.Add(k, v)
		}
	}
}

// ConfigFlags are the --config FILE and --server NAME flags of the client verbs.
type ConfigFlags struct {
	File, Server string
}

// ConfigHelp describes --config and --server for a verb's help, with the locations searched.
func ConfigHelp() string {
	var b strings.Builder
	b.WriteString("  --config FILE     a host config file: Claude Desktop, Claude Code or Cursor (\"mcpServers\"), or VS Code\n")
	b.WriteString("                    (\"servers\" and \"inputs\", or settings.json's \"mcp\"); JSON with comments allowed\n")
	b.WriteString("  --server NAME     the server in it (optional when it has one); without --config, the first of these\n")
	b.WriteString("                    files that has NAME is used:\n")
	for _, l := range hostconfig.Locations(hostconfig.Place{}) {
		fmt.Fprintf(&b, "                      %-15s %-8s %s\n", l.Host, l.Scope, l.Path)
	}
	return b.String()
}

// Add registers --config and --server on fs.
func (c *ConfigFlags) Add(fs *pflag.FlagSet) {
	fs.StringVar(&c.File, "config", "", "a host config file (Claude Desktop/Code, Cursor, VS Code) to take the server from")
	fs.StringVar(&c.Server, "server", "", "the server's name in the config file (without --config: searched in the usual files)")
}

// Given reports whether --config or --server was given.
func (c *ConfigFlags) Given() bool { return c.File != "" || c.Server != "" }

// Target returns the Target the flags name (ConfigTarget), asking inputs on the terminal.
func (c *ConfigFlags) Target(ctx context.Context) (*Target, error) {
	return ConfigTarget(ctx, c.File, c.Server, NewTermPrompter(os.Stdin, os.Stderr))
}

// Apply replaces *t by the server the flags name, when they are given, keeping what the command line set
// on t: its -e, --cwd and --header on top of the file's (Override), the protocol era, the OAuth settings
// and the trace and stderr writers. A URL, a command or --transport beside them is a usage error.
func (c *ConfigFlags) Apply(ctx context.Context, t *Target) error {
	if !c.Given() {
		return nil
	}
	if err := CheckNoTarget(t.Args, t.Transport); err != nil {
		return err
	}
	ct, err := c.Target(ctx)
	if err != nil {
		return err
	}
	ct.Override(t.Env, t.Dir, t.Header)
	ct.Era, ct.OAuth, ct.Trace, ct.Stderr = t.Era, t.OAuth, t.Trace, t.Stderr
	*t = *ct
	return nil
}

// errNoConfigWithTarget is the Inspector's rule: a config file names the server, so a URL or a command
// cannot be given too.
var errNoConfigWithTarget = errors.New("--config/--server cannot be combined with a server URL, a command or --transport")

// CheckNoTarget refuses a positional target or --transport beside --config/--server.
func CheckNoTarget(args []string, transport string) error {
	if len(args) > 0 || transport != "" {
		return &Error{Exit: ExitUsage, Code: "error", Err: errNoConfigWithTarget}
	}
	return nil
}
