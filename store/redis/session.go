package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-json-experiment/json"
	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/store"
)

// SessionStore is a store.SessionStore on Redis: one key per session, "<prefix>s:{<id>}", holding the
// state as JSON, its TTL (Options.SessionTTL) refreshed by every Load and Save. Each call is one round
// trip. It has no session limit of its own: the transports count the sessions each node admits.
type SessionStore struct {
	c    goredis.UniversalClient
	opts Options
}

var _ store.SessionStore = (*SessionStore)(nil)

func (st *SessionStore) key(id string) string { return st.opts.Prefix + "s:{" + id + "}" }

// ttl is the expiry to set; 0 (no expiry) for a negative SessionTTL.
func (st *SessionStore) ttl() time.Duration {
	if st.opts.SessionTTL < 0 {
		return 0
	}
	return st.opts.SessionTTL
}

// Create implements store.SessionStore.
func (st *SessionStore) Create(ctx context.Context, s *store.SessionState) error {
	c := s.Clone()
	now := time.Now()
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	c.LastSeen = now
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("store/redis: encoding session %q: %w", s.ID, err)
	}
	ok, err := st.c.SetNX(ctx, st.key(s.ID), b, st.ttl()).Result()
	if err != nil {
		return fmt.Errorf("store/redis: creating session: %w", err)
	}
	if !ok {
		return store.ErrExists
	}
	return nil
}

// Load implements store.SessionStore. LastSeen is the time of this Load (the TTL records it in Redis).
func (st *SessionStore) Load(ctx context.Context, id string) (*store.SessionState, error) {
	var cmd *goredis.StringCmd
	if ttl := st.ttl(); ttl > 0 {
		cmd = st.c.GetEx(ctx, st.key(id), ttl)
	} else {
		cmd = st.c.Get(ctx, st.key(id))
	}
	b, err := cmd.Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store/redis: loading session: %w", err)
	}
	var s store.SessionState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("store/redis: session %q holds undecodable state: %w", id, err)
	}
	s.LastSeen = time.Now()
	return &s, nil
}

// Save implements store.SessionStore: it replaces the state only while the session exists (SET XX).
func (st *SessionStore) Save(ctx context.Context, s *store.SessionState) error {
	c := *s
	c.LastSeen = time.Now()
	b, err := json.Marshal(&c)
	if err != nil {
		return fmt.Errorf("store/redis: encoding session %q: %w", s.ID, err)
	}
	ok, err := st.c.SetXX(ctx, st.key(s.ID), b, st.ttl()).Result()
	if err != nil {
		return fmt.Errorf("store/redis: saving session: %w", err)
	}
	if !ok {
		return store.ErrNotFound
	}
	return nil
}

// Delete implements store.SessionStore. The session's event log is EventStore.DeleteSession's (the
// transports call both).
func (st *SessionStore) Delete(ctx context.Context, id string) error {
	if err := st.c.Del(ctx, st.key(id)).Err(); err != nil {
		return fmt.Errorf("store/redis: deleting session: %w", err)
	}
	return nil
}
