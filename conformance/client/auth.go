package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/client/oauth"
	"github.com/mcpkit/mcpkit/mcp"
)

// cimdURL is the Client ID Metadata Document URL the suite expects as client_id (auth/basic-cimd).
const cimdURL = "https://conformance-test.local/client-metadata.json"

// authContext is the part of MCP_CONFORMANCE_CONTEXT the authorization code scenarios use.
type authContext struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// authFlow logs in with the authorization code flow (headless: the mock authorization server approves
// by redirecting), lists the tools and calls each: the step-up scenarios gate tools/call behind a wider
// scope.
func authFlow(ctx context.Context, e *env) error {
	var ac authContext
	if e.context != nil {
		if err := json.Unmarshal(e.context, &ac); err != nil {
			return fmt.Errorf("reading %s: %w", envContext, err)
		}
	}
	e.httpClient = &http.Client{Transport: oauth.NewTransport(oauth.Config{
		ClientID:          ac.ClientID,
		ClientSecret:      ac.ClientSecret,
		ClientMetadataURL: cimdURL,
		ClientName:        "mcpkit-conformance-client",
		Authorize:         oauth.Headless(nil),
		DPoPKey:           e.dpopKey,
	})}
	return withTools(ctx, e, func(s *client.Session, tools []mcp.Tool) error {
		return callEach(ctx, s, tools)
	})
}

// ccContext is MCP_CONFORMANCE_CONTEXT of the client credentials scenarios.
type ccContext struct {
	ClientID         string `json:"client_id"`
	ClientSecret     string `json:"client_secret"`
	PrivateKeyPEM    string `json:"private_key_pem"`
	SigningAlgorithm string `json:"signing_algorithm"`
}

// authClientCredentials gets a token with the client credentials grant (client_secret_basic, or
// private_key_jwt with the PEM key from the context), then lists and calls the tools.
func authClientCredentials(ctx context.Context, e *env) error {
	var cc ccContext
	if e.context == nil {
		return fmt.Errorf("%s is not set: the scenario passes the client credentials there", envContext)
	}
	if err := json.Unmarshal(e.context, &cc); err != nil {
		return fmt.Errorf("reading %s: %w", envContext, err)
	}
	cfg := oauth.Config{ClientCredentials: true, ClientID: cc.ClientID, ClientSecret: cc.ClientSecret, SigningAlgorithm: cc.SigningAlgorithm}
	if cc.PrivateKeyPEM != "" {
		block, _ := pem.Decode([]byte(cc.PrivateKeyPEM))
		if block == nil {
			return fmt.Errorf("private_key_pem of %s holds no PEM block", envContext)
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return fmt.Errorf("private_key_pem: %w", err)
		}
		signer, ok := k.(crypto.Signer)
		if !ok {
			return fmt.Errorf("private_key_pem: a %T cannot sign", k)
		}
		cfg.PrivateKey = signer
	}
	e.httpClient = &http.Client{Transport: oauth.NewTransport(cfg)}
	return withTools(ctx, e, func(s *client.Session, tools []mcp.Tool) error {
		return callEach(ctx, s, tools)
	})
}

// authDPoP runs authFlow with a DPoP key: the scenario's servers advertise ES256 proofs.
func authDPoP(ctx context.Context, e *env) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	e.dpopKey = key
	return authFlow(ctx, e)
}

// assertionContext is MCP_CONFORMANCE_CONTEXT of the workload identity and enterprise-managed scenarios.
type assertionContext struct {
	ClientID         string `json:"client_id"`
	ClientSecret     string `json:"client_secret"`
	ValidJWT         string `json:"valid_jwt"`
	IdPClientID      string `json:"idp_client_id"`
	IdPIDToken       string `json:"idp_id_token"`
	IdPTokenEndpoint string `json:"idp_token_endpoint"`
}

// authAssertion gets a token with the JWT bearer grant: the workload JWT from the context
// (auth/wif-jwt-bearer), or an ID-JAG exchanged for the IdP's ID token (enterprise-managed), then lists
// and calls the tools.
func authAssertion(ctx context.Context, e *env) error {
	var ac assertionContext
	if e.context == nil {
		return fmt.Errorf("%s is not set: the scenario passes the assertion inputs there", envContext)
	}
	if err := json.Unmarshal(e.context, &ac); err != nil {
		return fmt.Errorf("reading %s: %w", envContext, err)
	}
	cfg := oauth.Config{ClientID: ac.ClientID, ClientSecret: ac.ClientSecret}
	switch {
	case ac.ValidJWT != "":
		cfg.Assertion = oauth.StaticAssertion(ac.ValidJWT)
	case ac.IdPIDToken != "":
		cfg.Assertion = oauth.IDJAG(nil, ac.IdPTokenEndpoint, ac.IdPClientID, ac.IdPIDToken)
	default:
		return fmt.Errorf("%s has neither valid_jwt nor idp_id_token", envContext)
	}
	e.httpClient = &http.Client{Transport: oauth.NewTransport(cfg)}
	return withTools(ctx, e, func(s *client.Session, tools []mcp.Tool) error {
		return callEach(ctx, s, tools)
	})
}
