package oauth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"sync/atomic"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/mcpkit/mcpkit/client/oauth"
)

// TestPrivateKeyJWTTokenRequests: a pre-registered client with a private key, at a server listing
// private_key_jwt, authenticates its code exchange and its refresh with a client assertion signed by that key
// (iss = sub = its client ID, aud = the issuer), never a secret.
func TestPrivateKeyJWTTokenRequests(t *testing.T) {
	f := newFakeAS(t)
	f.authMethods = []string{"private_key_jwt"}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	hc := &http.Client{Transport: oauth.NewTransport(oauth.Config{ClientID: "pk-client", PrivateKey: key, Authorize: countingHeadless(&n, nil)})}
	check := func(step, grant string) {
		t.Helper()
		f.mu.Lock()
		form, authz := f.lastForm, f.lastAuth
		f.mu.Unlock()
		if form.Get("grant_type") != grant || form.Get("client_secret") != "" || authz != "" {
			t.Fatalf("%s: token request %v (Authorization %q), want grant %s without a secret", step, form, authz, grant)
		}
		if form.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
			t.Fatalf("%s: client_assertion_type %q", step, form.Get("client_assertion_type"))
		}
		tok, err := jwt.ParseSigned(form.Get("client_assertion"), []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			t.Fatalf("%s: client_assertion: %v", step, err)
		}
		var c jwt.Claims
		if err := tok.Claims(&key.PublicKey, &c); err != nil {
			t.Fatalf("%s: the assertion is not signed by the client's key: %v", step, err)
		}
		if c.Issuer != "pk-client" || c.Subject != "pk-client" || !c.Audience.Contains(f.srv.URL) || c.ID == "" {
			t.Fatalf("%s: assertion claims %+v, want iss = sub = pk-client, aud %s, a jti", step, c, f.srv.URL)
		}
	}
	if resp, err := get(t, hc, f.srv.URL+"/mcp"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("first GET = %v, %v", resp, err)
	}
	check("code exchange", "authorization_code")
	f.revokeAll()
	if resp, err := get(t, hc, f.srv.URL+"/mcp"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET after revocation = %v, %v", resp, err)
	}
	check("refresh", "refresh_token")
	if n.Load() != 1 {
		t.Fatalf("%d logins, want 1 (the second token came from the refresh)", n.Load())
	}
}
