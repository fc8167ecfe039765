package oauth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/mcpkit/mcpkit/client/oauth"
)

func TestClientCredentialsBasic(t *testing.T) {
	f := newFakeAS(t)
	hc := &http.Client{Transport: oauth.NewTransport(oauth.Config{ClientCredentials: true, ClientID: "svc", ClientSecret: "s3cret"})}
	if resp, err := get(t, hc, f.srv.URL+"/mcp"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET = %v, %v", resp, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lastForm.Get("grant_type") != "client_credentials" || f.lastForm.Get("resource") != f.srv.URL+"/mcp" {
		t.Fatalf("token request %v", f.lastForm)
	}
	req, _ := http.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", f.lastAuth)
	if id, secret, ok := req.BasicAuth(); !ok || id != "svc" || secret != "s3cret" {
		t.Fatalf("Authorization %q: want Basic svc:s3cret", f.lastAuth)
	}
}

func TestClientCredentialsPrivateKeyJWT(t *testing.T) {
	f := newFakeAS(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: oauth.NewTransport(oauth.Config{ClientCredentials: true, ClientID: "svc", PrivateKey: key})}
	if resp, err := get(t, hc, f.srv.URL+"/mcp"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET = %v, %v", resp, err)
	}
	f.mu.Lock()
	form, authz := f.lastForm, f.lastAuth
	f.mu.Unlock()
	if authz != "" || form.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		t.Fatalf("token request %v (Authorization %q)", form, authz)
	}
	tok, err := jwt.ParseSigned(form.Get("client_assertion"), []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	var c jwt.Claims
	if err := tok.Claims(&key.PublicKey, &c); err != nil {
		t.Fatalf("assertion does not verify with the client's key: %v", err)
	}
	if err := c.Validate(jwt.Expected{Issuer: "svc", Subject: "svc", AnyAudience: jwt.Audience{f.srv.URL}}); err != nil || c.ID == "" {
		t.Fatalf("assertion claims %+v: %v", c, err)
	}
}
