package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/auth/authserver"
)

// authFlags are serve's flags protecting the demo as an OAuth 2.1 resource server.
type authFlags struct {
	issuer   string
	audience string
	jwks     string
	scopes   []string
	dev      bool // --dev-auth: start the development authorization server and trust it
	// onRefuse counts the requests the auth middleware refuses (--metrics); nil without.
	onRefuse func(r *http.Request, status int, reason string)
}

func (f *authFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.issuer, "auth-issuer", "", "protect the endpoints with OAuth: accept JWT access tokens issued by this authorization server (its issuer identifier; the JWKS is found in its RFC 8414 or OpenID metadata unless --auth-jwks names it)")
	cmd.Flags().StringVar(&f.audience, "auth-audience", "", "with --auth-issuer: this server's resource URI, which the tokens' aud must name and the protected-resource metadata announces (default http://ADDR/mcp)")
	cmd.Flags().StringVar(&f.jwks, "auth-jwks", "", "with --auth-issuer: the URL of the issuer's JSON Web Key Set (default: the jwks_uri of its metadata)")
	cmd.Flags().StringSliceVar(&f.scopes, "auth-scope", nil, "with --auth-issuer or --dev-auth: a scope every request needs (repeatable; named in the 401 challenge and the metadata's scopes_supported)")
	cmd.Flags().BoolVar(&f.dev, "dev-auth", false, "protect the endpoints with OAuth, issued by a development authorization server started on its own loopback port (named in the protected-resource metadata) that AUTO-APPROVES every request: a one-command try, never for production")
}

// on reports whether authentication was asked for.
func (f *authFlags) on() bool { return f.issuer != "" || f.dev }

// check refuses auth flags without --auth-issuer or --dev-auth, and both together.
func (f *authFlags) check() error {
	if f.dev && (f.issuer != "" || f.jwks != "") {
		return fmt.Errorf("--dev-auth starts its own authorization server: it excludes --auth-issuer and --auth-jwks")
	}
	if !f.on() && (f.audience != "" || f.jwks != "" || len(f.scopes) > 0) {
		return fmt.Errorf("--auth-audience, --auth-jwks and --auth-scope need --auth-issuer (or --dev-auth)")
	}
	return nil
}

// protect is what serve and bridge --stdio put in front of their MCP endpoints on addr: with --dev-auth
// it starts the development authorization server (stop closes it; who names the command in the
// warning), and with either flag it returns the wrapper of authenticate. Without auth flags wrap is nil.
func (f *authFlags) protect(ctx context.Context, addr, who string, warn io.Writer) (wrap func(http.Handler) http.Handler, stop func(), err error) {
	stop = func() {}
	if f.dev {
		as, err := f.startDev(addr, who, warn)
		if err != nil {
			return nil, stop, err
		}
		stop = func() { _ = as.Close() }
	}
	if !f.on() {
		return nil, stop, nil
	}
	if wrap, err = f.authenticate(ctx, addr); err != nil {
		stop()
		return nil, func() {}, err
	}
	return wrap, stop, nil
}

// names are the auth flags' names.
func (f *authFlags) names() []string {
	return []string{"auth-issuer", "auth-audience", "auth-jwks", "auth-scope", "dev-auth"}
}

// startDev starts the development authorization server on a free loopback port, auto-approving, for tokens
// whose audience is this server's resource, and makes it the issuer to trust. The caller closes it.
func (f *authFlags) startDev(addr, who string, warn io.Writer) (*authserver.Server, error) {
	resource := f.resource(addr)
	as, err := authserver.Listen("127.0.0.1:0", authserver.Options{AutoApprove: true, Resources: []string{resource}})
	if err != nil {
		return nil, fmt.Errorf("--dev-auth: %w", err)
	}
	f.issuer = as.Issuer()
	fmt.Fprintf(warn, "%s: WARNING: --dev-auth: the development authorization server at %s AUTO-APPROVES every "+
		"authorization request (anyone who reaches it gets tokens for %s). For trying things only.\n", who, f.issuer, resource)
	return as, nil
}

// resource is this server's resource URI: --auth-audience, or http://ADDR/mcp.
func (f *authFlags) resource(addr string) string {
	if f.audience != "" {
		return f.audience
	}
	return "http://" + addr + "/mcp"
}

// metadataTimeout bounds the fetch of the issuer's metadata at start.
const metadataTimeout = 10 * time.Second

// authenticate returns the wrapper of the MCP endpoints: the protected-resource metadata (RFC 9728) at its
// well-known URIs, and everything else behind auth.Middleware with a JWT verifier of the issuer's tokens.
func (f *authFlags) authenticate(ctx context.Context, addr string) (func(http.Handler) http.Handler, error) {
	resource, err := auth.CanonicalResourceURI(f.resource(addr))
	if err != nil {
		return nil, fmt.Errorf("--auth-audience: %w", err)
	}
	jwks := f.jwks
	if jwks == "" {
		if jwks, err = discoverJWKS(ctx, f.issuer); err != nil {
			return nil, fmt.Errorf("--auth-issuer %s: %w (or name the key set with --auth-jwks)", f.issuer, err)
		}
	}
	v, err := auth.NewJWTVerifier(auth.JWTOptions{Issuer: f.issuer, Audience: resource, JWKSURL: jwks})
	if err != nil {
		return nil, err
	}
	md := auth.ProtectedResourceMetadata{
		Resource:             resource,
		AuthorizationServers: []string{f.issuer},
		ScopesSupported:      f.scopes,
		ResourceName:         "mcpkit demo",
	}
	if _, err := auth.NewMetadataHandler(md); err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler {
		mux := http.NewServeMux()
		_ = auth.RegisterMetadata(mux, md) // checked above
		mux.Handle("/", auth.Middleware(next, auth.MiddlewareOptions{Verifier: v, Resource: resource, Scopes: f.scopes, OnRefuse: f.onRefuse}))
		return mux
	}, nil
}

// discoverJWKS reads the jwks_uri of an issuer's metadata: RFC 8414 first, then OpenID Connect discovery.
func discoverJWKS(ctx context.Context, issuer string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, metadataTimeout)
	defer cancel()
	base := strings.TrimSuffix(issuer, "/")
	var errs []string
	for _, u := range []string{wellKnown(issuer, "oauth-authorization-server"), base + "/.well-known/openid-configuration"} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return "", err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		var md struct {
			Issuer  string `json:"issuer"`
			JWKSURI string `json:"jwks_uri"`
		}
		err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&md)
		resp.Body.Close()
		switch {
		case resp.StatusCode != http.StatusOK:
			errs = append(errs, u+": "+resp.Status)
		case err != nil:
			errs = append(errs, u+": "+err.Error())
		case md.Issuer != issuer:
			errs = append(errs, fmt.Sprintf("%s names issuer %q", u, md.Issuer))
		case md.JWKSURI == "":
			errs = append(errs, u+" has no jwks_uri")
		default:
			return md.JWKSURI, nil
		}
	}
	return "", fmt.Errorf("no authorization server metadata with a jwks_uri: %s", strings.Join(errs, "; "))
}

// wellKnown is the RFC 8414 metadata URL of an issuer: the well-known segment goes between the host and
// the issuer's path.
func wellKnown(issuer, name string) string {
	scheme, rest, _ := strings.Cut(issuer, "://")
	host, path, _ := strings.Cut(rest, "/")
	path = strings.TrimSuffix(path, "/")
	u := scheme + "://" + host + "/.well-known/" + name
	if path != "" {
		u += "/" + path
	}
	return u
}
