package oauth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// assertionType is the client_assertion_type of private_key_jwt (RFC 7523 §2.2).
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionLifetime is how long a client assertion is valid.
const assertionLifetime = 5 * time.Minute

// clientCredentialsToken runs the client credentials grant (the OAuth client credentials extension) at
// md's token endpoint for resource: client_secret_basic with Config.ClientSecret, or private_key_jwt
// (RFC 7523) with Config.PrivateKey.
func (t *Transport) clientCredentialsToken(ctx context.Context, md *ServerMetadata, resource string, scopes []string) (*oauth2.Token, *oauth2.Config, error) {
	if t.cfg.ClientID == "" {
		return nil, nil, fmt.Errorf("oauth: the client credentials grant needs Config.ClientID")
	}
	cc := clientcredentials.Config{
		ClientID:       t.cfg.ClientID,
		ClientSecret:   t.cfg.ClientSecret,
		TokenURL:       md.TokenEndpoint,
		Scopes:         scopes,
		EndpointParams: url.Values{"resource": {resource}},
		AuthStyle:      oauth2.AuthStyleInHeader,
	}
	if t.cfg.PrivateKey != nil {
		a, err := t.assertion(md)
		if err != nil {
			return nil, nil, err
		}
		cc.ClientSecret = ""
		cc.AuthStyle = oauth2.AuthStyleInParams
		cc.EndpointParams.Set("client_assertion_type", assertionType)
		cc.EndpointParams.Set("client_assertion", a)
	} else if chooseMethod(md, true) == AuthPost {
		cc.AuthStyle = oauth2.AuthStyleInParams
	}
	tok, err := cc.Token(t.ctx(ctx))
	if err != nil {
		return nil, nil, fmt.Errorf("oauth: client credentials grant at %s: %w", md.TokenEndpoint, err)
	}
	oc := &oauth2.Config{ClientID: cc.ClientID, ClientSecret: cc.ClientSecret, Scopes: scopes,
		Endpoint: oauth2.Endpoint{TokenURL: md.TokenEndpoint, AuthStyle: cc.AuthStyle}}
	return tok, oc, nil
}

// assertion signs a client assertion: iss and sub the client ID, aud the issuer, a fresh jti.
func (t *Transport) assertion(md *ServerMetadata) (string, error) {
	alg := jose.SignatureAlgorithm(t.cfg.SigningAlgorithm)
	if alg == "" {
		alg = jose.ES256
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: t.cfg.PrivateKey}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("oauth: client assertion signer (%s): %w", alg, err)
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	now := time.Now()
	return jwt.Signed(signer).Claims(jwt.Claims{
		Issuer:   t.cfg.ClientID,
		Subject:  t.cfg.ClientID,
		Audience: jwt.Audience{md.Issuer},
		ID:       hex.EncodeToString(id[:]),
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(now.Add(assertionLifetime)),
	}).Serialize()
}
