package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/mcpkit/mcpkit/conformance/fixture"
)

// errHTTPNotBuilt is the answer to --addr until the Streamable HTTP transport exists.
var errHTTPNotBuilt = errors.New("HTTP transport not built yet")

func main() {
	// Logs go to stderr: on stdio, stdout carries only protocol messages.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	default:
		fmt.Fprintln(os.Stderr, "conformance server:", err)
		os.Exit(1)
	}
}

// run parses args and serves the fixtures over stdio until stdin closes or ctx ends. Usage errors are
// written to stderr.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "", "serve Streamable HTTP on this address instead of stdio (not available yet)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *addr != "" {
		// TODO(HTTP transport): serve fixture.New() on *addr once the Streamable HTTP transport exists.
		return fmt.Errorf("--addr %s: %w (run without --addr to serve over stdio)", *addr, errHTTPNotBuilt)
	}
	return fixture.New().ServeStdio(ctx)
}
