package auth

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

const testMetadataURL = "https://mcp.example.test/.well-known/oauth-protected-resource/mcp"

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// seen is what the protected handler saw.
type seen struct {
	called        bool
	principal     *Principal
	authorization []string
}

func protected(v Verifier, scopes ...string) (http.Handler, *seen) {
	s := &seen{}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.called = true
		s.principal, _ = PrincipalFrom(r.Context())
		s.authorization = r.Header.Values("Authorization")
		w.WriteHeader(http.StatusOK)
	})
	return Middleware(next, MiddlewareOptions{Verifier: v, Resource: testResource, Scopes: scopes, Logger: quietLog}), s
}

func post(token string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "https://mcp.example.test/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	r.Header.Set("Content-Type", "application/json")
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

// TestAnswers is the table of every answer of the resource server: status, WWW-Authenticate, body, and
// whether the protected handler ran (with which principal, never with the token).
func TestAnswers(t *testing.T) {
	testKeys(t)
	const (
		challenge401 = `Bearer scope="User.Read", resource_metadata="` + testMetadataURL + `"`
		invalidToken = `Bearer error="invalid_token", error_description="the access token is invalid", scope="User.Read", resource_metadata="` + testMetadataURL + `"`
		badHeader    = `Bearer error="invalid_request", error_description="malformed Authorization header: want one \"Bearer <token>\"", resource_metadata="` + testMetadataURL + `"`
		inURI        = `Bearer error="invalid_request", error_description="access tokens are accepted only in the Authorization header, never in the URI", resource_metadata="` + testMetadataURL + `"`
		inBody       = `Bearer error="invalid_request", error_description="access tokens are accepted only in the Authorization header, never in the request body", resource_metadata="` + testMetadataURL + `"`
		stepUp       = `Bearer error="insufficient_scope", error_description="/mcp needs scope User.Read", scope="User.Read", resource_metadata="` + testMetadataURL + `"`
	)
	// badHeader's description has no quotes on the wire: quoteSafe drops them.
	badHeaderWire := strings.ReplaceAll(badHeader, `\"`, ``)

	jwtSetup := func(token func(t *testing.T) string) func(t *testing.T) (Verifier, *http.Request) {
		return func(t *testing.T) (Verifier, *http.Request) {
			js := newJWKSServer(t, rsaKey, ecKey, edKey)
			return newTestJWTVerifier(t, js.URL, nil), post(token(t))
		}
	}
	valid := func(t *testing.T) string { return mint(t, rsaKey, defaultClaims(), "at+jwt") }
	withHeader := func(vals ...string) func(t *testing.T) (Verifier, *http.Request) {
		return func(t *testing.T) (Verifier, *http.Request) {
			js := newJWKSServer(t, rsaKey)
			r := post("")
			for _, v := range vals {
				r.Header.Add("Authorization", v)
			}
			return newTestJWTVerifier(t, js.URL, nil), r
		}
	}

	cases := []struct {
		name      string
		setup     func(t *testing.T) (Verifier, *http.Request)
		status    int
		challenge string // exact WWW-Authenticate; "" = none
		errCode   string // the body's "error"
		subject   string // the principal the handler saw ("" = handler must not run)
	}{
		{"valid RS256", jwtSetup(valid), 200, "", "", "alice"},
		{"valid ES256", jwtSetup(func(t *testing.T) string { return mint(t, ecKey, defaultClaims(), "application/at+jwt") }), 200, "", "", "alice"},
		{"valid EdDSA", jwtSetup(func(t *testing.T) string { return mint(t, edKey, defaultClaims(), "") }), 200, "", "", "alice"},
		{"scheme in lower case", func(t *testing.T) (Verifier, *http.Request) {
			v, r := jwtSetup(valid)(t)
			r.Header.Set("Authorization", "bearer "+r.Header.Get("Authorization")[len("Bearer "):])
			return v, r
		}, 200, "", "", "alice"},
		{"no token", withHeader(), 401, challenge401, "unauthorized", ""},
		{"malformed: Basic scheme", withHeader("Basic YWxpY2U6c2VjcmV0"), 400, badHeaderWire, "invalid_request", ""},
		{"malformed: empty token", withHeader("Bearer "), 400, badHeaderWire, "invalid_request", ""},
		{"malformed: scheme only", withHeader("Bearer"), 400, badHeaderWire, "invalid_request", ""},
		{"malformed: two tokens", withHeader("Bearer abc def"), 400, badHeaderWire, "invalid_request", ""},
		{"malformed: non-token68", withHeader(`Bearer abc"def`), 400, badHeaderWire, "invalid_request", ""},
		{"malformed: two headers", withHeader("Bearer abc", "Bearer def"), 400, badHeaderWire, "invalid_request", ""},
		{"expired", jwtSetup(func(t *testing.T) string {
			return mint(t, rsaKey, with("exp", testNow.Add(-2*time.Minute).Unix(), "iat", testNow.Add(-time.Hour).Unix(), "nbf", nil), "at+jwt")
		}), 401, invalidToken, "invalid_token", ""},
		{"expired within leeway", jwtSetup(func(t *testing.T) string {
			return mint(t, rsaKey, with("exp", testNow.Add(-30*time.Second).Unix()), "at+jwt")
		}), 200, "", "", "alice"},
		{"no exp", jwtSetup(func(t *testing.T) string { return mint(t, rsaKey, with("exp", nil), "at+jwt") }), 401, invalidToken, "invalid_token", ""},
		{"not yet valid", jwtSetup(func(t *testing.T) string {
			return mint(t, rsaKey, with("nbf", testNow.Add(10*time.Minute).Unix()), "at+jwt")
		}), 401, invalidToken, "invalid_token", ""},
		{"issued in the future", jwtSetup(func(t *testing.T) string {
			return mint(t, rsaKey, with("iat", testNow.Add(10*time.Minute).Unix(), "nbf", nil), "at+jwt")
		}), 401, invalidToken, "invalid_token", ""},
		{"wrong iss", jwtSetup(func(t *testing.T) string { return mint(t, rsaKey, with("iss", "https://evil.example"), "at+jwt") }), 401, invalidToken, "invalid_token", ""},
		{"wrong aud", jwtSetup(func(t *testing.T) string {
			return mint(t, rsaKey, with("aud", "https://other.example.test/mcp"), "at+jwt")
		}), 401, invalidToken, "invalid_token", ""},
		{"aud array naming the resource", jwtSetup(func(t *testing.T) string {
			return mint(t, rsaKey, with("aud", []string{"https://other.example.test", "HTTPS://MCP.example.test:443/mcp"}), "at+jwt")
		}), 200, "", "", "alice"},
		{"no aud", jwtSetup(func(t *testing.T) string { return mint(t, rsaKey, with("aud", nil), "at+jwt") }), 401, invalidToken, "invalid_token", ""},
		{"ID token typ", jwtSetup(func(t *testing.T) string { return mint(t, rsaKey, defaultClaims(), "id+jwt") }), 401, invalidToken, "invalid_token", ""},
		{"alg none", jwtSetup(func(t *testing.T) string { return unsigned(defaultClaims()) }), 401, invalidToken, "invalid_token", ""},
		{"HS256 signed with the JWKS public key", jwtSetup(func(t *testing.T) string { return hmacWithPublicKey(t, rsaKey) }), 401, invalidToken, "invalid_token", ""},
		{"tampered signature", jwtSetup(func(t *testing.T) string { return tamperSignature(valid(t)) }), 401, invalidToken, "invalid_token", ""},
		{"tampered payload", jwtSetup(func(t *testing.T) string {
			parts := strings.Split(valid(t), ".")
			forged := strings.Split(mint(t, ecKey, with("sub", "root"), "at+jwt"), ".")
			return parts[0] + "." + forged[1] + "." + parts[2]
		}), 401, invalidToken, "invalid_token", ""},
		{"unknown kid, the refresh finds it", func(t *testing.T) (Verifier, *http.Request) {
			js := newJWKSServer(t, rsaKey)
			clock := newClock()
			v := newTestJWTVerifier(t, js.URL, func(o *JWTOptions) { o.Now = clock.now })
			if _, err := v.Verify(t.Context(), valid(t)); err != nil { // the set is cached without rsa-2
				t.Fatal(err)
			}
			js.publish(rsaKey, rsaKey2)     // the issuer rotates
			clock.advance(31 * time.Second) // past the refresh rate limit
			t.Cleanup(func() {
				if n := js.fetches.Load(); n != 2 {
					t.Errorf("%d JWKS fetches, want 2", n)
				}
			})
			return v, post(mint(t, rsaKey2, defaultClaims(), "at+jwt"))
		}, 200, "", "", "alice"},
		{"unknown kid, the refresh does not find it", func(t *testing.T) (Verifier, *http.Request) {
			js := newJWKSServer(t, rsaKey)
			clock := newClock()
			v := newTestJWTVerifier(t, js.URL, func(o *JWTOptions) { o.Now = clock.now })
			if _, err := v.Verify(t.Context(), valid(t)); err != nil {
				t.Fatal(err)
			}
			clock.advance(31 * time.Second)
			t.Cleanup(func() {
				if n := js.fetches.Load(); n != 2 {
					t.Errorf("%d JWKS fetches, want 2 (the refresh happened and did not find the kid)", n)
				}
			})
			return v, post(mint(t, rsaKey2, defaultClaims(), "at+jwt"))
		}, 401, invalidToken, "invalid_token", ""},
		{"JWKS unreachable", func(t *testing.T) (Verifier, *http.Request) {
			js := newJWKSServer(t, rsaKey)
			js.status.Store(http.StatusInternalServerError)
			return newTestJWTVerifier(t, js.URL, nil), post(valid(t))
		}, 503, "", "temporarily_unavailable", ""},
		{"revoked (introspection active:false)", func(t *testing.T) (Verifier, *http.Request) {
			is := newIntrospectionServer(t, map[string]string{"opaque-revoked": `{"active":false}`})
			return newTestIntrospection(t, is.URL, nil), post("opaque-revoked")
		}, 401, invalidToken, "invalid_token", ""},
		{"active introspected token", func(t *testing.T) (Verifier, *http.Request) {
			is := newIntrospectionServer(t, map[string]string{"opaque-ok": activeAnswer("alice", "User.Read")})
			return newTestIntrospection(t, is.URL, nil), post("opaque-ok")
		}, 200, "", "", "alice"},
		{"missing scope (step-up)", jwtSetup(func(t *testing.T) string { return mint(t, rsaKey, with("scope", "User.Write"), "at+jwt") }), 403, stepUp, "insufficient_scope", ""},
		{"token in the query string", func(t *testing.T) (Verifier, *http.Request) {
			v, r := jwtSetup(valid)(t)
			r.URL.RawQuery = "access_token=" + url.QueryEscape(r.Header.Get("Authorization")[len("Bearer "):])
			r.Header.Del("Authorization")
			return v, r
		}, 400, inURI, "invalid_request", ""},
		{"token in the query string beside a valid header", func(t *testing.T) (Verifier, *http.Request) {
			v, r := jwtSetup(valid)(t)
			r.URL.RawQuery = "x=1&access_token=abc"
			return v, r
		}, 400, inURI, "invalid_request", ""},
		{"token in a form body", func(t *testing.T) (Verifier, *http.Request) {
			v, _ := jwtSetup(valid)(t)
			r := httptest.NewRequest(http.MethodPost, "https://mcp.example.test/mcp", strings.NewReader("access_token="+valid(t)))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return v, r
		}, 400, inBody, "invalid_request", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, r := c.setup(t)
			h, s := protected(v, "User.Read")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d (body %s)", w.Code, c.status, w.Body)
			}
			if got := w.Header().Get("WWW-Authenticate"); got != c.challenge {
				t.Errorf("WWW-Authenticate\n got %s\nwant %s", got, c.challenge)
			}
			if c.status == 503 && w.Header().Get("Retry-After") != "10" {
				t.Errorf("Retry-After %q, want 10", w.Header().Get("Retry-After"))
			}
			if c.errCode != "" {
				var body struct {
					Error string `json:"error"`
				}
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error != c.errCode {
					t.Errorf("body %s: want error %q", w.Body, c.errCode)
				}
				if strings.Contains(w.Body.String(), "expired") || strings.Contains(w.Body.String(), "iss") {
					t.Errorf("body leaks the reason: %s", w.Body)
				}
			}
			if c.subject == "" {
				if s.called {
					t.Fatalf("the protected handler ran")
				}
				return
			}
			if !s.called || s.principal == nil || s.principal.Subject != c.subject {
				t.Fatalf("handler called %v with principal %+v, want subject %q", s.called, s.principal, c.subject)
			}
			if len(s.authorization) != 0 {
				t.Errorf("the token was passed downstream: %q", s.authorization)
			}
			if r.Header.Get("Authorization") == "" {
				t.Errorf("the caller's request lost its header (the middleware must work on a copy)")
			}
		})
	}
}

// tamperSignature changes one bit of the signature's first byte.
func tamperSignature(tok string) string {
	i := strings.LastIndexByte(tok, '.') + 1
	b := []byte(tok)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestWriteInsufficientScope(t *testing.T) {
	w := httptest.NewRecorder()
	WriteInsufficientScope(w, &InsufficientScopeError{Scopes: []string{"Admin.Read", "User.Read"}, What: "tool delete_user"},
		MiddlewareOptions{Resource: testResource})
	want := `Bearer error="insufficient_scope", error_description="tool delete_user needs scope Admin.Read User.Read", scope="Admin.Read User.Read", resource_metadata="` + testMetadataURL + `"`
	if w.Code != 403 || w.Header().Get("WWW-Authenticate") != want {
		t.Fatalf("%d %s\nwant 403 %s", w.Code, w.Header().Get("WWW-Authenticate"), want)
	}
	if !strings.Contains(w.Body.String(), `"error":"insufficient_scope"`) {
		t.Fatalf("body %s", w.Body)
	}
}

func TestPreflightPasses(t *testing.T) {
	h, s := protected(NewStaticTokens(nil))
	r := httptest.NewRequest(http.MethodOptions, "https://mcp.example.test/mcp", nil)
	r.Header.Set("Origin", "https://app.example")
	r.Header.Set("Access-Control-Request-Method", "POST")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if !s.called || s.principal != nil {
		t.Fatalf("preflight: handler called %v principal %v", s.called, s.principal)
	}
}

func TestFormBodyWithoutTokenIsKept(t *testing.T) {
	v := NewStaticTokens(map[string]Principal{"tok": {Subject: "bob"}})
	var body string
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
	}), MiddlewareOptions{Verifier: v, Resource: testResource, Logger: quietLog})
	r := httptest.NewRequest(http.MethodPost, "https://mcp.example.test/mcp", strings.NewReader("a=1&b=2"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Authorization", "Bearer tok")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 || body != "a=1&b=2" {
		t.Fatalf("%d, body %q", w.Code, body)
	}
}

// TestFormTokenContentTypes: a form body carrying access_token is refused whatever the case, spacing or
// parameters of its Content-Type, including parameters mime.ParseMediaType refuses (they used to let it
// pass as "not a form").
func TestFormTokenContentTypes(t *testing.T) {
	v := NewStaticTokens(map[string]Principal{"tok": {Subject: "bob"}})
	h := Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), MiddlewareOptions{Verifier: v, Resource: testResource, Logger: quietLog})
	for _, ct := range []string{
		"application/x-www-form-urlencoded",
		" Application/X-WWW-Form-Urlencoded ; charset=utf-8",
		"application/x-www-form-urlencoded; bad",
		"application/x-www-form-urlencoded;charset",
	} {
		r := httptest.NewRequest(http.MethodPost, "https://mcp.example.test/mcp", strings.NewReader("access_token=tok"))
		r.Header.Set("Content-Type", ct)
		r.Header.Set("Authorization", "Bearer tok")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusBadRequest {
			t.Errorf("Content-Type %q: %d, want 400", ct, w.Code)
		}
	}
}
