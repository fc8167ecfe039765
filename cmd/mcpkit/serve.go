package main

import (
	"errors"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/examples/demo"
)

func newServe() *cobra.Command {
	var useStdio bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the demo server (tools add, multiply, echo; resources greeting://{name}, command://ping; prompt review_code)",
		RunE: func(cmd *cobra.Command, args []string) error {
			// Logs go to stderr: on stdio, stdout carries only protocol messages.
			slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
			s := demo.New()
			if useStdio {
				return s.ServeStdio(cmd.Context())
			}
			return errors.New("serve: only --stdio is available in this build (Streamable HTTP comes next)")
		},
	}
	cmd.Flags().BoolVar(&useStdio, "stdio", false, "serve over stdin/stdout")
	return cmd
}
