package authserver

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// signingKey is one key of the ring (op.SigningKey).
type signingKey struct {
	id      string
	alg     jose.SignatureAlgorithm
	priv    crypto.Signer
	retired time.Time // zero while current
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *signingKey) Key() any                                    { return k.priv }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is a key of the JWKS (op.Key).
type publicKey struct{ k *signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return p.k.alg }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return p.k.priv.Public() }

// keyRing holds the current signing key and the retired ones still in their grace period.
type keyRing struct {
	alg   jose.SignatureAlgorithm
	grace time.Duration
	now   func() time.Time

	mu   sync.Mutex
	keys []*signingKey // current first
}

func newKeyRing(alg jose.SignatureAlgorithm, grace time.Duration, now func() time.Time) (*keyRing, error) {
	r := &keyRing{alg: alg, grace: grace, now: now}
	if err := r.rotate(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *keyRing) rotate() error {
	var priv crypto.Signer
	var err error
	switch r.alg {
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		return fmt.Errorf("authserver: generating a key: %w", err)
	}
	k := &signingKey{id: randomString(9), alg: r.alg, priv: priv}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if len(r.keys) > 0 {
		r.keys[0].retired = now
	}
	r.keys = append([]*signingKey{k}, r.keys...)
	r.pruneLocked(now)
	return nil
}

func (r *keyRing) pruneLocked(now time.Time) {
	kept := r.keys[:1]
	for _, k := range r.keys[1:] {
		if now.Sub(k.retired) <= r.grace {
			kept = append(kept, k)
		}
	}
	r.keys = kept
}

func (r *keyRing) current() *signingKey {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.keys[0]
}

// valid returns the current key and the retired ones within their grace period.
func (r *keyRing) valid() []*signingKey {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pruneLocked(r.now())
	return append([]*signingKey(nil), r.keys...)
}

// tokenCodec is the provider's op.Crypto. The provider calls Encrypt with "ID:subject" to make an access
// token (it then is an RFC 9068 JWT built here from the stored grant and signed with go-jose: the provider's
// own JWTs carry typ JWT, RFC 9068 asks for at+jwt) and with an authorization request ID to make a code (a
// fresh random string: the request ID is seen in the consent URL). Decrypt verifies an access token and
// returns "ID:subject" for introspection, userinfo and revocation.
type tokenCodec struct{ s *Server }

// atClaims are the claims of an access token (RFC 9068).
type atClaims struct {
	jwt.Claims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope,omitempty"`
}

func (c *tokenCodec) Encrypt(in string) (string, error) {
	id, _, ok := strings.Cut(in, ":")
	if !ok || !strings.HasPrefix(id, "at-") {
		return randomString(32), nil // an authorization code
	}
	st := c.s.st
	st.mu.Lock()
	g, found := st.access[id]
	st.mu.Unlock()
	if !found {
		return "", errors.New("authserver: unknown access token ID")
	}
	k := c.s.keys.current()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: jose.JSONWebKey{Key: k.priv, KeyID: k.id}},
		(&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		return "", err
	}
	claims := atClaims{
		Claims: jwt.Claims{
			Issuer:   c.s.issuer,
			Subject:  g.subject,
			Expiry:   jwt.NewNumericDate(g.expiry),
			IssuedAt: jwt.NewNumericDate(g.issuedAt),
			ID:       g.id,
		},
		ClientID: g.clientID,
		Scope:    strings.Join(accessScopes(g.scopes), " "),
	}
	if g.resource != "" {
		claims.Audience = jwt.Audience{g.resource}
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

func (c *tokenCodec) Decrypt(token string) (string, error) {
	claims, err := c.s.verify(token)
	if err != nil {
		return "", err
	}
	return claims.ID + ":" + claims.Subject, nil
}

// verify checks an access token's signature (current or retired-in-grace key), typ, issuer and expiry.
func (s *Server) verify(token string) (*atClaims, error) {
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{s.keys.alg})
	if err != nil {
		return nil, err
	}
	if len(tok.Headers) != 1 || tok.Headers[0].ExtraHeaders["typ"] != "at+jwt" {
		return nil, errors.New("not an access token (typ at+jwt)")
	}
	var key *signingKey
	for _, k := range s.keys.valid() {
		if k.id == tok.Headers[0].KeyID {
			key = k
		}
	}
	if key == nil {
		return nil, errors.New("unknown or retired key")
	}
	var claims atClaims
	if err := tok.Claims(key.priv.Public(), &claims); err != nil {
		return nil, err
	}
	if err := claims.ValidateWithLeeway(jwt.Expected{Issuer: s.issuer, Time: s.opts.Now()}, 0); err != nil {
		return nil, err
	}
	return &claims, nil
}
