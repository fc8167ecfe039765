package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/internal/cli"
	"github.com/mcpkit/mcpkit/internal/hostconfig"
)

// gatewayFlags are the flags of `mcpkit gateway` that shape its configuration.
type gatewayFlags struct {
	config    string
	servers   []string
	separator string
	timeout   time.Duration
}

// gatewayMember is a server entry's optional "gateway" member (docs/GATEWAY.md).
type gatewayMember struct {
	// Name replaces the entry's key as the upstream's name (its prefix), e.g. for a key that is not
	// scheme-safe ("my_server").
	Name string `json:"name,omitzero"`
	// Timeout bounds each request to this upstream ("5s"; overrides --timeout).
	Timeout string `json:"timeout,omitzero"`
	// Allow and Deny filter its tools with glob patterns.
	Allow []string `json:"allow,omitzero"`
	Deny  []string `json:"deny,omitzero"`
	// ProtocolEra pins the gateway's side of the upstream: legacy, modern or auto (default).
	ProtocolEra string `json:"protocolEra,omitzero"`
	// Disabled leaves the entry out.
	Disabled bool `json:"disabled,omitzero"`
}

// loadGatewayConfig reads the config file and builds the gateway's configuration: every server of the
// file (or those f.servers names), each reached as the client verbs reach a target, child stderr to stderr.
func loadGatewayConfig(ctx context.Context, f *gatewayFlags, stderr io.Writer) (gateway.Config, error) {
	cfg := gateway.Config{Separator: f.separator}
	file, err := hostconfig.Load(f.config, hostconfig.LoadOptions{})
	if err != nil {
		return cfg, fmt.Errorf("--config: %w", err)
	}
	names := file.Names()
	if len(f.servers) > 0 {
		for _, n := range f.servers {
			if !slices.Contains(names, n) {
				return cfg, fmt.Errorf("--server %q: %s has no such server; it has: %s", n, f.config, strings.Join(names, ", "))
			}
		}
		names = f.servers
	}
	for _, name := range names {
		s, err := file.Resolve(ctx, name, hostconfig.ResolveOptions{})
		if err != nil {
			return cfg, err
		}
		var m gatewayMember
		if len(s.Gateway) > 0 {
			if err := json.Unmarshal(s.Gateway, &m, json.RejectUnknownMembers(true)); err != nil {
				return cfg, fmt.Errorf("%s: server %q: \"gateway\": %w (members: name, timeout, allow, deny, protocolEra, disabled)", f.config, name, err)
			}
		}
		if m.Disabled {
			continue
		}
		u, err := gatewayUpstream(s, &m, f.timeout, stderr)
		if err != nil {
			return cfg, fmt.Errorf("%s: server %q: %w", f.config, name, err)
		}
		cfg.Upstreams = append(cfg.Upstreams, u)
	}
	if len(cfg.Upstreams) == 0 {
		return cfg, fmt.Errorf("%s: no server to serve", f.config)
	}
	return cfg, cfg.Validate()
}

// gatewayUpstream makes the gateway.Upstream of one resolved server entry.
func gatewayUpstream(s *hostconfig.Server, m *gatewayMember, timeout time.Duration, stderr io.Writer) (gateway.Upstream, error) {
	u := gateway.Upstream{Name: s.Name, Timeout: timeout, Allow: m.Allow, Deny: m.Deny}
	if m.Name != "" {
		u.Name = m.Name
	}
	if m.Timeout != "" {
		d, err := time.ParseDuration(m.Timeout)
		if err != nil || d < 0 {
			return u, fmt.Errorf("\"gateway\".\"timeout\": want a duration such as \"5s\", got %q", m.Timeout)
		}
		u.Timeout = d
	}
	if _, err := cli.ProtocolVersion(m.ProtocolEra); err != nil {
		return u, fmt.Errorf("\"gateway\".\"protocolEra\": want legacy, auto or modern, got %q", m.ProtocolEra)
	}
	t := cli.ServerTarget(s)
	t.Era, t.Stderr, t.HTTPTransport = m.ProtocolEra, stderr, upstreamTransport()
	fp, err := json.Marshal(struct {
		S   *hostconfig.Server
		Era string
	}{s, m.ProtocolEra})
	if err != nil {
		return u, err
	}
	u.Fingerprint = string(fp)
	u.Dial = func(ctx context.Context, opts client.Options) (*client.Session, error) {
		tt := *t
		conn, err := cli.Connect(ctx, &tt, opts)
		if err != nil {
			return nil, err
		}
		return conn.Session, nil
	}
	return u, nil
}

// watchGatewayConfig reloads the configuration when reload is signalled (SIGHUP) or the file's
// modification time or size changes and then stays for one poll (checked every poll), until ctx ends. A configuration that does not
// load or validate is reported on stderr and the running one kept.
func watchGatewayConfig(ctx context.Context, g *gateway.Gateway, f *gatewayFlags, reload <-chan os.Signal, poll time.Duration, stderr io.Writer) {
	stamp := func() string {
		st, err := os.Stat(f.config)
		if err != nil {
			return "missing"
		}
		return fmt.Sprint(st.ModTime().UnixNano(), st.Size())
	}
	// A change is taken once the file has kept it for a whole poll: an editor or a program that writes the
	// file in several steps (truncate, then write) is not read half-way and reported as an invalid file.
	last := stamp()
	pending := last
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		why := ""
		select {
		case <-ctx.Done():
			return
		case <-reload:
			why = "SIGHUP"
		case <-tick.C:
			s := stamp()
			if s != last && s == pending {
				why = "the file changed"
			}
			pending = s
		}
		if why == "" {
			continue
		}
		last = stamp()
		pending = last
		cfg, err := loadGatewayConfig(ctx, f, stderr)
		if err == nil {
			err = g.Apply(ctx, cfg)
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(stderr, "mcpkit gateway: reload (%s) refused, keeping the running configuration: %v\n", why, err)
			continue
		}
		fmt.Fprintf(stderr, "mcpkit gateway: reloaded %s (%s): %d upstreams\n", f.config, why, len(cfg.Upstreams))
	}
}

// upstreamTransport is the HTTP transport of the gateway's URL upstreams, one for the process: the default
// one keeps 2 idle connections per host, so with more calls in flight to an upstream every call beyond two
// opened a connection and closed it after (BenchmarkGateway's callers=8 cases: ~20% more CPU per call
// through the gateway, and sockets left in TIME_WAIT).
var upstreamTransport = sync.OnceValue(func() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 0, 256
	return tr
})
