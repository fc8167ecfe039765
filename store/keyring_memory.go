package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"sync"
)

// MemoryKeyRingOptions configures NewMemoryKeyRing.
type MemoryKeyRingOptions struct {
	// Keep is how many keys (the current one included) still open sealed data (default 3).
	Keep int
}

// MemoryKeyRing is a KeyRing in this process's memory, with random keys. It suits a single node; a
// deployment of several needs a KeyRing whose keys all nodes share (store/redis.KeyRing).
type MemoryKeyRing struct {
	keep int
	mu   sync.Mutex
	keys []Key // newest last
}

// NewMemoryKeyRing returns a ring holding one fresh key.
func NewMemoryKeyRing(opts MemoryKeyRingOptions) *MemoryKeyRing {
	if opts.Keep <= 0 {
		opts.Keep = 3
	}
	r := &MemoryKeyRing{keep: opts.Keep}
	r.keys = append(r.keys, newKey())
	return r
}

// NewKey returns a random key with a random id.
func NewKey() Key { return newKey() }

func newKey() Key {
	id := make([]byte, 6)
	secret := make([]byte, 32)
	_, _ = rand.Read(id)
	_, _ = rand.Read(secret)
	return Key{ID: base64.RawURLEncoding.EncodeToString(id), Secret: secret}
}

// Current implements KeyRing.
func (r *MemoryKeyRing) Current(context.Context) (Key, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return cloneKey(r.keys[len(r.keys)-1]), nil
}

// Lookup implements KeyRing.
func (r *MemoryKeyRing) Lookup(_ context.Context, id string) (Key, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range r.keys {
		if k.ID == id {
			return cloneKey(k), nil
		}
	}
	return Key{}, ErrNotFound
}

// Rotate implements KeyRing.
func (r *MemoryKeyRing) Rotate(context.Context) (Key, error) {
	k := newKey()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys = append(r.keys, k)
	if len(r.keys) > r.keep {
		r.keys = slices.Delete(r.keys, 0, len(r.keys)-r.keep)
	}
	return cloneKey(k), nil
}

func cloneKey(k Key) Key { return Key{ID: k.ID, Secret: slices.Clone(k.Secret)} }
