package oauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/oauth2"
)

// Transport is an http.RoundTripper that adds the bearer token of the MCP server to each request, logs
// in on 401 and steps up on 403 insufficient_scope. Set it as the Transport of the http.Client handed to
// a client transport (streamable.ClientOptions.HTTPClient, sse.ClientOptions.HTTPClient).
type Transport struct {
	cfg   Config
	base  http.RoundTripper
	hc    *http.Client // for the authorization server: base, no redirects followed
	store TokenStore

	mu      sync.Mutex // one login at a time; guards the fields below
	clients map[string]clientCreds
	session *session     // the current login, nil before the first
	stepUps atomic.Int32 // step-ups since the last success

	dpop      *dpop        // nil without Config.DPoPKey
	dpopErr   error        // why the DPoP key cannot sign
	dpopToken atomic.Value // string: the token endpoint that gets DPoP proofs
}

// session is what a login established: where tokens come from and which token is current.
type session struct {
	key    Key
	md     *ServerMetadata
	oc     *oauth2.Config
	scopes []string
}

// NewTransport returns a Transport for cfg.
func NewTransport(cfg Config) *Transport {
	base := cfg.Base
	if base == nil {
		base = http.DefaultTransport
	}
	store := cfg.Store
	if store == nil {
		store = &MemoryStore{}
	}
	t := &Transport{cfg: cfg, base: base, store: store, clients: map[string]clientCreds{}}
	t.hc = &http.Client{Transport: dpopTransport{base: base, t: t}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if cfg.DPoPKey != nil {
		t.dpop, t.dpopErr = newDPoP(cfg.DPoPKey)
	}
	return t
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	tok, err := t.token(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := t.send(req, tok)
	if err != nil {
		return nil, err
	}
	nonceRetried := false
	for attempt := 0; ; attempt++ {
		ch, _ := ParseChallenge(resp.Header)
		switch {
		case isDPoP(tok) && t.dpop != nil && t.dpop.sawNonce(req.URL, resp) && !nonceRetried && resp.StatusCode == http.StatusUnauthorized:
			nonceRetried = true // RFC 9449 §9: the same token again, with the server's nonce
			attempt--
			drain(resp)
		case resp.StatusCode == http.StatusUnauthorized && attempt == 0:
			drain(resp)
			if tok, err = t.relogin(ctx, req.URL, ch, tok); err != nil {
				return nil, err
			}
		case resp.StatusCode == http.StatusUnauthorized:
			drain(resp)
			return nil, fmt.Errorf("%w: %s still answered 401 after a new login", ErrLoginRequired, req.URL.Redacted())
		case resp.StatusCode == http.StatusForbidden && ch.Error == "insufficient_scope":
			nt, err := t.stepUp(ctx, req.URL, ch)
			if err != nil {
				drain(resp)
				return nil, err
			}
			if nt == nil {
				return resp, nil // the step-up limit: the caller gets the 403
			}
			tok = nt
			drain(resp)
		default:
			if resp.StatusCode < 300 && t.stepUps.Load() != 0 { // a success ends a run of step-ups
				t.stepUps.Store(0)
			}
			return resp, nil
		}
		if req.Body != nil && req.GetBody == nil {
			return nil, fmt.Errorf("oauth: cannot resend %s %s after login: its body cannot be replayed", req.Method, req.URL.Redacted())
		}
		if resp, err = t.send(req, tok); err != nil {
			return nil, err
		}
	}
}

// send sends a copy of req with tok (none when nil).
func (t *Transport) send(req *http.Request, tok *oauth2.Token) (*http.Response, error) {
	r := req.Clone(req.Context())
	if req.GetBody != nil {
		b, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = b
	}
	switch {
	case isDPoP(tok) && t.dpop != nil:
		p, err := t.dpop.proof(r.Method, r.URL, tok.AccessToken)
		if err != nil {
			return nil, err
		}
		r.Header.Set("Authorization", "DPoP "+tok.AccessToken)
		r.Header.Set("DPoP", p)
	case tok != nil:
		r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	}
	return t.base.RoundTrip(r)
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
}

// token returns the current token, refreshed when it has expired; nil before any login.
func (t *Transport) token(ctx context.Context) (*oauth2.Token, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.session == nil {
		return nil, nil
	}
	tok, err := t.store.Load(ctx, t.session.key)
	if err != nil || tok == nil {
		return nil, err
	}
	if tok.Valid() || tok.RefreshToken == "" {
		return tok, nil
	}
	if nt, err := t.refresh(ctx, tok); err == nil {
		return nt, nil
	}
	return tok, nil // the server's 401 starts a new login
}

// refresh redeems tok's refresh token and stores the result.
func (t *Transport) refresh(ctx context.Context, tok *oauth2.Token) (*oauth2.Token, error) {
	s := t.session
	var extra url.Values
	if t.keyJWT(s.md, s.oc.ClientID) {
		ap, err := t.assertionParams(s.md)
		if err != nil {
			return nil, err
		}
		extra = ap
	}
	nt, err := refreshGrant(ctx, t.hc, s.md.TokenEndpoint, s.oc, s.key.Resource, tok.RefreshToken, extra)
	if err != nil {
		_ = t.store.Delete(ctx, s.key)
		return nil, fmt.Errorf("oauth: refreshing the token at %s: %w", s.md.TokenEndpoint, err)
	}
	if err := t.store.Save(ctx, s.key, nt); err != nil {
		return nil, err
	}
	return nt, nil
}

// refreshGrant redeems a refresh token at endpoint (RFC 6749 section 6) with the resource indicator
// (RFC 8707: the MCP authorization spec asks for it on every token request; golang.org/x/oauth2's refresh
// cannot add it), with extra members (a private_key_jwt client assertion), authenticating as oc says: HTTP Basic for a confidential client unless its style is
// "in params", client_id (and client_secret) in the form otherwise. A server that answers without a new
// refresh token leaves the old one in use.
func refreshGrant(ctx context.Context, hc *http.Client, endpoint string, oc *oauth2.Config, resource, refreshToken string, extra url.Values) (*oauth2.Token, error) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}
	for k, v := range extra {
		form[k] = v
	}
	if resource != "" {
		form.Set("resource", resource)
	}
	id, secret := "", ""
	if oc.ClientSecret != "" && oc.Endpoint.AuthStyle != oauth2.AuthStyleInParams {
		id, secret = oc.ClientID, oc.ClientSecret
	} else {
		form.Set("client_id", oc.ClientID)
		if oc.ClientSecret != "" {
			form.Set("client_secret", oc.ClientSecret)
		}
	}
	nt, err := postToken(ctx, hc, endpoint, form, id, secret)
	if err != nil {
		return nil, err
	}
	if nt.RefreshToken == "" {
		nt.RefreshToken = refreshToken
	}
	return nt, nil
}

// ctx carries t's HTTP client for golang.org/x/oauth2.
func (t *Transport) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, t.hc)
}

// relogin answers a 401 to a request sent with old (nil when none): a refresh when old is still the
// current token and can be refreshed, else a full login.
func (t *Transport) relogin(ctx context.Context, server *url.URL, ch Challenge, old *oauth2.Token) (*oauth2.Token, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var refreshErr error
	if t.session != nil && old != nil {
		cur, _ := t.store.Load(ctx, t.session.key)
		if cur != nil && cur.AccessToken != old.AccessToken {
			return cur, nil // another request logged in meanwhile
		}
		if cur != nil && cur.RefreshToken != "" {
			nt, err := t.refresh(ctx, cur)
			if err == nil {
				return nt, nil
			}
			refreshErr = err
		}
	}
	var prev []string
	if t.session != nil {
		prev = t.session.scopes
	}
	tok, err := t.login(ctx, server, ch, prev, old == nil)
	if err != nil && refreshErr != nil && !errors.Is(err, ErrLoginRequired) {
		return nil, fmt.Errorf("%w: %v, and a new login failed: %w", ErrLoginRequired, refreshErr, err)
	}
	return tok, err
}

// stepUp answers a 403 insufficient_scope: a login for the scopes held plus those the challenge asks,
// at most MaxStepUps times in a row. A nil token and error means the limit is reached.
func (t *Transport) stepUp(ctx context.Context, server *url.URL, ch Challenge) (*oauth2.Token, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if int(t.stepUps.Load()) >= t.cfg.maxStepUps() {
		return nil, nil
	}
	t.stepUps.Add(1)
	var prev []string
	if t.session != nil {
		prev = t.session.scopes
	}
	return t.login(ctx, server, ch, prev, false)
}

// errNoAuthorize is returned when a login is needed and Config.Authorize is nil.
var errNoAuthorize = errors.New("no Config.Authorize step is configured")

// dpopAt returns the proof maker when u is the token endpoint of a DPoP login.
func (t *Transport) dpopAt(u *url.URL) *dpop {
	ep, _ := t.dpopToken.Load().(string)
	if t.dpop == nil || ep == "" {
		return nil
	}
	v := *u
	v.RawQuery, v.Fragment = "", ""
	if v.String() != ep {
		return nil
	}
	return t.dpop
}

// isDPoP reports whether tok is DPoP-bound.
func isDPoP(tok *oauth2.Token) bool { return tok != nil && strings.EqualFold(tok.TokenType, "DPoP") }
