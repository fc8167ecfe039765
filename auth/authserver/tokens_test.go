package authserver

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func TestAudienceBinding(t *testing.T) {
	s := start(t, Options{AutoApprove: true, Resources: []string{testResource}})
	tok, err := s.Token(context.Background(), TokenRequest{Resource: testResource, Scopes: []string{"mcp:read", "mcp:write"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := claimsOf(t, s, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(c["aud"], testResource) && !sameJSON(c["aud"], []string{testResource}) {
		t.Errorf("aud = %v, want %s", c["aud"], testResource)
	}
	if c["iss"] != s.Issuer() || c["sub"] != "dev-user" || c["client_id"] != TestClientID || c["scope"] != "mcp:read mcp:write" || c["jti"] == nil || c["exp"] == nil {
		t.Errorf("claims %v", c)
	}
	// A resource outside the allow-list is refused (at the authorization endpoint: invalid_target).
	_, err = s.Token(context.Background(), TokenRequest{Resource: "http://127.0.0.1:2/other"})
	if err == nil || !strings.Contains(err.Error(), "invalid_target") {
		t.Errorf("other resource: %v, want invalid_target", err)
	}
	// The token request may not change the resource.
	p := newPKCE()
	_, got, _ := authorize(t, s, authQuery(TestClientID, TestRedirectURI, p, "resource", testResource))
	if st, m := redeem(t, s, got.Get("code"), TestRedirectURI, TestClientID, p, "resource", "http://127.0.0.1:2/other"); st != 400 {
		t.Errorf("token request with another resource: %d %v, want 400", st, m)
	}
}

func TestRefreshRotation(t *testing.T) {
	s := start(t, Options{AutoApprove: true})
	tok, err := s.Token(context.Background(), TokenRequest{Resource: testResource, Scopes: []string{"mcp:read"}})
	if err != nil {
		t.Fatal(err)
	}
	refresh := func(rt string, extra ...string) (int, map[string]any) {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {TestClientID}}
		for i := 0; i+1 < len(extra); i += 2 {
			form.Set(extra[i], extra[i+1])
		}
		st, m, _ := post(t, s, "/oauth/token", form, "", "")
		return st, m
	}
	st, m := refresh(tok.RefreshToken)
	if st != 200 || m["refresh_token"] == nil || m["refresh_token"] == tok.RefreshToken {
		t.Fatalf("refresh: %d %v, want a new refresh token", st, m)
	}
	c, err := claimsOf(t, s, m["access_token"].(string))
	if err != nil || !sameJSON(c["aud"], testResource) && !sameJSON(c["aud"], []string{testResource}) || c["scope"] != "mcp:read" {
		t.Errorf("refreshed token claims %v (%v): want the same aud and scope", c, err)
	}
	if st, m := refresh(tok.RefreshToken); st != 400 || m["error"] != "invalid_grant" {
		t.Errorf("reuse of a rotated refresh token: %d %v, want 400 invalid_grant", st, m)
	}
	if st, m := refresh(m["refresh_token"].(string), "resource", "http://127.0.0.1:2/other"); st != 400 {
		t.Errorf("refresh for another resource: %d %v, want 400", st, m)
	}
	// The reuse revoked the grant (RFC 9700 4.14.2): the token that replaced the reused one is dead too.
	if st, m := refresh(m["refresh_token"].(string)); st != 400 || m["error"] != "invalid_grant" {
		t.Errorf("refresh after a reuse was detected: %d %v, want 400 invalid_grant", st, m)
	}
	// Without reuse, a chain of rotations goes on.
	tok2, err := s.Token(context.Background(), TokenRequest{Resource: testResource})
	if err != nil {
		t.Fatal(err)
	}
	rt := tok2.RefreshToken
	for i := range 3 {
		st, m := refresh(rt)
		if st != 200 {
			t.Fatalf("rotation %d: %d %v", i, st, m)
		}
		rt = m["refresh_token"].(string)
	}
}

func TestClientCredentialsAndIntrospection(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	s := start(t, Options{AutoApprove: true, Now: clock.Now, Clients: []Client{{ID: "rs", Secret: "rs-secret"}}})
	st, m, _ := post(t, s, "/oauth/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"mcp:admin"}, "resource": {testResource}}, "rs", "rs-secret")
	if st != 200 || m["access_token"] == nil {
		t.Fatalf("client_credentials: %d %v", st, m)
	}
	c, err := claimsOf(t, s, m["access_token"].(string))
	if err != nil || c["sub"] != "rs" || c["client_id"] != "rs" || c["scope"] != "mcp:admin" || !sameJSON(c["aud"], testResource) && !sameJSON(c["aud"], []string{testResource}) {
		t.Errorf("client_credentials claims %v (%v)", c, err)
	}
	if st, _, _ := post(t, s, "/oauth/token", url.Values{"grant_type": {"client_credentials"}}, "rs", "wrong"); st != 401 && st != 400 {
		t.Errorf("client_credentials with a wrong secret: %d, want 400/401", st)
	}
	if st, _, _ := post(t, s, "/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {TestClientID}}, "", ""); st == 200 {
		t.Errorf("client_credentials for a public client: 200, want refused")
	}

	tok, err := s.Token(context.Background(), TokenRequest{Resource: testResource, Scopes: []string{"mcp:read"}})
	if err != nil {
		t.Fatal(err)
	}
	introspect := func(token string) map[string]any {
		st, m, _ := post(t, s, "/oauth/introspect", url.Values{"token": {token}}, "rs", "rs-secret")
		if st != 200 {
			t.Fatalf("introspect: %d %v", st, m)
		}
		return m
	}
	if m := introspect(tok.AccessToken); m["active"] != true || m["sub"] != "dev-user" || m["scope"] != "mcp:read" || m["client_id"] != TestClientID || !sameJSON(m["aud"], testResource) && !sameJSON(m["aud"], []string{testResource}) {
		t.Errorf("active token: %v", m)
	}
	for name, tk := range map[string]string{"garbage": "abc", "refresh token": tok.RefreshToken, "tampered": tok.AccessToken[:len(tok.AccessToken)-4] + "AAAA"} {
		if m := introspect(tk); m["active"] != false {
			t.Errorf("%s: %v, want active false", name, m)
		}
	}
	if st, _, _ := post(t, s, "/oauth/introspect", url.Values{"token": {tok.AccessToken}}, "", ""); st != 401 {
		t.Errorf("introspection without client authentication: %d, want 401", st)
	}
	// Revoked, then expired.
	tok2, _ := s.Token(context.Background(), TokenRequest{Resource: testResource})
	if st, m, _ := post(t, s, "/revoke", url.Values{"token": {tok2.AccessToken}, "client_id": {TestClientID}}, "", ""); st != 200 {
		t.Fatalf("revoke: %d %v", st, m)
	}
	if m := introspect(tok2.AccessToken); m["active"] != false {
		t.Errorf("revoked token: %v, want inactive", m)
	}
	clock.Add(time.Hour + time.Second)
	if m := introspect(tok.AccessToken); m["active"] != false {
		t.Errorf("expired token: %v, want inactive", m)
	}
}

func TestKeyRotationGrace(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	s := start(t, Options{AutoApprove: true, Now: clock.Now, KeyGrace: 10 * time.Minute, AccessTokenTTL: 24 * time.Hour,
		Clients: []Client{{ID: "rs", Secret: "rs-secret"}}})
	old, err := s.Token(context.Background(), TokenRequest{Resource: testResource})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RotateKey(); err != nil {
		t.Fatal(err)
	}
	fresh, err := s.Token(context.Background(), TokenRequest{Resource: testResource})
	if err != nil {
		t.Fatal(err)
	}
	kid := func(tk string) string {
		tok, err := jwt.ParseSigned(tk, []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			t.Fatal(err)
		}
		return tok.Headers[0].KeyID
	}
	if kid(old.AccessToken) == kid(fresh.AccessToken) {
		t.Fatal("the token after RotateKey is signed with the old key")
	}
	active := func(tk string) bool {
		_, m, _ := post(t, s, "/oauth/introspect", url.Values{"token": {tk}}, "rs", "rs-secret")
		return m["active"] == true
	}
	clock.Add(9 * time.Minute) // within the grace period
	if _, err := claimsOf(t, s, old.AccessToken); err != nil || !active(old.AccessToken) {
		t.Errorf("old-key token within the grace period: JWKS verification %v, active %v", err, active(old.AccessToken))
	}
	clock.Add(2 * time.Minute) // past it
	if _, err := claimsOf(t, s, old.AccessToken); err == nil || active(old.AccessToken) {
		t.Errorf("old-key token after the grace period: still verifiable")
	}
	if _, err := claimsOf(t, s, fresh.AccessToken); err != nil || !active(fresh.AccessToken) {
		t.Errorf("new-key token: %v", err)
	}
}

func TestRS256(t *testing.T) {
	s, err := Listen("", Options{AutoApprove: true, SigningAlgorithm: "RS256"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tok, err := s.Token(context.Background(), TokenRequest{Resource: testResource})
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jwt.ParseSigned(tok.AccessToken, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || parsed.Headers[0].Algorithm != "RS256" {
		t.Fatalf("RS256 token: %v", err)
	}
	if _, err := claimsOf(t, s, tok.AccessToken); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentFlows runs flows, refreshes and a key rotation at once (for the race detector) and checks
// that every token is distinct and verifiable.
func TestConcurrentFlows(t *testing.T) {
	s := start(t, Options{AutoApprove: true})
	const workers, each = 4, 3
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]bool{}
	errs := make(chan error, workers*each+1)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				tok, err := s.Token(context.Background(), TokenRequest{Resource: testResource, Scopes: []string{"a"}})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				seen[tok.AccessToken] = true
				mu.Unlock()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.RotateKey(); err != nil {
			errs <- err
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(seen) != workers*each {
		t.Errorf("%d distinct tokens, want %d", len(seen), workers*each)
	}
	for tk := range seen {
		if _, err := claimsOf(t, s, tk); err != nil {
			t.Errorf("token not verifiable against the JWKS: %v", err)
			break
		}
	}
}
