package oauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"net/http"
	"net/url"
)

// DefaultRedirectURL is the redirect URI registered when Config.RedirectURL is empty.
const DefaultRedirectURL = "http://127.0.0.1:8976/callback"

// DefaultMaxStepUps bounds the logins a Transport runs for 403 insufficient_scope answers before it
// hands the 403 to the caller (reset by any successful request).
const DefaultMaxStepUps = 2

// AuthorizeFunc is the user-facing step: it visits the authorization URL and returns the URL the
// authorization server redirected to (carrying code, state and maybe iss, or error).
type AuthorizeFunc func(ctx context.Context, authURL string) (*url.URL, error)

// Config configures a Transport. The zero value registers dynamically and has no Authorize step (a 401
// then fails with ErrLoginRequired).
type Config struct {
	// Base sends the requests, to the MCP server and to the authorization server. Nil uses
	// http.DefaultTransport.
	Base http.RoundTripper
	// ClientID and ClientSecret are a pre-registered client (the secret empty for a public client).
	ClientID, ClientSecret string
	// ClientMetadataURL is the client's Client ID Metadata Document URL, used as client_id at servers that
	// advertise client_id_metadata_document_supported when ClientID is empty.
	ClientMetadataURL string
	// ClientName is sent at dynamic registration (default "mcpkit").
	ClientName string
	// RedirectURL is the redirect URI (default DefaultRedirectURL).
	RedirectURL string
	// Scopes, when set, replace the scope choice (WWW-Authenticate scope, then scopes_supported, then none).
	Scopes []string
	// Authorize runs the user-facing step; Headless for tests and unattended clients.
	Authorize AuthorizeFunc
	// Store keeps tokens, keyed by issuer and resource. Nil uses a MemoryStore.
	Store TokenStore
	// Clients keeps dynamic registrations between runs (a FileStore serves as both Store and Clients), so
	// that a new run refreshes stored tokens as the client they were issued to. Nil keeps them in memory,
	// for the Transport's life.
	Clients ClientStore
	// ClientCredentials selects the client credentials grant (no user, no Authorize step) instead of the
	// authorization code grant: the client authenticates with ClientID and ClientSecret (client_secret_basic,
	// or client_secret_post when the server allows only that), or with PrivateKey (private_key_jwt).
	ClientCredentials bool
	// PrivateKey signs client assertions (private_key_jwt, RFC 7523): for the client credentials grant, and
	// for the token requests (code exchange, refresh) of the pre-registered ClientID at a server that lists
	// private_key_jwt.
	PrivateKey crypto.Signer
	// SigningAlgorithm is the JWS algorithm of client assertions (default ES256).
	SigningAlgorithm string
	// DPoPKey, when set, makes tokens sender-constrained (DPoP, RFC 9449) at authorization servers that
	// advertise ES256 in dpop_signing_alg_values_supported: proofs at the token endpoint and with each request,
	// server nonces honoured.
	DPoPKey *ecdsa.PrivateKey
	// Assertion, when set, selects the JWT bearer grant (RFC 7523): the token comes from redeeming the JWT
	// it returns (StaticAssertion for workload identity, IDJAG for enterprise-managed authorization), with
	// no Authorize step.
	Assertion AssertionFunc
	// MaxStepUps bounds step-up logins (default DefaultMaxStepUps; negative for none).
	MaxStepUps int
}

func (c *Config) clientName() string {
	if c.ClientName != "" {
		return c.ClientName
	}
	return "mcpkit"
}

func (c *Config) redirectURL() string {
	if c.RedirectURL != "" {
		return c.RedirectURL
	}
	return DefaultRedirectURL
}

func (c *Config) maxStepUps() int {
	switch {
	case c.MaxStepUps < 0:
		return 0
	case c.MaxStepUps == 0:
		return DefaultMaxStepUps
	}
	return c.MaxStepUps
}
