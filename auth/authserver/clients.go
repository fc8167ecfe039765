package authserver

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Client is a client registered at start or with RegisterClient.
type Client struct {
	// ID is the client_id.
	ID string
	// Secret makes the client confidential (client_secret_basic or client_secret_post, and the
	// client_credentials grant). Empty: a public client (token_endpoint_auth_method none, PKCE only).
	Secret string
	// RedirectURIs are the exact redirect URIs the client may use (https, or http on a loopback host).
	RedirectURIs []string
}

// client is an op.Client.
type client struct {
	id           string
	secret       string // "" for a public client
	redirectURIs []string
	grantTypes   []oidc.GrantType
	name         string
	s            *Server
}

// maxMetadataDocument bounds a Client ID Metadata Document.
const maxMetadataDocument = 64 << 10

func (st *storage) newClient(id, secret string, redirects []string, grants []oidc.GrantType) (*client, error) {
	if id == "" {
		return nil, errors.New("authserver: a client needs an ID")
	}
	for _, u := range redirects {
		if err := validRedirect(u); err != nil {
			return nil, fmt.Errorf("authserver: client %q: %w", id, err)
		}
	}
	if grants == nil {
		grants = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
		if secret != "" {
			grants = append(grants, oidc.GrantTypeClientCredentials)
		}
	}
	return &client{id: id, secret: secret, redirectURIs: redirects, grantTypes: grants, s: st.s}, nil
}

func (st *storage) addClient(c Client) error {
	cl, err := st.newClient(c.ID, c.Secret, slices.Clone(c.RedirectURIs), nil)
	if err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.clients[c.ID] = cl
	return nil
}

// validRedirect accepts https URLs and http URLs on a loopback host, without fragment.
func validRedirect(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" {
		return fmt.Errorf("redirect URI %q must be an absolute URL without fragment", raw)
	}
	if u.Scheme == "https" || (u.Scheme == "http" && isLoopback(u.Hostname())) {
		return nil
	}
	return fmt.Errorf("redirect URI %q must be https, or http on 127.0.0.1, [::1] or localhost", raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (st *storage) staticClient(id string) (*client, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	c, ok := st.clients[id]
	if !ok {
		return nil, fmt.Errorf("unknown client %q", id)
	}
	return c, nil
}

// GetClientByClientID implements op.Storage: a registered client, or one described by its Client ID
// Metadata Document when the ID is an https URL.
func (st *storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	if c, err := st.staticClient(id); err == nil {
		return c, nil
	}
	if st.isMetadataURL(id) {
		return st.metadataClient(ctx, id)
	}
	return nil, fmt.Errorf("unknown client %q", id)
}

// AuthorizeClientIDSecret implements op.Storage.
func (st *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	c, err := st.staticClient(id)
	if err != nil {
		return err
	}
	if !c.checkSecret(secret) {
		return errors.New("wrong client secret")
	}
	return nil
}

func (c *client) checkSecret(secret string) bool {
	return c.secret != "" && subtle.ConstantTimeCompare([]byte(c.secret), []byte(secret)) == 1
}

func (c *client) GetID() string                       { return c.id }
func (c *client) RedirectURIs() []string              { return c.redirectURIs }
func (c *client) PostLogoutRedirectURIs() []string    { return nil }
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType { return c.grantTypes }
func (c *client) AccessTokenType() op.AccessTokenType {
	// "Bearer" to the provider: it asks tokenCodec to encode the token, which makes it an RFC 9068 JWT.
	return op.AccessTokenTypeBearer
}
func (c *client) IDTokenLifetime() time.Duration { return time.Hour }

// DevMode lets the provider accept http redirect URIs once they matched exactly (only loopback ones can be
// registered).
func (c *client) DevMode() bool { return true }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) IsScopeAllowed(scope string) bool     { return c.s.st.scopeAllowed(scope) }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c *client) ClockSkew() time.Duration             { return 0 }

func (c *client) AuthMethod() oidc.AuthMethod {
	if c.secret == "" {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

// LoginURL is where the provider sends the browser after storing a request: the consent page, or in
// auto-approve mode the provider's own callback (which the server then answers at once).
func (c *client) LoginURL(id string) string {
	if c.s.opts.AutoApprove {
		return c.s.issuer + callbackPath + "?id=" + url.QueryEscape(id)
	}
	return c.s.issuer + consentPath + "?id=" + url.QueryEscape(id)
}

// --- Dynamic client registration (RFC 7591) ---------------------------------------------------------------

type registration struct {
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method,omitempty"`
	GrantTypes              []string `json:"grant_types,omitempty"`
	ResponseTypes           []string `json:"response_types,omitempty"`
	ClientName              string   `json:"client_name,omitempty"`
	Scope                   string   `json:"scope,omitempty"`
}

type registrationResponse struct {
	registration
	ClientID              string `json:"client_id"`
	ClientSecret          string `json:"client_secret,omitempty"`
	ClientIDIssuedAt      int64  `json:"client_id_issued_at"`
	ClientSecretExpiresAt *int64 `json:"client_secret_expires_at,omitempty"`
}

func registrationError(w http.ResponseWriter, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// serveRegister is POST /register (RFC 7591). Open registration: this is a development server.
func (s *Server) serveRegister(w http.ResponseWriter, r *http.Request) {
	var reg registration
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	if err := dec.Decode(&reg); err != nil {
		registrationError(w, "invalid_client_metadata", "the body must be a JSON object: "+err.Error())
		return
	}
	if len(reg.RedirectURIs) == 0 {
		registrationError(w, "invalid_redirect_uri", "redirect_uris is required")
		return
	}
	for _, u := range reg.RedirectURIs {
		if err := validRedirect(u); err != nil {
			registrationError(w, "invalid_redirect_uri", err.Error())
			return
		}
	}
	switch reg.TokenEndpointAuthMethod {
	case "":
		reg.TokenEndpointAuthMethod = "client_secret_basic" // RFC 7591 section 2
	case "none", "client_secret_basic", "client_secret_post":
	default:
		registrationError(w, "invalid_client_metadata", "token_endpoint_auth_method must be none, client_secret_basic or client_secret_post")
		return
	}
	public := reg.TokenEndpointAuthMethod == "none"
	if len(reg.GrantTypes) == 0 {
		reg.GrantTypes = []string{"authorization_code", "refresh_token"}
	}
	var grants []oidc.GrantType
	for _, g := range reg.GrantTypes {
		switch g {
		case "authorization_code", "refresh_token":
		case "client_credentials":
			if public {
				registrationError(w, "invalid_client_metadata", "client_credentials needs a confidential client")
				return
			}
		default:
			registrationError(w, "invalid_client_metadata", fmt.Sprintf("grant type %q is not supported", g))
			return
		}
		grants = append(grants, oidc.GrantType(g))
	}
	for _, rt := range reg.ResponseTypes {
		if rt != "code" {
			registrationError(w, "invalid_client_metadata", "only the response type code is supported")
			return
		}
	}
	reg.ResponseTypes = []string{"code"}
	secret := ""
	if !public {
		secret = randomString(24)
	}
	c, err := s.st.newClient("dcr-"+randomString(12), secret, reg.RedirectURIs, grants)
	if err != nil {
		registrationError(w, "invalid_client_metadata", err.Error())
		return
	}
	c.name = reg.ClientName
	s.st.mu.Lock()
	if s.st.registerd >= s.opts.MaxClients {
		s.st.mu.Unlock()
		registrationError(w, "invalid_client_metadata", "too many registered clients")
		return
	}
	s.st.registerd++
	s.st.clients[c.id] = c
	s.st.mu.Unlock()
	resp := registrationResponse{registration: reg, ClientID: c.id, ClientSecret: secret, ClientIDIssuedAt: s.opts.Now().Unix()}
	if secret != "" {
		never := int64(0)
		resp.ClientSecretExpiresAt = &never
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(resp)
}

// --- Client ID Metadata Documents -------------------------------------------------------------------------

type cachedClient struct {
	c       *client
	fetched time.Time
}

// isMetadataURL reports whether id names a Client ID Metadata Document: an https URL with a path, or with
// Options.AllowHTTPClientMetadata an http URL on a loopback host.
func (st *storage) isMetadataURL(id string) bool {
	u, err := url.Parse(id)
	if err != nil || u.Host == "" || u.Fragment != "" || u.User != nil || u.Path == "" || u.Path == "/" {
		return false
	}
	return u.Scheme == "https" || (u.Scheme == "http" && st.s.opts.AllowHTTPClientMetadata && isLoopback(u.Hostname()))
}

// metadataClient fetches (or takes from a 5-minute cache) the document at id: at most 64 KiB of JSON whose
// client_id is id, with redirect_uris, and token_endpoint_auth_method none (absent means none): a
// document cannot carry a shared secret.
func (st *storage) metadataClient(ctx context.Context, id string) (*client, error) {
	now := st.s.opts.Now()
	st.mu.Lock()
	if cc, ok := st.metadata[id]; ok && now.Sub(cc.fetched) < 5*time.Minute {
		st.mu.Unlock()
		return cc.c, nil
	}
	st.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, id, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := st.s.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching the client metadata document: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("client metadata document %s: status %d", id, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataDocument+1))
	if err != nil {
		return nil, fmt.Errorf("reading the client metadata document: %w", err)
	}
	if len(body) > maxMetadataDocument {
		return nil, fmt.Errorf("client metadata document %s is larger than %d bytes", id, maxMetadataDocument)
	}
	var doc struct {
		ClientID                string   `json:"client_id"`
		RedirectURIs            []string `json:"redirect_uris"`
		TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
		ClientName              string   `json:"client_name"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("client metadata document %s: %w", id, err)
	}
	if doc.ClientID != id {
		return nil, fmt.Errorf("client metadata document %s names client_id %q", id, doc.ClientID)
	}
	if len(doc.RedirectURIs) == 0 {
		return nil, fmt.Errorf("client metadata document %s has no redirect_uris", id)
	}
	if doc.TokenEndpointAuthMethod != "" && doc.TokenEndpointAuthMethod != "none" {
		return nil, fmt.Errorf("client metadata document %s: token_endpoint_auth_method %q is not supported (none)", id, doc.TokenEndpointAuthMethod)
	}
	c, err := st.newClient(id, "", doc.RedirectURIs, nil)
	if err != nil {
		return nil, err
	}
	c.name = doc.ClientName
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.metadata) >= 1000 {
		clear(st.metadata)
	}
	st.metadata[id] = &cachedClient{c: c, fetched: now}
	return c, nil
}
