package auth

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzParseAuthorization: the header parser never panics, and whatever it accepts is one header
// "Bearer" (any case), spaces, and a token68 that it returns unchanged.
func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer a.b.c", "BEARER  x==", "Basic dXNlcjpw", "Bearer", "Bearer ", "Bearer a b",
		"Bearer a=b", "Bearer \x00", "Bearer ü", "Bearerabc", "Bearer\tabc", ""} {
		f.Add(s, "")
		f.Add(s, "Bearer second")
	}
	f.Fuzz(func(t *testing.T, v1, v2 string) {
		h := http.Header{}
		h.Add("Authorization", v1)
		if v2 != "" {
			h.Add("Authorization", v2)
		}
		tok, st := ParseAuthorization(h)
		if st != HeaderOK {
			if tok != "" {
				t.Fatalf("%q: status %d with token %q", v1, st, tok)
			}
			return
		}
		if v2 != "" {
			t.Fatalf("two headers accepted")
		}
		if !isToken68(tok) || !strings.EqualFold(v1[:7], "bearer ") || strings.TrimLeft(v1[6:], " ") != tok {
			t.Fatalf("%q accepted as %q", v1, tok)
		}
	})
}

// FuzzJWTVerify: the JWT verifier never panics, answers every refused token with ErrInvalidToken (it has
// fixed keys: nothing can be unavailable), and accepts nothing but the valid seeds.
func FuzzJWTVerify(f *testing.F) {
	testKeys(f)
	v, err := NewJWTVerifier(JWTOptions{Issuer: testIssuer, Audience: testResource, JWKS: jwksOf(rsaKey, ecKey, edKey),
		Now: func() time.Time { return testNow }})
	if err != nil {
		f.Fatal(err)
	}
	valid := map[string]bool{}
	for _, k := range []testKey{rsaKey, ecKey, edKey} {
		tok := mint(f, k, defaultClaims(), "at+jwt")
		valid[tok] = true
		f.Add(tok)
	}
	f.Add(unsigned(defaultClaims()))
	f.Add(hmacWithPublicKey(f, rsaKey))
	f.Add(mint(f, rsaKey, with("aud", "https://x.example"), "at+jwt"))
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, tok string) {
		p, err := v.Verify(t.Context(), tok)
		if err == nil {
			if !valid[tok] || p == nil || p.Subject != "alice" {
				t.Fatalf("accepted %q as %+v", tok, p)
			}
			return
		}
		if !isInvalid(err) {
			t.Fatalf("%q: %v, want ErrInvalidToken", tok, err)
		}
	})
}
