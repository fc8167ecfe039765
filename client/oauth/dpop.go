package oauth

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// dpop makes DPoP proofs (RFC 9449) with one ES256 key and remembers the nonces servers hand out.
type dpop struct {
	signer jose.Signer

	mu     sync.Mutex
	nonces map[string]string // by origin
}

func newDPoP(key *ecdsa.PrivateKey) (*dpop, error) {
	opts := (&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt")
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, opts)
	if err != nil {
		return nil, fmt.Errorf("oauth: DPoP signer: %w", err)
	}
	return &dpop{signer: s, nonces: map[string]string{}}, nil
}

// dpopClaims are the claims of a proof.
type dpopClaims struct {
	ID    string           `json:"jti"`
	HTM   string           `json:"htm"`
	HTU   string           `json:"htu"`
	IAT   *jwt.NumericDate `json:"iat"`
	ATH   string           `json:"ath,omitempty"`
	Nonce string           `json:"nonce,omitempty"`
}

// proof returns a fresh proof for a request (method, u), bound to accessToken when not empty.
func (d *dpop) proof(method string, u *url.URL, accessToken string) (string, error) {
	htu := *u
	htu.RawQuery, htu.Fragment, htu.RawFragment = "", "", ""
	var id [16]byte
	_, _ = rand.Read(id[:])
	c := dpopClaims{ID: hex.EncodeToString(id[:]), HTM: method, HTU: htu.String(), IAT: jwt.NewNumericDate(time.Now())}
	if accessToken != "" {
		h := sha256.Sum256([]byte(accessToken))
		c.ATH = base64.RawURLEncoding.EncodeToString(h[:])
	}
	d.mu.Lock()
	c.Nonce = d.nonces[origin(u)]
	d.mu.Unlock()
	return jwt.Signed(d.signer).Claims(c).Serialize()
}

// sawNonce records resp's DPoP-Nonce; it reports whether resp asks for a retry with it (use_dpop_nonce).
func (d *dpop) sawNonce(u *url.URL, resp *http.Response) bool {
	n := resp.Header.Get("DPoP-Nonce")
	if n == "" {
		return false
	}
	d.mu.Lock()
	d.nonces[origin(u)] = n
	d.mu.Unlock()
	if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnauthorized {
		return false
	}
	return strings.Contains(strings.Join(resp.Header.Values("WWW-Authenticate"), ","), "use_dpop_nonce") ||
		resp.StatusCode == http.StatusBadRequest
}

func origin(u *url.URL) string { return strings.ToLower(u.Scheme + "://" + u.Host) }

// supportsDPoP reports whether md advertises ES256 DPoP proofs.
func supportsDPoP(md *ServerMetadata) bool {
	return slices.Contains(md.DPoPSigningAlgValuesSupported, "ES256")
}

// dpopTransport adds a proof to the token requests t.dpopFor names, and retries once with the nonce a
// use_dpop_nonce answer hands out (RFC 9449 §8).
type dpopTransport struct {
	base http.RoundTripper
	t    *Transport
}

func (dt dpopTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	d := dt.t.dpopAt(req.URL)
	if d == nil || req.Method != http.MethodPost {
		return dt.base.RoundTrip(req)
	}
	for attempt := 0; ; attempt++ {
		r := req.Clone(req.Context())
		if req.GetBody != nil {
			b, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r.Body = b
		}
		p, err := d.proof(r.Method, r.URL, "")
		if err != nil {
			return nil, err
		}
		r.Header.Set("DPoP", p)
		resp, err := dt.base.RoundTrip(r)
		if err != nil || attempt > 0 || !d.sawNonce(r.URL, resp) || req.GetBody == nil {
			return resp, err
		}
		drain(resp)
	}
}
