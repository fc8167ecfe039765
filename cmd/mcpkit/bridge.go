package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/cli"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/proxy"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/stdio"
)

func newBridge() *cobra.Command {
	var (
		target  cli.Target
		verbose bool
		sf      stdioBridgeFlags
		lf      bridgeLoginFlags
		toStdio string
	)
	cmd := &cobra.Command{
		Use:   "bridge URL | bridge --to-stdio URL | bridge --stdio \"CMD ARGS…\" --addr HOST:PORT",
		Short: "Serve a remote MCP server on stdio, or a stdio server over HTTP",
		Long: "Serve, on stdin/stdout, what the server at URL offers: its tools, resources, templates, prompts and\n" +
			"completions, with elicitation, sampling and roots passed back to the host, progress, cancellation,\n" +
			"log messages and list changes relayed. The URL is reached over Streamable HTTP, or HTTP+SSE when its\n" +
			"path ends in /sse or the server only speaks that (as `mcpkit ls` does), with --header and the OAuth\n" +
			"tokens `mcpkit login` stored; when the server asks for authorization and no stored token works, the\n" +
			"bridge runs the login itself: the authorization URL goes to stderr (and the browser, unless\n" +
			"--no-browser), the redirect comes back to --redirect-url, and the token is kept where `mcpkit login`\n" +
			"keeps it, so the next start needs no login. --to-stdio URL is the same as URL. Each side negotiates its own protocol era: the host's with the bridge,\n" +
			"--protocol-era the bridge's with the server, so a legacy host reaches a 2026-07-28 server and the\n" +
			"other way round (docs/BRIDGE.md says exactly what crosses). Diagnostics go to stderr.\n\n" +
			"With --stdio, the other direction (what supergateway does): run the stdio server command and serve it\n" +
			"on --addr over Streamable HTTP at /mcp (both eras) and HTTP+SSE at /sse and /messages. Each legacy\n" +
			"session (initialize on /mcp, or an /sse connection) gets its own child process, started when it opens\n" +
			"and stopped when it ends (at most --max-sessions at once, default 100); 2026-07-28 requests, which have no session, go to --pool children (default 1)\n" +
			"started with the bridge, each request to the least busy, each child restarted (after --restart-delay,\n" +
			"doubling) when it dies; while none runs, requests fail at once saying so. Host and Origin are checked\n" +
			"as `mcpkit serve` checks them; --auth-issuer or --dev-auth put the same OAuth resource server in front\n" +
			"as serve's (docs/AUTH.md); /healthz and /readyz (ready while a shared child answers a ping) need no\n" +
			"token. --env and --cwd apply to the command.",
		Example: "  mcpkit bridge https://example.com/mcp --header \"X-Team: blue\"\n" +
			"  mcpkit bridge --stdio \"npx -y @modelcontextprotocol/server-everything\" --addr 127.0.0.1:8000",
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("to-stdio") {
				// The remote → stdio form is the first form's job (docs/BRIDGE.md): an alias.
				if cmd.Flags().Changed("stdio") || len(args) > 0 {
					return &usageError{cmd, fmt.Errorf("--to-stdio names the URL: give no --stdio and no URL beside it, got %q", args)}
				}
				args = []string{toStdio}
			}
			if cmd.Flags().Changed("stdio") {
				if len(args) > 0 {
					return &usageError{cmd, fmt.Errorf("--stdio serves a command: give no URL beside it, got %q", args)}
				}
				for _, name := range append([]string{"header", "transport"}, lf.names()...) {
					if cmd.Flags().Changed(name) {
						return &usageError{cmd, fmt.Errorf("--%s concerns a URL, not --stdio", name)}
					}
				}
				if verbose {
					target.Trace = cmd.ErrOrStderr()
				}
				return runStdioBridge(cmd.Context(), cmd, &sf, target, nil)
			}
			for _, name := range sf.names() {
				if cmd.Flags().Changed(name) {
					return &usageError{cmd, fmt.Errorf("--%s goes with --stdio", name)}
				}
			}
			if len(args) != 1 {
				return &usageError{cmd, fmt.Errorf("bridge takes one server URL, got %d arguments", len(args))}
			}
			target.Args = args
			kind, err := target.TransportOf()
			if err != nil {
				return &usageError{cmd, err}
			}
			if kind == "stdio" {
				return &usageError{cmd, fmt.Errorf("bridge wants an http:// or https:// URL, got %q", args[0])}
			}
			if verbose {
				target.Trace = cmd.ErrOrStderr()
			}
			if target.Header.Get("Authorization") == "" {
				target.OAuth.RedirectURL = lf.redirect
				target.OAuth.Authorize = lf.authorize(cmd.ErrOrStderr())
			}
			return runBridge(cmd.Context(), cmd, &target)
		},
	}
	fs := cmd.Flags()
	cli.AddTargetFlags(fs, &target)
	fs.BoolVarP(&verbose, "verbose", "v", false, "print the JSON-RPC traffic with the server (each child, with --stdio), both ways, on stderr")
	fs.StringVar(&toStdio, "to-stdio", "", "the remote server URL: the same as giving URL (remote → stdio is the first form's job)")
	lf.register(fs)
	sf.register(cmd)
	return cmd
}

// runBridge connects to the remote server, then serves it on stdin/stdout until stdin ends, the server
// goes away or ctx ends.
func runBridge(ctx context.Context, cmd *cobra.Command, target *cli.Target) error {
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	// One host on stdio: an untied question of a legacy server goes to its newest call.
	p := proxy.New("mcpkit-bridge", version(), &proxy.Options{Server: server.Options{Logger: logger}, Logger: logger, OneClient: true})
	opts := p.ClientOptions(client.Options{ClientInfo: mcp.Implementation{Name: "mcpkit-bridge", Version: version()}, Logger: logger})
	conn, err := cli.Connect(ctx, target, opts)
	if err != nil {
		return fmt.Errorf("bridge: connecting to %s: %w", target.Args[0], err)
	}
	defer conn.Close()
	if err := p.Attach(ctx, conn.Session); err != nil {
		return fmt.Errorf("bridge: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var upClosed atomic.Bool
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		select {
		case <-conn.Done():
			upClosed.Store(true)
			cancel()
		case <-ctx.Done():
		}
	}()
	runDone := make(chan error, 1)
	go func() { runDone <- p.Run(ctx) }()
	stream := stdio.NewStream(cmd.InOrStdin(), cmd.OutOrStdout(), stdio.Options{Logger: logger})
	serveErr := p.Server().Serve(ctx, stream)
	cancel()
	<-watchDone
	runErr := <-runDone
	if errors.Is(serveErr, context.Canceled) {
		serveErr = nil
	}
	if upClosed.Load() {
		return errors.Join(errors.New("bridge: the server closed the connection"), serveErr, runErr)
	}
	return errors.Join(serveErr, runErr)
}
