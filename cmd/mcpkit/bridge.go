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
	)
	cmd := &cobra.Command{
		Use:   "bridge URL",
		Short: "Serve a remote MCP server to a stdio host (what mcp-remote does)",
		Long: "Serve, on stdin/stdout, what the server at URL offers: its tools, resources, templates, prompts and\n" +
			"completions, with elicitation, sampling and roots passed back to the host, progress, cancellation,\n" +
			"log messages and list changes relayed. The URL is reached over Streamable HTTP, or HTTP+SSE when its\n" +
			"path ends in /sse or the server only speaks that (as `mcpkit ls` does), with --header and the OAuth\n" +
			"tokens `mcpkit login` stored. Each side negotiates its own protocol era: the host's with the bridge,\n" +
			"--protocol-era the bridge's with the server, so a legacy host reaches a 2026-07-28 server and the\n" +
			"other way round (docs/BRIDGE.md says exactly what crosses). Diagnostics go to stderr.",
		Example: "  mcpkit bridge https://example.com/mcp --header \"X-Team: blue\"",
		RunE: func(cmd *cobra.Command, args []string) error {
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
			return runBridge(cmd.Context(), cmd, &target)
		},
	}
	fs := cmd.Flags()
	cli.AddTargetFlags(fs, &target)
	_ = fs.MarkHidden("env") // a command's flags: the bridge's target is a URL
	_ = fs.MarkHidden("cwd")
	fs.BoolVarP(&verbose, "verbose", "v", false, "print the JSON-RPC traffic with the server, both ways, on stderr")
	return cmd
}

// runBridge connects to the remote server, then serves it on stdin/stdout until stdin ends, the server
// goes away or ctx ends.
func runBridge(ctx context.Context, cmd *cobra.Command, target *cli.Target) error {
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	p := proxy.New("mcpkit-bridge", version(), &proxy.Options{Server: server.Options{Logger: logger}, Logger: logger})
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
