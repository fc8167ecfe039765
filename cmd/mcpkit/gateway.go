package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/health"
	"github.com/mcpkit/mcpkit/otelmcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store/redis"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// gatewayServeFlags are the flags of `mcpkit gateway` about serving.
type gatewayServeFlags struct {
	addr         string
	allowedHosts []string
	anyHost      bool
	allowOrigins []string
	redisURL     string
	drainTimeout time.Duration
	poll         time.Duration
	pingInterval time.Duration
	ops          opsFlags  // --metrics, --rate-limit: as serve's
	otel         otelFlags // --otel: as serve's, and the upstream sessions traced too
}

func newGateway() *cobra.Command {
	var (
		f  gatewayFlags
		sf gatewayServeFlags
	)
	cmd := &cobra.Command{
		Use:   "gateway --config FILE [--server NAME]… --addr HOST:PORT",
		Short: "Serve several MCP servers of a host config file behind one endpoint",
		Long: "Serve, on --addr, the servers of a host config file (Claude Desktop's mcpServers, VS Code's servers)\n" +
			"behind one MCP endpoint: /mcp (Streamable HTTP, both eras) and /sse + /messages (HTTP+SSE). Tools and\n" +
			"prompts are named NAME" + gateway.DefaultSeparator + "entry (--separator), resource URIs and templates NAME+scheme:…;\n" +
			"calls, reads, completions and subscriptions go to the owner, and an upstream's questions (elicitation,\n" +
			"sampling, roots) to the client. An upstream that fails or goes away loses its entries (list_changed)\n" +
			"and is reconnected with backoff; the others keep working. A server entry's optional \"gateway\" member\n" +
			"sets name, timeout, allow, deny, protocolEra or disabled for it (docs/GATEWAY.md).\n\n" +
			"SIGHUP, or a change of the file (checked every --poll), reloads it: new servers are connected, removed\n" +
			"ones closed, changed ones restarted, the others untouched; a file that does not load is reported and\n" +
			"the running configuration kept. /healthz answers while the process runs; /readyz is 200 once the\n" +
			"configuration is loaded and no drain began, and lists each upstream's state. With --redis, legacy\n" +
			"sessions, stream events and change notifications are shared by every node on that Redis, as with\n" +
			"`mcpkit serve --redis` (each node holds its own upstream connections). SIGTERM drains and exits 0.\n\n" +
			"--metrics, --rate-limit and --otel are serve's (docs/OPERATIONS.md); --otel traces the upstream\n" +
			"sessions too, so that a client's trace goes through the gateway to the upstream servers.",
		Example: "  mcpkit gateway --config ~/.cursor/mcp.json --addr 127.0.0.1:8000\n" +
			"  mcpkit gateway --config mcp.json --server github --server files --separator . --timeout 30s",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.config == "" {
				return &usageError{cmd, fmt.Errorf("--config FILE is required: the host config file whose servers to serve")}
			}
			if err := checkHostFlags(sf.addr, sf.allowedHosts, sf.anyHost); err != nil {
				return &usageError{cmd, err}
			}
			if f.timeout < 0 || sf.poll <= 0 || sf.pingInterval <= 0 {
				return &usageError{cmd, fmt.Errorf("--timeout must not be negative, --poll and --ping-interval must be positive")}
			}
			if err := sf.ops.check(false); err != nil {
				return &usageError{cmd, err}
			}
			return runGateway(cmd.Context(), cmd, &f, &sf, nil)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.config, "config", "", "the host config file (mcpServers or VS Code servers format)")
	fs.StringSliceVar(&f.servers, "server", nil, "serve only this server of the file (repeatable; default all)")
	fs.StringVar(&f.separator, "separator", "", "joins a server's name and a tool's or prompt's name (default \""+gateway.DefaultSeparator+"\"; characters A-Z a-z 0-9 _ - .)")
	fs.DurationVar(&f.timeout, "timeout", 0, "bound each request to an upstream (0: none); a server's \"gateway\".\"timeout\" overrides it")
	fs.StringVar(&sf.addr, "addr", "127.0.0.1:8000", "HTTP listen address")
	fs.StringSliceVar(&sf.allowedHosts, "allowed-host", nil, "a Host header value to accept, host or host:port (repeatable; required when --addr is not loopback, unless --any-host)")
	fs.BoolVar(&sf.anyHost, "any-host", false, "accept any Host header: only behind a proxy that checks Host itself")
	fs.StringSliceVar(&sf.allowOrigins, "allowed-origin", nil, "browser Origins to accept besides loopback ones")
	fs.StringVar(&sf.redisURL, "redis", "", "keep the downstream sessions, stream events and the requestState key ring in the Redis at this URL, shared by every gateway node given it")
	fs.DurationVar(&sf.drainTimeout, "drain-timeout", 10*time.Second, "on SIGTERM or interrupt: how long running calls have to finish")
	fs.DurationVar(&sf.poll, "poll", 2*time.Second, "how often the config file's modification time is checked for a reload")
	fs.DurationVar(&sf.pingInterval, "ping-interval", 15*time.Second, "how often each upstream is pinged (a failed ping counts it lost)")
	sf.ops.register(cmd)
	sf.otel.register(cmd)
	return cmd
}

// runGateway loads the configuration, connects the upstreams and serves until ctx ends (then drains). ready,
// when not nil, gets the listening address.
func runGateway(ctx context.Context, cmd *cobra.Command, f *gatewayFlags, sf *gatewayServeFlags, ready func(addr string)) error {
	stderr := cmd.ErrOrStderr()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// SIGHUP is caught from the start: its default action ends the process, and the first connections
	// (Apply) may take up to the connect timeout. One that comes before the watcher runs reloads then.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	cfg, err := loadGatewayConfig(ctx, f, stderr)
	if err != nil {
		return err
	}
	var sopts server.Options
	sopts.Logger = logger
	hopts := &server.HTTPOptions{ShutdownTimeout: sf.drainTimeout}
	if err := sf.ops.setup(); err != nil {
		return err
	}
	var checks []health.Check
	if sf.redisURL != "" {
		st, err := openRedis(ctx, sf.redisURL)
		if err != nil {
			return err
		}
		defer st.Close()
		useRedis(st, &sopts, hopts)
		checks = append(checks, health.Ping("redis", st))
	}
	sf.ops.stores(&sopts, hopts)
	gopts := &gateway.Options{Logger: logger, PingInterval: sf.pingInterval}
	tr, err := sf.otel.start(ctx, false)
	if err != nil {
		return err
	}
	defer tr.stop() // after the gateway closes (defers run in reverse): its last spans are flushed
	// The downstream server traced as serve's, and the upstream sessions: a trace crosses the gateway.
	tr.install(&sopts, hopts)
	if tr != nil {
		gopts.UpstreamMiddleware = []client.Middleware{otelmcp.ClientMiddleware(tr.opts)}
		gopts.UpstreamHandlerMiddleware = []client.HandlerMiddleware{otelmcp.ClientHandlerMiddleware(tr.opts)}
	}
	gopts.Server = sopts
	g := gateway.New("mcpkit-gateway", version(), gopts)
	defer g.Close()
	sf.ops.instrument(g.Server(), false)
	if err := g.Apply(ctx, cfg); err != nil {
		return err
	}
	for _, s := range g.Status() {
		fmt.Fprintf(stderr, "mcpkit gateway: upstream %s: %s %s\n", s.Name, s.State, s.Error)
	}

	wctx, stopWatch := context.WithCancel(ctx)
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		watchGatewayConfig(wctx, g, f, hup, sf.poll, stderr)
	}()
	defer func() {
		stopWatch()
		<-watchDone
	}()

	var mcpHandler *streamable.Handler
	hl := health.New(&health.Options{Checks: checks, Logger: logger, Draining: func() bool { return mcpHandler != nil && mcpHandler.Draining() }})
	stopDrain := hl.DrainOn(ctx)
	defer stopDrain()
	hopts.Handlers = func(m *streamable.Handler, _ *sse.Handler) { mcpHandler = m }
	hopts.Streamable.AllowedHosts = sf.allowedHosts
	hopts.Streamable.AllowAnyHost = sf.anyHost
	hopts.Streamable.AllowedOrigins = sf.allowOrigins
	hopts.Routes = map[string]http.Handler{
		"/healthz": hl.Liveness(),
		"/readyz":  gatewayReadiness(hl, g),
	}
	sf.ops.wire(hopts)
	addr, err := listenAddr(sf.addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "mcpkit gateway: serving %d upstreams on http://%s/mcp (both eras) and http://%s/sse\n", len(cfg.Upstreams), addr, addr)
	if ready != nil {
		ready(addr)
	}
	return g.Server().ListenAndServeContext(ctx, addr, hopts)
}

// useRedis puts the downstream server's shared state in st, as `mcpkit serve --redis` does.
func useRedis(st *redis.Store, sopts *server.Options, hopts *server.HTTPOptions) {
	sopts.KeyRing = st.Keys
	sopts.Bus = st.Bus
	hopts.Streamable.Sessions = st.Sessions
	hopts.Streamable.Events = st.Events
	hopts.Streamable.Bus = st.Bus
	hopts.SSEBus = st.Bus
	sopts.Tasks.Store = st.Tasks
}

// gatewayReadiness answers /readyz: health's verdict (drain, Redis), with each upstream's state in the body.
// An upstream that is down does not make the gateway unready: its entries are gone, the others serve.
func gatewayReadiness(hl *health.Health, g *gateway.Gateway) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, `{"status":"method not allowed"}`, http.StatusMethodNotAllowed)
			return
		}
		ok, failed := hl.Ready(r.Context())
		body := struct {
			Status    string                   `json:"status"`
			Failed    []string                 `json:"failed,omitzero"`
			Upstreams []gateway.UpstreamStatus `json:"upstreams"`
		}{Status: "ready", Failed: failed, Upstreams: g.Status()}
		code := http.StatusOK
		switch {
		case hl.Draining():
			body.Status, code = "draining", http.StatusServiceUnavailable
		case !ok:
			body.Status, code = "unavailable", http.StatusServiceUnavailable
		}
		b, _ := json.Marshal(body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if code != http.StatusOK {
			w.Header().Set("Retry-After", "5")
		}
		w.WriteHeader(code)
		_, _ = w.Write(append(b, '\n'))
	})
}

// listenAddr returns addr, with port 0 replaced by a port free now (so that the address can be printed
// and given to tests before the server listens on it).
func listenAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--addr %q: %w", addr, err)
	}
	if port != "0" {
		return addr, nil
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("--addr %s: %w", addr, err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
