package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// BenchmarkJWTVerify measures Verify with a warm key cache (the key set fetched once from a JWKS server on
// 127.0.0.1 before the timer starts), per signature algorithm: "full" checks signature and claims every time
// (result cache off), "cached" is the same token again within CacheTTL.
func BenchmarkJWTVerify(b *testing.B) {
	testKeys(b)
	js := newJWKSServer(b, rsaKey, ecKey, edKey)
	full := newTestJWTVerifier(b, js.URL, func(o *JWTOptions) { o.CacheTTL = -1 })
	cached := newTestJWTVerifier(b, js.URL, nil)
	for _, k := range []testKey{rsaKey, ecKey, edKey} {
		tok := mint(b, k, defaultClaims(), "at+jwt")
		for name, v := range map[string]*JWTVerifier{"full": full, "cached": cached} {
			b.Run(string(k.alg)+"/"+name, func(b *testing.B) {
				ctx := b.Context()
				if _, err := v.Verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := v.Verify(ctx, tok); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	if n := js.fetches.Load(); n != 2 {
		b.Fatalf("%d JWKS fetches, want 2 (one per verifier)", n)
	}
}

// BenchmarkMiddleware measures the cost the middleware adds to one request, beside the same handler
// without it: a static token (the middleware's own work: header parsing, context, header copy), JWTs with
// the result cache warm, and an RS256 JWT checked in full on every request.
func BenchmarkMiddleware(b *testing.B) {
	testKeys(b)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	jwtFull, err := NewJWTVerifier(JWTOptions{Issuer: testIssuer, Audience: testResource, JWKS: jwksOf(ecKey, rsaKey),
		CacheTTL: -1, Now: func() time.Time { return testNow }})
	if err != nil {
		b.Fatal(err)
	}
	jwtV, err := NewJWTVerifier(JWTOptions{Issuer: testIssuer, Audience: testResource, JWKS: jwksOf(ecKey, rsaKey),
		Now: func() time.Time { return testNow }})
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name  string
		h     http.Handler
		token string
	}{
		{"none", ok, ""},
		{"static", Middleware(ok, MiddlewareOptions{Verifier: NewStaticTokens(map[string]Principal{"s3cret-token": {Subject: "svc"}}),
			Resource: testResource, Logger: quietLog}), "s3cret-token"},
		{"jwt-ES256-cached", Middleware(ok, MiddlewareOptions{Verifier: jwtV, Resource: testResource, Scopes: []string{"User.Read"}, Logger: quietLog}),
			mint(b, ecKey, defaultClaims(), "at+jwt")},
		{"jwt-RS256-cached", Middleware(ok, MiddlewareOptions{Verifier: jwtV, Resource: testResource, Scopes: []string{"User.Read"}, Logger: quietLog}),
			mint(b, rsaKey, defaultClaims(), "at+jwt")},
		{"jwt-RS256-full", Middleware(ok, MiddlewareOptions{Verifier: jwtFull, Resource: testResource, Scopes: []string{"User.Read"}, Logger: quietLog}),
			mint(b, rsaKey, defaultClaims(), "at+jwt")},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}`
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "https://mcp.example.test/mcp", strings.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				if c.token != "" {
					r.Header.Set("Authorization", "Bearer "+c.token)
				}
				w := httptest.NewRecorder()
				c.h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
