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

	"github.com/mcpkit/mcpkit/health"
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
	pool         int           // shared children for 2026-07-28 requests
	restartDelay time.Duration // the first wait before restarting a shared child that died
	maxSessions  int           // legacy sessions (each with its own child process) at once, /mcp and /sse together
	authn        authFlags     // the resource-server authorization in front, as serve's
}

// register adds the --stdio form's own flags.
func (f *stdioBridgeFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.command, "stdio", "", "serve this stdio server command (quoted as one word) over HTTP instead")
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8000", "with --stdio: the HTTP listen address")
	fs.StringSliceVar(&f.allowedHosts, "allowed-host", nil, "with --stdio: a Host header value to accept, host or host:port (repeatable; required when --addr is not loopback, unless --any-host)")
	fs.BoolVar(&f.anyHost, "any-host", false, "with --stdio: accept any Host header: only behind a proxy that checks Host itself")
	fs.StringSliceVar(&f.allowOrigins, "allowed-origin", nil, "with --stdio: browser Origins to accept besides loopback ones")
	fs.IntVar(&f.pool, "pool", 1, "with --stdio: how many children serve 2026-07-28 requests (which have no session), each request going to the least busy one")
	fs.DurationVar(&f.restartDelay, "restart-delay", 500*time.Millisecond, "with --stdio: how long to wait before restarting a child serving 2026-07-28 requests that died (doubled after each failed start, up to 30s)")
	fs.IntVar(&f.maxSessions, "max-sessions", defaultMaxSessions, "with --stdio: how many legacy sessions (each with its own child process) may be open at once, on /mcp and /sse together; past it a new one is refused (503, or the JSON-RPC error -32000)")
	f.authn.register(cmd)
}

// names are the names of the flags that go with --stdio only.
func (f *stdioBridgeFlags) names() []string {
	return append([]string{"addr", "allowed-host", "any-host", "allowed-origin", "env", "cwd", "pool", "restart-delay", "max-sessions"}, f.authn.names()...)
}

// maxPool bounds --pool: each child is a process.
const maxPool = 64

// defaultMaxSessions is --max-sessions' default, and maxMaxSessions its bound: each legacy session is a
// child process, so the limit is what stands between one client opening sessions in a loop and the
// machine's process table.
const (
	defaultMaxSessions = 100
	maxMaxSessions     = 10000
)

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
	if f.pool < 1 || f.pool > maxPool {
		return &usageError{cmd, fmt.Errorf("--pool wants 1 to %d children, got %d", maxPool, f.pool)}
	}
	if f.maxSessions < 1 || f.maxSessions > maxMaxSessions {
		return &usageError{cmd, fmt.Errorf("--max-sessions wants 1 to %d sessions, got %d", maxMaxSessions, f.maxSessions)}
	}
	if f.restartDelay <= 0 {
		return &usageError{cmd, fmt.Errorf("--restart-delay wants a positive duration, got %s", f.restartDelay)}
	}
	if err := f.authn.check(); err != nil {
		return &usageError{cmd, err}
	}
	if _, err := cli.ProtocolVersion(target.Era); err != nil {
		return &usageError{cmd, err}
	}
	target.Args = words
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	router, err := newStdioRouter(ctx, target, logger, cmd.ErrOrStderr(), f.pool, f.restartDelay, f.maxSessions)
	if err != nil {
		return err
	}
	defer router.Close()
	wrap, stopAuth, err := f.authn.protect(ctx, f.addr, "mcpkit bridge", cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer stopAuth()

	policy := httpx.Policy{AllowedHosts: f.allowedHosts, AllowAnyHost: f.anyHost, AllowedOrigins: f.allowOrigins}
	modern := streamable.NewHandler(router, &streamable.Options{AllowedHosts: f.allowedHosts, AllowAnyHost: f.anyHost, AllowedOrigins: f.allowOrigins,
		MaxSessions: f.maxSessions})
	legacy := sse.NewHandler(router, &sse.Options{MessagesPath: "/messages", Policy: policy, MaxSessions: f.maxSessions})
	endpoints := http.NewServeMux()
	endpoints.Handle("/mcp", modern)
	endpoints.Handle("/sse", legacy.SSE())
	endpoints.Handle("/messages", legacy.Messages())
	var mcpHandler http.Handler = endpoints
	if wrap != nil {
		mcpHandler = wrap(endpoints) // the protected-resource metadata, and a token required on the rest
	}
	// The probes: live while the process runs; ready while a shared child answers a ping and no drain began.
	hl := health.New(&health.Options{Logger: logger, Draining: modern.Draining,
		Checks: []health.Check{{Name: "stdio-server", Func: router.pool.ping}}})
	hl.DrainOn(ctx)
	mux := http.NewServeMux()
	mux.Handle("/healthz", hl.Liveness())
	mux.Handle("/readyz", hl.Readiness())
	mux.Handle("/", mcpHandler)

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
