package authserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Options configures a Server. The zero value of every field but Issuer is a usable default.
type Options struct {
	// Issuer is the server's issuer URL, exactly as it appears in metadata and tokens (no trailing slash,
	// no query). http is allowed (this is a development server). Required by New; Listen sets it from the
	// address it listens on when empty.
	Issuer string
	// AutoApprove skips the consent page: the authorization endpoint redirects at once with a code for
	// Subject. For tests and one-command demos only.
	AutoApprove bool
	// Subject is the user every authorization is made for. Default "dev-user".
	Subject string
	// Resources, when set, lists the only resources (RFC 8707) tokens may be requested for; any other is
	// refused with invalid_target. Empty: any absolute URL without fragment is accepted.
	Resources []string
	// Scopes, when set, lists the scopes clients may request (others are dropped from the grant, as OAuth
	// allows); offline_access is always allowed. Empty: any scope is granted.
	Scopes []string
	// Clients are registered at start (besides those registered with /register or by metadata document).
	Clients []Client
	// AccessTokenTTL is the lifetime of access tokens. Default 1 hour.
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is the lifetime of refresh tokens. Default 24 hours.
	RefreshTokenTTL time.Duration
	// KeyGrace is how long a key retired by RotateKey stays in the JWKS (and verifies introspected tokens).
	// Default AccessTokenTTL, so that every token it signed expires first.
	KeyGrace time.Duration
	// SigningAlgorithm is RS256 (the default) or ES256.
	SigningAlgorithm string
	// AllowHTTPClientMetadata also accepts client IDs that are http://127.0.0.1, http://[::1] or
	// http://localhost URLs as Client ID Metadata Documents (normally only https URLs are). For tests.
	AllowHTTPClientMetadata bool
	// MaxClients bounds the clients registered with /register. Default 1000.
	MaxClients int
	// Now is the clock (tests move it to expire tokens and keys). Default time.Now.
	Now func() time.Time
	// HTTPClient fetches Client ID Metadata Documents. Default: a client with a 5 s timeout that follows
	// no redirect.
	HTTPClient *http.Client
}

// Server is a development authorization server. Create it with New or Listen; it is safe for concurrent use.
type Server struct {
	opts     Options
	issuer   string
	provider *op.Provider
	handler  http.Handler
	st       *storage
	keys     *keyRing

	mu  sync.Mutex
	srv *http.Server
	ln  net.Listener
}

// TestClientID is the public client that New registers for (*Server).Token. Its only redirect URI is
// TestRedirectURI, which nothing listens on: Token reads the code from the redirect without following it.
const TestClientID = "mcpkit-test-client"

// TestRedirectURI is the redirect URI of TestClientID.
const TestRedirectURI = "http://127.0.0.1/mcpkit-test-callback"

// New returns a Server for opts. It does not listen: serve Handler() at Issuer(), or use Listen.
func New(opts Options) (*Server, error) {
	if err := validIssuer(opts.Issuer); err != nil {
		return nil, err
	}
	if opts.Subject == "" {
		opts.Subject = "dev-user"
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = time.Hour
	}
	if opts.RefreshTokenTTL <= 0 {
		opts.RefreshTokenTTL = 24 * time.Hour
	}
	if opts.KeyGrace <= 0 {
		opts.KeyGrace = opts.AccessTokenTTL
	}
	if opts.MaxClients <= 0 {
		opts.MaxClients = 1000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{
			Timeout:       5 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	alg := jose.RS256
	switch opts.SigningAlgorithm {
	case "", "RS256":
	case "ES256":
		alg = jose.ES256
	default:
		return nil, fmt.Errorf("authserver: signing algorithm %q is not supported (RS256 or ES256)", opts.SigningAlgorithm)
	}
	for _, r := range opts.Resources {
		if err := validResource(r); err != nil {
			return nil, fmt.Errorf("authserver: Options.Resources: %w", err)
		}
	}
	keys, err := newKeyRing(alg, opts.KeyGrace, opts.Now)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, issuer: opts.Issuer, keys: keys}
	s.st = newStorage(s)
	for _, c := range opts.Clients {
		if err := s.st.addClient(c); err != nil {
			return nil, err
		}
	}
	if err := s.st.addClient(Client{ID: TestClientID, RedirectURIs: []string{TestRedirectURI}}); err != nil {
		return nil, err
	}
	config := &op.Config{
		CodeMethodS256:        true,
		AuthMethodPost:        true,
		GrantTypeRefreshToken: true,
		SupportedScopes:       append([]string{"openid", "offline_access"}, opts.Scopes...),
	}
	s.provider, err = op.NewProvider(config, s.st, op.StaticIssuer(opts.Issuer),
		op.WithAllowInsecure(), op.WithCrypto(&tokenCodec{s: s}))
	if err != nil {
		return nil, fmt.Errorf("authserver: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/.well-known/oauth-authorization-server", openCORS("GET", s.serveMetadata))
	mux.Handle("/.well-known/openid-configuration", openCORS("GET", s.serveMetadata))
	mux.Handle("/register", openCORS("POST", s.serveRegister))
	mux.HandleFunc(consentPath, s.serveConsent)
	mux.Handle("/", s.intercept(s.provider))
	s.handler = mux
	return s, nil
}

// Listen starts a Server on addr ("127.0.0.1:0" when empty) and serves it until Close. With opts.Issuer
// empty, the issuer is http://ADDR of the listener.
func Listen(addr string, opts Options) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("authserver: %w", err)
	}
	if opts.Issuer == "" {
		opts.Issuer = "http://" + ln.Addr().String()
	}
	s, err := New(opts)
	if err != nil {
		ln.Close()
		return nil, err
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
	return s, nil
}

// Addr returns the address Listen listens on (nil for a Server made by New).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Close stops a Server started by Listen (its open connections too). It does nothing for one made by New.
func (s *Server) Close() error {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return srv.Close()
	}
	return nil
}

// Handler returns the server's HTTP handler, to be served at Issuer().
func (s *Server) Handler() http.Handler { return s.handler }

// Issuer returns the issuer URL.
func (s *Server) Issuer() string { return s.issuer }

// RotateKey makes a new signing key current. The previous one keeps verifying (it stays in the JWKS) for
// Options.KeyGrace, then is dropped.
func (s *Server) RotateKey() error { return s.keys.rotate() }

// RegisterClient registers (or replaces) a client, as Options.Clients does at start.
func (s *Server) RegisterClient(c Client) error { return s.st.addClient(c) }

func validIssuer(issuer string) error {
	if issuer == "" {
		return errors.New("authserver: Options.Issuer is required")
	}
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" ||
		u.Fragment != "" || strings.HasSuffix(issuer, "/") {
		return fmt.Errorf("authserver: issuer %q must be an http or https URL without query, fragment or trailing slash", issuer)
	}
	return nil
}

// validResource checks an RFC 8707 resource indicator: an absolute URI without fragment.
func validResource(r string) error {
	u, err := url.Parse(r)
	if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(r, "#") {
		return fmt.Errorf("resource %q must be an absolute URI without fragment", r)
	}
	return nil
}
