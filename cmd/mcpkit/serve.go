package main

import (
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/server"
)

func newServe() *cobra.Command {
	var (
		useStdio     bool
		addr         string
		allowedHosts []string
		allowOrigins []string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the demo server (tools add, multiply, echo, create_product, book_trip; resources greeting://{name}, command://ping; prompt review_code)",
		Long: "Serve the demo server over Streamable HTTP (both protocol eras on one endpoint, /mcp) or, with --stdio,\n" +
			"over stdin/stdout. Logs go to stderr.",
		RunE: func(cmd *cobra.Command, args []string) error {
			slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
			s := demo.New()
			if useStdio {
				return s.ServeStdio(cmd.Context())
			}
			opts := &server.HTTPOptions{}
			opts.Streamable.AllowedHosts = allowedHosts
			opts.Streamable.AllowedOrigins = allowOrigins
			return s.ListenAndServeContext(cmd.Context(), addr, opts)
		},
	}
	cmd.Flags().BoolVar(&useStdio, "stdio", false, "serve over stdin/stdout instead of HTTP")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8000", "HTTP listen address")
	cmd.Flags().StringSliceVar(&allowedHosts, "allowed-host", nil, "Host header values to accept (required when --addr is not loopback)")
	cmd.Flags().StringSliceVar(&allowOrigins, "allowed-origin", nil, "browser Origins to accept besides loopback ones")
	return cmd
}
