package authserver

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
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
