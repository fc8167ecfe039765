package store

import (
	"context"
	"sync"
	"time"
)

// MemorySessionOptions configures NewMemorySessionStore. The zero value means no idle timeout and no limit.
type MemorySessionOptions struct {
	// IdleTimeout expires sessions not loaded or saved for this long. Zero keeps them until deleted.
	IdleTimeout time.Duration
	// MaxSessions bounds the live sessions; Create fails with ErrLimit past it. Zero means no limit.
	MaxSessions int
	// Now is the clock (tests). Nil uses time.Now.
	Now func() time.Time
}

// MemorySessionStore is a SessionStore in this process's memory. Expiry is checked on access and swept
// during Create, so it needs no goroutine.
type MemorySessionStore struct {
	opts MemorySessionOptions
	mu   sync.Mutex
	m    map[string]*SessionState
}

// NewMemorySessionStore returns an empty in-memory session store.
func NewMemorySessionStore(opts MemorySessionOptions) *MemorySessionStore {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &MemorySessionStore{opts: opts, m: make(map[string]*SessionState)}
}

func (st *MemorySessionStore) expired(s *SessionState, now time.Time) bool {
	return st.opts.IdleTimeout > 0 && now.Sub(s.LastSeen) > st.opts.IdleTimeout
}

// Create implements SessionStore.
func (st *MemorySessionStore) Create(_ context.Context, s *SessionState) error {
	now := st.opts.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	if old, ok := st.m[s.ID]; ok && !st.expired(old, now) {
		return ErrExists
	}
	if st.opts.MaxSessions > 0 && len(st.m) >= st.opts.MaxSessions {
		st.sweepLocked(now)
		if len(st.m) >= st.opts.MaxSessions {
			return ErrLimit
		}
	}
	c := s.Clone()
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	c.LastSeen = now
	st.m[s.ID] = c
	return nil
}

func (st *MemorySessionStore) sweepLocked(now time.Time) {
	for id, s := range st.m {
		if st.expired(s, now) {
			delete(st.m, id)
		}
	}
}

// Load implements SessionStore.
func (st *MemorySessionStore) Load(_ context.Context, id string) (*SessionState, error) {
	now := st.opts.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.m[id]
	if !ok {
		return nil, ErrNotFound
	}
	if st.expired(s, now) {
		delete(st.m, id)
		return nil, ErrNotFound
	}
	s.LastSeen = now
	return s.Clone(), nil
}

// Save implements SessionStore.
func (st *MemorySessionStore) Save(_ context.Context, s *SessionState) error {
	now := st.opts.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	old, ok := st.m[s.ID]
	if !ok || st.expired(old, now) {
		delete(st.m, s.ID)
		return ErrNotFound
	}
	c := s.Clone()
	c.LastSeen = now
	st.m[s.ID] = c
	return nil
}

// Delete implements SessionStore.
func (st *MemorySessionStore) Delete(_ context.Context, id string) error {
	st.mu.Lock()
	delete(st.m, id)
	st.mu.Unlock()
	return nil
}

// Len returns the number of sessions held, expired ones included until they are swept.
func (st *MemorySessionStore) Len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.m)
}
