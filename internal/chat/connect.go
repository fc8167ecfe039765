package chat

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/cli"
	"github.com/mcpkit/mcpkit/internal/hostconfig"
)

// Named is a server to connect to and the name its tools are namespaced with.
type Named struct {
	Name   string
	Target *cli.Target
}

// Sources are the servers a chat connects to.
type Sources struct {
	// Config is a host config file; every server in it is used unless Servers names some.
	Config string
	// Servers are server names in Config (or, without Config, searched in the usual files).
	Servers []string
	// Targets are URLs or commands (each a list of words), named after the URL's host and port or the
	// command's file name.
	Targets [][]string
	// Prompter asks the config file's inputs.
	Prompter hostconfig.Prompter
}

// Resolve returns the targets s names, config servers first, with distinct names (a repeated name gets
// -2, -3, …). No server at all is an error.
func (s Sources) Resolve(ctx context.Context) ([]Named, error) {
	var out []Named
	seen := map[string]int{}
	add := func(name string, t *cli.Target) {
		seen[name]++
		if n := seen[name]; n > 1 {
			name = fmt.Sprintf("%s-%d", name, n)
		}
		out = append(out, Named{Name: name, Target: t})
	}
	names := s.Servers
	if s.Config != "" && len(names) == 0 {
		f, err := hostconfig.Load(s.Config, hostconfig.LoadOptions{})
		if err != nil {
			return nil, cli.Usage("config: %v", err)
		}
		names = f.Names()
		if len(names) == 0 {
			return nil, cli.Usage("%s: no servers in the config file", f.Path)
		}
	}
	for _, n := range names {
		t, err := cli.ConfigTarget(ctx, s.Config, n, s.Prompter)
		if err != nil {
			return nil, err
		}
		add(n, t)
	}
	for _, args := range s.Targets {
		t := &cli.Target{Args: args}
		if _, err := t.TransportOf(); err != nil {
			return nil, err
		}
		add(targetName(args), t)
	}
	if len(out) == 0 {
		return nil, cli.Usage("no server: give --config FILE, --server NAME, or server URLs or commands")
	}
	return out, nil
}

// targetName names a target given on the command line: a URL's host and port, a command's file name
// without its extension.
func targetName(args []string) string {
	if u, err := url.Parse(args[0]); err == nil && u.Host != "" {
		return strings.NewReplacer(".", "-", ":", "-").Replace(u.Host)
	}
	base := filepath.Base(args[0])
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// ConnectAll connects to every target and adds it to c; on a failure the servers already connected stay
// in c (Close closes them) and the error names the server.
func ConnectAll(ctx context.Context, c *Chat, targets []Named, base client.Options) error {
	for _, n := range targets {
		conn, err := cli.Connect(ctx, n.Target, c.ClientOptions(n.Name, base))
		if err != nil {
			var e *cli.Error
			if errors.As(err, &e) { // keep the exit code, name the server
				return &cli.Error{Exit: e.Exit, Code: e.Code, Err: fmt.Errorf("%s: %w", n.Name, e)}
			}
			return fmt.Errorf("%s: %w", n.Name, err)
		}
		if err := c.Add(ctx, n.Name, conn.Session); err != nil {
			conn.Close()
			return err
		}
	}
	return nil
}
