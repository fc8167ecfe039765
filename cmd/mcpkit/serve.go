package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

func newServe() *cobra.Command {
	var (
		useStdio     bool
		addr         string
		allowedHosts []string
		allowOrigins []string
		anyHost      bool
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the demo server (tools add, multiply, echo, create_product, book_trip; resources greeting://{name}, command://ping; prompt review_code)",
		Long: "Serve the demo server over Streamable HTTP (both protocol eras on one endpoint, /mcp) or, with --stdio,\n" +
			"over stdin/stdout. Logs go to stderr.\n\n" +
			"Bound to anything but loopback, it answers only the Host names given with --allowed-host (against DNS\n" +
			"rebinding), or any Host with --any-host when a proxy in front checks Host.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
			s := demo.New()
			if useStdio {
				return s.ServeStdio(cmd.Context())
			}
			if err := checkHostFlags(addr, allowedHosts, anyHost); err != nil {
				return err
			}
			opts := &server.HTTPOptions{}
			opts.Streamable.AllowedHosts = allowedHosts
			opts.Streamable.AllowAnyHost = anyHost
			opts.Streamable.AllowedOrigins = allowOrigins
			return s.ListenAndServeContext(cmd.Context(), addr, opts)
		},
	}
	cmd.Flags().BoolVar(&useStdio, "stdio", false, "serve over stdin/stdout instead of HTTP")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8000", "HTTP listen address")
	cmd.Flags().StringSliceVar(&allowedHosts, "allowed-host", nil, "a Host header value to accept, host or host:port (repeatable; required when --addr is not loopback, unless --any-host)")
	cmd.Flags().BoolVar(&anyHost, "any-host", false, "accept any Host header: only behind a proxy that checks Host itself")
	cmd.Flags().StringSliceVar(&allowOrigins, "allowed-origin", nil, "browser Origins to accept besides loopback ones")
	return cmd
}

// checkHostFlags refuses a non-loopback --addr without --allowed-host or --any-host, naming the flags (the
// server's own refusal names the Go options).
func checkHostFlags(addr string, allowedHosts []string, anyHost bool) error {
	if anyHost && len(allowedHosts) > 0 {
		return fmt.Errorf("--any-host and --allowed-host exclude each other: --any-host accepts every Host")
	}
	if streamable.IsLoopbackAddr(addr) || len(allowedHosts) > 0 || anyHost {
		return nil
	}
	return fmt.Errorf("--addr %s is not a loopback address: pass --allowed-host NAME (repeatable) for each "+
		"Host name clients use, or --any-host behind a proxy that checks Host, to keep DNS rebinding out", addr)
}
