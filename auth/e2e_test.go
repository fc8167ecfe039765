package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// TestOverTheWire runs the discovery a client makes against a protected endpoint on 127.0.0.1: the 401's
// resource_metadata names a document that is served and names the resource; the token then works, two
// Authorization headers on the wire are a 400, and a token in the URL a 400.
func TestOverTheWire(t *testing.T) {
	testKeys(t)
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	resource := base + "/mcp"
	v, err := NewJWTVerifier(JWTOptions{Issuer: testIssuer, Audience: resource, JWKS: jwksOf(ecKey), Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	if err := RegisterMetadata(mux, ProtectedResourceMetadata{Resource: resource, AuthorizationServers: []string{testIssuer}}); err != nil {
		t.Fatal(err)
	}
	mux.Handle("/mcp", Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		_, _ = io.WriteString(w, p.Subject+"|"+r.Header.Get("Authorization"))
	}), MiddlewareOptions{Verifier: v, Resource: resource, Logger: quietLog}))
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	c := srv.Client()

	resp, err := c.Post(resource, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	m := regexp.MustCompile(`resource_metadata="([^"]+)"`).FindStringSubmatch(resp.Header.Get("WWW-Authenticate"))
	if resp.StatusCode != 401 || m == nil {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	resp, err = c.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	var md ProtectedResourceMetadata
	_ = json.NewDecoder(resp.Body).Decode(&md)
	resp.Body.Close()
	if md.Resource != resource || md.AuthorizationServers[0] != testIssuer {
		t.Fatalf("metadata %+v", md)
	}

	c2 := defaultClaims()
	c2["aud"] = resource
	tok := mint(t, ecKey, c2, "at+jwt")
	do := func(url string, auths ...string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, url, nil)
		for _, a := range auths {
			req.Header.Add("Authorization", a)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := do(resource, "Bearer "+tok); code != 200 || body != "alice|" {
		t.Fatalf("valid token: %d %q", code, body)
	}
	if code, _ := do(resource, "Bearer "+tok, "Bearer "+tok); code != 400 {
		t.Fatalf("two headers: %d", code)
	}
	if code, _ := do(resource+"?access_token="+tok, "Bearer "+tok); code != 400 {
		t.Fatalf("token in the URL: %d", code)
	}
}

// TestEmbeddedKeyIgnored: a token signed by the attacker's key, carrying that key in its "jwk" header and the
// kid of a real key, is refused: only the issuer's key set is trusted.
func TestEmbeddedKeyIgnored(t *testing.T) {
	testKeys(t)
	v, _ := NewJWTVerifier(JWTOptions{Issuer: testIssuer, Audience: testResource, JWKS: jwksOf(ecKey), Now: func() time.Time { return testNow }})
	evil, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	embedded := func(k *ecdsa.PrivateKey) string {
		sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k},
			(&jose.SignerOptions{EmbedJWK: true}).WithType("at+jwt").WithHeader("kid", ecKey.kid))
		if err != nil {
			t.Fatal(err)
		}
		tok, err := jwt.Signed(sig).Claims(map[string]any(defaultClaims())).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if _, err := v.Verify(t.Context(), embedded(ecKey.priv.(*ecdsa.PrivateKey))); err != nil {
		t.Fatalf("control: the same construction with the issuer's key: %v", err)
	}
	if _, err := v.Verify(t.Context(), embedded(evil)); !isInvalid(err) {
		t.Fatalf("embedded jwk: %v", err)
	}
}
