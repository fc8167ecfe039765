package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// ErrUnavailable is wrapped by the errors of verifiers that could not verify a token because something they
// depend on (the JWKS or introspection endpoint) did not answer usefully. The middleware answers 503.
var ErrUnavailable = errors.New("token verification unavailable")

// keySet is a JSON Web Key Set, either fixed or fetched from a URL and cached. A fetched set is refreshed when
// older than maxAge and when a token names a kid it does not hold, but never more often than once per
// minInterval, so that tokens with random kids cannot make it hammer the endpoint.
type keySet struct {
	url         string
	client      *http.Client
	maxAge      time.Duration
	minInterval time.Duration
	maxKeys     int
	maxBytes    int64
	now         func() time.Time

	mu      sync.RWMutex
	keys    []jose.JSONWebKey // public signing keys only
	fetched time.Time         // when keys were last fetched successfully
	gen     uint64            // counts successful fetches

	fetchMu     sync.Mutex // one fetch at a time
	lastAttempt time.Time
	lastErr     error
}

// find returns the keys of kid ("" matches every key) that can check alg.
func (s *keySet) find(kid string, alg string) []jose.JSONWebKey {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []jose.JSONWebKey
	for _, k := range s.keys {
		if kid != "" && k.KeyID != kid {
			continue
		}
		if k.Algorithm != "" && k.Algorithm != alg {
			continue
		}
		out = append(out, k)
	}
	return out
}

// keysFor returns the keys that may have signed a token with kid and alg, fetching or refreshing the set as
// needed. It returns no keys and no error when the set, as fresh as the rate limit allows, has none; an error
// wrapping ErrUnavailable when the set could not be fetched.
func (s *keySet) keysFor(ctx context.Context, kid, alg string) ([]jose.JSONWebKey, error) {
	if s.url == "" {
		return s.find(kid, alg), nil
	}
	s.mu.RLock()
	fetched, gen := s.fetched, s.gen
	s.mu.RUnlock()
	if !fetched.IsZero() && s.now().Sub(fetched) < s.maxAge {
		if ks := s.find(kid, alg); len(ks) > 0 {
			return ks, nil
		}
	}
	if err := s.refresh(ctx, gen); err != nil {
		// A stale set still serves while its endpoint is down.
		if ks := s.find(kid, alg); len(ks) > 0 {
			return ks, nil
		}
		return nil, err
	}
	return s.find(kid, alg), nil
}

// refresh fetches the set unless another caller has fetched it since generation seen, or a fetch was
// attempted less than minInterval ago (then it returns that attempt's error).
func (s *keySet) refresh(ctx context.Context, seen uint64) error {
	s.fetchMu.Lock()
	defer s.fetchMu.Unlock()
	s.mu.RLock()
	gen := s.gen
	s.mu.RUnlock()
	if gen != seen {
		return nil
	}
	now := s.now()
	if !s.lastAttempt.IsZero() && now.Sub(s.lastAttempt) < s.minInterval {
		return s.lastErr
	}
	s.lastAttempt = now
	keys, err := s.fetch(ctx)
	if err != nil {
		s.lastErr = fmt.Errorf("%w: JWKS %s: %v", ErrUnavailable, s.url, err)
		return s.lastErr
	}
	s.lastErr = nil
	s.mu.Lock()
	s.keys, s.fetched, s.gen = keys, now, s.gen+1
	s.mu.Unlock()
	return nil
}

func (s *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, s.maxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > s.maxBytes {
		return nil, fmt.Errorf("larger than %d bytes", s.maxBytes)
	}
	return parseKeySet(b, s.maxKeys)
}

// parseKeySet decodes a JWKS document and keeps its public signing keys: keys it cannot decode, symmetric
// keys, encryption keys and keys beyond maxKeys are skipped (private keys are reduced to their public half).
// A document without one usable key is an error.
func parseKeySet(b []byte, maxKeys int) ([]jose.JSONWebKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("not a JWK set: %v", err)
	}
	var keys []jose.JSONWebKey
	for _, raw := range doc.Keys {
		if len(keys) == maxKeys {
			break
		}
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil || !k.Valid() {
			continue
		}
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		pub := k.Public()
		if !pub.Valid() || !pub.IsPublic() {
			continue // symmetric keys never check a token: no HS/RS confusion
		}
		keys = append(keys, pub)
	}
	if len(keys) == 0 {
		return nil, errors.New("no usable public signing key")
	}
	return keys, nil
}
