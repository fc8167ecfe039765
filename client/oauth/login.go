package oauth

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/oauth2"
)

// login runs the whole authorization code flow for server after challenge ch; prev are the scopes held
// so far (kept on a step-up). With reuse (the request carried no token), a token the store holds for the
// issuer and resource is used first, refreshed when it has expired. Called with t.mu held.
func (t *Transport) login(ctx context.Context, server *url.URL, ch Challenge, prev []string, reuse bool) (*oauth2.Token, error) {
	if t.cfg.Authorize == nil && !t.cfg.ClientCredentials && t.cfg.Assertion == nil {
		return nil, fmt.Errorf("%w for %s: %w", ErrLoginRequired, server.Redacted(), errNoAuthorize)
	}
	rm, found, err := discoverResource(ctx, t.hc, server, ch.ResourceMetadata)
	if err != nil {
		return nil, err
	}
	resource := canonicalResource(server)
	var issuer string
	var md *ServerMetadata
	if found {
		if rm.Resource != "" {
			resource = rm.Resource
		}
		if len(rm.AuthorizationServers) == 0 {
			return nil, fmt.Errorf("oauth: the protected resource metadata of %s lists no authorization server", server.Redacted())
		}
		issuer = rm.AuthorizationServers[0]
		if md, err = discoverServer(ctx, t.hc, issuer); err != nil {
			return nil, err
		}
	} else {
		// 2025-03-26: no resource metadata; the server's origin is the authorization server, with the
		// default endpoints when it publishes no metadata either.
		issuer = server.Scheme + "://" + server.Host
		if md, err = discoverServer(ctx, t.hc, issuer); err != nil {
			md = &ServerMetadata{Issuer: issuer, AuthorizationEndpoint: issuer + "/authorize", TokenEndpoint: issuer + "/token",
				RegistrationEndpoint: issuer + "/register", CodeChallengeMethodsSupported: []string{"S256"}}
		}
	}
	t.dpopToken.Store("")
	if t.dpop != nil && supportsDPoP(md) {
		if t.dpopErr != nil {
			return nil, t.dpopErr
		}
		t.dpopToken.Store(md.TokenEndpoint)
	}
	if t.cfg.Assertion != nil {
		scopes := t.chooseScopes(ch, rm, md, prev)
		tok, err := t.assertionToken(ctx, md, resource, scopes)
		if err != nil {
			return nil, err
		}
		oc := &oauth2.Config{ClientID: t.cfg.ClientID, Endpoint: oauth2.Endpoint{TokenURL: md.TokenEndpoint}}
		return t.keep(ctx, Key{Issuer: md.Issuer, Resource: resource}, md, oc, scopes, tok)
	}
	if t.cfg.ClientCredentials {
		scopes := t.chooseScopes(ch, rm, md, prev)
		tok, oc, err := t.clientCredentialsToken(ctx, md, resource, scopes)
		if err != nil {
			return nil, err
		}
		return t.keep(ctx, Key{Issuer: md.Issuer, Resource: resource}, md, oc, scopes, tok)
	}
	if !slices.Contains(md.CodeChallengeMethodsSupported, "S256") {
		return nil, fmt.Errorf("%w (%s)", ErrNoS256, md.Issuer)
	}
	creds, err := t.credentials(ctx, t.hc, md)
	if err != nil {
		return nil, err
	}
	scopes := t.chooseScopes(ch, rm, md, prev)
	oc := codeConfig(creds, md, t.cfg.redirectURL(), scopes)
	key := Key{Issuer: md.Issuer, Resource: resource}
	if reuse {
		if tok := t.stored(ctx, key, md, oc, scopes); tok != nil {
			return tok, nil
		}
	}
	if creds.RedirectURL != "" && creds.RedirectURL != t.cfg.redirectURL() {
		if creds, err = t.reregister(ctx, md); err != nil { // the kept registration has another redirect URI
			return nil, err
		}
		oc = codeConfig(creds, md, t.cfg.redirectURL(), scopes)
	}
	state := oauth2.GenerateVerifier()
	verifier := oauth2.GenerateVerifier()
	res := oauth2.SetAuthURLParam("resource", resource)
	authURL := oc.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), res)
	cb, err := t.cfg.Authorize(ctx, authURL)
	if err != nil {
		return nil, err
	}
	code, err := checkResponse(cb, state, md)
	if err != nil {
		return nil, err
	}
	opts := []oauth2.AuthCodeOption{oauth2.VerifierOption(verifier), res}
	if creds.Method == AuthPrivateKeyJWT {
		ap, err := t.assertionParams(md)
		if err != nil {
			return nil, err
		}
		for k := range ap {
			opts = append(opts, oauth2.SetAuthURLParam(k, ap.Get(k)))
		}
	}
	tok, err := oc.Exchange(t.ctx(ctx), code, opts...)
	if err != nil {
		return nil, fmt.Errorf("oauth: redeeming the code at %s: %w", md.TokenEndpoint, err)
	}
	return t.keep(ctx, key, md, oc, scopes, tok)
}

// codeConfig is the authorization code flow's configuration for client creds at md.
func codeConfig(creds clientCreds, md *ServerMetadata, redirectURL string, scopes []string) *oauth2.Config {
	oc := &oauth2.Config{
		ClientID:     creds.ID,
		ClientSecret: creds.Secret,
		RedirectURL:  redirectURL,
		Scopes:       scopes,
		Endpoint:     oauth2.Endpoint{AuthURL: md.AuthorizationEndpoint, TokenURL: md.TokenEndpoint, AuthStyle: oauth2.AuthStyleInParams},
	}
	if creds.Method == AuthBasic {
		oc.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	}
	if creds.Method == AuthNone {
		oc.ClientSecret = ""
	}
	return oc
}

// keep stores tok under key and makes it the current session; the scopes held are those the token
// response names, else those requested.
func (t *Transport) keep(ctx context.Context, key Key, md *ServerMetadata, oc *oauth2.Config, scopes []string, tok *oauth2.Token) (*oauth2.Token, error) {
	if err := t.store.Save(ctx, key, tok); err != nil {
		return nil, err
	}
	granted := scopes
	if s, ok := tok.Extra("scope").(string); ok && s != "" {
		granted = strings.Fields(s)
	}
	t.session = &session{key: key, md: md, oc: oc, scopes: granted}
	return tok, nil
}

// checkResponse checks the authorization response cb: its state, its error, and its iss (RFC 9207: when
// present it must equal the issuer exactly; when the server advertises it, it must be present). It
// returns the code.
func checkResponse(cb *url.URL, state string, md *ServerMetadata) (string, error) {
	q := cb.Query()
	if q.Get("state") != state {
		return "", ErrStateMismatch
	}
	iss, hasIss := q["iss"]
	switch {
	case hasIss && (len(iss) != 1 || iss[0] != md.Issuer):
		return "", fmt.Errorf("%w: the authorization response names iss %q, expected %q", ErrIssuerMismatch, q.Get("iss"), md.Issuer)
	case !hasIss && md.IssParameterSupported:
		return "", fmt.Errorf("%w: %s advertises the iss parameter but the authorization response has none", ErrIssuerMismatch, md.Issuer)
	}
	if e := q.Get("error"); e != "" {
		return "", fmt.Errorf("%w: %s: %s", ErrAccessDenied, e, q.Get("error_description"))
	}
	code := q.Get("code")
	if code == "" {
		return "", fmt.Errorf("oauth: the authorization response has no code")
	}
	return code, nil
}

// chooseScopes picks the scopes to request: Config.Scopes, else the challenge's, else the resource's
// scopes_supported, else none; plus those held (a step-up widens) and offline_access when the server
// supports it.
func (t *Transport) chooseScopes(ch Challenge, rm *ResourceMetadata, md *ServerMetadata, prev []string) []string {
	var s []string
	switch {
	case len(t.cfg.Scopes) > 0:
		s = slices.Clone(t.cfg.Scopes)
	case len(ch.Scope) > 0:
		s = slices.Clone(ch.Scope)
	case rm != nil && len(rm.ScopesSupported) > 0:
		s = slices.Clone(rm.ScopesSupported)
	}
	for _, p := range prev {
		if !slices.Contains(s, p) {
			s = append(s, p)
		}
	}
	if len(s) > 0 && slices.Contains(md.ScopesSupported, "offline_access") && !slices.Contains(s, "offline_access") {
		s = append(s, "offline_access")
	}
	return s
}

// canonicalResource is server without query and fragment (RFC 8707 §2).
func canonicalResource(server *url.URL) string {
	u := *server
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	return u.String()
}

// stored returns the token the store holds under key, refreshed when it has expired, and makes it the
// current session; nil when there is none or it cannot be used.
func (t *Transport) stored(ctx context.Context, key Key, md *ServerMetadata, oc *oauth2.Config, scopes []string) *oauth2.Token {
	tok, err := t.store.Load(ctx, key)
	if err != nil || tok == nil {
		return nil
	}
	prev := t.session
	t.session = &session{key: key, md: md, oc: oc, scopes: scopes}
	if tok.Valid() {
		return tok
	}
	if tok.RefreshToken != "" {
		if nt, err := t.refresh(ctx, tok); err == nil {
			return nt
		}
	}
	t.session = prev
	return nil
}
