package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/auth/authserver"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// config is what the flags say.
type config struct {
	addr, mode, issuer, jwks, audience string
	devAuth, hide                      bool
	// jwtCacheTTL is JWTOptions.CacheTTL (0: the default; negative: no result cache). For the benchmark.
	jwtCacheTTL time.Duration
	// none serves without authentication (the benchmark's baseline).
	none bool
}

// example is a configured server: the MCP server, the wrapper of its endpoints (the authentication of the
// mode, and the protected-resource metadata where there is one) and what to tell the user at start.
type example struct {
	srv      *server.Server
	wrap     func(http.Handler) http.Handler
	resource string
	as       *authserver.Server // --dev-auth's, nil otherwise
	notes    []string           // logged at start
	warning  string             // logged at start as a warning (--dev-auth)
}

// close stops the development authorization server, if any.
func (e *example) close() {
	if e.as != nil {
		_ = e.as.Close()
	}
}

// handler is what ListenAndServe serves at /mcp, wrapped: for tests and benchmarks.
func (e *example) handler() (http.Handler, func()) {
	h := e.srv.Handler(&streamable.Options{})
	mux := http.NewServeMux()
	mux.Handle("/mcp", h)
	var root http.Handler = mux
	if e.wrap != nil {
		root = e.wrap(mux)
	}
	return root, func() { _ = h.Close(context.Background()) }
}

// apiKeys are the demo keys of apikey mode, each a principal with its scopes.
var apiKeys = map[string]auth.Principal{
	"reader-key": {Subject: "alice", Scopes: []string{scopeUserRead}},
	"writer-key": {Subject: "bob", Scopes: []string{scopeUserRead, scopeUserWrite}},
	"admin-key":  {Subject: "carol", Scopes: []string{scopeUserRead, scopeAdminRead}},
}

// setup builds the server of cfg.
func setup(ctx context.Context, cfg config) (*example, error) {
	ex := &example{srv: newServer(cfg.hide)}
	if cfg.none {
		return ex, nil
	}
	switch cfg.mode {
	case "apikey":
		if cfg.issuer != "" || cfg.jwks != "" || cfg.devAuth {
			return nil, errors.New("--mode apikey takes none of --issuer, --jwks, --dev-auth")
		}
		keys := auth.NewStaticTokens(apiKeys)
		ex.wrap = func(next http.Handler) http.Handler {
			return auth.APIKeyMiddleware(next, auth.APIKeyOptions{Keys: keys})
		}
		ex.notes = append(ex.notes, "apikey mode (outside OAuth): send X-API-Key: reader-key (User.Read), writer-key (User.Read User.Write) or admin-key (User.Read Admin.Read)")
		return ex, nil
	case "jwt", "oauth":
	default:
		return nil, fmt.Errorf("--mode %q: want apikey, jwt or oauth", cfg.mode)
	}
	resource := cfg.audience
	if resource == "" {
		resource = "http://" + cfg.addr + "/mcp"
	}
	resource, err := auth.CanonicalResourceURI(resource)
	if err != nil {
		return nil, fmt.Errorf("--audience: %w", err)
	}
	ex.resource = resource
	jo := auth.JWTOptions{Issuer: cfg.issuer, Audience: resource, CacheTTL: cfg.jwtCacheTTL}
	switch {
	case cfg.mode == "jwt":
		if cfg.issuer == "" || cfg.jwks == "" || cfg.devAuth {
			return nil, errors.New("--mode jwt needs --issuer and --jwks (a URL or a file), and not --dev-auth")
		}
		if strings.HasPrefix(cfg.jwks, "http://") || strings.HasPrefix(cfg.jwks, "https://") {
			jo.JWKSURL = cfg.jwks
		} else if jo.JWKS, err = os.ReadFile(cfg.jwks); err != nil {
			return nil, fmt.Errorf("--jwks: %w", err)
		}
	case cfg.devAuth:
		if cfg.issuer != "" || cfg.jwks != "" {
			return nil, errors.New("--dev-auth starts its own authorization server: not with --issuer or --jwks")
		}
		as, err := authserver.Listen("127.0.0.1:0", authserver.Options{AutoApprove: true, Resources: []string{resource}})
		if err != nil {
			return nil, fmt.Errorf("--dev-auth: %w", err)
		}
		ex.as = as
		jo.Issuer = as.Issuer()
		ex.warning = "--dev-auth: the development authorization server at " + as.Issuer() +
			" AUTO-APPROVES every authorization request, for tokens of " + resource + " only. For trying things only."
		fallthrough
	default:
		if jo.Issuer == "" {
			return nil, errors.New("--mode oauth needs --issuer (or --dev-auth)")
		}
		if cfg.jwks != "" {
			return nil, errors.New("--mode oauth discovers the key set from the issuer's metadata: --jwks is for --mode jwt")
		}
		if jo.JWKSURL, err = discoverJWKS(ctx, jo.Issuer); err != nil {
			ex.close()
			return nil, err
		}
	}
	v, err := auth.NewJWTVerifier(jo)
	if err != nil {
		ex.close()
		return nil, err
	}
	md := auth.ProtectedResourceMetadata{
		Resource:             resource,
		AuthorizationServers: []string{jo.Issuer},
		ScopesSupported:      []string{scopeUserRead}, // the minimum; the rest by step-up
		ResourceName:         "users example (MCP book, chapter 11)",
	}
	if _, err := auth.WithMetadata(http.NotFoundHandler(), md); err != nil {
		ex.close()
		return nil, err
	}
	ex.wrap = func(next http.Handler) http.Handler {
		h, _ := auth.WithMetadata(auth.Middleware(next, auth.MiddlewareOptions{Verifier: v, Resource: resource}), md) // checked above
		return h
	}
	ex.notes = append(ex.notes, cfg.mode+" mode: bearer tokens of "+jo.Issuer+" for "+resource)
	return ex, nil
}

// discoverJWKS reads the jwks_uri of issuer's RFC 8414 metadata.
func discoverJWKS(ctx context.Context, issuer string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := strings.TrimSuffix(issuer, "/")
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.Index(u[i+3:], "/"); j >= 0 { // an issuer with a path: the well-known part goes first
			host, path := u[:i+3+j], u[i+3+j:]
			u = host + "/.well-known/oauth-authorization-server" + path
		} else {
			u += "/.well-known/oauth-authorization-server"
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("issuer metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("issuer metadata %s: %s", u, resp.Status)
	}
	var md struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&md); err != nil {
		return "", fmt.Errorf("issuer metadata %s: %w", u, err)
	}
	if md.Issuer != issuer || md.JWKSURI == "" {
		return "", fmt.Errorf("issuer metadata %s names issuer %q and jwks_uri %q", u, md.Issuer, md.JWKSURI)
	}
	return md.JWKSURI, nil
}
