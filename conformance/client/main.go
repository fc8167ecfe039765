package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// The environment the conformance suite sets for the client under test.
const (
	envScenario = "MCP_CONFORMANCE_SCENARIO"
	envVersion  = "MCP_CONFORMANCE_PROTOCOL_VERSION"
	envContext  = "MCP_CONFORMANCE_CONTEXT"
)

// runTimeout bounds one scenario; the suite kills the client after 30 s.
const runTimeout = 25 * time.Second

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	err := run(ctx, os.Args[1:], os.Getenv, log)
	cancel()
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance client:", err)
		os.Exit(1)
	}
}

// errUsage marks errors in how the command was called (as opposed to a scenario that failed).
var errUsage = errors.New("usage: MCP_CONFORMANCE_SCENARIO=NAME [MCP_CONFORMANCE_PROTOCOL_VERSION=V] client [ARGS...] URL")

// run reads the scenario from getenv and plays it against the server URL, the last of args.
func run(ctx context.Context, args []string, getenv func(string) string, log *slog.Logger) error {
	if len(args) == 0 {
		return fmt.Errorf("no server URL given: %w", errUsage)
	}
	name := getenv(envScenario)
	if name == "" {
		return fmt.Errorf("%s is not set: %w", envScenario, errUsage)
	}
	play, ok := scenarios[name]
	if !ok {
		return fmt.Errorf("unknown scenario %q (this client knows: %s)", name, strings.Join(scenarioNames(), ", "))
	}
	e := &env{
		url:      args[len(args)-1],
		scenario: name,
		version:  getenv(envVersion),
		log:      log,
	}
	if e.version != "" && !mcp.IsSupported(e.version) {
		return fmt.Errorf("%s=%q is not a protocol version mcpkit speaks (%v)", envVersion, e.version, mcp.SupportedVersions)
	}
	if raw := getenv(envContext); raw != "" {
		v := jsontext.Value(raw)
		if !v.IsValid() {
			return fmt.Errorf("%s is not valid JSON", envContext)
		}
		e.context = v
	}
	log.Info("conformance scenario", "name", name, "version", e.version, "url", e.url)
	if err := play(ctx, e); err != nil {
		return fmt.Errorf("scenario %s: %w", name, err)
	}
	return nil
}

// env is what a scenario knows: the server, the pinned version and the suite's context data.
type env struct {
	url        string
	scenario   string
	version    string            // empty negotiates
	context    jsontext.Value    // MCP_CONFORMANCE_CONTEXT, nil when unset
	httpClient *http.Client      // for the transport; nil uses the default (set by authFlow)
	dpopKey    *ecdsa.PrivateKey // set by authDPoP
	log        *slog.Logger
}

// connect opens a session to the scenario's server over Streamable HTTP with the pinned protocol version
// and fixtureOptions.
func (e *env) connect(ctx context.Context) (*client.Session, error) {
	o := fixtureOptions()
	o.ProtocolVersion = e.version
	o.ClientInfo = mcp.Implementation{Name: "mcpkit-conformance-client", Version: "0.1.0"}
	o.Logger = e.log
	t, err := streamable.NewClient(e.url, &streamable.ClientOptions{Logger: e.log, HTTPClient: e.httpClient})
	if err != nil {
		return nil, fmt.Errorf("streamable HTTP client for %s: %w", e.url, err)
	}
	s, err := client.Connect(ctx, t, o)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	e.log.Info("connected", "era", s.Era(), "version", s.ProtocolVersion(), "server", s.ServerInfo().Name)
	return s, nil
}

// close ends s. A failure to close is logged, not returned: no scenario scores it.
func (e *env) close(s *client.Session) {
	if err := s.Close(); err != nil && !errors.Is(err, io.EOF) {
		e.log.Warn("closing the session", "err", err)
	}
}
