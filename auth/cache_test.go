package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestResultCacheBoundary: an entry answers up to the instant before its deadline and never at it.
func TestResultCacheBoundary(t *testing.T) {
	c := newResultCache(10)
	now := time.Unix(1000, 0)
	until := now.Add(time.Minute)
	c.put("tok", cached{p: &Principal{Subject: "a"}, until: until}, now)
	if _, ok := c.get("tok", until.Add(-time.Nanosecond)); !ok {
		t.Fatal("entry gone before its deadline")
	}
	if _, ok := c.get("tok", until); ok {
		t.Fatal("entry served at its deadline")
	}
	if c.len() != 0 || c.bytes != 0 {
		t.Fatalf("expired entry kept: %d entries, %d bytes", c.len(), c.bytes)
	}
}

// TestResultCacheBytes: the tokens kept never take more than the byte bound, whatever their number, and a
// token over maxCachedToken is not kept at all.
func TestResultCacheBytes(t *testing.T) {
	c := newResultCache(1000)
	c.maxBytes = 10 << 10
	now := time.Unix(1000, 0)
	for i := range 100 {
		tok := strings.Repeat(string(rune('a'+i%26)), 1000) + string(rune('A'+i/26))
		c.put(tok, cached{p: &Principal{Subject: "s"}, until: now.Add(time.Hour)}, now)
		if c.bytes > c.maxBytes {
			t.Fatalf("after %d tokens of 1001 bytes: %d bytes kept, bound %d", i+1, c.bytes, c.maxBytes)
		}
	}
	if n := c.len(); n == 0 || n > 10 {
		t.Fatalf("%d entries of 1001 bytes under a 10 KiB bound", n)
	}
	sum := 0
	for _, e := range c.entries {
		sum += len(e.token)
	}
	if sum != c.bytes {
		t.Fatalf("byte count %d, tokens kept %d bytes", c.bytes, sum)
	}
	big := newResultCache(10)
	big.put(strings.Repeat("x", maxCachedToken+1), cached{until: now.Add(time.Hour)}, now)
	if big.len() != 0 {
		t.Fatal("a token over maxCachedToken was kept")
	}
}

// TestJWTCacheExpiryBoundary: a cached JWT answers until exp + leeway and is refused just after, cache or
// not; the cache never outlives what a full verification would accept.
func TestJWTCacheExpiryBoundary(t *testing.T) {
	testKeys(t)
	clock := newClock()
	const leeway = 5 * time.Second
	v, err := NewJWTVerifier(JWTOptions{Issuer: testIssuer, Audience: testResource, JWKS: jwksOf(edKey),
		Leeway: leeway, CacheTTL: time.Hour, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	exp := testNow.Add(30 * time.Second)
	tok := mint(t, edKey, with("exp", exp.Unix()), "at+jwt")
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	clock.advance(exp.Add(leeway).Sub(testNow) - time.Nanosecond) // the last instant
	if p := v.known(tok); p == nil {
		t.Fatal("cached token not known 1 ns before exp + leeway")
	}
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("1 ns before exp + leeway: %v", err)
	}
	clock.advance(2 * time.Nanosecond)
	if p := v.known(tok); p != nil {
		t.Fatal("cached token known after exp + leeway")
	}
	if _, err := v.Verify(t.Context(), tok); !isInvalid(err) {
		t.Fatalf("after exp + leeway: %v, want refused", err)
	}
}

// TestMiddlewareWarmTokenLookalikes: once a token is warm (in the verifier's cache, which lets Middleware
// skip the token68 check and the verification), a token that differs from it anywhere — the same prefix
// with another last character, a character more, a byte that is not token68 — is checked in full and
// refused: a hit needs the very same string.
func TestMiddlewareWarmTokenLookalikes(t *testing.T) {
	testKeys(t)
	v, err := NewJWTVerifier(JWTOptions{Issuer: testIssuer, Audience: testResource, JWKS: jwksOf(ecKey),
		Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	h, s := protected(v, "User.Read")
	tok := mint(t, ecKey, defaultClaims(), "at+jwt")
	serve := func(token string) int {
		*s = seen{}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, post(token))
		return w.Code
	}
	if code := serve(tok); code != http.StatusOK || s.principal == nil || len(s.authorization) != 0 {
		t.Fatalf("warm-up: %d %+v %v", code, s.principal, s.authorization)
	}
	if v.known(tok) == nil {
		t.Fatal("the token is not in the cache after a verification")
	}
	last := tok[len(tok)-1]
	other := byte('A')
	if last == 'A' {
		other = 'B'
	}
	for _, c := range []struct {
		name  string
		token string
		want  int
	}{
		{"last character changed", tok[:len(tok)-1] + string(other), http.StatusUnauthorized},
		{"tampered signature", tamperSignature(tok), http.StatusUnauthorized},
		{"one character more", tok + "A", http.StatusUnauthorized},
		{"trailing padding", tok + "=", http.StatusUnauthorized},
		{"a byte outside token68", tok[:len(tok)-1] + "!", http.StatusBadRequest},
		{"prefix only", tok[:len(tok)-10], http.StatusUnauthorized},
	} {
		if code := serve(c.token); code != c.want || s.called {
			t.Errorf("%s: %d (handler ran: %v), want %d", c.name, code, s.called, c.want)
		}
	}
	if code := serve(tok); code != http.StatusOK {
		t.Fatalf("the warm token afterwards: %d", code)
	}
}

// TestMiddlewarePrincipalIsACopy: what a handler does to its request's principal (scopes included, few or
// many) never reaches the verifier's cached principal, hence the next request with the same token.
func TestMiddlewarePrincipalIsACopy(t *testing.T) {
	testKeys(t)
	v, err := NewJWTVerifier(JWTOptions{Issuer: testIssuer, Audience: testResource, JWKS: jwksOf(ecKey),
		Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	for _, scope := range []string{"User.Read", "User.Read a b c d e f"} {
		tok := mint(t, ecKey, with("scope", scope), "at+jwt")
		want := strings.Fields(scope)
		h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, _ := PrincipalFrom(r.Context())
			if strings.Join(p.Scopes, " ") != scope || p.Subject != "alice" {
				t.Errorf("principal %+v, want scopes %q", p, scope)
			}
			p.Scopes[0] = "Admin.Write"
			p.Scopes = append(p.Scopes, "Admin.Read")
			p.Subject = "mallory"
			w.WriteHeader(http.StatusOK)
		}), MiddlewareOptions{Verifier: v, Resource: testResource, Logger: quietLog})
		for range 3 {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, post(tok))
			if w.Code != http.StatusOK {
				t.Fatal(w.Code)
			}
		}
		if p := v.known(tok); p == nil || strings.Join(p.Scopes, " ") != strings.Join(want, " ") || p.Subject != "alice" {
			t.Fatalf("cached principal changed by a handler: %+v", p)
		}
	}
}
