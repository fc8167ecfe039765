package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// DefaultAlgorithms are the JWS algorithms a JWTVerifier accepts unless told otherwise.
var DefaultAlgorithms = []string{"RS256", "ES256", "PS256", "EdDSA"}

// asymmetric are the algorithms a JWTVerifier may be configured with: public-key signatures only. "none"
// and the HMAC algorithms (HS256, HS384, HS512) are never accepted, whatever the configuration, so that a
// token "signed" with the public key as an HMAC secret cannot pass.
var asymmetric = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// JWTOptions configure a JWTVerifier. Issuer, Audience and one of JWKSURL or JWKS are required.
type JWTOptions struct {
	// Issuer is the authorization server's issuer identifier; the token's "iss" must equal it exactly.
	Issuer string
	// Audience is this resource's canonical URI (RFC 8707, e.g. "https://mcp.example.com/mcp"); the
	// token's "aud" must contain it (compared after canonicalization: scheme and host case, default port,
	// a lone trailing slash).
	Audience string
	// JWKSURL is where the issuer publishes its JSON Web Key Set (the jwks_uri of its metadata).
	JWKSURL string
	// JWKS is a fixed JSON Web Key Set document, used instead of JWKSURL (tests, pinned keys).
	JWKS []byte
	// Algorithms is the allow-list of JWS algorithms. Default DefaultAlgorithms. Only asymmetric
	// algorithms are allowed: "none" and HS* are refused by NewJWTVerifier.
	Algorithms []string
	// Leeway is the clock skew allowed on exp, nbf and iat. Default 60 s; negative means none.
	Leeway time.Duration
	// RequireATJWT requires the header "typ" to be "at+jwt" or "application/at+jwt" (RFC 9068 section 4).
	// By default a token without typ or with typ "JWT" is accepted too (many issuers send those); any other
	// typ (an ID token's, a logout token's…) is always refused.
	RequireATJWT bool
	// HTTPClient fetches the JWKS. Default: a client with a 10 s timeout.
	HTTPClient *http.Client
	// MaxKeyAge is how long a fetched key set is used before it is fetched again. Default 1 h.
	MaxKeyAge time.Duration
	// MinRefreshInterval is the least time between two fetches of the key set, however many tokens name
	// an unknown kid. Default 30 s.
	MinRefreshInterval time.Duration
	// MaxKeys bounds how many keys of a key set are kept. Default 32.
	MaxKeys int
	// MaxJWKSBytes bounds the size of a fetched key set. Default 256 KiB.
	MaxJWKSBytes int64
	// MaxTokenBytes bounds the size of a token; a larger one is refused before it is parsed. Default 16 KiB.
	MaxTokenBytes int
	// CacheTTL is how long a verified token is remembered (by a seeded hash; an entry answers only that very token), so that its signature and claims
	// are not checked again on every request of a session: never past its exp (plus Leeway). Default 60 s;
	// negative disables the cache. Refused tokens are not remembered.
	CacheTTL time.Duration
	// MaxCacheEntries bounds that cache. Default 10,000.
	MaxCacheEntries int
	// Now returns the current time. Default time.Now (tests set it).
	Now func() time.Time
}

// JWTVerifier verifies JWT access tokens (RFC 9068) signed by an issuer's keys: signature with an allowed
// algorithm and a key of the issuer's key set, "iss", "aud" containing this resource, "exp" (required),
// "nbf" and "iat" with leeway, the header "typ". It is safe for concurrent use; its only state is the cached
// key set, so it works the same on every node.
type JWTVerifier struct {
	opts     JWTOptions
	audience string
	algs     []jose.SignatureAlgorithm
	keys     *keySet
	cache    *resultCache
}

// NewJWTVerifier checks opts and returns the verifier. The key set of JWKSURL is fetched at the first token.
func NewJWTVerifier(opts JWTOptions) (*JWTVerifier, error) {
	if opts.Issuer == "" {
		return nil, errors.New("auth: JWTOptions.Issuer is required")
	}
	aud, err := CanonicalResourceURI(opts.Audience)
	if err != nil {
		return nil, fmt.Errorf("auth: JWTOptions.Audience: %w", err)
	}
	if (opts.JWKSURL == "") == (opts.JWKS == nil) {
		return nil, errors.New("auth: JWTOptions needs exactly one of JWKSURL and JWKS")
	}
	if len(opts.Algorithms) == 0 {
		opts.Algorithms = DefaultAlgorithms
	}
	var algs []jose.SignatureAlgorithm
	for _, a := range opts.Algorithms {
		if !slices.Contains(asymmetric, a) {
			return nil, fmt.Errorf("auth: JWT algorithm %q is not allowed (only asymmetric signatures: %s)", a, strings.Join(asymmetric, ", "))
		}
		algs = append(algs, jose.SignatureAlgorithm(a))
	}
	if opts.Leeway == 0 {
		opts.Leeway = time.Minute
	} else if opts.Leeway < 0 {
		opts.Leeway = 0
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.MaxKeyAge <= 0 {
		opts.MaxKeyAge = time.Hour
	}
	if opts.MinRefreshInterval <= 0 {
		opts.MinRefreshInterval = 30 * time.Second
	}
	if opts.MaxKeys <= 0 {
		opts.MaxKeys = 32
	}
	if opts.MaxJWKSBytes <= 0 {
		opts.MaxJWKSBytes = 256 << 10
	}
	if opts.MaxTokenBytes <= 0 {
		opts.MaxTokenBytes = 16 << 10
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CacheTTL == 0 {
		opts.CacheTTL = time.Minute
	}
	if opts.MaxCacheEntries <= 0 {
		opts.MaxCacheEntries = 10000
	}
	ks := &keySet{url: opts.JWKSURL, client: opts.HTTPClient, maxAge: opts.MaxKeyAge,
		minInterval: opts.MinRefreshInterval, maxKeys: opts.MaxKeys, maxBytes: opts.MaxJWKSBytes, now: opts.Now}
	if opts.JWKS != nil {
		keys, err := parseKeySet(opts.JWKS, opts.MaxKeys)
		if err != nil {
			return nil, fmt.Errorf("auth: JWTOptions.JWKS: %w", err)
		}
		ks.keys = keys
	}
	return &JWTVerifier{opts: opts, audience: aud, algs: algs, keys: ks, cache: newResultCache(opts.MaxCacheEntries)}, nil
}

// accessClaims are the claims of an access token the verifier reads besides the registered ones.
type accessClaims struct {
	jwt.Claims
	Scope    json.RawMessage `json:"scope,omitempty"`
	Scp      json.RawMessage `json:"scp,omitempty"`
	ClientID string          `json:"client_id,omitempty"`
	AZP      string          `json:"azp,omitempty"`
}

// Verify implements Verifier. The principal is the caller's to change.
func (v *JWTVerifier) Verify(ctx context.Context, token string) (*Principal, error) {
	p, err := v.verifyShared(ctx, token)
	return copyPrincipal(p), err
}

// known implements tokenCache: the cached principal of token, nil when token is not in the result cache
// (or the cache is off). Only tokens that verified are cached, and each is a canonical compact JWS.
func (v *JWTVerifier) known(token string) *Principal {
	if v.opts.CacheTTL < 0 || len(token) > v.opts.MaxTokenBytes {
		return nil
	}
	if e, ok := v.cache.get(token, v.opts.Now()); ok {
		return e.p
	}
	return nil
}

// verifyShared is Verify returning the cached principal itself (sharedVerifier).
func (v *JWTVerifier) verifyShared(ctx context.Context, token string) (*Principal, error) {
	if len(token) > v.opts.MaxTokenBytes {
		return nil, InvalidToken("token longer than %d bytes", v.opts.MaxTokenBytes)
	}
	if v.opts.CacheTTL < 0 {
		return v.verify(ctx, token)
	}
	now := v.opts.Now()
	if e, ok := v.cache.get(token, now); ok {
		return e.p, nil
	}
	p, err := v.verify(ctx, token)
	if err != nil {
		return nil, err
	}
	until := now.Add(v.opts.CacheTTL)
	if last := p.Expiry.Add(v.opts.Leeway); last.Before(until) {
		until = last
	}
	v.cache.put(token, cached{p: p, until: until}, now)
	return p, nil
}

// verify checks token without the result cache.
func (v *JWTVerifier) verify(ctx context.Context, token string) (*Principal, error) {
	if !canonicalCompact(token) {
		return nil, InvalidToken("not a JWS compact serialization in canonical base64url")
	}
	tok, err := jwt.ParseSigned(token, v.algs)
	if err != nil {
		return nil, InvalidToken("not a JWS with an allowed algorithm: %v", err)
	}
	if len(tok.Headers) != 1 {
		return nil, InvalidToken("want one signature")
	}
	h := tok.Headers[0]
	if err := v.checkType(h); err != nil {
		return nil, err
	}
	keys, err := v.keys.keysFor(ctx, h.KeyID, h.Algorithm)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, InvalidToken("no key of the issuer matches kid %q and alg %s", h.KeyID, h.Algorithm)
	}
	var claims accessClaims
	var all map[string]any
	verified := false
	for i, k := range keys {
		if i == 4 { // a token without kid is tried against a few keys, not a whole large set
			break
		}
		if err := tok.Claims(k.Key, &claims, &all); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, InvalidToken("signature does not verify")
	}
	return v.principal(&claims, all)
}

func (v *JWTVerifier) checkType(h jose.Header) error {
	typ, _ := h.ExtraHeaders[jose.HeaderType].(string)
	switch strings.ToLower(typ) {
	case "at+jwt", "application/at+jwt":
		return nil
	case "", "jwt":
		if !v.opts.RequireATJWT {
			return nil
		}
	}
	return InvalidToken("header typ %q is not an access token's", typ)
}

func (v *JWTVerifier) principal(c *accessClaims, all map[string]any) (*Principal, error) {
	if c.Issuer != v.opts.Issuer {
		return nil, InvalidToken("iss %q is not %q", c.Issuer, v.opts.Issuer)
	}
	if !v.audienceOK(c.Audience) {
		return nil, InvalidToken("aud %q does not name this resource %q", []string(c.Audience), v.audience)
	}
	if c.Expiry == nil {
		return nil, InvalidToken("no exp")
	}
	now, leeway := v.opts.Now(), v.opts.Leeway
	exp := c.Expiry.Time()
	if now.Add(-leeway).After(exp) {
		return nil, InvalidToken("expired at %s", exp.UTC().Format(time.RFC3339))
	}
	if c.NotBefore != nil && now.Add(leeway).Before(c.NotBefore.Time()) {
		return nil, InvalidToken("not valid before %s", c.NotBefore.Time().UTC().Format(time.RFC3339))
	}
	if c.IssuedAt != nil && now.Add(leeway).Before(c.IssuedAt.Time()) {
		return nil, InvalidToken("issued in the future (%s)", c.IssuedAt.Time().UTC().Format(time.RFC3339))
	}
	if c.Subject == "" {
		return nil, InvalidToken("no sub")
	}
	scopes, err := claimScopes(c.Scope, c.Scp)
	if err != nil {
		return nil, err
	}
	client := c.ClientID
	if client == "" {
		client = c.AZP
	}
	return &Principal{Subject: c.Subject, Issuer: c.Issuer, ClientID: client, Scopes: scopes, Expiry: exp, Claims: all}, nil
}

func (v *JWTVerifier) audienceOK(aud jwt.Audience) bool {
	for _, a := range aud {
		if a == v.audience {
			return true
		}
		if c, err := CanonicalResourceURI(a); err == nil && c == v.audience {
			return true
		}
	}
	return false
}

// claimScopes reads the scopes of a token: "scope" as a space-separated string (RFC 9068, RFC 8693), or "scp"
// as an array of strings or a space-separated string (issuers that predate RFC 9068).
func claimScopes(scope, scp json.RawMessage) ([]string, error) {
	for _, raw := range []json.RawMessage{scope, scp} {
		if len(raw) == 0 {
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			return ParseScope(s), nil
		}
		var list []string
		if err := json.Unmarshal(raw, &list); err == nil {
			return list, nil
		}
		return nil, InvalidToken("scope claim is neither a string nor an array of strings")
	}
	return nil, nil
}

// canonicalCompact reports whether token is three segments of canonical unpadded base64url (RFC 7515
// section 2): the base64 decoder go-jose uses ignores the unused low bits of a segment's last character, so
// without this check several strings decode to the same signed bytes and a changed token still verifies.
func canonicalCompact(token string) bool {
	n := 0
	for seg := range strings.SplitSeq(token, ".") {
		n++
		if n > 3 || !canonicalSegment(seg) {
			return false
		}
	}
	return n == 3
}

func canonicalSegment(s string) bool {
	var last byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z':
			last = c - 'A'
		case 'a' <= c && c <= 'z':
			last = c - 'a' + 26
		case '0' <= c && c <= '9':
			last = c - '0' + 52
		case c == '-':
			last = 62
		case c == '_':
			last = 63
		default:
			return false
		}
	}
	switch len(s) % 4 {
	case 1:
		return false
	case 2:
		return last&0x0f == 0
	case 3:
		return last&0x03 == 0
	}
	return true
}
