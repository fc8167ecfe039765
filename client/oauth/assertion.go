package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Grant types and token types of the assertion flows.
const (
	GrantJWTBearer     = "urn:ietf:params:oauth:grant-type:jwt-bearer"     // RFC 7523 §2.1
	GrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange" // RFC 8693
	TokenTypeIDToken   = "urn:ietf:params:oauth:token-type:id_token"
	TokenTypeIDJAG     = "urn:ietf:params:oauth:token-type:id-jag"
)

// AssertionRequest says what an assertion is for.
type AssertionRequest struct {
	Issuer   string // the authorization server that will redeem it (its audience)
	Resource string // the MCP server
	Scopes   []string
}

// AssertionFunc returns a JWT to redeem with the JWT bearer grant (RFC 7523): a workload identity token,
// or an identity assertion authorization grant obtained from an enterprise IdP (IDJAG).
type AssertionFunc func(ctx context.Context, r AssertionRequest) (string, error)

// StaticAssertion returns an AssertionFunc that always returns jwt (a workload identity token a platform
// mounted, for example).
func StaticAssertion(jwt string) AssertionFunc {
	return func(context.Context, AssertionRequest) (string, error) { return jwt, nil }
}

// IDJAG returns an AssertionFunc that exchanges idToken at an enterprise IdP's token endpoint (RFC 8693,
// requested_token_type id-jag, audience the authorization server, resource the MCP server) as IdP client
// clientID, for enterprise-managed authorization. Nil hc uses http.DefaultClient.
func IDJAG(hc *http.Client, tokenEndpoint, clientID, idToken string) AssertionFunc {
	if hc == nil {
		hc = http.DefaultClient
	}
	return func(ctx context.Context, r AssertionRequest) (string, error) {
		form := url.Values{
			"grant_type":           {GrantTokenExchange},
			"subject_token":        {idToken},
			"subject_token_type":   {TokenTypeIDToken},
			"requested_token_type": {TokenTypeIDJAG},
			"audience":             {r.Issuer},
			"resource":             {r.Resource},
			"client_id":            {clientID},
		}
		if len(r.Scopes) > 0 {
			form.Set("scope", strings.Join(r.Scopes, " "))
		}
		tok, err := postToken(ctx, hc, tokenEndpoint, form, "", "")
		if err != nil {
			return "", fmt.Errorf("oauth: ID-JAG token exchange: %w", err)
		}
		return tok.AccessToken, nil
	}
}

// assertionToken redeems an assertion with the JWT bearer grant at md's token endpoint, authenticating
// with client_secret_basic when Config.ClientSecret is set, else sending client_id.
func (t *Transport) assertionToken(ctx context.Context, md *ServerMetadata, resource string, scopes []string) (*oauth2.Token, error) {
	a, err := t.cfg.Assertion(ctx, AssertionRequest{Issuer: md.Issuer, Resource: resource, Scopes: scopes})
	if err != nil {
		return nil, err
	}
	form := url.Values{"grant_type": {GrantJWTBearer}, "assertion": {a}, "resource": {resource}}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	id, secret := t.cfg.ClientID, t.cfg.ClientSecret
	if secret == "" && id != "" {
		form.Set("client_id", id)
		id = ""
	}
	tok, err := postToken(ctx, t.hc, md.TokenEndpoint, form, id, secret)
	if err != nil {
		return nil, fmt.Errorf("oauth: JWT bearer grant at %s: %w", md.TokenEndpoint, err)
	}
	return tok, nil
}

// tokenResponse is a token endpoint answer (RFC 6749 §5.1, §5.2).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

// postToken POSTs form to a token endpoint (with HTTP Basic id:secret when id is set) and reads the token.
// An error answer is returned as an error naming the OAuth error code; it is not retried.
func postToken(ctx context.Context, hc *http.Client, endpoint string, form url.Values, id, secret string) (*oauth2.Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var tr tokenResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxMetadataBytes)).Decode(&tr); err != nil {
		return nil, fmt.Errorf("%s: %s, not a token response: %w", endpoint, resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK || tr.Error != "" || tr.AccessToken == "" {
		return nil, fmt.Errorf("%s: %s: %s %s", endpoint, resp.Status, tr.Error, tr.Description)
	}
	tok := &oauth2.Token{AccessToken: tr.AccessToken, TokenType: tr.TokenType, RefreshToken: tr.RefreshToken}
	if tr.ExpiresIn > 0 {
		tok.Expiry = time.Now().Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	if tr.Scope != "" {
		tok = tok.WithExtra(map[string]any{"scope": tr.Scope})
	}
	return tok, nil
}
