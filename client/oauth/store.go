package oauth

import (
	"context"
	"sync"

	"golang.org/x/oauth2"
)

// Key names stored tokens: the authorization server's issuer and the protected resource.
type Key struct {
	Issuer   string
	Resource string
}

// TokenStore keeps tokens between requests (and, for a persistent store, between runs).
type TokenStore interface {
	// Load returns the token stored under k, or nil when there is none.
	Load(ctx context.Context, k Key) (*oauth2.Token, error)
	// Save stores t under k, replacing what was there.
	Save(ctx context.Context, k Key, t *oauth2.Token) error
	// Delete forgets the token under k.
	Delete(ctx context.Context, k Key) error
}

// MemoryStore is a TokenStore in memory. The zero value is ready to use.
type MemoryStore struct {
	mu sync.Mutex
	m  map[Key]*oauth2.Token
}

// Load implements TokenStore.
func (s *MemoryStore) Load(_ context.Context, k Key) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k], nil
}

// Save implements TokenStore.
func (s *MemoryStore) Save(_ context.Context, k Key, t *oauth2.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[Key]*oauth2.Token{}
	}
	s.m[k] = t
	return nil
}

// Delete implements TokenStore.
func (s *MemoryStore) Delete(_ context.Context, k Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, k)
	return nil
}
