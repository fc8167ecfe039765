package authserver

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// TokenRequest is what (*Server).Token asks for.
type TokenRequest struct {
	// Resource is the RFC 8707 resource (the MCP server's URL): the token's audience.
	Resource string
	// Scopes are the scopes asked for.
	Scopes []string
	// HTTPClient is used for the requests (default: a client with a 10 s timeout).
	HTTPClient *http.Client
}

// Token is a token response.
type Token struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token,omitempty"`
	ExpiresIn    int64  `json:"expires_in,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// Token gets a token headlessly, over HTTP at Issuer() (the server must be served there, as by Listen): an
// authorization code grant with PKCE S256 for the public client TestClientID, read from the auto-approve
// redirect (state and iss checked), then redeemed. The Server must be in AutoApprove mode.
func (s *Server) Token(ctx context.Context, req TokenRequest) (*Token, error) {
	if !s.opts.AutoApprove {
		return nil, errors.New("authserver: Token needs Options.AutoApprove")
	}
	hc := req.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	noFollow := *hc
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	verifier := randomString(32)
	sum := sha256.Sum256([]byte(verifier))
	state := randomString(12)
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {TestClientID},
		"redirect_uri":          {TestRedirectURI},
		"state":                 {state},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	if len(req.Scopes) > 0 {
		q.Set("scope", strings.Join(req.Scopes, " "))
	}
	if req.Resource != "" {
		q.Set("resource", req.Resource)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, s.issuer+authorizePath+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := noFollow.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("authserver: authorization request: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		return nil, fmt.Errorf("authserver: authorization request: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	got := loc.Query()
	if e := got.Get("error"); e != "" {
		return nil, fmt.Errorf("authserver: authorization refused: %s: %s", e, got.Get("error_description"))
	}
	if got.Get("state") != state || got.Get("iss") != s.issuer || got.Get("code") == "" {
		return nil, fmt.Errorf("authserver: authorization response %q lacks code, state or iss", loc)
	}
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {got.Get("code")},
		"redirect_uri":  {TestRedirectURI},
		"client_id":     {TestClientID},
		"code_verifier": {verifier},
	}
	if req.Resource != "" {
		form.Set("resource", req.Resource)
	}
	return postToken(ctx, hc, s.issuer+tokenPath, form, nil)
}

// postToken posts a token request and decodes the answer (an OAuth error becomes the error).
func postToken(ctx context.Context, hc *http.Client, endpoint string, form url.Values, setAuth func(*http.Request)) (*Token, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if setAuth != nil {
		setAuth(hr)
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("authserver: token request: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("authserver: token response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("authserver: token request: status %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	var t Token
	if err := json.Unmarshal(body, &t); err != nil {
		return nil, fmt.Errorf("authserver: token response: %w", err)
	}
	return &t, nil
}
