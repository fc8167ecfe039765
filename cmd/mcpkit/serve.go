package main

import (
	"context"
	"fmt"
	"log/slog"
	neturl "net/url"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store/redis"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

func newServe() *cobra.Command {
	var (
		useStdio     bool
		addr         string
		allowedHosts []string
		allowOrigins []string
		anyHost      bool
		redisURL     string
		leaseTTL     time.Duration
		sseRetry     time.Duration
		drainTimeout time.Duration
		authn        authFlags
		ops          opsFlags
		otelf        otelFlags
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the demo server (tools add, multiply, echo, count_slowly, create_product, book_trip, and for trying several nodes wait, list_roots, notify_change; resources greeting://{name}, command://ping; prompt review_code)",
		Long: "Serve the demo server over Streamable HTTP (both protocol eras on one endpoint, /mcp) or, with --stdio,\n" +
			"over stdin/stdout. Logs go to stderr.\n\n" +
			"Bound to anything but loopback, it answers only the Host names given with --allowed-host (against DNS\n" +
			"rebinding), or any Host with --any-host when a proxy in front checks Host.\n\n" +
			"With --auth-issuer, the endpoints are an OAuth 2.1 resource server: JWT access tokens of that issuer\n" +
			"for this resource (--auth-audience) only, its protected-resource metadata at\n" +
			"/.well-known/oauth-protected-resource, every request needing --auth-scope (docs/AUTH.md). --dev-auth\n" +
			"does the same with a development authorization server it starts on its own loopback port, which\n" +
			"auto-approves every request (a warning says so at start).\n\n" +
			"With --redis, legacy sessions, their stream events, the key ring that seals 2026-07-28 requestState\n" +
			"and tasks live in Redis, so several nodes on one Redis serve each other's sessions and tasks, and\n" +
			"change notifications (resources/updated, list_changed) reach the clients of every node\n" +
			"(docs/SCALING.md).\n\n" +
			"SIGTERM drains the node: new requests get 503 with Retry-After, open streams end with a retry hint\n" +
			"(clients reconnect, through the balancer, to another node), running calls finish (--drain-timeout),\n" +
			"then it exits 0.\n\n" +
			"/healthz (liveness) and /readyz (readiness: Redis answers, no drain begun) are always served beside\n" +
			"/mcp; --metrics adds Prometheus metrics at /metrics; --rate-limit RPS[:BURST] limits each caller\n" +
			"(docs/OPERATIONS.md).",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
			if useStdio && redisURL != "" {
				return &usageError{cmd, fmt.Errorf("--redis and --stdio exclude each other: a stdio server has one client and no shared state")}
			}
			if err := checkHostFlags(addr, allowedHosts, anyHost); err != nil && !useStdio {
				return err
			}
			if err := authn.check(); err != nil {
				return &usageError{cmd, err}
			}
			if err := ops.check(useStdio); err != nil {
				return &usageError{cmd, err}
			}
			if useStdio && authn.on() {
				return &usageError{cmd, fmt.Errorf("--auth-issuer and --dev-auth protect HTTP endpoints: a stdio server takes its credentials from its environment")}
			}
			opts := &server.HTTPOptions{}
			var sopts server.Options
			if err := ops.setup(); err != nil {
				return err
			}
			var rst *redis.Store
			sopts.Tasks.LeaseTTL = leaseTTL // a task whose node died reads failed after about this long
			if redisURL != "" {
				st, err := openRedis(cmd.Context(), redisURL)
				if err != nil {
					return err
				}
				defer st.Close()
				rst = st
				sopts.KeyRing = st.Keys
				sopts.Bus = st.Bus // resources/updated and list_changed reach every node's clients
				opts.Streamable.Sessions = st.Sessions
				opts.Streamable.Events = st.Events
				opts.Streamable.Bus = st.Bus // answers, cancellations, state changes and DELETE reach the node concerned
				opts.SSEBus = st.Bus         // /messages POSTs reach the node holding their /sse stream
				sopts.Tasks.Store = st.Tasks // a task started on one node is polled, answered and cancelled on any
			}
			ops.stores(&sopts, opts)
			tr, err := otelf.start(cmd.Context(), useStdio)
			if err != nil {
				return err
			}
			defer tr.stop() // after the server closes (defers run in reverse): its last spans are flushed
			tr.install(&sopts, opts)
			s := demo.NewWith(sopts)
			addCountSlowly(s)
			// wait, list_roots, notify_change: to try cancel, resume and changes across nodes
			demo.AddNodeTools(s)
			// process_files: a long-running call that runs as a task (poll and cancel it from any node)
			demo.AddTaskTools(s)
			// long-jobs: a skill (SEP-2640) telling an agent how to use process_files
			if err := demo.AddDemoSkills(s); err != nil {
				return err
			}
			defer s.Close() // before the store closes (defers run in reverse): stops the bus goroutines
			ops.instrument(s, useStdio)
			if useStdio {
				return s.ServeStdio(cmd.Context())
			}
			opts.Streamable.AllowedHosts = allowedHosts
			opts.Streamable.AllowAnyHost = anyHost
			opts.Streamable.AllowedOrigins = allowOrigins
			opts.Streamable.LeaseTTL = leaseTTL
			opts.Streamable.RetryMs = int(sseRetry.Milliseconds())
			opts.ShutdownTimeout = drainTimeout
			ops.http(cmd.Context(), opts, rst)
			if ops.m != nil {
				authn.onRefuse = ops.m.AuthRefused
			}
			wrap, stopAuth, err := authn.protect(cmd.Context(), addr, "mcpkit serve", cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer stopAuth()
			opts.Authenticate = wrap
			return s.ListenAndServeContext(cmd.Context(), addr, opts)
		},
	}
	cmd.Flags().BoolVar(&useStdio, "stdio", false, "serve over stdin/stdout instead of HTTP")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8000", "HTTP listen address")
	cmd.Flags().StringSliceVar(&allowedHosts, "allowed-host", nil, "a Host header value to accept, host or host:port (repeatable; required when --addr is not loopback, unless --any-host)")
	cmd.Flags().BoolVar(&anyHost, "any-host", false, "accept any Host header: only behind a proxy that checks Host itself")
	cmd.Flags().StringSliceVar(&allowOrigins, "allowed-origin", nil, "browser Origins to accept besides loopback ones")
	cmd.Flags().DurationVar(&leaseTTL, "lease-ttl", 0, "how long a node's lease in the store outlives it: a client resuming a streaming request on another node, or polling a task, learns that the node died within about this long (default 15s)")
	cmd.Flags().DurationVar(&sseRetry, "sse-retry", 0, "the reconnection delay suggested to clients on resumable SSE streams (default 1s)")
	cmd.Flags().DurationVar(&drainTimeout, "drain-timeout", 10*time.Second, "on SIGTERM or interrupt: new requests get 503 with Retry-After, open streams end with a retry hint, and running calls have this long to finish before the server stops")
	authn.register(cmd)
	ops.register(cmd)
	otelf.register(cmd)
	cmd.Flags().StringVar(&redisURL, "redis", "", "keep sessions, stream events, the requestState key ring and tasks in the Redis at this URL (redis://[user:password@]host:port/db, rediss:// for TLS), shared by every node given the same URL")
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

// redisPingTimeout bounds the check that Redis answers when serve starts.
const redisPingTimeout = 5 * time.Second

// openRedis opens the Redis stores at url and checks that Redis answers, so a wrong URL or an unreachable
// Redis stops serve at once instead of failing every request.
func openRedis(ctx context.Context, url string) (*redis.Store, error) {
	shown := url // errors name the URL without its password
	if u, err := neturl.Parse(url); err == nil {
		shown = u.Redacted()
	}
	st, err := redis.Open(url, redis.Options{})
	if err != nil {
		return nil, fmt.Errorf("--redis %s: %w", shown, err)
	}
	pctx, cancel := context.WithTimeout(ctx, redisPingTimeout)
	defer cancel()
	if err := st.Ping(pctx); err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("--redis %s: Redis does not answer: %w", shown, err)
	}
	return st, nil
}
