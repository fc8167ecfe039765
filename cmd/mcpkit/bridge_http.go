package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/internal/cli"
	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// stdioBridgeFlags are the flags of `mcpkit bridge --stdio`.
type stdioBridgeFlags struct {
	command      string
	addr         string
	allowedHosts []string
	anyHost      bool
	allowOrigins []string
}

// bridgeShutdownTimeout bounds closing the HTTP endpoints when the bridge stops.
const bridgeShutdownTimeout = 10 * time.Second

// runStdioBridge serves the stdio server command on f.addr: /mcp (Streamable HTTP, both eras) and /sse +
// /messages (HTTP+SSE), until ctx ends. ready, when not nil, gets the listening address.
func runStdioBridge(ctx context.Context, cmd *cobra.Command, f *stdioBridgeFlags, target cli.Target, ready func(addr string)) error {
	words, err := commandWords(f.command)
	if err != nil {
		return &usageError{cmd, fmt.Errorf("--stdio: %w", err)}
	}
	if len(words) == 0 {
		return &usageError{cmd, errors.New("--stdio wants the server's command, got nothing")}
	}
	if !streamable.IsLoopbackAddr(f.addr) && len(f.allowedHosts) == 0 && !f.anyHost {
		return &usageError{cmd, fmt.Errorf("--addr %s is not loopback: list the Host names to accept with --allowed-host (or --any-host behind a proxy that checks Host)", f.addr)}
	}
	target.Args = words
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	router, err := newStdioRouter(ctx, target, logger, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer router.Close()

	policy := httpx.Policy{AllowedHosts: f.allowedHosts, AllowAnyHost: f.anyHost, AllowedOrigins: f.allowOrigins}
	modern := streamable.NewHandler(router, &streamable.Options{AllowedHosts: f.allowedHosts, AllowAnyHost: f.anyHost, AllowedOrigins: f.allowOrigins})
	legacy := sse.NewHandler(router, &sse.Options{MessagesPath: "/messages", Policy: policy})
	mux := http.NewServeMux()
	mux.Handle("/mcp", modern)
	mux.Handle("/sse", legacy.SSE())
	mux.Handle("/messages", legacy.Messages())

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("bridge: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	fmt.Fprintf(cmd.ErrOrStderr(), "mcpkit bridge: serving %s on http://%s/mcp (both eras) and http://%s/sse\n", strings.Join(words, " "), addr, addr)
	if ready != nil {
		ready(addr)
	}
	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("bridge: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), bridgeShutdownTimeout)
	defer cancel()
	// The endpoints first (their streams end, their sessions close and stop their children), then the
	// listener and its idle connections.
	err = errors.Join(modern.Close(sctx), legacy.Close(sctx))
	if serr := srv.Shutdown(sctx); serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	<-served
	return err
}

// commandWords splits a command line into words as a POSIX shell would for a simple command: blanks
// separate words, single quotes keep everything, double quotes keep everything but \" and \\, a
// backslash outside quotes keeps the next character. No expansion of any kind.
func commandWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote")
			}
			inWord = true
		case c == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("a backslash ends the command")
			}
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
