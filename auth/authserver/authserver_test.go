package authserver

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const testResource = "http://127.0.0.1:1/mcp"

// fakeClock is a clock the tests move.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.SigningAlgorithm == "" {
		opts.SigningAlgorithm = "ES256" // fast keys; RS256 is covered by TestRS256
	}
	s, err := Listen("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var noFollow = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

type pkce struct{ verifier, challenge string }

func newPKCE() pkce {
	v := randomString(32)
	sum := sha256.Sum256([]byte(v))
	return pkce{v, base64.RawURLEncoding.EncodeToString(sum[:])}
}

// authorize sends an authorization request and returns the status and the redirect's query (nil if none).
func authorize(t *testing.T, s *Server, q url.Values) (int, url.Values, string) {
	t.Helper()
	resp, err := noFollow.Get(s.Issuer() + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if loc == "" {
		return resp.StatusCode, nil, string(body)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, u.Query(), loc
}

func authQuery(clientID, redirect string, p pkce, extra ...string) url.Values {
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect}, "state": {"st-1"},
		"code_challenge": {p.challenge}, "code_challenge_method": {"S256"},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return q
}

// post sends a form to the server and returns status and decoded JSON body.
func post(t *testing.T, s *Server, path string, form url.Values, user, pass string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.Issuer()+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	if m == nil {
		m = map[string]any{"raw": string(body)}
	}
	return resp.StatusCode, m, resp.Header
}

func redeem(t *testing.T, s *Server, code, redirect, clientID string, p pkce, extra ...string) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"client_id": {clientID}, "code_verifier": {p.verifier}}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	st, m, _ := post(t, s, "/oauth/token", form, "", "")
	return st, m
}

// claimsOf verifies a token against the server's JWKS (as a resource server would) and returns its claims.
func claimsOf(t *testing.T, s *Server, token string) (map[string]any, error) {
	t.Helper()
	resp, err := http.Get(s.Issuer() + "/keys")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	if err != nil {
		return nil, err
	}
	if typ := tok.Headers[0].ExtraHeaders[jose.HeaderType]; typ != "at+jwt" {
		t.Errorf("typ = %v, want at+jwt", typ)
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) == 0 {
		return nil, io.ErrUnexpectedEOF // no such key in the JWKS
	}
	var claims map[string]any
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		return nil, err
	}
	return claims, nil
}

func TestMetadata(t *testing.T) {
	s := start(t, Options{})
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		resp, err := http.Get(s.Issuer() + path)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		err = json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: %d %v %s", path, resp.StatusCode, err, resp.Header.Get("Content-Type"))
		}
		if m["issuer"] != s.Issuer() {
			t.Errorf("%s: issuer %v, want %s", path, m["issuer"], s.Issuer())
		}
		if got := m["code_challenge_methods_supported"]; !sameJSON(got, []string{"S256"}) {
			t.Errorf("%s: code_challenge_methods_supported %v, want [S256] only", path, got)
		}
		for _, k := range []string{"authorization_endpoint", "token_endpoint", "registration_endpoint", "jwks_uri", "introspection_endpoint"} {
			if v, _ := m[k].(string); !strings.HasPrefix(v, s.Issuer()+"/") {
				t.Errorf("%s: %s = %v", path, k, m[k])
			}
		}
		if m["client_id_metadata_document_supported"] != true || m["authorization_response_iss_parameter_supported"] != true {
			t.Errorf("%s: CIMD or iss support not advertised: %v", path, m)
		}
	}
}

func sameJSON(a any, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestPKCERequiredS256Only(t *testing.T) {
	s := start(t, Options{AutoApprove: true})
	p := newPKCE()
	for name, q := range map[string]url.Values{
		"no PKCE": func() url.Values {
			q := authQuery(TestClientID, TestRedirectURI, p)
			q.Del("code_challenge")
			q.Del("code_challenge_method")
			return q
		}(),
		"plain": authQuery(TestClientID, TestRedirectURI, pkce{p.verifier, p.verifier}, "code_challenge_method", "plain"),
		"no method": func() url.Values {
			q := authQuery(TestClientID, TestRedirectURI, p)
			q.Del("code_challenge_method")
			return q
		}(),
	} {
		_, got, loc := authorize(t, s, q)
		if got.Get("error") != "invalid_request" || got.Get("code") != "" || got.Get("iss") != s.Issuer() || got.Get("state") != "st-1" {
			t.Errorf("%s: redirect %q, want error=invalid_request with state and iss, no code", name, loc)
		}
	}
	// A right challenge with a wrong verifier is refused at the token endpoint.
	_, got, _ := authorize(t, s, authQuery(TestClientID, TestRedirectURI, p))
	if st, m := redeem(t, s, got.Get("code"), TestRedirectURI, TestClientID, newPKCE()); st != 400 || m["error"] != "invalid_grant" {
		t.Errorf("wrong verifier: %d %v, want 400 invalid_grant", st, m)
	}
}

func TestCodeFlowStateIssSingleUse(t *testing.T) {
	s := start(t, Options{AutoApprove: true})
	p := newPKCE()
	status, got, loc := authorize(t, s, authQuery(TestClientID, TestRedirectURI, p, "resource", testResource, "scope", "mcp:read"))
	if status != http.StatusFound || !strings.HasPrefix(loc, TestRedirectURI+"?") {
		t.Fatalf("authorize: %d %q, want 302 straight to the redirect URI", status, loc)
	}
	if got.Get("state") != "st-1" || got.Get("iss") != s.Issuer() || got.Get("code") == "" {
		t.Fatalf("redirect %q lacks code, state or iss", loc)
	}
	st, m := redeem(t, s, got.Get("code"), TestRedirectURI, TestClientID, p)
	if st != 200 || m["access_token"] == nil || m["token_type"] != "Bearer" || m["refresh_token"] == nil {
		t.Fatalf("redeem: %d %v", st, m)
	}
	if st, m := redeem(t, s, got.Get("code"), TestRedirectURI, TestClientID, p); st != 400 || m["error"] != "invalid_grant" {
		t.Errorf("second redemption: %d %v, want 400 invalid_grant", st, m)
	}
}

func TestTokenResponseNotCached(t *testing.T) {
	s := start(t, Options{AutoApprove: true})
	p := newPKCE()
	_, got, _ := authorize(t, s, authQuery(TestClientID, TestRedirectURI, p))
	form := url.Values{"grant_type": {"authorization_code"}, "code": {got.Get("code")}, "redirect_uri": {TestRedirectURI},
		"client_id": {TestClientID}, "code_verifier": {p.verifier}}
	st, _, h := post(t, s, "/oauth/token", form, "", "")
	if st != 200 || h.Get("Cache-Control") != "no-store" {
		t.Errorf("token response: %d, Cache-Control %q, want no-store (RFC 6749 section 5.1)", st, h.Get("Cache-Control"))
	}
}

func TestRedirectURIExactMatch(t *testing.T) {
	s := start(t, Options{AutoApprove: true})
	p := newPKCE()
	for _, bad := range []string{TestRedirectURI + "/x", TestRedirectURI + "?a=1", "http://127.0.0.1:8080/mcpkit-test-callback", "https://evil.example/cb"} {
		status, got, loc := authorize(t, s, authQuery(TestClientID, bad, p))
		if got != nil && strings.HasPrefix(loc, "http") {
			t.Errorf("redirect_uri %q: redirected to %q (status %d), want an error page and no redirect", bad, loc, status)
		}
		if status != http.StatusBadRequest {
			t.Errorf("redirect_uri %q: status %d, want 400", bad, status)
		}
	}
	// The code is bound to the redirect URI of its request.
	_, got, _ := authorize(t, s, authQuery(TestClientID, TestRedirectURI, p))
	if st, m := redeem(t, s, got.Get("code"), TestRedirectURI+"x", TestClientID, p); st != 400 {
		t.Errorf("redeem with another redirect_uri: %d %v, want 400", st, m)
	}
}

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

func TestDynamicClientRegistration(t *testing.T) {
	s := start(t, Options{})
	reg := func(body string) (int, map[string]any) {
		resp, err := http.Post(s.Issuer()+"/register", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	st, m := reg(`{"redirect_uris":["http://127.0.0.1:7777/cb"],"token_endpoint_auth_method":"none","client_name":"t"}`)
	if st != 201 || m["client_id"] == nil || m["client_secret"] != nil || m["token_endpoint_auth_method"] != "none" {
		t.Fatalf("public registration: %d %v", st, m)
	}
	st, m2 := reg(`{"redirect_uris":["https://app.example/cb"],"grant_types":["authorization_code","client_credentials"]}`)
	if st != 201 || m2["client_secret"] == nil || m2["token_endpoint_auth_method"] != "client_secret_basic" {
		t.Fatalf("confidential registration: %d %v", st, m2)
	}
	for _, bad := range []string{`{}`, `{"redirect_uris":["http://evil.example/cb"]}`, `{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"none","grant_types":["client_credentials"]}`, `not json`} {
		if st, m := reg(bad); st != 400 || m["error"] == nil {
			t.Errorf("registration %s: %d %v, want 400 with an error", bad, st, m)
		}
	}
	// The registered public client completes a flow: consent page, approve.
	id := m["client_id"].(string)
	p := newPKCE()
	status, _, loc := authorize(t, s, authQuery(id, "http://127.0.0.1:7777/cb", p, "resource", testResource))
	if status != http.StatusFound || !strings.HasPrefix(loc, s.Issuer()+"/consent?") {
		t.Fatalf("authorize: %d %q, want the consent page", status, loc)
	}
	code := consent(t, s, loc, "approve")
	if code.Get("iss") != s.Issuer() || code.Get("state") != "st-1" || code.Get("code") == "" {
		t.Fatalf("after approval: %v", code)
	}
	if st, m := redeem(t, s, code.Get("code"), "http://127.0.0.1:7777/cb", id, p); st != 200 || m["access_token"] == nil {
		t.Fatalf("redeem: %d %v", st, m)
	}
}

// consent loads the consent page at loc with a cookie jar, submits decision and returns the query of the
// final redirect to the client.
func consent(t *testing.T, s *Server, loc, decision string) url.Values {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	var final *url.URL
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if !strings.HasPrefix(r.URL.String(), s.Issuer()) {
			final = r.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := hc.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("consent page may be framed")
	}
	csrf := between(string(page), `name="csrf" value="`, `"`)
	id := between(string(page), `name="id" value="`, `"`)
	if csrf == "" || id == "" {
		t.Fatalf("consent page without form fields: %s", page)
	}
	// Without the cookie (a cross-site post), the form is refused.
	st, _, _ := post(t, s, "/consent", url.Values{"id": {id}, "csrf": {csrf}, "decision": {"approve"}}, "", "")
	if st != http.StatusForbidden {
		t.Errorf("consent POST without the cookie: %d, want 403", st)
	}
	resp, err = hc.PostForm(s.Issuer()+"/consent", url.Values{"id": {id}, "csrf": {csrf}, "decision": {decision}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if final == nil {
		t.Fatalf("consent POST: %d, no redirect to the client", resp.StatusCode)
	}
	return final.Query()
}

func between(s, a, b string) string {
	_, rest, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, b)
	return v
}

func TestConsentDeny(t *testing.T) {
	s := start(t, Options{})
	p := newPKCE()
	_, _, loc := authorize(t, s, authQuery(TestClientID, TestRedirectURI, p))
	got := consent(t, s, loc, "deny")
	if got.Get("error") != "access_denied" || got.Get("code") != "" || got.Get("state") != "st-1" || got.Get("iss") != s.Issuer() {
		t.Errorf("deny: %v, want access_denied with state and iss", got)
	}
}

func TestClientIDMetadataDocument(t *testing.T) {
	var mu sync.Mutex
	docs := map[string]string{}
	fetches := 0
	mux := http.NewServeMux()
	srv := &http.Server{Handler: mux}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	base := "http://" + ln.Addr().String()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fetches++
		d, ok := docs[r.URL.Path]
		mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, d)
	})
	good := base + "/good.json"
	docs["/good.json"] = `{"client_id":"` + good + `","client_name":"doc","redirect_uris":["http://127.0.0.1:7778/cb"],"token_endpoint_auth_method":"none"}`
	docs["/wrong-id.json"] = `{"client_id":"` + base + `/other.json","redirect_uris":["http://127.0.0.1:7778/cb"]}`
	docs["/big.json"] = `{"client_id":"` + base + `/big.json","redirect_uris":["http://127.0.0.1:7778/cb"],"x":"` + strings.Repeat("a", maxMetadataDocument) + `"}`

	// Without the dev option an http document URL is not a metadata document.
	strict := start(t, Options{AutoApprove: true})
	p := newPKCE()
	if st, _, _ := authorize(t, strict, authQuery(good, "http://127.0.0.1:7778/cb", p)); st != http.StatusBadRequest {
		t.Errorf("http document without AllowHTTPClientMetadata: %d, want 400", st)
	}
	s := start(t, Options{AutoApprove: true, AllowHTTPClientMetadata: true})
	_, got, loc := authorize(t, s, authQuery(good, "http://127.0.0.1:7778/cb", p, "resource", testResource))
	if got.Get("code") == "" || got.Get("iss") != s.Issuer() {
		t.Fatalf("document client: %q", loc)
	}
	if st, m := redeem(t, s, got.Get("code"), "http://127.0.0.1:7778/cb", good, p); st != 200 || m["access_token"] == nil {
		t.Fatalf("redeem: %d %v", st, m)
	}
	if st, _, _ := authorize(t, s, authQuery(good, "http://127.0.0.1:7778/other", p)); st != http.StatusBadRequest {
		t.Errorf("redirect URI not in the document: %d, want 400", st)
	}
	for _, bad := range []string{"/wrong-id.json", "/big.json", "/missing.json"} {
		if st, _, loc := authorize(t, s, authQuery(base+bad, "http://127.0.0.1:7778/cb", p)); st != http.StatusBadRequest {
			t.Errorf("%s: %d %q, want 400", bad, st, loc)
		}
	}
	mu.Lock()
	n := fetches
	mu.Unlock()
	if n > 1+3+1 { // good once (cached), each bad one once, /other refused after the cached good one
		t.Errorf("%d fetches, want the good document fetched once (cached)", n)
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

func TestOptionsValidation(t *testing.T) {
	for _, o := range []Options{
		{},
		{Issuer: "http://127.0.0.1:1/"},
		{Issuer: "ftp://x"},
		{Issuer: "http://127.0.0.1:1", SigningAlgorithm: "HS256"},
		{Issuer: "http://127.0.0.1:1", Resources: []string{"relative"}},
		{Issuer: "http://127.0.0.1:1", Clients: []Client{{ID: "c", RedirectURIs: []string{"http://evil.example/cb"}}}},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}

func TestResponseModeQueryOnly(t *testing.T) {
	s := start(t, Options{AutoApprove: true})
	for _, mode := range []string{"form_post", "fragment"} {
		_, got, loc := authorize(t, s, authQuery(TestClientID, TestRedirectURI, newPKCE(), "response_mode", mode))
		if u, err := url.Parse(loc); err == nil && u.Fragment != "" {
			got, _ = url.ParseQuery(u.Fragment) // the error goes where the client asked for the answer
		}
		if got.Get("error") != "invalid_request" || got.Get("code") != "" {
			t.Errorf("response_mode %s: %q, want an invalid_request redirect without code", mode, loc)
		}
	}
}

func TestCORSForBrowserClients(t *testing.T) {
	s := start(t, Options{})
	resp, err := http.Get(s.Issuer() + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("metadata without CORS: %v", resp.Header)
	}
	req, _ := http.NewRequest(http.MethodOptions, s.Issuer()+"/register", nil)
	req.Header.Set("Origin", "http://localhost:6274")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("register preflight: %d %v", resp.StatusCode, resp.Header)
	}
}
