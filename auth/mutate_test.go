package auth

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

var mutations = flag.Int("auth.mutations", 10000, "how many random and mutated tokens TestMutatedTokensRefused tries")

// mutate returns a token derived from the valid tokens good that is not one of them: a bit flip, a truncation,
// segments swapped between tokens, a re-encoding (changed JSON under the old signature, standard base64,
// padding, non-canonical trailing bits), another alg in the header, or random text.
func mutate(r *rand.Rand, good []string, mint func(c claims) string) string {
	tok := good[r.IntN(len(good))]
	other := good[r.IntN(len(good))]
	parts := strings.Split(tok, ".")
	oparts := strings.Split(other, ".")
	switch r.IntN(11) {
	case 0: // bit flip
		b := []byte(tok)
		i := r.IntN(len(b))
		b[i] ^= 1 << r.IntN(8)
		return string(b)
	case 1: // truncation
		return tok[:r.IntN(len(tok))]
	case 2: // header or payload of another token under this signature
		if r.IntN(2) == 0 {
			return oparts[0] + "." + parts[1] + "." + parts[2]
		}
		return parts[0] + "." + oparts[1] + "." + parts[2]
	case 3: // payload re-encoded with one claim changed, the signature kept
		var c map[string]any
		p, _ := base64.RawURLEncoding.DecodeString(parts[1])
		_ = json.Unmarshal(p, &c)
		switch r.IntN(5) {
		case 0:
			c["sub"] = "root"
		case 1:
			c["scope"] = "Admin.Read User.Read User.Write"
		case 2:
			c["exp"] = testNow.Add(100 * time.Hour).Unix()
		case 3:
			c["aud"] = []string{testResource, "https://x.example"}
		case 4:
			c["extra"] = r.Int()
		}
		nb, _ := json.Marshal(c)
		return parts[0] + "." + b64(nb) + "." + parts[2]
	case 4: // the header's alg changed
		var h map[string]any
		hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
		_ = json.Unmarshal(hb, &h)
		h["alg"] = []string{"none", "HS256", "RS384", "ES256", "PS256", "EdDSA", "RS256", ""}[r.IntN(8)]
		nb, _ := json.Marshal(h)
		return b64(nb) + "." + parts[1] + "." + parts[2]
	case 5: // standard base64 or padding: another encoding of the same bytes
		seg := r.IntN(3)
		raw, _ := base64.RawURLEncoding.DecodeString(parts[seg])
		if r.IntN(2) == 0 {
			parts[seg] = base64.StdEncoding.EncodeToString(raw)
		} else {
			parts[seg] = base64.URLEncoding.EncodeToString(raw)
		}
		return strings.Join(parts, ".")
	case 6: // non-canonical trailing bits in one segment: the same bytes, another string
		seg := r.IntN(3)
		s := parts[seg]
		if len(s)%4 == 0 {
			return tok + "."
		}
		last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", s[len(s)-1])
		unused := 4 // 2 characters carry 1 byte: 4 bits unused
		if len(s)%4 == 3 {
			unused = 2
		}
		last ^= 1 + r.IntN(1<<unused-1)
		parts[seg] = s[:len(s)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last])
		return strings.Join(parts, ".")
	case 7: // the signature of another token
		if oparts[2] == parts[2] {
			return tok + "x"
		}
		return parts[0] + "." + parts[1] + "." + oparts[2]
	case 8: // extra or missing segments
		switch r.IntN(3) {
		case 0:
			return tok + "." + parts[2]
		case 1:
			return parts[0] + "." + parts[1]
		default:
			return parts[0] + ".." + parts[2]
		}
	case 9: // a fresh token that is wrong in one claim, signed by the right key
		return mint(with([]any{"iss", "https://evil.example", "aud", "https://x.example", "exp", testNow.Add(-time.Hour).Unix(),
			"nbf", testNow.Add(time.Hour).Unix(), "sub", ""}[2*r.IntN(5):][:2]...))
	default: // random text shaped like a JWT
		const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		var b strings.Builder
		for i := range 3 {
			if i > 0 {
				b.WriteByte('.')
			}
			for range r.IntN(200) {
				b.WriteByte(alpha[r.IntN(len(alpha))])
			}
		}
		return b.String()
	}
}

// TestMutatedTokensRefused: 10,000 random and mutated tokens (go test -auth.mutations=N for more), none
// accepted by the JWT verifier.
func TestMutatedTokensRefused(t *testing.T) {
	testKeys(t)
	v, err := NewJWTVerifier(JWTOptions{Issuer: testIssuer, Audience: testResource, JWKS: jwksOf(rsaKey, ecKey, edKey),
		Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	good := []string{
		mint(t, rsaKey, defaultClaims(), "at+jwt"),
		mint(t, ecKey, defaultClaims(), "at+jwt"),
		mint(t, edKey, defaultClaims(), "at+jwt"),
	}
	// Fresh wrong tokens are signed by the Ed25519 key: cheap to make.
	bad := map[int]string{}
	mintBad := func(c claims) string {
		b, _ := json.Marshal(c)
		if tok, ok := bad[len(b)]; ok {
			return tok
		}
		tok := mint(t, edKey, c, "at+jwt")
		bad[len(b)] = tok
		return tok
	}
	for _, g := range good {
		if _, err := v.Verify(t.Context(), g); err != nil {
			t.Fatalf("a valid token is refused: %v", err)
		}
	}
	r := rand.New(rand.NewPCG(13, 2026))
	accepted, tried := 0, 0
	for tried < *mutations {
		tok := mutate(r, good, mintBad)
		if tok == good[0] || tok == good[1] || tok == good[2] {
			continue
		}
		tried++
		p, err := v.Verify(t.Context(), tok)
		if err == nil {
			accepted++
			if accepted <= 5 {
				t.Errorf("accepted %q as %+v", tok, p)
			}
		} else if !isInvalid(err) {
			t.Fatalf("%q: %v, want an invalid token", tok, err)
		}
	}
	if accepted > 0 {
		t.Fatalf("%d of %d mutated tokens accepted", accepted, tried)
	}
}
