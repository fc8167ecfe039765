package authserver

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// storage is the in-memory op.Storage (with op.ClientCredentialsStorage) behind the provider.
type storage struct {
	s *Server

	mu        sync.Mutex
	clients   map[string]*client       // static and registered clients
	metadata  map[string]*cachedClient // clients from metadata documents, by URL
	registerd int                      // clients registered with /register
	requests  map[string]*authRequest  // by ID
	codes     map[string]string        // code -> request ID
	access    map[string]*grant        // access tokens by ID
	refresh   map[string]*grant        // refresh tokens by value
	spent     map[string]string        // rotated-away refresh tokens -> their family (reuse detection)
}

// grant is what a token was issued for.
type grant struct {
	id       string // access token ID (jti) or refresh token value
	clientID string
	subject  string
	scopes   []string
	resource string // RFC 8707: the access token's aud ("" when none was requested)
	family   string // the refresh tokens (and their access tokens) descended from one authorization
	authTime time.Time
	issuedAt time.Time
	expiry   time.Time
}

func newStorage(s *Server) *storage {
	return &storage{
		s:        s,
		clients:  map[string]*client{},
		metadata: map[string]*cachedClient{},
		requests: map[string]*authRequest{},
		codes:    map[string]string{},
		access:   map[string]*grant{},
		refresh:  map[string]*grant{},
		spent:    map[string]string{},
	}
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

func invalidTarget(format string, args ...any) *oidc.Error {
	return &oidc.Error{ErrorType: "invalid_target", Description: fmt.Sprintf(format, args...)}
}

// resourceOf returns the resource a request asks for: at most one, valid, in Options.Resources when set.
func (st *storage) resourceOf(ctx context.Context) (string, error) {
	rs := resourcesFrom(ctx)
	switch len(rs) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", invalidTarget("one resource per request is supported, got %d", len(rs))
	}
	r := rs[0]
	if err := validResource(r); err != nil {
		return "", invalidTarget("%v", err)
	}
	if len(st.s.opts.Resources) > 0 && !slices.Contains(st.s.opts.Resources, r) {
		return "", invalidTarget("resource %q is not served by this authorization server", r)
	}
	return r, nil
}

// grantedScopes drops the scopes Options.Scopes does not allow.
func (st *storage) grantedScopes(scopes []string) []string {
	out := []string{}
	for _, sc := range scopes {
		if st.scopeAllowed(sc) && !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

func (st *storage) scopeAllowed(sc string) bool {
	allowed := st.s.opts.Scopes
	return len(allowed) == 0 || sc == oidc.ScopeOfflineAccess || sc == oidc.ScopeOpenID || slices.Contains(allowed, sc)
}

// CreateAuthRequest stores an authorization request after the checks the provider leaves to us: PKCE with
// S256 and the resource.
func (st *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if req.CodeChallenge == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge is required: PKCE with S256")
	}
	if req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if req.ResponseMode != "" && req.ResponseMode != oidc.ResponseModeQuery {
		return nil, oidc.ErrInvalidRequest().WithDescription("response_mode must be query")
	}
	resource, err := st.resourceOf(ctx)
	if err != nil {
		return nil, err
	}
	now := st.s.opts.Now()
	ar := &authRequest{
		id:          randomString(24),
		clientID:    req.ClientID,
		redirectURI: req.RedirectURI,
		state:       req.State,
		nonce:       req.Nonce,
		scopes:      st.grantedScopes(req.Scopes),
		challenge:   req.CodeChallenge,
		resource:    resource,
		created:     now,
	}
	if st.s.opts.AutoApprove {
		ar.approve(st.s.opts.Subject, now)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.expireLocked(now)
	if len(st.requests) >= 10000 {
		return nil, oidc.ErrServerError().WithDescription("too many pending authorization requests")
	}
	st.requests[ar.id] = ar
	return ar, nil
}

// expireLocked drops authorization requests older than 10 minutes and expired tokens.
func (st *storage) expireLocked(now time.Time) {
	for id, ar := range st.requests {
		if now.Sub(ar.created) > 10*time.Minute {
			delete(st.requests, id)
			if ar.code != "" {
				delete(st.codes, ar.code)
			}
		}
	}
	for id, g := range st.access {
		if now.After(g.expiry) {
			delete(st.access, id)
		}
	}
	for id, g := range st.refresh {
		if now.After(g.expiry) {
			delete(st.refresh, id)
		}
	}
}

// AuthRequestByID implements op.Storage.
func (st *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	ar, ok := st.requests[id]
	if !ok {
		return nil, errors.New("authorization request not found")
	}
	c := *ar // a copy: the consent page may approve the stored one meanwhile
	return &c, nil
}

// AuthRequestByCode returns the request of a code, once: the code is spent by the lookup (the provider
// calls it only to redeem the code), so a second redemption fails. A resource on the token request must
// be the one of the authorization request.
func (st *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	st.mu.Lock()
	id, ok := st.codes[code]
	delete(st.codes, code)
	ar := st.requests[id]
	delete(st.requests, id)
	st.mu.Unlock()
	if !ok || ar == nil {
		return nil, errors.New("authorization code is invalid or was already used")
	}
	if st.s.opts.Now().Sub(ar.created) > 10*time.Minute {
		return nil, errors.New("authorization code expired")
	}
	if rs := resourcesFrom(ctx); len(rs) > 0 && (len(rs) != 1 || rs[0] != ar.resource) {
		return nil, invalidTarget("the token request's resource differs from the authorization request's")
	}
	return ar, nil
}

// SaveAuthCode implements op.Storage.
func (st *storage) SaveAuthCode(_ context.Context, id, code string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	ar, ok := st.requests[id]
	if !ok {
		return errors.New("authorization request not found")
	}
	if ar.code != "" {
		delete(st.codes, ar.code)
	}
	ar.code = code
	st.codes[code] = id
	return nil
}

// DeleteAuthRequest implements op.Storage.
func (st *storage) DeleteAuthRequest(_ context.Context, id string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if ar, ok := st.requests[id]; ok && ar.code != "" {
		delete(st.codes, ar.code)
	}
	delete(st.requests, id)
	return nil
}

// grantOf describes what a token request is for.
func (st *storage) grantOf(req op.TokenRequest) (*grant, error) {
	switch r := req.(type) {
	case *authRequest:
		return &grant{clientID: r.clientID, subject: r.subject, scopes: r.scopes, resource: r.resource, authTime: r.authTime}, nil
	case *grant:
		return &grant{clientID: r.clientID, subject: r.subject, scopes: r.scopes, resource: r.resource, authTime: r.authTime, family: r.family}, nil
	case *clientCredentialsRequest:
		return &grant{clientID: r.clientID, subject: r.clientID, scopes: r.scopes, resource: r.resource}, nil
	}
	return nil, oidc.ErrUnsupportedGrantType().WithDescription("token request %T is not supported", req)
}

func (st *storage) newAccessLocked(g *grant, now time.Time) *grant {
	a := *g
	a.id = "at-" + randomString(18)
	a.issuedAt = now
	a.expiry = now.Add(st.s.opts.AccessTokenTTL)
	st.access[a.id] = &a
	return &a
}

// CreateAccessToken implements op.Storage.
func (st *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	g, err := st.grantOf(req)
	if err != nil {
		return "", time.Time{}, err
	}
	now := st.s.opts.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.expireLocked(now)
	a := st.newAccessLocked(g, now)
	return a.id, a.expiry, nil
}

// CreateAccessAndRefreshTokens implements op.Storage. A refresh spends the refresh token presented and
// issues a new one (rotation) for the same client, subject, scopes and resource.
func (st *storage) CreateAccessAndRefreshTokens(_ context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	g, err := st.grantOf(req)
	if err != nil {
		return "", "", time.Time{}, err
	}
	now := st.s.opts.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.expireLocked(now)
	if current != "" {
		if _, ok := st.refresh[current]; !ok {
			return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("refresh token is invalid or was already used")
		}
		delete(st.refresh, current)
		if len(st.spent) >= 100000 {
			clear(st.spent) // bounded: reuse detection forgets the oldest generations wholesale
		}
		st.spent[current] = g.family
	} else {
		g.family = randomString(12)
	}
	a := st.newAccessLocked(g, now)
	r := *g
	r.id = "rt-" + randomString(32)
	r.issuedAt = now
	r.expiry = now.Add(st.s.opts.RefreshTokenTTL)
	st.refresh[r.id] = &r
	return a.id, r.id, a.expiry, nil
}

// TokenRequestByRefreshToken implements op.Storage. A resource on the refresh request must be the one the
// token was issued for (a refresh keeps the audience).
func (st *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	now := st.s.opts.Now()
	st.mu.Lock()
	if family, reused := st.spent[token]; reused {
		// RFC 9700 section 4.14.2: a rotated-away refresh token came back, so one of its two users is not
		// the client: revoke the whole grant.
		st.revokeFamilyLocked(family)
		st.mu.Unlock()
		return nil, oidc.ErrInvalidGrant().WithDescription("refresh token was already used: the grant is revoked")
	}
	g, ok := st.refresh[token]
	st.mu.Unlock()
	if !ok || now.After(g.expiry) {
		return nil, oidc.ErrInvalidGrant().WithDescription("refresh token is invalid, expired or was already used")
	}
	if rs := resourcesFrom(ctx); len(rs) > 0 && (len(rs) != 1 || rs[0] != g.resource) {
		return nil, invalidTarget("the refresh request's resource differs from the one the token was issued for")
	}
	c := *g
	return &c, nil
}

// TerminateSession implements op.Storage (there are no sessions).
func (st *storage) TerminateSession(context.Context, string, string) error { return nil }

// RevokeToken implements op.Storage: an access token by ID, a refresh token by value.
func (st *storage) RevokeToken(_ context.Context, tokenOrID, _ string, clientID string) *oidc.Error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if g, ok := st.access[tokenOrID]; ok {
		if g.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was issued to another client")
		}
		delete(st.access, tokenOrID)
		return nil
	}
	if g, ok := st.refresh[tokenOrID]; ok {
		if g.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was issued to another client")
		}
		delete(st.refresh, tokenOrID)
	}
	return nil
}

// GetRefreshTokenInfo implements op.Storage.
func (st *storage) GetRefreshTokenInfo(_ context.Context, _ string, token string) (string, string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	g, ok := st.refresh[token]
	if !ok {
		return "", "", op.ErrInvalidRefreshToken
	}
	return g.subject, g.id, nil
}

// SigningKey implements op.Storage (ID tokens; access tokens are signed by tokenCodec with the same key).
func (st *storage) SigningKey(context.Context) (op.SigningKey, error) {
	return st.s.keys.current(), nil
}

// SignatureAlgorithms implements op.Storage.
func (st *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{st.s.keys.alg}, nil
}

// KeySet implements op.Storage: the current key and the retired ones still in their grace period.
func (st *storage) KeySet(context.Context) ([]op.Key, error) {
	var out []op.Key
	for _, k := range st.s.keys.valid() {
		out = append(out, publicKey{k})
	}
	return out, nil
}

// SetUserinfoFromScopes implements op.Storage (deprecated there; empty as asked).
func (st *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromToken implements op.Storage.
func (st *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if g, ok := st.access[tokenID]; !ok || st.s.opts.Now().After(g.expiry) {
		return errors.New("token is not active")
	}
	info.Subject = subject
	return nil
}

// SetIntrospectionFromToken implements op.Storage (RFC 7662): a token that is unknown, expired or
// revoked is inactive.
func (st *storage) SetIntrospectionFromToken(_ context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, _ string) error {
	st.mu.Lock()
	g, ok := st.access[tokenID]
	st.mu.Unlock()
	if !ok || st.s.opts.Now().After(g.expiry) || g.subject != subject {
		return errors.New("token is not active")
	}
	resp.Scope = accessScopes(g.scopes)
	resp.ClientID = g.clientID
	resp.TokenType = oidc.BearerToken
	resp.Expiration = oidc.FromTime(g.expiry)
	resp.IssuedAt = oidc.FromTime(g.issuedAt)
	resp.Subject = g.subject
	if g.resource != "" {
		resp.Audience = oidc.Audience{g.resource}
	}
	resp.Issuer = st.s.issuer
	resp.JWTID = g.id
	return nil
}

// GetPrivateClaimsFromScopes implements op.Storage.
func (st *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID implements op.Storage (JWT profile grants are not supported).
func (st *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT client authentication is not supported")
}

// ValidateJWTProfileScopes implements op.Storage (JWT profile grants are not supported).
func (st *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("JWT profile grants are not supported")
}

// Health implements op.Storage.
func (st *storage) Health(context.Context) error { return nil }

// ClientCredentials implements op.ClientCredentialsStorage: a confidential client with the
// client_credentials grant and the right secret.
func (st *storage) ClientCredentials(ctx context.Context, clientID, secret string) (op.Client, error) {
	c, err := st.staticClient(clientID)
	if err != nil {
		return nil, err
	}
	if !c.checkSecret(secret) {
		return nil, errors.New("wrong client secret")
	}
	if !slices.Contains(c.grantTypes, oidc.GrantTypeClientCredentials) {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("client may not use client_credentials")
	}
	return c, nil
}

// ClientCredentialsTokenRequest implements op.ClientCredentialsStorage: the subject is the client.
func (st *storage) ClientCredentialsTokenRequest(ctx context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	resource, err := st.resourceOf(ctx)
	if err != nil {
		return nil, err
	}
	return &clientCredentialsRequest{clientID: clientID, scopes: st.grantedScopes(scopes), resource: resource}, nil
}

// clientCredentialsRequest is an op.TokenRequest of the client_credentials grant.
type clientCredentialsRequest struct {
	clientID string
	scopes   []string
	resource string
}

func (r *clientCredentialsRequest) GetSubject() string    { return r.clientID }
func (r *clientCredentialsRequest) GetAudience() []string { return []string{r.clientID} }
func (r *clientCredentialsRequest) GetScopes() []string   { return r.scopes }

// grant is also the op.RefreshTokenRequest of a refresh.

func (g *grant) GetAMR() []string            { return []string{"pwd"} }
func (g *grant) GetAudience() []string       { return []string{g.clientID} }
func (g *grant) GetAuthTime() time.Time      { return g.authTime }
func (g *grant) GetClientID() string         { return g.clientID }
func (g *grant) GetScopes() []string         { return g.scopes }
func (g *grant) GetSubject() string          { return g.subject }
func (g *grant) SetCurrentScopes(s []string) { g.scopes = s }

// accessScopes are the scopes an access token carries: offline_access is about the refresh token.
func accessScopes(scopes []string) []string {
	out := []string{}
	for _, s := range scopes {
		if s != oidc.ScopeOfflineAccess {
			out = append(out, s)
		}
	}
	return out
}

// revokeFamilyLocked drops every refresh and access token of a grant family.
func (st *storage) revokeFamilyLocked(family string) {
	for k, g := range st.refresh {
		if g.family == family {
			delete(st.refresh, k)
		}
	}
	for k, g := range st.access {
		if g.family == family {
			delete(st.access, k)
		}
	}
}
