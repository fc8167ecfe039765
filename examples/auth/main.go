// Command auth is the resource server of the MCP book's chapter 11 written with mcpkit: three tools with
// per-tool scopes (get_user needs User.Read, update_user User.Write, list_audit_log Admin.Read), protected
// in one of three ways:
//
//   - --mode apikey: API keys in the X-API-Key header, each naming a principal and its scopes. Simple and
//     outside OAuth (no metadata, no token expiry, no audience).
//   - --mode jwt: JWT access tokens of one issuer, checked against its key set (--jwks, a URL or a file),
//     audience this server (RFC 8707).
//   - --mode oauth: the full OAuth 2.1 resource server: protected-resource metadata (RFC 9728) naming the
//     authorization server, whose key set is discovered from its RFC 8414 metadata; --dev-auth starts
//     mcpkit's development authorization server in-process (auto-approving) for a one-command try.
//
// See README.md in this directory.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"

	"github.com/mcpkit/mcpkit/server"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "address to serve on")
	flag.StringVar(&cfg.mode, "mode", "oauth", "apikey, jwt or oauth")
	flag.StringVar(&cfg.issuer, "issuer", "", "jwt and oauth modes: the authorization server's issuer identifier")
	flag.StringVar(&cfg.jwks, "jwks", "", "jwt mode: the issuer's JSON Web Key Set, a URL or a file")
	flag.StringVar(&cfg.audience, "audience", "", "jwt and oauth modes: this server's resource URI (default http://ADDR/mcp)")
	flag.BoolVar(&cfg.devAuth, "dev-auth", false, "oauth mode: start the development authorization server (AUTO-APPROVES; for trying only)")
	flag.BoolVar(&cfg.hide, "hide-forbidden", true, "leave out of tools/list the tools the caller's token may not call")
	flag.Parse()
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "auth example:", err)
		os.Exit(1)
	}
}

func run(cfg config) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ex, err := setup(ctx, cfg)
	if err != nil {
		return err
	}
	defer ex.close()
	if ex.warning != "" {
		slog.Warn(ex.warning)
	}
	for _, line := range ex.notes {
		slog.Info(line)
	}
	return ex.srv.ListenAndServeContext(ctx, cfg.addr, &server.HTTPOptions{Authenticate: ex.wrap})
}
