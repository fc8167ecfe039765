package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// The test issuer: keys, a JWKS server on 127.0.0.1 counting its fetches, and a token minter.

const (
	testIssuer   = "https://as.example.test"
	testResource = "https://mcp.example.test/mcp"
)

// testNow is the fixed clock of the tests: tokens are minted relative to it, verifiers read it.
var testNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

type testKey struct {
	kid  string
	alg  jose.SignatureAlgorithm
	priv crypto.Signer
}

func (k testKey) public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.priv.Public(), KeyID: k.kid, Algorithm: string(k.alg), Use: "sig"}
}

var (
	keysOnce sync.Once
	rsaKey   testKey
	rsaKey2  testKey // not published at first: the "rotated" key
	ecKey    testKey
	edKey    testKey
)

func testKeys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		r1, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		r2, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		_, ed, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		rsaKey = testKey{"rsa-1", jose.RS256, r1}
		rsaKey2 = testKey{"rsa-2", jose.RS256, r2}
		ecKey = testKey{"ec-1", jose.ES256, ec}
		edKey = testKey{"ed-1", jose.EdDSA, ed}
	})
}

func jwksOf(keys ...testKey) []byte {
	set := jose.JSONWebKeySet{}
	for _, k := range keys {
		set.Keys = append(set.Keys, k.public())
	}
	b, err := json.Marshal(set)
	if err != nil {
		panic(err)
	}
	return b
}

// jwksServer serves a key set that the test can replace, and counts its fetches.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int64
	body    atomic.Value // []byte
	status  atomic.Int64
}

func newJWKSServer(t testing.TB, keys ...testKey) *jwksServer {
	t.Helper()
	s := &jwksServer{}
	s.body.Store(jwksOf(keys...))
	s.status.Store(http.StatusOK)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.WriteHeader(int(s.status.Load()))
		_, _ = w.Write(s.body.Load().([]byte))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) publish(keys ...testKey) { s.body.Store(jwksOf(keys...)) }

// claims are a token's claims; mint fills the usual ones unless the test set them.
type claims map[string]any

func defaultClaims() claims {
	return claims{
		"iss":       testIssuer,
		"aud":       testResource,
		"sub":       "alice",
		"client_id": "client-1",
		"scope":     "User.Read User.Write",
		"iat":       testNow.Add(-time.Minute).Unix(),
		"nbf":       testNow.Add(-time.Minute).Unix(),
		"exp":       testNow.Add(time.Hour).Unix(),
		"jti":       "id-1",
	}
}

// mint signs c with k (typ at+jwt unless typ says otherwise; "" leaves it out).
func mint(t testing.TB, k testKey, c claims, typ string) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithHeader(jose.HeaderKey("kid"), k.kid)
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: k.priv}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(sig).Claims(map[string]any(c)).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// with returns the default claims changed by kv (a nil value deletes the claim).
func with(kv ...any) claims {
	c := defaultClaims()
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// unsigned builds "header.payload." with alg none.
func unsigned(c claims) string {
	h, _ := json.Marshal(map[string]any{"alg": "none", "typ": "at+jwt", "kid": "rsa-1"})
	p, _ := json.Marshal(c)
	return b64(h) + "." + b64(p) + "."
}

// hmacWithPublicKey signs c with HS256 using the JWKS public key document of k as the secret: the classic
// algorithm-confusion attack.
func hmacWithPublicKey(t testing.TB, k testKey) string {
	t.Helper()
	pub := k.public()
	secret, err := pub.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: secret},
		(&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", k.kid))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(sig).Claims(map[string]any(defaultClaims())).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func newTestJWTVerifier(t testing.TB, jwksURL string, mod func(*JWTOptions)) *JWTVerifier {
	t.Helper()
	o := JWTOptions{Issuer: testIssuer, Audience: testResource, JWKSURL: jwksURL, Now: func() time.Time { return testNow }}
	if mod != nil {
		mod(&o)
	}
	v, err := NewJWTVerifier(o)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// clock is a test clock starting at testNow.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(testNow.UnixNano())
	return c
}

func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }
