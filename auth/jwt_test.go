package auth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func TestJWTOptionsRefused(t *testing.T) {
	testKeys(t)
	good := JWTOptions{Issuer: testIssuer, Audience: testResource, JWKS: jwksOf(rsaKey)}
	for name, mod := range map[string]func(o *JWTOptions){
		"HS256 in the allow-list": func(o *JWTOptions) { o.Algorithms = []string{"RS256", "HS256"} },
		"none in the allow-list":  func(o *JWTOptions) { o.Algorithms = []string{"none"} },
		"no issuer":               func(o *JWTOptions) { o.Issuer = "" },
		"no audience":             func(o *JWTOptions) { o.Audience = "" },
		"audience with fragment":  func(o *JWTOptions) { o.Audience = testResource + "#x" },
		"no keys":                 func(o *JWTOptions) { o.JWKS = nil },
		"both JWKS and URL":       func(o *JWTOptions) { o.JWKSURL = "https://as.example.test/jwks" },
		"only a symmetric key":    func(o *JWTOptions) { o.JWKS = []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"h"}]}`) },
	} {
		o := good
		mod(&o)
		if _, err := NewJWTVerifier(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewJWTVerifier(good); err != nil {
		t.Fatal(err)
	}
}

// TestJWKSRefreshRateLimit: a flood of tokens naming unknown kids makes at most one JWKS fetch per
// MinRefreshInterval, concurrent verifications share one fetch, and the set is fetched again after MaxKeyAge.
func TestJWKSRefreshRateLimit(t *testing.T) {
	testKeys(t)
	js := newJWKSServer(t, rsaKey)
	clock := newClock()
	v := newTestJWTVerifier(t, js.URL, func(o *JWTOptions) {
		o.Now = clock.now
		o.MinRefreshInterval = 30 * time.Second
		o.MaxKeyAge = 10 * time.Minute
	})
	ctx := t.Context()
	good := mint(t, rsaKey, defaultClaims(), "at+jwt")
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := v.Verify(ctx, good); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := js.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches for 20 concurrent first tokens, want 1", n)
	}
	unknown := mint(t, rsaKey2, defaultClaims(), "at+jwt")
	for range 200 {
		if _, err := v.Verify(ctx, unknown); !isInvalid(err) {
			t.Fatalf("unknown kid: %v", err)
		}
	}
	if n := js.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches after 200 unknown kids within the interval, want 1", n)
	}
	clock.advance(31 * time.Second)
	for range 200 {
		_, _ = v.Verify(ctx, unknown)
	}
	if n := js.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches after the interval, want 2", n)
	}
	// The known key keeps working without fetches until MaxKeyAge.
	for range 100 {
		if _, err := v.Verify(ctx, good); err != nil {
			t.Fatal(err)
		}
	}
	if n := js.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches for known keys, want 2", n)
	}
	clock.advance(11 * time.Minute)
	if _, err := v.Verify(ctx, good); err != nil {
		t.Fatal(err)
	}
	if n := js.fetches.Load(); n != 3 {
		t.Fatalf("%d fetches after MaxKeyAge, want 3", n)
	}
	// The endpoint goes down: a stale set still serves the known key; an unknown kid gets 503 (once per
	// interval a fetch is tried), never a crash or a fetch per request.
	js.status.Store(http.StatusBadGateway)
	clock.advance(11 * time.Minute)
	if _, err := v.Verify(ctx, good); err != nil {
		t.Fatalf("stale key set while the endpoint is down: %v", err)
	}
	for range 50 {
		if _, err := v.Verify(ctx, unknown); err == nil || isInvalid(err) {
			t.Fatalf("unknown kid while the endpoint is down: %v, want unavailable", err)
		}
	}
	if n := js.fetches.Load(); n != 4 {
		t.Fatalf("%d fetches with the endpoint down, want 4", n)
	}
}

func TestJWKSBounds(t *testing.T) {
	testKeys(t)
	js := newJWKSServer(t)
	big := `{"keys":[` + strings.Repeat(`{"kty":"oct","k":"AAAA"},`, 20000) + `{}]}`
	js.body.Store([]byte(big))
	v := newTestJWTVerifier(t, js.URL, nil)
	if _, err := v.Verify(t.Context(), mint(t, rsaKey, defaultClaims(), "at+jwt")); err == nil || isInvalid(err) {
		t.Fatalf("oversized key set: %v, want unavailable", err)
	}
	var set jose.JSONWebKeySet
	for i := range 100 {
		k := ecKey.public()
		k.KeyID = fmt.Sprintf("k%d", i)
		set.Keys = append(set.Keys, k)
	}
	b, _ := json.Marshal(set)
	keys, err := parseKeySet(b, 32)
	if err != nil || len(keys) != 32 {
		t.Fatalf("%d keys, %v; want the bound 32", len(keys), err)
	}
}

func TestJWTClaims(t *testing.T) {
	testKeys(t)
	v, err := NewJWTVerifier(JWTOptions{Issuer: testIssuer, Audience: testResource, JWKS: jwksOf(rsaKey, ecKey),
		Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	p, err := v.Verify(ctx, mint(t, rsaKey, defaultClaims(), "at+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "alice" || p.Issuer != testIssuer || p.ClientID != "client-1" || !p.HasScopes("User.Read", "User.Write") ||
		!p.Expiry.Equal(testNow.Add(time.Hour)) || p.Claims["jti"] != "id-1" || p.Key() != testIssuer+" alice" {
		t.Fatalf("principal %+v", p)
	}
	p, err = v.Verify(ctx, mint(t, ecKey, with("scope", nil, "scp", []string{"a", "b"}, "client_id", nil, "azp", "spa"), "JWT"))
	if err != nil || !p.HasScopes("a", "b") || p.ClientID != "spa" {
		t.Fatalf("scp array, azp: %+v %v", p, err)
	}
	if _, err = v.Verify(ctx, mint(t, ecKey, with("scope", 42), "at+jwt")); !isInvalid(err) {
		t.Fatalf("numeric scope: %v", err)
	}
	if _, err = v.Verify(ctx, mint(t, ecKey, with("sub", nil), "at+jwt")); !isInvalid(err) {
		t.Fatalf("no sub: %v", err)
	}
	// A token without kid is tried against the keys of its algorithm.
	noKid := mint(t, testKey{kid: "", alg: ecKey.alg, priv: ecKey.priv}, defaultClaims(), "at+jwt")
	if _, err = v.Verify(ctx, noKid); err != nil {
		t.Fatalf("no kid: %v", err)
	}
	// A kid of one key with the signature of another never passes.
	if _, err = v.Verify(ctx, mint(t, testKey{kid: rsaKey.kid, alg: ecKey.alg, priv: ecKey.priv}, defaultClaims(), "at+jwt")); !isInvalid(err) {
		t.Fatalf("kid/alg mismatch: %v", err)
	}
	strict, _ := NewJWTVerifier(JWTOptions{Issuer: testIssuer, Audience: testResource, JWKS: jwksOf(rsaKey),
		RequireATJWT: true, Now: func() time.Time { return testNow }})
	for typ, ok := range map[string]bool{"at+jwt": true, "application/at+jwt": true, "AT+JWT": true, "JWT": false, "": false} {
		_, err := strict.Verify(ctx, mint(t, rsaKey, defaultClaims(), typ))
		if (err == nil) != ok {
			t.Errorf("RequireATJWT, typ %q: %v", typ, err)
		}
	}
	huge := strings.Repeat("a", 20<<10) + "." + "b" + "." + "c"
	if _, err = v.Verify(ctx, huge); !isInvalid(err) {
		t.Fatalf("huge token: %v", err)
	}
}

// TestNonCanonicalBase64Refused: the same signed bytes under another spelling (unused bits set in the last
// character of a segment) are refused; go-jose's decoder alone would accept them.
func TestNonCanonicalBase64Refused(t *testing.T) {
	testKeys(t)
	v, _ := NewJWTVerifier(JWTOptions{Issuer: testIssuer, Audience: testResource, JWKS: jwksOf(edKey),
		Now: func() time.Time { return testNow }})
	tok := mint(t, edKey, defaultClaims(), "at+jwt") // an Ed25519 signature is 64 bytes: 86 characters, 2 bits unused
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alpha, tok[len(tok)-1])
	forged := tok[:len(tok)-1] + string(alpha[i^1])
	if _, err := v.Verify(t.Context(), forged); !isInvalid(err) {
		t.Fatalf("non-canonical signature encoding: %v, want refused", err)
	}
}

// TestJWTResultCache: a verified token is remembered by its hash, never past its exp (plus leeway), refused
// tokens are not remembered, and callers get copies.
func TestJWTResultCache(t *testing.T) {
	testKeys(t)
	clock := newClock()
	v, _ := NewJWTVerifier(JWTOptions{Issuer: testIssuer, Audience: testResource, JWKS: jwksOf(edKey),
		CacheTTL: 10 * time.Minute, MaxCacheEntries: 2, Now: clock.now})
	ctx := t.Context()
	short := mint(t, edKey, with("exp", testNow.Add(30*time.Second).Unix()), "at+jwt")
	for range 3 {
		p, err := v.Verify(ctx, short)
		if err != nil || !p.HasScope("User.Read") {
			t.Fatalf("%+v %v", p, err)
		}
		p.Scopes[0] = "Admin.Write" // must not reach the cached principal
	}
	if n := v.cache.len(); n != 1 {
		t.Fatalf("%d cache entries, want 1", n)
	}
	for range 3 {
		_, _ = v.Verify(ctx, tamperSignature(short))
	}
	if n := v.cache.len(); n != 1 {
		t.Fatalf("%d cache entries after refused tokens, want 1", n)
	}
	clock.advance(89 * time.Second) // exp + leeway - 1 s
	if _, err := v.Verify(ctx, short); err != nil {
		t.Fatal(err)
	}
	clock.advance(2 * time.Second)
	if _, err := v.Verify(ctx, short); !isInvalid(err) {
		t.Fatalf("expired token served from the cache: %v", err)
	}
	for i := range 5 {
		_, _ = v.Verify(ctx, mint(t, edKey, with("jti", fmt.Sprint(i)), "at+jwt"))
	}
	if n := v.cache.len(); n > 2 {
		t.Fatalf("%d cache entries, bound 2", n)
	}
}

// TestResultCacheCollision: an entry answers only the token it was made for, even when another token lands on
// the same map key (forced here; with a random maphash seed it cannot be chosen by a client).
func TestResultCacheCollision(t *testing.T) {
	c := newResultCache(10)
	now := time.Unix(1000, 0)
	c.put("token-a", cached{p: &Principal{Subject: "a"}, until: now.Add(time.Minute)}, now)
	e := c.entries[c.key("token-a")]
	c.entries[c.key("token-b")] = e // token-b's key now holds token-a's entry
	if got, ok := c.get("token-b", now); ok {
		t.Fatalf("token-b got token-a's cached principal %+v", got.p)
	}
	if got, ok := c.get("token-a", now); !ok || got.p.Subject != "a" {
		t.Fatalf("token-a: %v %+v", ok, got.p)
	}
	if _, ok := c.get("token-a", now.Add(time.Minute)); ok {
		t.Fatal("an entry outlived its deadline")
	}
}
