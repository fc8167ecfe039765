package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
)

// Client authentication methods at the token endpoint.
const (
	AuthBasic = "client_secret_basic"
	AuthPost  = "client_secret_post"
	AuthNone  = "none"
	// AuthPrivateKeyJWT authenticates with a client assertion signed by Config.PrivateKey (RFC 7523).
	AuthPrivateKeyJWT = "private_key_jwt"
)

// clientCreds is a client's identity at one authorization server.
type clientCreds struct {
	ID, Secret string
	Method     string // AuthBasic, AuthPost or AuthNone
	// RedirectURL is the redirect URI a dynamic registration registered ("" for other clients).
	RedirectURL string
}

// chooseMethod picks the token endpoint authentication: with a secret, basic then post as the server
// allows (basic when it lists none, RFC 8414 §2); without one, none.
func chooseMethod(md *ServerMetadata, haveSecret bool) string {
	if !haveSecret {
		return AuthNone
	}
	sup := md.TokenEndpointAuthMethodsSupported
	switch {
	case len(sup) == 0 || slices.Contains(sup, AuthBasic):
		return AuthBasic
	case slices.Contains(sup, AuthPost):
		return AuthPost
	}
	return AuthNone
}

// keyJWT reports whether token requests of clientID at md authenticate with private_key_jwt: the client
// is the pre-registered one, Config.PrivateKey is set and the server lists the method.
func (t *Transport) keyJWT(md *ServerMetadata, clientID string) bool {
	return t.cfg.PrivateKey != nil && clientID != "" && clientID == t.cfg.ClientID &&
		slices.Contains(md.TokenEndpointAuthMethodsSupported, AuthPrivateKeyJWT)
}

// assertionParams returns the client_assertion members of a token request authenticated with
// private_key_jwt.
func (t *Transport) assertionParams(md *ServerMetadata) (url.Values, error) {
	a, err := t.assertion(md)
	if err != nil {
		return nil, err
	}
	return url.Values{"client_assertion_type": {assertionType}, "client_assertion": {a}}, nil
}

// credentials returns the client's identity at md's issuer: pre-registered, a Client ID Metadata
// Document URL when the server supports it, or a dynamic registration (RFC 7591) — the one
// Config.Clients kept for this issuer (whatever its redirect URI: refreshing needs no redirect, and
// login registers again before an authorization when the redirect URI differs), else a new one, kept
// there.
func (t *Transport) credentials(ctx context.Context, hc *http.Client, md *ServerMetadata) (clientCreds, error) {
	if c, ok := t.clients[md.Issuer]; ok {
		return c, nil
	}
	var c clientCreds
	switch {
	case t.cfg.ClientID != "":
		c = clientCreds{ID: t.cfg.ClientID, Secret: t.cfg.ClientSecret, Method: chooseMethod(md, t.cfg.ClientSecret != "")}
		if t.keyJWT(md, t.cfg.ClientID) {
			c.Secret, c.Method = "", AuthPrivateKeyJWT
		}
	case t.cfg.ClientMetadataURL != "" && md.ClientIDMetadataDocumentSupported:
		c = clientCreds{ID: t.cfg.ClientMetadataURL, Method: AuthNone}
	case md.RegistrationEndpoint != "":
		kept, ok, err := t.storedClient(ctx, md.Issuer)
		if err != nil {
			return c, err
		}
		if ok {
			c = kept
			break
		}
		if c, err = t.register(ctx, hc, md); err != nil {
			return c, err
		}
		if err := t.keepClient(ctx, md.Issuer, c); err != nil {
			return c, err
		}
	default:
		return c, fmt.Errorf("oauth: %s supports neither a client ID metadata document nor dynamic registration, and no client ID is configured", md.Issuer)
	}
	t.clients[md.Issuer] = c
	return c, nil
}

// registrationResponse is the part of an RFC 7591 answer the client keeps.
type registrationResponse struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Method       string `json:"token_endpoint_auth_method"`
}

// register registers the client dynamically at md's registration endpoint.
func (t *Transport) register(ctx context.Context, hc *http.Client, md *ServerMetadata) (clientCreds, error) {
	method := AuthNone
	sup := md.TokenEndpointAuthMethodsSupported
	if len(sup) > 0 && !slices.Contains(sup, AuthNone) {
		method = chooseMethod(md, true)
	}
	body, _ := json.Marshal(map[string]any{
		"client_name":                t.cfg.clientName(),
		"redirect_uris":              []string{t.cfg.redirectURL()},
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": method,
		"application_type":           "native",
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, md.RegistrationEndpoint, bytes.NewReader(body))
	if err != nil {
		return clientCreds{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return clientCreds{}, fmt.Errorf("oauth: registering at %s: %w", md.RegistrationEndpoint, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return clientCreds{}, fmt.Errorf("oauth: registering at %s: %s: %s", md.RegistrationEndpoint, resp.Status, bytes.TrimSpace(msg))
	}
	var r registrationResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxMetadataBytes)).Decode(&r); err != nil || r.ClientID == "" {
		return clientCreds{}, fmt.Errorf("oauth: registration at %s returned no client_id (%v)", md.RegistrationEndpoint, err)
	}
	c := clientCreds{ID: r.ClientID, Secret: r.ClientSecret, Method: r.Method, RedirectURL: t.cfg.redirectURL()}
	if c.Method == "" {
		c.Method = chooseMethod(md, c.Secret != "")
	}
	if c.Secret == "" {
		c.Method = AuthNone
	}
	return c, nil
}

// reregister replaces the registration at md's issuer by a new one for the configured redirect URI (a
// kept registration names another), and keeps it.
func (t *Transport) reregister(ctx context.Context, md *ServerMetadata) (clientCreds, error) {
	c, err := t.register(ctx, t.hc, md)
	if err != nil {
		return c, err
	}
	if err := t.keepClient(ctx, md.Issuer, c); err != nil {
		return c, err
	}
	t.clients[md.Issuer] = c
	return c, nil
}
