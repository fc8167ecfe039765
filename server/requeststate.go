package server

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/store"
)

// requestState is what the server hands a 2026-07-28 client inside requestState between rounds of a
// multi round-trip request. It is sealed (AES-256-GCM with a key of the server's key ring) so the client can
// neither read nor change it, and it is bound to the request it belongs to.
type requestState struct {
	// Method and Digest bind the state to the original request: its method and a digest of its params
	// without inputResponses, requestState and _meta.
	Method string `json:"m"`
	Digest []byte `json:"d"`
	// Principal is the authenticated caller, when there is one.
	Principal string `json:"p,omitzero"`
	// Expires is when the state lapses (Unix milliseconds).
	Expires int64 `json:"e"`
	// Answers are the client's answers from earlier rounds, by input key.
	Answers map[string]jsontext.Value `json:"a,omitzero"`
	// Pending are the keys the last round asked for; only these are taken from the retry's inputResponses.
	Pending []string `json:"k,omitzero"`
}

// stateVersion prefixes every sealed state, so the format can change without confusing old states.
const stateVersion = "v1"

// errBadState is the one answer for state that does not open: tampered, forged, from a retired key,
// expired, or presented on another request or by another principal. Telling these apart would help an
// attacker, not the client.
var errBadState = errors.New("requestState is invalid, expired or belongs to another request")

// seal encrypts st with the ring's current key: "v1.<key id>.<base64url(nonce|ciphertext)>". The key id
// and version are authenticated as additional data.
func seal(ctx context.Context, ring store.KeyRing, st *requestState) (string, error) {
	key, err := ring.Current(ctx)
	if err != nil {
		return "", fmt.Errorf("sealing requestState: %w", err)
	}
	plain, err := json.Marshal(st)
	if err != nil {
		return "", fmt.Errorf("sealing requestState: %w", err)
	}
	aead, err := newAEAD(key.Secret)
	if err != nil {
		return "", err
	}
	prefix := stateVersion + "." + key.ID + "."
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("sealing requestState: %w", err)
	}
	box := aead.Seal(nonce, nonce, plain, []byte(prefix))
	return prefix + base64.RawURLEncoding.EncodeToString(box), nil
}

// open decrypts and verifies a sealed state: its key, integrity, expiry and binding to method, digest and
// principal. Every failure is errBadState.
func open(ctx context.Context, ring store.KeyRing, sealed, method string, digest []byte, principal string, now time.Time) (*requestState, error) {
	version, rest, ok := strings.Cut(sealed, ".")
	if !ok || version != stateVersion {
		return nil, errBadState
	}
	keyID, body, ok := strings.Cut(rest, ".")
	if !ok || keyID == "" {
		return nil, errBadState
	}
	key, err := ring.Lookup(ctx, keyID)
	if err != nil {
		return nil, errBadState
	}
	box, err := base64.RawURLEncoding.Strict().DecodeString(body) // Strict: one text per sealed state
	if err != nil {
		return nil, errBadState
	}
	aead, err := newAEAD(key.Secret)
	if err != nil || len(box) < aead.NonceSize()+aead.Overhead() {
		return nil, errBadState
	}
	plain, err := aead.Open(nil, box[:aead.NonceSize()], box[aead.NonceSize():], []byte(sealed[:len(version)+1+len(keyID)+1]))
	if err != nil {
		return nil, errBadState
	}
	var st requestState
	if err := json.Unmarshal(plain, &st); err != nil {
		return nil, errBadState
	}
	if st.Method != method || string(st.Digest) != string(digest) || st.Principal != principal || now.UnixMilli() > st.Expires {
		return nil, errBadState
	}
	return &st, nil
}

func newAEAD(secret []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, fmt.Errorf("requestState key: %w", err)
	}
	return cipher.NewGCM(block)
}

// paramsDigest is a SHA-256 of the request's params without the members that change between rounds
// (inputResponses, requestState) and _meta, in canonical JSON (RFC 8785), so re-encoding by the client
// does not break the binding.
func paramsDigest(params jsontext.Value) ([]byte, error) {
	var members map[string]jsontext.Value
	if len(params) > 0 {
		if err := json.Unmarshal(params, &members); err != nil {
			return nil, err
		}
	}
	delete(members, "inputResponses")
	delete(members, "requestState")
	delete(members, "_meta")
	raw, err := json.Marshal(members, json.Deterministic(true))
	if err != nil {
		return nil, err
	}
	v := jsontext.Value(raw)
	if err := v.Canonicalize(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(v)
	return sum[:], nil
}
