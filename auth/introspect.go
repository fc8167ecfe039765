package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// IntrospectionOptions configure an IntrospectionVerifier. Endpoint is required.
type IntrospectionOptions struct {
	// Endpoint is the authorization server's introspection endpoint (RFC 7662 section 2).
	Endpoint string
	// ClientID and ClientSecret authenticate this resource server to the endpoint (HTTP Basic,
	// client_secret_basic). Without ClientID no authentication is sent.
	ClientID, ClientSecret string
	// Issuer, when set, must equal the answer's "iss" when the answer has one.
	Issuer string
	// Audience, when set, is this resource's canonical URI; the answer's "aud", when present, must contain
	// it. An authorization server that issues tokens for several resources should send aud.
	Audience string
	// HTTPClient calls the endpoint. Default: a client with a 10 s timeout.
	HTTPClient *http.Client
	// CacheTTL is how long an active answer is reused (never past the token's exp). Default 60 s; negative
	// disables the cache.
	CacheTTL time.Duration
	// InactiveTTL is how long an inactive answer is reused, so that a replayed bad token does not reach the
	// endpoint on every request. Default 5 s.
	InactiveTTL time.Duration
	// MaxEntries bounds the cache. Default 10,000.
	MaxEntries int
	// MaxResponseBytes bounds an answer. Default 64 KiB.
	MaxResponseBytes int64
	// Now returns the current time. Default time.Now.
	Now func() time.Time
}

// IntrospectionVerifier verifies opaque (or any) tokens by asking the authorization server (RFC 7662). Answers
// are cached by a seeded hash of the token (an entry answers only the very token it was made for), bounded
// in number and never past the token's exp, so a revoked token stops working within CacheTTL. The cache is a per-node optimisation only.
type IntrospectionVerifier struct {
	opts     IntrospectionOptions
	audience string

	cache *resultCache
}

// NewIntrospectionVerifier checks opts and returns the verifier.
func NewIntrospectionVerifier(opts IntrospectionOptions) (*IntrospectionVerifier, error) {
	u, err := url.Parse(opts.Endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("auth: IntrospectionOptions.Endpoint %q is not an http(s) URL", opts.Endpoint)
	}
	v := &IntrospectionVerifier{}
	if opts.Audience != "" {
		if v.audience, err = CanonicalResourceURI(opts.Audience); err != nil {
			return nil, fmt.Errorf("auth: IntrospectionOptions.Audience: %w", err)
		}
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.CacheTTL == 0 {
		opts.CacheTTL = time.Minute
	}
	if opts.InactiveTTL <= 0 {
		opts.InactiveTTL = 5 * time.Second
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 10000
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = 64 << 10
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	v.opts = opts
	v.cache = newResultCache(opts.MaxEntries)
	return v, nil
}

// Verify implements Verifier. The principal is the caller's to change.
func (v *IntrospectionVerifier) Verify(ctx context.Context, token string) (*Principal, error) {
	p, err := v.verifyShared(ctx, token)
	return copyPrincipal(p), err
}

// verifyShared is Verify returning the cached principal itself (sharedVerifier).
func (v *IntrospectionVerifier) verifyShared(ctx context.Context, token string) (*Principal, error) {
	now := v.opts.Now()
	if v.opts.CacheTTL > 0 {
		if e, ok := v.cache.get(token, now); ok {
			if e.p == nil {
				return nil, InvalidToken("inactive (cached answer)")
			}
			return e.p, nil
		}
	}
	p, err := v.introspect(ctx, token, now)
	if err != nil && !errors.Is(err, ErrInvalidToken) {
		return nil, err
	}
	if v.opts.CacheTTL > 0 {
		e := cached{p: p, until: now.Add(v.opts.InactiveTTL)}
		if p != nil {
			e.until = now.Add(v.opts.CacheTTL)
			if !p.Expiry.IsZero() && p.Expiry.Before(e.until) {
				e.until = p.Expiry
			}
		}
		v.cache.put(token, e, now)
	}
	return p, err
}

// introspection is the part of an RFC 7662 answer the verifier reads.
type introspection struct {
	Active    bool            `json:"active"`
	Scope     string          `json:"scope"`
	ClientID  string          `json:"client_id"`
	Username  string          `json:"username"`
	TokenType string          `json:"token_type"`
	Exp       *float64        `json:"exp"`
	Nbf       *float64        `json:"nbf"`
	Sub       string          `json:"sub"`
	Aud       json.RawMessage `json:"aud"`
	Iss       string          `json:"iss"`
}

func (v *IntrospectionVerifier) introspect(ctx context.Context, token string, now time.Time) (*Principal, error) {
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.opts.Endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%w: introspection: %v", ErrUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if v.opts.ClientID != "" {
		req.SetBasicAuth(url.QueryEscape(v.opts.ClientID), url.QueryEscape(v.opts.ClientSecret))
	}
	resp, err := v.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: introspection: %v", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: introspection endpoint answered %s", ErrUnavailable, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, v.opts.MaxResponseBytes+1))
	if err != nil || int64(len(b)) > v.opts.MaxResponseBytes {
		return nil, fmt.Errorf("%w: introspection answer unreadable or larger than %d bytes", ErrUnavailable, v.opts.MaxResponseBytes)
	}
	var in introspection
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("%w: introspection answer is not JSON: %v", ErrUnavailable, err)
	}
	if !in.Active {
		return nil, InvalidToken("inactive")
	}
	if in.TokenType != "" && !strings.EqualFold(in.TokenType, "bearer") && !strings.EqualFold(in.TokenType, "access_token") {
		return nil, InvalidToken("token_type %q", in.TokenType)
	}
	p := &Principal{Subject: in.Sub, Issuer: in.Iss, ClientID: in.ClientID, Scopes: ParseScope(in.Scope)}
	if p.Subject == "" {
		p.Subject = in.Username
	}
	if p.Subject == "" {
		p.Subject = in.ClientID
	}
	if p.Subject == "" {
		return nil, InvalidToken("active answer names no sub, username or client_id")
	}
	if in.Exp != nil {
		p.Expiry = time.Unix(int64(*in.Exp), 0)
		if !now.Before(p.Expiry) {
			return nil, InvalidToken("expired")
		}
	}
	if in.Nbf != nil && now.Before(time.Unix(int64(*in.Nbf), 0)) {
		return nil, InvalidToken("not valid yet")
	}
	if v.opts.Issuer != "" && in.Iss != "" && in.Iss != v.opts.Issuer {
		return nil, InvalidToken("iss %q is not %q", in.Iss, v.opts.Issuer)
	}
	if v.audience != "" && len(in.Aud) > 0 && string(in.Aud) != "null" {
		var auds []string
		var one string
		if json.Unmarshal(in.Aud, &one) == nil {
			auds = []string{one}
		} else if json.Unmarshal(in.Aud, &auds) != nil {
			return nil, InvalidToken("aud is neither a string nor an array of strings")
		}
		ok := false
		for _, a := range auds {
			if c, err := CanonicalResourceURI(a); a == v.audience || (err == nil && c == v.audience) {
				ok = true
				break
			}
		}
		if !ok {
			return nil, InvalidToken("aud %q does not name this resource %q", auds, v.audience)
		}
	}
	var claims map[string]any
	_ = json.Unmarshal(b, &claims)
	p.Claims = claims
	return p, nil
}
